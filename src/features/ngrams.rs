//! Signed hashed n-grams of the normalised text: word 1–2-grams and character 3–5-grams
//! taken inside word boundaries with a space pad (like scikit-learn's `char_wb`). The hash
//! is fixed and written here (`hash_bytes`: 8-byte chunks through the splitmix64
//! finaliser), so a model file means the same on every machine; its low bits pick the
//! bucket and its top bit the sign. FNV-1a is kept for the lexicon checksum.

use super::FeatureValidParams;

/// FNV-1a 64-bit offset basis.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Continues an FNV-1a 64 hash over `bytes`.
#[inline]
pub fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// Word and char n-grams get different seeds, so the word "con" and the trigram "con"
/// are different features.
const WORD_SEED: u64 = FNV_OFFSET ^ 0x77;
const CHAR_SEED: u64 = FNV_OFFSET ^ 0x63;

/// The splitmix64 finaliser: a full avalanche of 64 bits.
#[inline]
fn mix(mut h: u64) -> u64 {
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The n-gram hash: the length, then each little-endian 8-byte chunk (the last one
/// zero-padded) xored in and mixed. One or two mixes per n-gram, where a byte-wise hash
/// needed a multiply per byte: this was the hot spot of extraction.
#[inline]
pub fn hash_bytes(seed: u64, b: &[u8]) -> u64 {
    let mut h = seed ^ (b.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = mix(h ^ u64::from_le_bytes(w));
    }
    let r = chunks.remainder();
    if !r.is_empty() {
        let mut w = [0u8; 8];
        w[..r.len()].copy_from_slice(r);
        h = mix(h ^ u64::from_le_bytes(w));
    }
    h
}

/// Words of a normalised text: maximal runs of alphanumeric chars, as byte ranges.
pub fn words(text: &str, out: &mut Vec<(u32, u32)>) {
    out.clear();
    let mut start: Option<usize> = None;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // ASCII bytes (most of a normalised text) are classified without decoding.
        let (alnum, len) = if bytes[i] < 0x80 {
            (bytes[i].is_ascii_alphanumeric(), 1)
        } else {
            let c = text[i..].chars().next().expect("char boundary");
            (c.is_alphanumeric(), c.len_utf8())
        };
        if alnum {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push((s as u32, i as u32));
        }
        i += len;
    }
    if let Some(s) = start {
        out.push((s as u32, text.len() as u32));
    }
}

/// Calls `f(hash, description)` for every n-gram; `describe` says whether the description
/// is needed (only for `explain`), so the hot path never builds strings.
fn for_each_ngram(
    text: &str,
    words_buf: &[(u32, u32)],
    params: &FeatureValidParams,
    describe: bool,
    mut f: impl FnMut(u64, Option<String>),
) {
    let p = params.params();
    let (wlo, whi) = p.word_ngrams;
    let (clo, chi) = p.char_ngrams;
    let b = text.as_bytes();
    for i in 0..words_buf.len() {
        // A word n-gram chains its words: h_k = H(rotl(h_{k-1}, 5) ^ seed, w_k).
        let mut h = 0u64;
        for n in 1..=whi {
            let Some(&(s, e)) = words_buf.get(i + n - 1) else {
                break;
            };
            h = hash_bytes(h.rotate_left(5) ^ WORD_SEED, &b[s as usize..e as usize]);
            if n >= wlo {
                let d = describe.then(|| {
                    let ws: Vec<&str> = words_buf[i..i + n]
                        .iter()
                        .map(|&(s, e)| &text[s as usize..e as usize])
                        .collect();
                    format!("w:{}", ws.join(" "))
                });
                f(h, d);
            }
        }
    }
    // Char n-grams over " word " (the pad marks word edges); positions are char
    // boundaries, so accented or non-Latin words never split a char.
    let mut padded: Vec<u8> = Vec::with_capacity(64);
    let mut bounds: Vec<usize> = Vec::with_capacity(64);
    for &(s, e) in words_buf {
        let w = &text[s as usize..e as usize];
        padded.clear();
        padded.push(b' ');
        padded.extend_from_slice(w.as_bytes());
        padded.push(b' ');
        if w.is_ascii() && !describe && chi <= 8 {
            // Fast path, same hashes as `hash_bytes`: an ASCII n-gram of ≤ 8 bytes is
            // one little-endian load masked to its length, then one mix. Every byte is
            // a char, so no char boundaries are needed.
            let nchars = padded.len();
            padded.extend_from_slice(&[0u8; 8]);
            let short = nchars < clo;
            let (lo, hi) = if short { (nchars, nchars) } else { (clo, chi) };
            for st in 0..nchars {
                let chunk: [u8; 8] = padded[st..st + 8].try_into().expect("8 bytes");
                let word = u64::from_le_bytes(chunk);
                for n in lo..=hi.min(nchars - st) {
                    let g = if n >= 8 {
                        word
                    } else {
                        word & ((1u64 << (8 * n)) - 1)
                    };
                    let h = CHAR_SEED ^ (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                    f(mix(h ^ g), None);
                }
                if short {
                    break;
                }
            }
            continue;
        }
        bounds.clear();
        bounds.push(0);
        bounds.extend(w.char_indices().map(|(k, _)| 1 + k));
        bounds.push(1 + w.len());
        bounds.push(padded.len());
        let nchars = bounds.len() - 1;
        let mut emit = |from: usize, to: usize| {
            let g = &padded[bounds[from]..bounds[to]];
            f(
                hash_bytes(CHAR_SEED, g),
                describe.then(|| format!("c:{}", String::from_utf8_lossy(g))),
            );
        };
        if nchars < clo {
            // A short word ("a", "y") still gives its whole padded form.
            emit(0, nchars);
            continue;
        }
        for st in 0..nchars {
            for n in clo..=chi {
                if st + n > nchars {
                    break;
                }
                emit(st, st + n);
            }
        }
    }
}

/// Seeds of the scoped word features: a word under negation ("ne sont pas des
/// voleurs") or inside reported speech (a quotation, or after "ceux qui disent que") is
/// also counted as a feature of its own, so the model can learn that "voleurs" asserted
/// and "voleurs" denied or quoted are not the same evidence.
pub const NEGATED_SEED: u64 = FNV_OFFSET ^ 0x6e;
/// See `NEGATED_SEED`.
pub const REPORTED_SEED: u64 = FNV_OFFSET ^ 0x72;

/// Adds one scoped word feature (`seed` = `NEGATED_SEED` or `REPORTED_SEED`) to a sorted,
/// unique bucket list, keeping it sorted and unique.
pub fn add_scoped_word(word: &str, seed: u64, bits: u32, out: &mut Vec<(u32, f32)>) {
    let (bucket, sign) = bucket_sign(fnv1a(seed, word.as_bytes()), bits);
    match out.binary_search_by_key(&bucket, |&(b, _)| b) {
        Ok(i) => out[i].1 += sign,
        Err(i) => out.insert(i, (bucket, sign)),
    }
}

#[inline]
fn bucket_sign(h: u64, bits: u32) -> (u32, f32) {
    let m = mix(h);
    let bucket = (m & ((1u64 << bits) - 1)) as u32;
    let sign = if m >> 63 == 0 { 1.0 } else { -1.0 };
    (bucket, sign)
}

/// For each word of `text`: its byte range in the original text and the summed signed
/// weight of the n-grams it makes on its own (its unigram and its char n-grams). This is
/// the evidence of a reason that only n-grams carry: the words that pushed it up.
pub fn word_weights(
    text: &str,
    params: &FeatureValidParams,
    weights: &[f32],
) -> Vec<(usize, usize, f32)> {
    let norm = super::normalize::normalize(text);
    let mut ws = Vec::new();
    words(&norm.text, &mut ws);
    word_weights_of(&norm, &ws, params, weights)
}

/// `word_weights` on a text already normalised (`norm`) and split (`ws`): the
/// extraction's own analysis, so the evidence costs no second normalisation.
pub fn word_weights_of(
    norm: &super::normalize::Normalized,
    ws: &[(u32, u32)],
    params: &FeatureValidParams,
    weights: &[f32],
) -> Vec<(usize, usize, f32)> {
    let bits = params.params().hash_bits;
    ws.iter()
        .map(|&w| {
            let mut sum = 0.0;
            for_each_ngram(&norm.text, &[w], params, false, |h, _| {
                let (b, sign) = bucket_sign(h, bits);
                sum += weights.get(b as usize).copied().unwrap_or(0.0) * sign;
            });
            let (s, e) = norm.original_range(w.0 as usize, w.1 as usize);
            (s, e, sum)
        })
        .collect()
}

/// Reusable buffers for `hash_into`.
#[derive(Debug, Default)]
pub struct Scratch {
    words: Vec<(u32, u32)>,
    /// Open-addressing table of (n-gram hash, count, stamp); the stamp of the current
    /// call marks live slots, so the table is never cleared.
    table: Vec<(u64, u32, u32)>,
    stamp: u32,
    /// Slots used by the current call, in first-seen order.
    used: Vec<u32>,
    /// Sort buffers: pairs for long texts, packed keys (then their sorted copy) for the
    /// others.
    tmp: Vec<(u32, f32)>,
    packed: Vec<u64>,
}

impl Scratch {
    /// Makes room for `more` new n-grams, so `count` never has to grow the table: it
    /// stays at most half full.
    fn reserve(&mut self, more: usize) {
        // An empty table (a fresh scratch) grows too, so the mask below is valid.
        if (self.used.len() + more) * 2 > self.table.len() || self.table.is_empty() {
            self.grow(self.used.len() + more);
        }
        self.used.reserve(more);
    }

    /// Counts one n-gram occurrence (after `reserve`).
    #[inline]
    fn count(&mut self, h: u64) {
        debug_assert!((self.used.len() + 1) * 2 <= self.table.len());
        let mask = self.table.len() - 1;
        Counter {
            table: &mut self.table,
            mask,
            stamp: self.stamp,
            used: &mut self.used,
        }
        .count(h);
    }

    /// Rebuilds the table with room for `need` live n-grams, keeping the live ones in
    /// their first-seen order (the order `used` gives to the output).
    fn grow(&mut self, need: usize) {
        let live: Vec<(u64, u32)> = self
            .used
            .iter()
            .map(|&i| (self.table[i as usize].0, self.table[i as usize].1))
            .collect();
        let cap = (need * 2).next_power_of_two().max(1024);
        self.table = vec![(0, 0, 0); cap];
        self.stamp = 1;
        self.used.clear();
        for (h, c) in live {
            self.count(h);
            let i = *self.used.last().unwrap() as usize;
            self.table[i].1 = c;
        }
    }
}

/// `Scratch::count` on borrowed fields: inside the n-gram loop the table's address and
/// size then stay in registers (a push to `used` cannot move them).
struct Counter<'a> {
    table: &'a mut [(u64, u32, u32)],
    mask: usize,
    stamp: u32,
    used: &'a mut Vec<u32>,
}

impl Counter<'_> {
    /// Counts one n-gram occurrence; the table was reserved large enough.
    #[inline]
    fn count(&mut self, h: u64) {
        let mut i = (h as usize ^ (h >> 32) as usize) & self.mask;
        loop {
            let slot = &mut self.table[i];
            if slot.2 != self.stamp {
                *slot = (h, 1, self.stamp);
                self.used.push(i as u32);
                return;
            }
            if slot.0 == h {
                slot.1 += 1;
                return;
            }
            i = (i + 1) & self.mask;
        }
    }
}

