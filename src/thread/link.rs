//! Blocks -> tree: reply links from indentation and markers (nested pages) or from
//! quotes of earlier comments (flat pages), the cleaned text, and stable keys.
//!
//! Performance: this runs once per comment, so it avoids per-comment overhead that does
//! not change the result: the text is built in a buffer of the right size, the key's
//! hash state after the (constant) source name is computed once, and keys and dates are
//! written without the `fmt` machinery.

use super::parse::{parse_date_as, DateKind, Decoded, Marker};
use super::{Comment, Structure};

/// A comment as cut from the page, before linking. Offsets are in the decoded text.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    /// Indentation of the opening line.
    pub indent: usize,
    /// The marker that opened it, if any.
    pub marker: Option<Marker>,
    /// Author from an author line.
    pub author: Option<String>,
    /// Date line as written.
    pub date_raw: Option<String>,
    /// Its shape, as the parser found it (set with `date_raw`): spares a second match.
    pub date_kind: Option<DateKind>,
    /// Body lines: indices into the page's shared list of (start, end) line contents
    /// (one buffer for all blocks instead of a vector each).
    pub body: std::ops::Range<usize>,
    /// From the opening line's first character to the end of the last line.
    pub span: (usize, usize),
}

/// How many words a flat comment must share with an earlier one to be its reply.
const QUOTE_WORDS: usize = 8;

/// Links blocks into comments.
pub(crate) fn link(
    source: &str,
    structure: Structure,
    page: &Decoded,
    blocks: Vec<Block>,
    bodies: &[(usize, usize)],
) -> Vec<Comment> {
    let mut comments: Vec<Comment> = Vec::with_capacity(blocks.len());
    let mut stack: Vec<(usize, Option<Marker>, usize)> = Vec::new(); // (indent, marker, index)
                                                                     // Occurrences of each text, by hash: two identical "+1" get distinct keys. The keys
                                                                     // are already hashes, so the map uses them as they are.
    let mut seen = std::collections::HashMap::<u64, u32, BuildIdentity>::with_capacity_and_hasher(
        blocks.len(),
        BuildIdentity,
    );
    let src_name = std::path::Path::new(source)
        .file_name()
        .map_or_else(|| source.to_string(), |n| n.to_string_lossy().into_owned());
    let key_seed = key_prefix(&src_name);
    for (i, b) in blocks.into_iter().enumerate() {
        let index = i + 1;
        let text = body_text(&page.text, &bodies[b.body.clone()]);
        let (parent, depth) = match structure {
            Structure::Nested => nest(&mut stack, &b, index),
            _ => (None, 0),
        };
        let n = seen.entry(text_hash(&text)).or_insert(0);
        let key = key_from(key_seed, &text, *n);
        *n += 1;
        comments.push(Comment {
            index,
            parent,
            depth,
            author: b.author,
            date: b.date_raw.as_deref().map(|d| {
                // `date_raw` is a trimmed line whose shape is `date_kind`, so this is
                // `parse_date(d)`.
                b.date_kind
                    .and_then(|k| parse_date_as(d, k))
                    .unwrap_or_else(|| d.to_string())
            }),
            date_raw: b.date_raw,
            text,
            span: (page.original(b.span.0), page.original(b.span.1)),
            inferred: false,
            key,
        });
    }
    if structure == Structure::Flat {
        infer_quotes(&mut comments);
    }
    comments
}

/// Parent and depth of a nested comment from the comments before it: numbered markers are
/// top level; otherwise deeper indentation (or, at equal indentation, a bullet not yet
/// used at that indentation) makes a child.
fn nest(
    stack: &mut Vec<(usize, Option<Marker>, usize)>,
    b: &Block,
    index: usize,
) -> (Option<usize>, usize) {
    if matches!(b.marker, Some(Marker::Number(_))) {
        stack.clear();
    }
    while stack.last().is_some_and(|t| t.0 > b.indent) {
        stack.pop();
    }
    if let Some(top) = stack.last().copied() {
        if top.0 == b.indent {
            let same_level = |m: &Option<Marker>| match (m, &b.marker) {
                (Some(Marker::Bullet(x)), Some(Marker::Bullet(y))) => x == y,
                (Some(Marker::Bullet(_)), _) | (_, Some(Marker::Bullet(_))) => false,
                _ => true,
            };
            if let Some(pos) = stack
                .iter()
                .rposition(|e| e.0 == b.indent && same_level(&e.1))
            {
                stack.truncate(pos);
            }
            // else: a new bullet at the same indentation is one level deeper.
        }
    }
    let parent = stack.last().map(|t| t.2);
    let depth = stack.len();
    stack.push((b.indent, b.marker, index));
    (parent, depth)
}