/// Sorts (bucket, value) pairs by bucket for long texts (≥ 512 distinct n-grams; see
/// `small_sorted_merge` for the others): an LSD radix sort on 8-bit digits, stable, so
/// a bucket's values keep their first-seen order.
fn radix_sort(v: &mut Vec<(u32, f32)>, tmp: &mut Vec<(u32, f32)>, bits: u32) {
    tmp.clear();
    tmp.resize(v.len(), (0, 0.0));
    let mut shift = 0;
    while shift < bits {
        let mut counts = [0usize; 257];
        for &(b, _) in v.iter() {
            counts[((b >> shift) & 0xff) as usize + 1] += 1;
        }
        for d in 1..257 {
            counts[d] += counts[d - 1];
        }
        for &x in v.iter() {
            let d = ((x.0 >> shift) & 0xff) as usize;
            tmp[counts[d]] = x;
            counts[d] += 1;
        }
        std::mem::swap(v, tmp);
        shift += 8;
    }
}

/// The output of the usual comment (fewer than 512 distinct n-grams): each n-gram's
/// (bucket, value) packed into one u64 key, the keys ordered exactly as a plain sort of
/// them would order them (the value bits order a bucket's values, which fixes the
/// float summation order), then equal buckets summed left to right into `out`.
///
/// The sort: one counting pass on the top 8 bucket bits spreads the keys into groups
/// of about one, then an insertion sort moves each key the few places left to its
/// spot. All on plain slices, so no bounds or length is reloaded in the loops.
fn small_sorted_merge(scratch: &mut Scratch, bits: u32, out: &mut Vec<(u32, f32)>) {
    let n = scratch.used.len();
    let top = bits.min(8);
    let shift = 32 + bits - top;
    scratch.packed.clear();
    scratch.packed.resize(2 * n, 0);
    let (keys, sorted) = scratch.packed.split_at_mut(n);
    let mut starts = [0u32; 257];
    for (k, &i) in keys.iter_mut().zip(&scratch.used) {
        let (h, tf, _) = scratch.table[i as usize];
        let (bucket, sign) = bucket_sign(h, bits);
        let v = if tf == 1 { 1.0 } else { 1.0 + (tf as f32).ln() };
        *k = ((bucket as u64) << 32) | (sign * v).to_bits() as u64;
        starts[(*k >> shift) as usize & 0xff] += 1;
    }
    let mut acc = 0;
    for s in starts.iter_mut().take(1 << top) {
        (*s, acc) = (acc, acc + *s);
    }
    for &k in keys.iter() {
        let d = (k >> shift) as usize & 0xff;
        sorted[starts[d] as usize] = k;
        starts[d] += 1;
    }
    for i in 1..sorted.len() {
        let k = sorted[i];
        let mut j = i;
        while j > 0 && sorted[j - 1] > k {
            sorted[j] = sorted[j - 1];
            j -= 1;
        }
        sorted[j] = k;
    }
    out.reserve(n);
    let mut last = u32::MAX;
    for &k in sorted.iter() {
        let (bucket, v) = ((k >> 32) as u32, f32::from_bits(k as u32));
        match out.last_mut() {
            Some(l) if last == bucket => l.1 += v,
            _ => out.push((bucket, v)),
        }
        last = bucket;
    }
}