/// The body: each line stripped of indentation, joined by one `\n`, blank lines dropped.
fn body_text(page: &str, body: &[(usize, usize)]) -> String {
    // Room for every line and separator: one allocation, no regrowth.
    let cap = body.iter().map(|&(s, e)| e - s + 1).sum::<usize>();
    let mut out = String::with_capacity(cap);
    for &(s, e) in body {
        let line = page[s..e].trim();
        if line.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

/// Lower-cased words, punctuation and guillemets aside.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// At most this many distinct continuations are kept per 8-word shingle: only a page
/// built to defeat the index (thousands of comments sharing eight words, then all
/// different) reaches it, and then the earliest ones are kept, as ties prefer them.
const MAX_CANDIDATES: usize = 256;

/// A flat comment that opens with `QUOTE_WORDS` consecutive words of an earlier comment
/// replies to it (the longest such match; the earliest on ties).
///
/// Linear: every 8-word shingle of the comments before is indexed by hash with the
/// places it occurs, so a comment only compares its opening with the earlier places that
/// share it (instead of every window of every earlier comment). Places whose whole
/// remaining text is the same as an earlier place's would give the same run and lose the
/// tie, so they are not indexed twice.
fn infer_quotes(comments: &mut [Comment]) {
    use std::collections::{HashMap, HashSet};
    let all: Vec<Vec<String>> = comments.iter().map(|c| words(&c.text)).collect();
    let hashes: Vec<Vec<u64>> = all
        .iter()
        .map(|w| w.iter().map(|x| text_hash(x)).collect())
        .collect();
    let shingle = |h: &[u64]| {
        h.iter()
            .fold(FNV_OFFSET, |acc, &x| (acc ^ x).wrapping_mul(FNV_PRIME))
    };
    let mut index: HashMap<u64, Vec<(u32, u32)>, BuildIdentity> =
        HashMap::with_hasher(BuildIdentity);
    let mut indexed: HashSet<(u64, u64)> = HashSet::new();
    for i in 0..comments.len() {
        let w = &all[i];
        if w.len() >= QUOTE_WORDS {
            let head = &w[..QUOTE_WORDS];
            let mut best: Option<(usize, usize)> = None; // (earlier index, run length)
            if let Some(cands) = index.get(&shingle(&hashes[i][..QUOTE_WORDS])) {
                for &(j, p) in cands {
                    let (j, p) = (j as usize, p as usize);
                    let e = &all[j];
                    if &e[p..p + QUOTE_WORDS] != head {
                        continue;
                    }
                    let r = e[p..]
                        .iter()
                        .zip(w.iter())
                        .take_while(|(a, b)| a == b)
                        .count();
                    // Candidates come in comment order: the earliest wins ties.
                    if best.is_none_or(|(_, br)| r > br) {
                        best = Some((j, r));
                    }
                }
            }
            if let Some((j, _)) = best {
                comments[i].parent = Some(comments[j].index);
                comments[i].depth = comments[j].depth + 1;
                comments[i].inferred = true;
            }
        }
        // Index this comment's shingles for the comments after it.
        let h = &hashes[i];
        if h.len() >= QUOTE_WORDS {
            // Hash of the words from each place to the end, to skip repeated places.
            let mut suffix = vec![0u64; h.len() + 1];
            for p in (0..h.len()).rev() {
                suffix[p] = (suffix[p + 1] ^ h[p])
                    .wrapping_mul(FNV_PRIME)
                    .rotate_left(5);
            }
            for p in 0..=h.len() - QUOTE_WORDS {
                let key = shingle(&h[p..p + QUOTE_WORDS]);
                if !indexed.insert((key, suffix[p])) {
                    continue;
                }
                let list = index.entry(key).or_default();
                if list.len() < MAX_CANDIDATES {
                    list.push((i as u32, p as u32));
                }
            }
        }
    }
}

fn text_hash(t: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    t.hash(&mut h);
    h.finish()
}

/// A hasher for keys that already are good 64-bit hashes: passes them through.
#[derive(Default, Clone, Copy)]
struct BuildIdentity;

impl std::hash::BuildHasher for BuildIdentity {
    type Hasher = Identity;
    fn build_hasher(&self) -> Identity {
        Identity(0)
    }
}

/// See `BuildIdentity`.
struct Identity(u64);

impl std::hash::Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed; this fallback keeps any other use correct.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

// The crate's one FNV-1a (also the lexicon checksum's and the model checksum's).
use crate::features::ngrams::{fnv1a as fnv, FNV_OFFSET};

/// The FNV prime, used as the multiplier that chains word hashes into shingle hashes.
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// A stable key: FNV-1a over the source name, 0xff, the text, 0xff and the occurrence
/// number of that text in the page as 4 little-endian bytes (so two identical "+1"
/// comments keep distinct keys).
pub(crate) fn key(source: &str, text: &str, occurrence: u32) -> String {
    key_from(key_prefix(source), text, occurrence)
}

/// The FNV-1a state after the source name and its 0xff separator (the same for every
/// comment of a page).
pub(crate) fn key_prefix(source: &str) -> u64 {
    fnv(fnv(FNV_OFFSET, source.as_bytes()), &[0xff])
}

/// `key` from the state `key_prefix` returned: the rest of the hash, as 16 hex digits.
fn key_from(prefix: u64, text: &str, occurrence: u32) -> String {
    key_from_parts(prefix, &[text], occurrence)
}

/// `key_from` of the concatenation of `parts`, without building it.
pub(crate) fn key_from_parts(prefix: u64, parts: &[&str], occurrence: u32) -> String {
    let h = parts.iter().fold(prefix, |h, p| fnv(h, p.as_bytes()));
    let h = fnv(h, &[0xff]);
    let h = fnv(h, &occurrence.to_le_bytes());
    // `format!("{h:016x}")` without the formatting machinery.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(16);
    for i in (0..16).rev() {
        out.push(char::from(HEX[((h >> (i * 4)) & 0xf) as usize]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(indent: usize, marker: Option<Marker>) -> Block {
        Block {
            indent,
            marker,
            author: None,
            date_raw: None,
            date_kind: None,
            body: 0..0,
            span: (0, 0),
        }
    }

    #[test]
    fn nesting_by_indentation_and_bullets() {
        let mut st = Vec::new();
        let n1 = Some(Marker::Number(1));
        let dot = Some(Marker::Bullet('•'));
        let circ = Some(Marker::Bullet('◦'));
        assert_eq!(nest(&mut st, &block(2, n1), 1), (None, 0));
        assert_eq!(nest(&mut st, &block(4, dot), 2), (Some(1), 1));
        assert_eq!(nest(&mut st, &block(6, circ), 3), (Some(2), 2));
        assert_eq!(nest(&mut st, &block(4, dot), 4), (Some(1), 1));
        assert_eq!(
            nest(&mut st, &block(1, Some(Marker::Number(10))), 5),
            (None, 0)
        );
        // No indentation at all: a new bullet kind is a level deeper, a known one a sibling.
        let mut st = Vec::new();
        assert_eq!(nest(&mut st, &block(0, dot), 1), (None, 0));
        assert_eq!(nest(&mut st, &block(0, circ), 2), (Some(1), 1));
        assert_eq!(nest(&mut st, &block(0, circ), 3), (Some(1), 1));
        assert_eq!(nest(&mut st, &block(0, dot), 4), (None, 0));
    }

    #[test]
    fn quote_inference_needs_eight_words() {
        let mk = |i: usize, t: &str| Comment {
            index: i,
            parent: None,
            depth: 0,
            author: None,
            date: None,
            date_raw: None,
            text: t.into(),
            span: (0, 0),
            inferred: false,
            key: String::new(),
        };
        let mut cs = vec![
            mk(1, "Le conseil municipal a voté le budget hier soir, enfin."),
            mk(2, "Rien à voir."),
            mk(
                3,
                "« Le conseil municipal a voté le budget hier soir » : et alors ?",
            ),
            mk(4, "Le conseil municipal a voté le budget, bravo."),
        ];
        infer_quotes(&mut cs);
        assert_eq!(
            (cs[2].parent, cs[2].depth, cs[2].inferred),
            (Some(1), 1, true)
        );
        assert_eq!(cs[3].parent, None, "7 words only");
    }

    /// The quadratic definition `infer_quotes` replaced: every window of every earlier
    /// comment compared with the opening.
    fn reference_quotes(comments: &[Comment]) -> Vec<Option<usize>> {
        let all: Vec<Vec<String>> = comments.iter().map(|c| words(&c.text)).collect();
        let mut parents = vec![None; comments.len()];
        for i in 0..comments.len() {
            let w = &all[i];
            if w.len() < QUOTE_WORDS {
                continue;
            }
            let head = &w[..QUOTE_WORDS];
            let mut best: Option<(usize, usize)> = None;
            for (j, e) in all.iter().enumerate().take(i) {
                let run = e
                    .windows(QUOTE_WORDS)
                    .enumerate()
                    .filter(|(_, win)| *win == head)
                    .map(|(p, _)| {
                        e[p..]
                            .iter()
                            .zip(w.iter())
                            .take_while(|(a, b)| a == b)
                            .count()
                    })
                    .max();
                if let Some(r) = run {
                    if best.is_none_or(|(_, br)| r > br) {
                        best = Some((j, r));
                    }
                }
            }
            parents[i] = best.map(|(j, _)| j + 1);
        }
        parents
    }

    fn plain(i: usize, t: &str) -> Comment {
        Comment {
            index: i,
            parent: None,
            depth: 0,
            author: None,
            date: None,
            date_raw: None,
            text: t.into(),
            span: (0, 0),
            inferred: false,
            key: String::new(),
        }
    }

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn indexed_quotes_match_the_quadratic_definition(
            texts in proptest::collection::vec(
                proptest::collection::vec(prop_oneof![Just("a"), Just("b"), Just("c"), Just("Le"), Just("«")], 0..24),
                0..30,
            )
        ) {
            let mut cs: Vec<Comment> = texts
                .iter()
                .enumerate()
                .map(|(i, w)| plain(i + 1, &w.join(" ")))
                .collect();
            let expected = reference_quotes(&cs);
            infer_quotes(&mut cs);
            let got: Vec<Option<usize>> = cs.iter().map(|c| c.parent).collect();
            prop_assert_eq!(got, expected);
        }
    }

    #[test]
    fn quotes_are_linear_on_a_large_flat_page() {
        // 20,000 comments, each quoting the one before: the quadratic search took
        // seconds here; the index answers at once (and exactly).
        let mut cs: Vec<Comment> = (0..20_000)
            .map(|i| {
                plain(
                    i + 1,
                    &format!("un deux trois quatre cinq six sept huit {i} neuf"),
                )
            })
            .collect();
        infer_quotes(&mut cs);
        assert_eq!(cs[0].parent, None);
        // All share the same eight words: the earliest comment with the longest run wins.
        assert!(cs[1..].iter().all(|c| c.parent == Some(1) && c.inferred));
    }

    #[test]
    fn keys_are_stable_and_distinct() {
        assert_eq!(key("a.txt", "+1", 0), key("a.txt", "+1", 0));
        assert_ne!(key("a.txt", "+1", 0), key("a.txt", "+1", 1));
        assert_ne!(key("a.txt", "+1", 0), key("b.txt", "+1", 0));
        // The reference definition, byte by byte.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in "a.txt"
            .bytes()
            .chain([0xff])
            .chain("é +1".bytes())
            .chain([0xff])
            .chain(7u32.to_le_bytes())
        {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        assert_eq!(key("a.txt", "é +1", 7), format!("{h:016x}"));
    }
}