/// Hashes the n-grams of `text` (normalised) into `out`: (bucket, ±(1 + ln tf)), sorted
/// by bucket, duplicates merged by summing.
pub fn hash_into(
    text: &str,
    params: &FeatureValidParams,
    scratch: &mut Scratch,
    out: &mut Vec<(u32, f32)>,
) {
    let mut ws = std::mem::take(&mut scratch.words);
    words(text, &mut ws);
    hash_words_into(text, &ws, params, scratch, out);
    scratch.words = ws;
}

/// Like `hash_into` with the words of `text` already split (`words(text, …)`): the
/// analysis has them, so extraction does not split twice.
pub fn hash_words_into(
    text: &str,
    ws: &[(u32, u32)],
    params: &FeatureValidParams,
    scratch: &mut Scratch,
    out: &mut Vec<(u32, f32)>,
) {
    out.clear();
    scratch.stamp = scratch.stamp.wrapping_add(1);
    if scratch.stamp == 0 {
        // After 2^32 calls, stale stamps could look live: start afresh.
        scratch.table.iter_mut().for_each(|s| s.2 = 0);
        scratch.stamp = 1;
    }
    scratch.used.clear();
    // An upper bound on the distinct n-grams, tight enough that the table (which never
    // shrinks) stays small for usual comments: each word starts at most `whi` word
    // n-grams, and each position of " word " (at most bytes + 2 chars) at most one char
    // n-gram per length.
    let p = params.params();
    let (clo, chi) = p.char_ngrams;
    let bound: usize = ws
        .iter()
        .map(|&(s, e)| p.word_ngrams.1 + ((e - s) as usize + 2) * (chi - clo + 1))
        .sum();
    scratch.reserve(bound);
    let mut counter = Counter {
        mask: scratch.table.len() - 1,
        table: &mut scratch.table,
        stamp: scratch.stamp,
        used: &mut scratch.used,
    };
    for_each_ngram(text, ws, params, false, |h, _| counter.count(h));
    let bits = params.params().hash_bits;
    if scratch.used.len() < 512 {
        small_sorted_merge(scratch, bits, out);
        return;
    }
    for &i in &scratch.used {
        let (h, tf, _) = scratch.table[i as usize];
        let (bucket, sign) = bucket_sign(h, bits);
        let v = if tf == 1 { 1.0 } else { 1.0 + (tf as f32).ln() };
        out.push((bucket, sign * v));
    }
    radix_sort(out, &mut scratch.tmp, bits);
    let mut w = 0;
    for r in 0..out.len() {
        if w > 0 && out[w - 1].0 == out[r].0 {
            out[w - 1].1 += out[r].1;
        } else {
            out[w] = out[r];
            w += 1;
        }
    }
    out.truncate(w);
}

/// The n-grams of `text` (normalised) that fall into `bucket`, described as `w:word pair`
/// or `c: pad` — for `--explain` top n-grams.
pub fn ngrams_in_bucket(text: &str, params: &FeatureValidParams, bucket: u32) -> Vec<String> {
    let mut ws = Vec::new();
    words(text, &mut ws);
    let bits = params.params().hash_bits;
    let mut out = Vec::new();
    for_each_ngram(text, &ws, params, true, |h, d| {
        if bucket_sign(h, bits).0 == bucket {
            if let Some(d) = d {
                if !out.contains(&d) {
                    out.push(d);
                }
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {

    #[test]
    fn word_weights_map_back_to_the_original_words() {
        let params = crate::features::FeatureParams::default().check().unwrap();
        let text = "Le c0nnard du coin";
        let zero = vec![0.0; params.buckets()];
        let ws = word_weights(text, &params, &zero);
        let words: Vec<&str> = ws.iter().map(|&(s, e, _)| &text[s..e]).collect();
        assert_eq!(words, ["Le", "c0nnard", "du", "coin"]);
        assert!(ws.iter().all(|w| w.2 == 0.0));
        // With every weight at 1, a word's sum is the sum of its n-gram signs: bounded
        // by its number of n-grams (unigram + char 3..=5-grams of " word ").
        let ones = vec![1.0; params.buckets()];
        for (s, e, sum) in word_weights(text, &params, &ones) {
            let n = text[s..e].chars().count() + 2;
            let grams = 1 + (3..=5).map(|k| n.saturating_sub(k - 1)).sum::<usize>();
            assert!(sum.abs() <= grams as f32, "{sum} > {grams}");
        }
    }
    use super::*;
    use crate::features::FeatureParams;

    fn params(bits: u32) -> FeatureValidParams {
        FeatureParams {
            hash_bits: bits,
            ..FeatureParams::default()
        }
        .check()
        .unwrap()
    }

    #[test]
    fn fnv_is_the_documented_hash() {
        // Reference values of FNV-1a 64.
        assert_eq!(fnv1a(FNV_OFFSET, b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a(FNV_OFFSET, b"a"), 0xaf63dc4c8601ec8c);
    }

    #[test]
    fn sorted_unique_and_deterministic() {
        let p = params(10);
        let mut s = Scratch::default();
        let mut a = Vec::new();
        hash_into("quel con ce con", &p, &mut s, &mut a);
        assert!(a.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(a.iter().all(|&(b, _)| b < 1024));
        let mut b = Vec::new();
        hash_into("quel con ce con", &p, &mut s, &mut b);
        assert_eq!(a, b);
        assert!(a
            .iter()
            .any(|&(_, v)| (v.abs() - (1.0 + 2f32.ln())).abs() < 1e-6 || v.abs() > 1.5));
    }

    #[test]
    fn char_ngrams_use_the_pad() {
        let p = params(16);
        let mut all = Vec::new();
        let mut ws = Vec::new();
        words("con", &mut ws);
        for_each_ngram("con", &ws, &p, true, |_, d| all.push(d.unwrap()));
        for want in [
            "w:con", "c: co", "c:con", "c:on ", "c: con", "c:con ", "c: con ",
        ] {
            assert!(
                all.contains(&want.to_string()),
                "{want} missing from {all:?}"
            );
        }
        assert_eq!(all.len(), 1 + 3 + 2 + 1);
    }

    #[test]
    fn bucket_report_finds_its_ngrams() {
        let p = params(12);
        let text = "gaspard morlaix est vendu";
        let mut s = Scratch::default();
        let mut v = Vec::new();
        hash_into(text, &p, &mut s, &mut v);
        for &(b, _) in &v {
            assert!(!ngrams_in_bucket(text, &p, b).is_empty());
        }
    }

    #[test]
    fn counts_match_a_plain_sort() {
        // The hash table and radix sort give what counting by sorting gives.
        let p = params(14);
        let text = "le con le con le con et la la la vie est belle ".repeat(20);
        let mut v = Vec::new();
        hash_into(&text, &p, &mut Scratch::default(), &mut v);
        let mut ws = Vec::new();
        words(&text, &mut ws);
        let mut hs = Vec::new();
        for_each_ngram(&text, &ws, &p, false, |h, _| hs.push(h));
        hs.sort_unstable();
        let mut want: Vec<(u32, f32)> = Vec::new();
        for g in hs.chunk_by(|a, b| a == b) {
            let (b, s) = bucket_sign(g[0], 14);
            want.push((b, s * (1.0 + (g.len() as f32).ln())));
        }
        want.sort_by_key(|x| x.0);
        let mut merged: Vec<(u32, f32)> = Vec::new();
        for (b, x) in want {
            match merged.last_mut() {
                Some(l) if l.0 == b => l.1 += x,
                _ => merged.push((b, x)),
            }
        }
        assert_eq!(v.len(), merged.len());
        for (a, b) in v.iter().zip(&merged) {
            assert_eq!(a.0, b.0);
            assert!((a.1 - b.1).abs() < 1e-4);
        }
    }

    #[test]
    fn fast_path_hashes_like_hash_bytes() {
        // The hashing path (ASCII fast path) and the describing path (general) must
        // agree, or `ngrams_in_bucket` would report the wrong n-grams.
        let p = params(16);
        let text = "y a un cretin ici et la";
        let mut ws = Vec::new();
        words(text, &mut ws);
        let mut fast = Vec::new();
        for_each_ngram(text, &ws, &p, false, |h, _| fast.push(h));
        let mut slow = Vec::new();
        for_each_ngram(text, &ws, &p, true, |h, _| slow.push(h));
        assert_eq!(fast, slow);
    }

    #[test]
    fn empty_text_has_no_ngrams() {
        let mut v = vec![(1, 1.0)];
        hash_into("", &params(8), &mut Scratch::default(), &mut v);
        assert!(v.is_empty());
    }
}
