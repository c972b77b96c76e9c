//! Inputs -> records -> scored records: reading pages, CSV and JSONL (files, directories,
//! stdin), building each comment's thread context and scoring it with a model. Tables
//! and JSONL stream in batches so memory stays flat on large inputs.

use crate::features::{self, Context, DetectorScores, FeatureVector};
use crate::model::{Model, Score};
use crate::thread::{self, Structure};
use crate::{Error, Result};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One comment to score, whatever its input format.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Source file name (`-` for stdin).
    pub source: String,
    /// The table's id, else the comment index, as a string.
    pub id: String,
    /// Stable key (hash of source and text).
    pub key: String,
    /// Comment index (pages) or 1-based row number (tables).
    pub index: usize,
    /// Parent comment index (pages only).
    pub parent: Option<usize>,
    /// Depth (0 for tables).
    pub depth: usize,
    /// Author, if known.
    pub author: Option<String>,
    /// Date (ISO when parsed), if known.
    pub date: Option<String>,
    /// Comment text.
    pub text: String,
}

/// A record with its score and thread neighbourhood.
#[derive(Debug, Clone)]
pub struct Scored {
    /// The comment.
    pub record: Record,
    /// The model's verdict.
    pub score: Score,
    /// The parent's text, when the comment is a reply.
    pub parent_text: Option<String>,
}

/// How an input is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// A page dump (thread parser).
    Page,
    /// A comment table.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// Options for reading inputs (column names for tables and JSONL objects).
#[derive(Debug, Clone)]
pub struct InputOptions {
    /// Forced format (stdin needs it for CSV/JSONL); else from the extension.
    pub format: Option<InputFormat>,
    /// Text column / key.
    pub text_column: String,
    /// Id column / key.
    pub id_column: String,
    /// How pages are read (`--encoding`).
    pub read: thread::ReadOptions,
}

impl Default for InputOptions {
    fn default() -> Self {
        InputOptions {
            format: None,
            text_column: "text".into(),
            id_column: "id".into(),
            read: thread::ReadOptions::default(),
        }
    }
}

/// Counts for the summary line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Page dumps read.
    pub pages: usize,
    /// Tables (CSV/JSONL) read.
    pub tables: usize,
    /// Comments read (== records scored).
    pub comments: usize,
}

/// Scoring options.
#[derive(Debug, Clone, Default)]
pub struct ScoreOptions {
    /// Overrides the review model's threshold.
    pub threshold: Option<f32>,
    /// Fill `Score::contributions`.
    pub explain: bool,
    /// Site rules applied on top of the model (`--rules`).
    pub rules: Option<std::sync::Arc<crate::rules::Rules>>,
}

/// Rows scored together from a table: big enough to keep both cores busy, small enough
/// to keep memory flat.
const BATCH: usize = 4096;

/// Reads every input (files, directories recursively in path order, `-`) and scores
/// every comment, in input order. Every input comment yields exactly one `Scored`.
pub fn score_inputs(
    inputs: &[String],
    opts: &InputOptions,
    model: &Model,
    score_opts: &ScoreOptions,
) -> Result<(Vec<Scored>, Summary)> {
    let mut all = Vec::new();
    let summary = for_each_scored(inputs, opts, model, score_opts, |batch| {
        all.extend(batch);
        Ok(())
    })?;
    Ok((all, summary))
}

/// Streaming form of `score_inputs`: calls `sink` with consecutive batches of scored
/// comments, in input order, without keeping earlier batches in memory.
pub fn for_each_scored(
    inputs: &[String],
    opts: &InputOptions,
    model: &Model,
    score_opts: &ScoreOptions,
    mut sink: impl FnMut(Vec<Scored>) -> Result<()>,
) -> Result<Summary> {
    let mut summary = Summary::default();
    for (name, format) in expand_inputs(inputs, opts.format)? {
        match format {
            // A page, a saved HTML page or an export of many threads (see `thread`).
            InputFormat::Page => thread::read_threads(&name, &opts.read, |t| {
                for w in &t.warnings {
                    eprintln!("tamis: warning: {w}");
                }
                for n in &t.notes {
                    eprintln!("tamis: {n}");
                }
                summary.pages += 1;
                let items: Vec<Item> = t
                    .comments
                    .iter()
                    .map(|c| Item {
                        text: c.text.clone(),
                        parent: c.parent.map(|p| p - 1),
                        depth: c.depth,
                    })
                    .collect();
                let scores = score_items(&items, model, score_opts);
                let batch: Vec<Scored> = t
                    .comments
                    .into_iter()
                    .zip(scores)
                    .enumerate()
                    .map(|(i, (c, score))| Scored {
                        parent_text: items[i].parent.map(|p| items[p].text.clone()),
                        record: Record {
                            source: t.source.clone(),
                            id: c.index.to_string(),
                            key: c.key,
                            index: c.index,
                            parent: c.parent,
                            depth: c.depth,
                            author: c.author,
                            date: c.date,
                            text: c.text,
                        },
                        score,
                    })
                    .collect();
                summary.comments += batch.len();
                if t.structure != Structure::None || !batch.is_empty() {
                    sink(batch)?;
                }
                Ok(())
            })?,
            InputFormat::Csv | InputFormat::Jsonl => {
                summary.tables += 1;
                let topts = TableOptions::unlabelled(opts);
                let batches = read_ahead(&name, format, &topts)?;
                for rows in batches {
                    let mut rows = rows?;
                    // The texts move from rows to items to records: never copied.
                    let items = rows_into_items(&mut rows);
                    let scores = score_items(&items, model, score_opts);
                    let parent_texts: Vec<Option<String>> = items
                        .iter()
                        .map(|it| it.parent.map(|p| items[p].text.clone()))
                        .collect();
                    let keys = crate::thread::KeyPrefix::new(&name);
                    // Records (and their keys, a hash of the text) are built in the pool.
                    let batch: Vec<Scored> =
                        rows.into_par_iter()
                            .zip(items)
                            .zip(scores)
                            .zip(parent_texts)
                            .map(|(((r, it), score), parent_text)| Scored {
                                parent_text,
                                record: Record {
                                    source: name.clone(),
                                    key: r.key.clone().unwrap_or_else(|| {
                                        keys.key(&[&r.id, "\u{1f}", &it.text], 0)
                                    }),
                                    id: r.id,
                                    index: r.number,
                                    parent: None,
                                    depth: 0,
                                    author: None,
                                    date: None,
                                    text: it.text,
                                },
                                score,
                            })
                            .collect();
                    summary.comments += batch.len();
                    sink(batch)?;
                }
            }
        }
    }
    Ok(summary)
}

/// Reads a table's batches on a thread of their own, one batch ahead of the caller: the
/// next batch is parsed while the pool scores the current one, so reading (about a tenth
/// of the work on a JSONL stream) no longer leaves a core idle between batches. The
/// channel holds no batch (a rendezvous), so at most one batch waits read while one is
/// scored: memory stays flat. An error ends the stream after the batches before it.
///
/// The thread is not joined: if the caller stops early (a closed stdout), it returns at
/// once instead of waiting on a slow input; the reader then ends at its next send.
fn read_ahead(name: &str, format: InputFormat, topts: &TableOptions) -> Result<ReadAhead> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<Row>>>(0);
    let (name_t, topts) = (name.to_string(), topts.clone());
    let handle = std::thread::Builder::new()
        .name("tamis-reader".into())
        .spawn(move || {
            // The reader is opened here: its byte stream is not `Send`.
            let mut reader = match TableReader::open(&name_t, format, &topts) {
                Ok(r) => r,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            loop {
                match reader.next_batch(BATCH) {
                    Ok(rows) if rows.is_empty() => return,
                    Ok(rows) => {
                        if tx.send(Ok(rows)).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
            }
        })
        .map_err(|e| Error::io(name, e))?;
    Ok(ReadAhead {
        rx,
        handle: Some(handle),
        name: name.to_string(),
    })
}

/// The batches of `read_ahead`, in order.
struct ReadAhead {
    rx: std::sync::mpsc::Receiver<Result<Vec<Row>>>,
    handle: Option<std::thread::JoinHandle<()>>,
    name: String,
}

impl Iterator for ReadAhead {
    type Item = Result<Vec<Row>>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.rx.recv() {
            Ok(b) => Some(b),
            // The channel closed: the end of the table, unless the reader died, which
            // must not pass for the end (the rows after would be lost unseen).
            Err(_) => match self.handle.take().map(|h| h.join()) {
                Some(Err(_)) => Some(Err(Error::Other(format!(
                    "{}: the reader stopped unexpectedly",
                    self.name
                )))),
                _ => None,
            },
        }
    }
}

/// Expands directories (their `.txt`, `.csv`, `.jsonl`, `.html`, `.htm` and `.xml` files,
/// recursively, in path order) and decides each input's format.
pub fn expand_inputs(
    inputs: &[String],
    forced: Option<InputFormat>,
) -> Result<Vec<(String, InputFormat)>> {
    let mut out = Vec::new();
    for input in inputs {
        let p = Path::new(input);
        if input != "-" && p.is_dir() {
            let mut files = Vec::new();
            walk(p, &mut files)?;
            files.sort();
            for f in files {
                let name = f.display().to_string();
                let fmt = forced.unwrap_or_else(|| format_of(&name));
                out.push((name, fmt));
            }
        } else {
            let fmt = forced.unwrap_or_else(|| format_of(input));
            out.push((input.clone(), fmt));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in rd {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let p = entry.path();
        if p.is_dir() {
            walk(&p, files)?;
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("txt" | "csv" | "jsonl" | "html" | "htm" | "xml")
        ) {
            files.push(p);
        }
    }
    Ok(())
}

/// The format an input name implies: `.csv`, `.jsonl`, else a page.
pub fn format_of(name: &str) -> InputFormat {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".csv") {
        InputFormat::Csv
    } else if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        InputFormat::Jsonl
    } else {
        InputFormat::Page
    }
}

/// A comment and its place among the items scored with it.
#[derive(Debug, Clone)]
pub struct Item {
    /// The text.
    pub text: String,
    /// Position of the parent in the same slice.
    pub parent: Option<usize>,
    /// Depth in the thread.
    pub depth: usize,
}

/// What extraction needs of an item's thread: its parent's detector scores and the
/// number of earlier siblings whose detectors fired.
struct ThreadContext {
    /// Detector scores of the items that have replies (`None` for the others).
    parent_scores: Vec<Option<DetectorScores>>,
    /// Pile-on: earlier siblings whose detectors fired.
    flagged_siblings: Vec<usize>,
}

impl ThreadContext {
    /// The context from each item's own detector scores (`scores(i)`, computed once
    /// per comment by its extraction).
    fn from_scores(items: &[Item], scores: impl Fn(usize) -> DetectorScores) -> ThreadContext {
        let n = items.len();
        let mut is_parent = vec![false; n];
        for it in items {
            if let Some(p) = it.parent {
                is_parent[p] = true;
            }
        }
        let parent_scores: Vec<Option<DetectorScores>> =
            (0..n).map(|i| is_parent[i].then(|| scores(i))).collect();
        // Pile-on: earlier siblings whose detectors fired.
        let mut flagged_siblings = vec![0usize; n];
        let mut seen: HashMap<usize, usize> = HashMap::new();
        for (i, it) in items.iter().enumerate() {
            if let Some(p) = it.parent {
                let k = seen.entry(p).or_insert(0);
                flagged_siblings[i] = *k;
                if strongest(&scores(i)) >= 0.5 {
                    *k += 1;
                }
            }
        }
        ThreadContext {
            parent_scores,
            flagged_siblings,
        }
    }

    /// What `extract` of item `i` is given before the thread context is known: its
    /// depth and its parent's text (`features::set_thread_context` adds the rest).
    fn partial<'a>(items: &'a [Item], i: usize) -> Context<'a> {
        let it = &items[i];
        Context {
            depth: it.depth,
            parent_text: it.parent.map(|p| items[p].text.as_str()),
            parent_scores: None,
            flagged_siblings: 0,
        }
    }

    /// The extraction context of item `i` of `items`.
    fn context<'a>(&'a self, items: &'a [Item], i: usize) -> Context<'a> {
        Context {
            parent_scores: items[i].parent.and_then(|p| self.parent_scores[p].as_ref()),
            flagged_siblings: self.flagged_siblings[i],
            ..Self::partial(items, i)
        }
    }
}

/// Features of every item, with thread context, extracted in parallel (training keeps
/// them all; scoring extracts and scores one item at a time, see `score_items`).
pub fn extract_items(items: &[Item], params: &features::FeatureValidParams) -> Vec<FeatureVector> {
    // Each comment is analysed once: its own features first (with its parent's text,
    // for quotations), then the thread context from the comments' detector scores.
    let mut fvs: Vec<FeatureVector> = (0..items.len())
        .into_par_iter()
        .map(|i| features::extract(&items[i].text, &ThreadContext::partial(items, i), params))
        .collect();
    if items.iter().any(|it| it.parent.is_some()) {
        let tc = ThreadContext::from_scores(items, |i| fvs[i].detection.scores);
        fvs.par_iter_mut()
            .enumerate()
            .for_each(|(i, fv)| features::set_thread_context(fv, &tc.context(items, i)));
    }
    fvs
}

/// The strongest reason-bearing detector score (profanity alone does not count).
fn strongest(s: &DetectorScores) -> f32 {
    [s.insult, s.masked_slur, s.hate, s.threat, s.accusation]
        .into_iter()
        .fold(0.0, f32::max)
}

/// Scores items (in parallel), in order. With site rules, `allowed` words are blanked
/// out of what the features see, and `banned`/`suspect` words act on the scores.
pub fn score_items(items: &[Item], model: &Model, opts: &ScoreOptions) -> Vec<Score> {
    let Some(rules) = opts.rules.as_deref() else {
        return score_seen(items, model, opts, |_, _| {});
    };
    let hits: Vec<Vec<crate::rules::RuleHit>> =
        items.par_iter().map(|it| rules.matches(&it.text)).collect();
    let seen: Vec<Item> = items
        .iter()
        .zip(&hits)
        .map(|(it, h)| Item {
            text: rules.mask_allowed(&it.text, h).into_owned(),
            parent: it.parent,
            depth: it.depth,
        })
        .collect();
    score_seen(&seen, model, opts, |i, s| rules.apply(&hits[i], s))
}

/// Extracts and scores each item in one step on a worker (its feature vector is reused
/// from item to item, never collected: no allocation per comment for it, and memory
/// stays that of one vector per worker), then `after(i, score)`.
fn score_seen(
    items: &[Item],
    model: &Model,
    opts: &ScoreOptions,
    after: impl Fn(usize, &mut Score) + Sync,
) -> Vec<Score> {
    let params = model.feature_params();
    let score = |fv: &FeatureVector, i: usize| {
        let it = &items[i];
        let s = finish_score(model, fv, &it.text, opts);
        let mut s = repeat_guard(model, opts, &it.text, it.depth, parent_of(it, items), s);
        after(i, &mut s);
        s
    };
    if items.iter().any(|it| it.parent.is_some()) {
        // A thread: every comment's features (and detector scores) first.
        let fvs = extract_items(items, params);
        return fvs
            .par_iter()
            .enumerate()
            .map(|(i, fv)| score(fv, i))
            .collect();
    }
    // No thread: each item's context is its own depth alone.
    (0..items.len())
        .into_par_iter()
        .map_init(FeatureVector::default, |fv, i| {
            features::extract_into(
                &items[i].text,
                &ThreadContext::partial(items, i),
                params,
                fv,
            );
            score(fv, i)
        })
        .collect()
}

/// The parent's text of `it` among `all`.
fn parent_of<'a>(it: &Item, all: &'a [Item]) -> Option<&'a str> {
    it.parent.map(|p| all[p].text.as_str())
}

/// A comment that repeats its own sentences ("Espèce de connard !" a hundred times) is
/// also judged on its distinct sentences, and keeps the higher of the two verdicts:
/// repetition dilutes length-normalised features, and must not be a way to slip a flag.
/// Evidence found in the distinct text is mapped back to the comment's own offsets.
fn repeat_guard(
    model: &Model,
    opts: &ScoreOptions,
    text: &str,
    depth: usize,
    parent: Option<&str>,
    full: Score,
) -> Score {
    let Some((distinct, map)) = distinct_sentences(text) else {
        return full;
    };
    let parent_scores = parent.map(|p| features::detect(p).scores);
    let ctx = Context {
        depth,
        parent_text: parent,
        parent_scores: parent_scores.as_ref(),
        flagged_siblings: 0,
    };
    let fv = features::extract(&distinct, &ctx, model.feature_params());
    let mut s = finish_score(model, &fv, &distinct, opts);
    if s.score <= full.score {
        return full;
    }
    // Offsets of the distinct text back to the comment: each kept sentence is copied
    // whole, so a span inside one moves by that sentence's shift.
    let back = |off: usize| {
        map.iter()
            .rev()
            .find(|&&(d, _)| d <= off)
            .map_or(off, |&(d, o)| o + (off - d))
    };
    for r in s.reasons.iter_mut().chain(s.below_threshold.iter_mut()) {
        for e in &mut r.evidence {
            let (a, b) = (back(e.start), back(e.end));
            if text.get(a..b) == Some(e.text.as_str()) {
                e.start = a;
                e.end = b;
            }
        }
        r.evidence
            .retain(|e| text.get(e.start..e.end) == Some(e.text.as_str()));
    }
    s
}

/// The comment's sentences, each kept once (the first time, compared case- and
/// space-insensitively), joined by spaces, with `(offset in the joined text, offset in
/// the comment)` for each kept sentence; `None` when no sentence repeats.
fn distinct_sentences(text: &str) -> Option<(String, Vec<(usize, usize)>)> {
    // Hot path: most comments have no repeated sentence, so first compare hashes of the
    // sentences (no string built) and build the distinct text only when one repeats.
    let spans = crate::serve::text::sentences(text);
    if spans.len() < 2 {
        return None;
    }
    let key = |&(a, b): &(usize, usize)| {
        let mut h = crate::features::ngrams::FNV_OFFSET;
        for w in text[a..b].split_whitespace() {
            for c in w.chars().flat_map(char::to_lowercase) {
                h = crate::features::ngrams::fnv1a(h, c.encode_utf8(&mut [0; 4]).as_bytes());
            }
            h = crate::features::ngrams::fnv1a(h, b" ");
        }
        h
    };
    let keys: Vec<u64> = spans.iter().map(key).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    if sorted.windows(2).all(|w| w[0] != w[1]) {
        return None;
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = String::new();
    let mut map = Vec::new();
    for (&(a, b), k) in spans.iter().zip(keys) {
        if !seen.insert(k) {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        map.push((out.len(), a));
        out.push_str(&text[a..b]);
    }
    Some((out, map))
}

/// Scores one comment on the calling thread (no thread pool: a server answering one
/// comment per request must not pay for waking one), with its parent's text as thread
/// context when it is a reply. Gives exactly what `score_items` gives for the same
/// comment as the only reply of a two-comment thread, and the comment's detector scores.
pub fn score_one(
    text: &str,
    parent: Option<&str>,
    model: &Model,
    opts: &ScoreOptions,
) -> (Score, DetectorScores) {
    let rules = opts.rules.as_deref();
    let hits = rules.map(|r| r.matches(text)).unwrap_or_default();
    let seen = match rules {
        Some(r) => r.mask_allowed(text, &hits),
        None => std::borrow::Cow::Borrowed(text),
    };
    let parent_seen = match (rules, parent) {
        (Some(r), Some(p)) => Some(r.mask_allowed(p, &r.matches(p))),
        (_, p) => p.map(std::borrow::Cow::Borrowed),
    };
    let parent = parent_seen.as_deref();
    let parent_scores = parent.map(|p| features::detect(p).scores);
    let ctx = Context {
        depth: usize::from(parent.is_some()),
        parent_text: parent,
        parent_scores: parent_scores.as_ref(),
        flagged_siblings: 0,
    };
    let fv = features::extract(&seen, &ctx, model.feature_params());
    let s = finish_score(model, &fv, &seen, opts);
    let mut s = repeat_guard(model, opts, &seen, ctx.depth, parent, s);
    if let Some(r) = rules {
        r.apply(&hits, &mut s);
    }
    (s, fv.detection.scores)
}

/// The model's score of one extracted comment. A comment with an unbounded feature
/// beyond the range training saw (`Model::caps`) is also scored with those features
/// capped there, and keeps the higher verdict: more insults, or more words around them,
/// must never be a way to a lower score.
fn finish_score(model: &Model, fv: &FeatureVector, text: &str, opts: &ScoreOptions) -> Score {
    let s = finish_score_once(model, fv, text, opts);
    let caps = model.caps();
    if caps.iter().all(|&(k, cap)| fv.engineered[k] <= cap) {
        return s;
    }
    let mut capped = fv.clone();
    for &(k, cap) in caps {
        capped.engineered[k] = capped.engineered[k].min(cap);
    }
    let c = finish_score_once(model, &capped, text, opts);
    if c.score > s.score {
        c
    } else {
        s
    }
}

/// The model's score of one extracted comment, with the masked-slur check, evidence for
/// reasons without a detector span, and readable n-gram names when explaining.
fn finish_score_once(model: &Model, fv: &FeatureVector, text: &str, opts: &ScoreOptions) -> Score {
    let mut s = model.score(fv, opts.threshold, opts.explain);
    // `masked_slur` needs a disguise somewhere: checked only when it is listed.
    if s.reasons.iter().any(|r| r.reason == "masked_slur")
        && fv.detection.scores.masked_slur == 0.0
        && !looks_disguised(text)
    {
        s = model.score_with(fv, opts.threshold, opts.explain, false);
    }
    // A reason no detector span supports gets the words its model weighed most.
    for r in s.reasons.iter_mut().filter(|r| r.evidence.is_empty()) {
        r.evidence = model.word_evidence(&r.reason, text);
    }
    // Name hashed buckets by the n-grams of this comment that fell in them.
    for c in &mut s.contributions {
        if let Some(b) = c
            .feature
            .strip_prefix("ngram:")
            .and_then(|b| b.parse().ok())
        {
            let norm = features::normalized_text(text);
            let grams = features::ngrams::ngrams_in_bucket(&norm, model.feature_params(), b);
            if !grams.is_empty() {
                let named: Vec<String> = grams
                    .iter()
                    .map(|g| crate::model::describe_ngram(g))
                    .collect();
                c.feature = named.join(" | ");
            }
        }
    }
    s
}

/// Whether a text shows any sign of a disguised word: mask or leet symbols, a digit
/// touching a letter, invisible characters, letters from outside the Latin script,
/// single letters strung by separators (`c.o.n`), or a letter repeated three times.
pub fn looks_disguised(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let (mut single_run, mut strong_run) = (0, false);
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let letter = |x: Option<char>| x.is_some_and(char::is_alphabetic);
        if matches!(c, '*' | '#' | '@' | '$' | '€' | '_') && (letter(prev) || letter(next)) {
            return true;
        }
        if c.is_ascii_digit() && (letter(prev) || letter(next)) {
            return true;
        }
        if matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{00AD}' | '\u{FEFF}'
        ) {
            return true;
        }
        if c.is_alphabetic() && c > '\u{024F}' {
            return true;
        }
        if c.is_alphabetic() && prev == Some(c) && next == Some(c) {
            return true;
        }
        // A single letter between separators: three in a row is a split word.
        let sep = |x: Option<char>| x.is_none_or(|x| matches!(x, '.' | '-' | '+' | ' ' | '_'));
        // Leet digits and symbols count as letters here (C+0+N+S).
        let letterish = |x: char| x.is_alphanumeric() || matches!(x, '@' | '$' | '€');
        // Spaces alone need four letters: "y a à" is ordinary French.
        let strong = |x: Option<char>| x.is_some_and(|x| matches!(x, '.' | '-' | '+' | '_'));
        if letterish(c) && sep(prev) && sep(next) {
            single_run += 1;
            strong_run |= strong(prev) || strong(next);
            if single_run >= 4 || (single_run >= 3 && strong_run) {
                return true;
            }
        } else if letterish(c) || !sep(Some(c)) {
            single_run = 0;
            strong_run = false;
        }
    }
    false
}

/// Column names and label handling for tables.
#[derive(Debug, Clone)]
pub struct TableOptions {
    /// Text column.
    pub text_column: String,
    /// Id column.
    pub id_column: String,
    /// Label column (`None`: labels not read).
    pub label_column: Option<String>,
    /// Reasons column.
    pub reasons_column: String,
    /// Thread column (rows of one thread share it).
    pub thread_column: String,
    /// Parent column (the id of the row answered).
    pub parent_column: String,
    /// A column to group rows by (`eval --by functionality`), if any.
    pub group_column: Option<String>,
}

impl TableOptions {
    /// Options for scoring (no labels).
    pub fn unlabelled(o: &InputOptions) -> Self {
        TableOptions {
            text_column: o.text_column.clone(),
            id_column: o.id_column.clone(),
            label_column: None,
            reasons_column: "reasons".into(),
            thread_column: "thread".into(),
            parent_column: "parent".into(),
            group_column: None,
        }
    }
}

/// One table row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// 1-based data row number.
    pub number: usize,
    /// Line in the file (for errors).
    pub line: u64,
    /// Id (the id column, else the row number).
    pub id: String,
    /// Text.
    pub text: String,
    /// Thread id, if any.
    pub thread: Option<String>,
    /// Parent id, if any.
    pub parent: Option<String>,
    /// Review label, when labels are read (`None` for an undecided queue row).
    pub review: Option<bool>,
    /// Reasons (validated against `features::REASONS`).
    pub reasons: Vec<String>,
    /// A `key` column, when present (queue CSVs).
    pub key: Option<String>,
    /// Where `review` came from.
    pub label_from: LabelFrom,
    /// The value of the group column (`TableOptions::group_column`), if asked for.
    pub group: Option<String>,
    /// The model's own call as recorded in a tamis output (queue or score table), never a
    /// label: `eval` compares it with the moderator's decision to count overrides.
    pub model_review: Option<bool>,
}

/// Where a row's label came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelFrom {
    /// A moderator's `decision` (remove/keep), which overrides every other column.
    Decision,
    /// A human label column (`review` by default).
    Label,
    /// Neither: the row is skipped by `train` and `eval` (or labels were not asked for).
    None,
}

/// How many rows took their label from a decision, from a label column, or had none.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LabelCounts {
    /// Labelled by a moderator's decision.
    pub decisions: usize,
    /// Of those, decisions against the model's call recorded in the table.
    pub overrides: usize,
    /// Labelled by a human label column.
    pub labels: usize,
    /// Neither (skipped).
    pub skipped: usize,
}

impl LabelCounts {
    /// Counts rows.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a Row>) -> LabelCounts {
        let mut c = LabelCounts::default();
        for r in rows {
            match r.label_from {
                LabelFrom::Decision => {
                    c.decisions += 1;
                    if r.model_review.is_some() && r.model_review != r.review {
                        c.overrides += 1;
                    }
                }
                LabelFrom::Label => c.labels += 1,
                LabelFrom::None => c.skipped += 1,
            }
        }
        c
    }

    /// "120 labelled rows: 20 from moderator decisions (8 overriding the model's call),
    /// 100 from labels; 3 without decision or label skipped".
    pub fn describe(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut s = format!(
            "{}: {} from moderator decisions",
            plural(
                self.decisions + self.labels,
                "labelled row",
                "labelled rows"
            ),
            self.decisions
        );
        if self.overrides > 0 {
            s += &format!(" ({} overriding the model's call)", self.overrides);
        }
        s += &format!(
            ", {} from labels; {} without decision or label skipped",
            self.labels, self.skipped
        );
        s
    }
}

/// Columns that mark a table as tamis's own output (queue or score CSV): in such a table
/// `review`, `score` and `reasons` are the model's calls and never labels. `reason_scores`
/// identifies the queues written before the output columns were renamed.
const OUTPUT_MARKERS: &[&str] = &["tamis_review", "tamis_score", "reason_scores"];

/// Turns rows into items, linking replies by (thread, parent id) within the slice.
pub fn rows_to_items(rows: &[Row]) -> Vec<Item> {
    link_rows(rows)
        .into_iter()
        .zip(rows)
        .map(|((parent, depth), r)| Item {
            text: r.text.clone(),
            parent,
            depth,
        })
        .collect()
}

/// `rows_to_items`, moving each text out of its row (left empty) instead of copying it.
fn rows_into_items(rows: &mut [Row]) -> Vec<Item> {
    link_rows(rows)
        .into_iter()
        .zip(rows.iter_mut())
        .map(|((parent, depth), r)| Item {
            text: std::mem::take(&mut r.text),
            parent,
            depth,
        })
        .collect()
}

/// Each row's parent (an earlier row of the same thread with the id it names) and depth.
fn link_rows(rows: &[Row]) -> Vec<(Option<usize>, usize)> {
    let mut by_id: HashMap<(Option<&str>, &str), usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_id
            .entry((r.thread.as_deref(), r.id.as_str()))
            .or_insert(i);
    }
    let mut out: Vec<(Option<usize>, usize)> = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let parent = r
            .parent
            .as_deref()
            .and_then(|p| by_id.get(&(r.thread.as_deref(), p)).copied())
            .filter(|&j| j < i);
        let depth = parent.map_or(0, |p| out[p].1 + 1);
        out.push((parent, depth));
    }
    out
}

/// Parses a label value: true/false, 1/0, oui/non, yes/no, vrai/faux (any case).
pub fn parse_label(v: &str) -> Option<bool> {
    match v.trim().to_lowercase().as_str() {
        "true" | "1" | "oui" | "yes" | "vrai" => Some(true),
        "false" | "0" | "non" | "no" | "faux" => Some(false),
        _ => None,
    }
}

/// Undoes the spreadsheet neutralisation of the queue export (`'=…` → `=…`).
fn unneutralise(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => s,
    }
}

/// Reads a table (CSV or JSONL) in batches.
pub struct TableReader {
    name: String,
    opts: TableOptions,
    kind: ReaderKind,
    number: usize,
}

enum ReaderKind {
    Csv {
        rdr: Box<csv::Reader<Box<dyn std::io::Read>>>,
        cols: Columns,
    },
    Jsonl(JsonlLines),
}

#[derive(Debug, Default)]
struct Columns {
    text: usize,
    id: Option<usize>,
    label: Option<usize>,
    decision: Option<usize>,
    reasons: Option<usize>,
    thread: Option<usize>,
    parent: Option<usize>,
    key: Option<usize>,
    decision_reasons: Option<usize>,
    model_review: Option<usize>,
    group: Option<usize>,
}

/// The longest line (JSONL) or record (CSV, quoted line breaks included) a table reader
/// accepts: 16 MiB. Beyond it the input is refused with an error naming the line, so an
/// endless input (`/dev/zero`, a stream without line breaks, an unterminated quote in a
/// huge file) costs bounded memory instead of being buffered whole.
pub const MAX_RECORD_BYTES: usize = 16 << 20;

/// A problem a guarded reader found in the bytes themselves, with the 1-based line
/// where it starts; carried inside an `io::Error` through the CSV reader.
#[derive(Debug)]
struct InputFault {
    line: u64,
    message: String,
}

impl std::fmt::Display for InputFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for InputFault {}

/// Where a CSV byte stream stands, as the `csv` crate reads it (RFC 4180, with a quote
/// inside an unquoted field taken literally).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CsvState {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: its end, or the first of an escaped `""`.
    QuoteInQuoted,
}

/// Follows the quoting of a CSV stream as it is read, to turn two silent failures into
/// errors: a quote never closed (the `csv` crate would take the rest of the file as one
/// cell and succeed) and a record longer than `MAX_RECORD_BYTES`.
struct CsvGuard<R> {
    inner: R,
    state: CsvState,
    line: u64,
    /// Line where the current record (or open quote) started.
    record_line: u64,
    quote_line: u64,
    record_bytes: usize,
}

impl<R: std::io::Read> CsvGuard<R> {
    fn new(inner: R) -> Self {
        CsvGuard {
            inner,
            state: CsvState::FieldStart,
            line: 1,
            record_line: 1,
            quote_line: 1,
            record_bytes: 0,
        }
    }

    fn fault(line: u64, message: String) -> std::io::Error {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            InputFault { line, message },
        )
    }
}

impl<R: std::io::Read> std::io::Read for CsvGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 {
            if self.state == CsvState::Quoted {
                return Err(Self::fault(
                    self.quote_line,
                    "unterminated quoted field: the quote opened on this line is never closed"
                        .into(),
                ));
            }
            return Ok(0);
        }
        for &b in &buf[..n] {
            use CsvState::*;
            let end_of_record = matches!(b, b'\n' | b'\r') && self.state != Quoted;
            self.state = match (self.state, b) {
                (FieldStart, b'"') => {
                    self.quote_line = self.line;
                    Quoted
                }
                (Quoted, b'"') => QuoteInQuoted,
                (Quoted, _) => Quoted,
                (QuoteInQuoted, b'"') => Quoted,
                (_, b',' | b'\n' | b'\r') => FieldStart,
                _ => Unquoted,
            };
            if b == b'\n' {
                self.line += 1;
            }
            if end_of_record {
                self.record_bytes = 0;
                self.record_line = self.line;
            } else {
                self.record_bytes += 1;
                if self.record_bytes > MAX_RECORD_BYTES {
                    return Err(Self::fault(
                        self.record_line,
                        format!(
                            "record longer than {} MiB (the limit for one row)",
                            MAX_RECORD_BYTES >> 20
                        ),
                    ));
                }
            }
        }
        Ok(n)
    }
}

/// Reads JSONL lines of at most `MAX_RECORD_BYTES`, one buffer reused, and checks UTF-8
/// with the line number; a BOM before the first line is skipped (CSV accepts one too).
struct JsonlLines {
    inner: Box<dyn std::io::BufRead>,
    buf: Vec<u8>,
    line: u64,
}

impl JsonlLines {
    /// The next line without its terminator, or `None` at the end.
    fn next_line(&mut self, name: &str) -> Result<Option<(u64, &str)>> {
        use std::io::{BufRead, Read};
        self.buf.clear();
        let limit = MAX_RECORD_BYTES as u64 + 1;
        let n = (&mut self.inner)
            .take(limit)
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| Error::io(name, e))?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        if self.buf.last() != Some(&b'\n') && n as u64 == limit {
            return Err(Error::row(
                name,
                self.line,
                format!(
                    "line longer than {} MiB (the limit for one record)",
                    MAX_RECORD_BYTES >> 20
                ),
            ));
        }
        let mut bytes = &self.buf[..];
        if self.line == 1 {
            bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
        }
        let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        let line = self.line;
        std::str::from_utf8(bytes)
            .map(|l| Some((line, l)))
            .map_err(|e| {
                Error::row(
                    name,
                    self.line,
                    format!("invalid UTF-8 at byte {} of the line", e.valid_up_to() + 1),
                )
            })
    }
}

fn open_reader(name: &str) -> Result<Box<dyn std::io::BufRead>> {
    if name == "-" {
        return Ok(Box::new(std::io::BufReader::new(std::io::stdin())));
    }
    let f = std::fs::File::open(name).map_err(|e| Error::io(name, e))?;
    Ok(Box::new(std::io::BufReader::with_capacity(1 << 16, f)))
}

impl TableReader {
    /// Opens a table; reads the CSV header and checks the columns.
    pub fn open(name: &str, format: InputFormat, opts: &TableOptions) -> Result<TableReader> {
        if Path::new(name).is_dir() {
            return Err(Error::Other(format!("{name}: is a directory")));
        }
        let reader = open_reader(name)?;
        TableReader::from_reader(name, reader, format, opts)
    }

    /// Like `open`, on any byte stream (`name` is only used in messages): tests and the
    /// fuzz targets read tables from memory.
    pub fn from_reader(
        name: &str,
        reader: Box<dyn std::io::BufRead>,
        format: InputFormat,
        opts: &TableOptions,
    ) -> Result<TableReader> {
        let kind = match format {
            InputFormat::Jsonl => ReaderKind::Jsonl(JsonlLines {
                inner: reader,
                buf: Vec::new(),
                line: 0,
            }),
            _ => {
                let mut rdr = csv::ReaderBuilder::new()
                    .flexible(false)
                    .from_reader(Box::new(CsvGuard::new(reader)) as Box<dyn std::io::Read>);
                let headers = rdr
                    .headers()
                    .map_err(|e| csv_error(name, e))?
                    .iter()
                    // A BOM (the queue's `--excel`) must not hide the first column's name.
                    .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
                    .collect::<Vec<_>>();
                let find = |c: &str| headers.iter().position(|h| h == c);
                let text = find(&opts.text_column).ok_or_else(|| {
                    Error::row(
                        name,
                        1,
                        format!(
                            "no column {:?} (columns: {})",
                            opts.text_column,
                            headers.join(", ")
                        ),
                    )
                })?;
                let output = OUTPUT_MARKERS.iter().any(|m| find(m).is_some());
                let mut cols = Columns {
                    text,
                    id: find(&opts.id_column),
                    // In tamis's own output the reasons are the model's: only the
                    // moderator's `decision_reasons` are labels there.
                    reasons: if output {
                        None
                    } else {
                        find(&opts.reasons_column)
                    },
                    // A queue's `parent` is a comment index within its `source` page.
                    thread: find(&opts.thread_column).or_else(|| find("source")),
                    parent: find(&opts.parent_column),
                    key: find("key"),
                    decision_reasons: find("decision_reasons"),
                    model_review: if output {
                        find("tamis_review").or_else(|| find("review"))
                    } else {
                        None
                    },
                    ..Columns::default()
                };
                // A file without the group column has no group (`eval` checks that
                // some row has one).
                if let Some(g) = &opts.group_column {
                    cols.group = find(g);
                }
                if let Some(l) = &opts.label_column {
                    // A table without the default `review` column may call it `label`
                    // (the MLMA corpus does).
                    cols.label = if output {
                        None
                    } else {
                        find(l).or_else(|| if l == "review" { find("label") } else { None })
                    };
                    cols.decision = find("decision");
                    if cols.label.is_none() && cols.decision.is_none() {
                        let why = if output {
                            "a table written by tamis needs a `decision` column: its review, \
                             score and reasons columns are the model's own calls, not labels"
                                .to_string()
                        } else {
                            format!("no label column {l:?} and no `decision` column")
                        };
                        return Err(Error::row(
                            name,
                            1,
                            format!("{why} (columns: {})", headers.join(", ")),
                        ));
                    }
                }
                ReaderKind::Csv {
                    rdr: Box::new(rdr),
                    cols,
                }
            }
        };
        Ok(TableReader {
            name: name.to_string(),
            opts: opts.clone(),
            kind,
            number: 0,
        })
    }

    /// Reads every remaining row.
    pub fn read_all(&mut self) -> Result<Vec<Row>> {
        let mut all = Vec::new();
        loop {
            let b = self.next_batch(BATCH)?;
            if b.is_empty() {
                return Ok(all);
            }
            all.extend(b);
        }
    }

    /// Reads up to `n` rows (fewer only at the end).
    pub fn next_batch(&mut self, n: usize) -> Result<Vec<Row>> {
        let mut out = Vec::with_capacity(n.min(1024));
        while out.len() < n {
            match self.next_row()? {
                Some(r) => out.push(r),
                None => break,
            }
        }
        Ok(out)
    }

    fn next_row(&mut self) -> Result<Option<Row>> {
        let name = self.name.clone();
        match &mut self.kind {
            ReaderKind::Csv { rdr, cols } => {
                let mut rec = csv::StringRecord::new();
                match rdr.read_record(&mut rec) {
                    Ok(false) => return Ok(None),
                    Ok(true) => {}
                    Err(e) => return Err(csv_error(&name, e)),
                }
                let line = rec.position().map_or(0, |p| p.line());
                let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).map(unneutralise);
                let cells = RowCells {
                    text: get(Some(cols.text)).unwrap_or(""),
                    id: get(cols.id),
                    label: get(cols.label),
                    decision: get(cols.decision),
                    reasons: get(cols.reasons),
                    thread: get(cols.thread),
                    parent: get(cols.parent),
                    key: get(cols.key),
                    decision_reasons: get(cols.decision_reasons),
                    model_review: get(cols.model_review),
                    group: get(cols.group),
                };
                let labelled = self.opts.label_column.is_some();
                self.number += 1;
                build_row(&name, line, self.number, cells, labelled).map(Some)
            }
            ReaderKind::Jsonl(lines) => loop {
                let Some((ln, l)) = lines.next_line(&name)? else {
                    return Ok(None);
                };
                if l.trim().is_empty() {
                    continue;
                }
                let line = &ln;
                // The fields this reader may use, each named once (two roles may share
                // a column), read straight from the line (`jsonl`).
                let o = &self.opts;
                let roles: [Option<&str>; 13] = [
                    Some(&o.text_column),
                    Some(&o.id_column),
                    o.label_column.as_deref(),
                    Some(&o.reasons_column),
                    Some("decision_reasons"),
                    Some("review"),
                    o.group_column.as_deref(),
                    Some(&o.thread_column),
                    Some(&o.parent_column),
                    Some("key"),
                    Some("decision"),
                    Some("model"),
                    Some("score"),
                ];
                let mut wanted: [&str; 13] = [""; 13];
                let mut n = 0;
                let mut at = [None; 13];
                for (r, name) in roles.iter().enumerate() {
                    if let Some(name) = name {
                        at[r] = Some(match wanted[..n].iter().position(|w| w == name) {
                            Some(i) => i,
                            None => {
                                wanted[n] = name;
                                n += 1;
                                n - 1
                            }
                        });
                    }
                }
                let rec = crate::jsonl::parse(l, &wanted[..n])
                    .map_err(|e| Error::row(&name, *line, format!("invalid JSON: {e}")))?;
                let cell = |r: usize| at[r].and_then(|i| rec.cells[i].as_ref());
                let field = |r: usize| cell(r).and_then(crate::jsonl::Cell::text);
                let list = |r: usize| cell(r).and_then(|c| c.joined_strings().or_else(|| c.text()));
                let text: std::borrow::Cow<str> = match cell(0) {
                    Some(crate::jsonl::Cell::Str(s)) => std::borrow::Cow::Borrowed(s.as_ref()),
                    _ => {
                        return Err(Error::row(
                            &name,
                            *line,
                            format!("no string field {:?}", self.opts.text_column),
                        ))
                    }
                };
                // A scored record (`score`/`queue --format jsonl`) carries the model's call
                // in `review` and its reasons as objects: never labels.
                let output = cell(11).is_some() && cell(12).is_some();
                let label = if output { None } else { field(2) };
                let id = field(1);
                let reasons = if output { None } else { list(3) };
                let decision_reasons = list(4);
                let model_review = if output { field(5) } else { None };
                let group = field(6);
                let (thread, parent, key, decision) = (field(7), field(8), field(9), field(10));
                let cells = RowCells {
                    text: &text,
                    id: id.as_deref(),
                    label: label.as_deref(),
                    decision: decision.as_deref(),
                    reasons: reasons.as_deref(),
                    thread: thread.as_deref(),
                    parent: parent.as_deref(),
                    key: key.as_deref(),
                    decision_reasons: decision_reasons.as_deref(),
                    model_review: model_review.as_deref(),
                    group: group.as_deref(),
                };
                let labelled = self.opts.label_column.is_some();
                self.number += 1;
                return build_row(&name, *line, self.number, cells, labelled).map(Some);
            },
        }
    }
}

struct RowCells<'a> {
    text: &'a str,
    id: Option<&'a str>,
    label: Option<&'a str>,
    decision: Option<&'a str>,
    reasons: Option<&'a str>,
    thread: Option<&'a str>,
    parent: Option<&'a str>,
    key: Option<&'a str>,
    decision_reasons: Option<&'a str>,
    model_review: Option<&'a str>,
    group: Option<&'a str>,
}

/// Parses a `reasons` cell (`insult|threat`; `,`, `;` and spaces also separate).
fn parse_reasons(name: &str, line: u64, cell: Option<&str>) -> Result<Vec<String>> {
    let mut reasons: Vec<String> = Vec::new();
    for r in cell
        .unwrap_or("")
        .split(['|', ',', ';', ' '])
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        if !features::REASONS.contains(&r) {
            return Err(Error::row(
                name,
                line,
                format!(
                    "unknown reason {r:?} (expected one of {})",
                    features::REASONS.join(", ")
                ),
            ));
        }
        if !reasons.iter().any(|x| x == r) {
            reasons.push(r.to_string());
        }
    }
    Ok(reasons)
}

/// The moderator's decision, if the cell holds one (`None` for an empty cell).
fn parse_decision(name: &str, line: u64, d: &str) -> Result<Option<bool>> {
    match d.trim().to_lowercase().as_str() {
        "remove" | "supprimer" | "retirer" => Ok(Some(true)),
        "keep" | "garder" | "conserver" => Ok(Some(false)),
        "" => Ok(None),
        other => Err(Error::row(
            name,
            line,
            format!("decision {other:?} is not remove/supprimer, keep/garder or empty"),
        )),
    }
}

fn build_row(name: &str, line: u64, number: usize, c: RowCells, labelled: bool) -> Result<Row> {
    let nonempty = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
    let mut reasons = Vec::new();
    let mut review = None;
    let mut label_from = LabelFrom::None;
    let model_review = c.model_review.and_then(parse_label);
    if labelled {
        // The moderator's decision overrides every other column; then a human label; a
        // row with neither is skipped (and counted by the caller).
        let decision = match c.decision {
            Some(d) => parse_decision(name, line, d)?,
            None => None,
        };
        if let Some(d) = decision {
            review = Some(d);
            label_from = LabelFrom::Decision;
            let corrected = parse_reasons(name, line, c.decision_reasons)?;
            // A kept comment is a negative for every reason; a removed one carries the
            // moderator's corrected reasons, else the table's human reasons (none in a
            // tamis output, where the reasons were the model's), else none: it then
            // trains the review model only.
            if d {
                reasons = if corrected.is_empty() {
                    parse_reasons(name, line, c.reasons)?
                } else {
                    corrected
                };
            }
        } else if let Some(l) = c.label.filter(|l| !l.trim().is_empty()) {
            review = Some(parse_label(l).ok_or_else(|| {
                Error::row(
                    name,
                    line,
                    format!("label {l:?} is not true/false, 1/0, oui/non, yes/no or vrai/faux"),
                )
            })?);
            label_from = LabelFrom::Label;
            reasons = parse_reasons(name, line, c.reasons)?;
            if review == Some(false) && !reasons.is_empty() {
                return Err(Error::row(
                    name,
                    line,
                    "review is false but reasons are given",
                ));
            }
        }
    }
    Ok(Row {
        number,
        line,
        id: nonempty(c.id).unwrap_or_else(|| number.to_string()),
        text: c.text.to_string(),
        thread: nonempty(c.thread),
        parent: nonempty(c.parent),
        review,
        reasons,
        key: nonempty(c.key),
        label_from,
        group: c.group.map(String::from),
        model_review,
    })
}

fn csv_error(name: &str, e: csv::Error) -> Error {
    let line = e.position().map_or(0, |p| p.line());
    let msg = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".to_string(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields, found {len}"),
        _ => e.to_string(),
    };
    if let csv::ErrorKind::Io(io) = e.kind() {
        if let Some(f) = io.get_ref().and_then(|x| x.downcast_ref::<InputFault>()) {
            return Error::row(name, f.line, f.message.clone());
        }
        return Error::Other(format!("{name}: {io}"));
    }
    Error::row(name, line, msg)
}

/// Reads labelled tables for training and evaluation.
pub fn read_labelled(paths: &[String], opts: &TableOptions) -> Result<Vec<(String, Row)>> {
    let mut out = Vec::new();
    for p in paths {
        let fmt = format_of(p);
        let mut r = TableReader::open(p, fmt, opts)?;
        for row in r.read_all()? {
            out.push((p.clone(), row));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {

    #[test]
    fn repeating_an_insult_does_not_dilute_it() {
        use super::*;
        let model = Model::embedded().unwrap();
        let opts = ScoreOptions::default();
        let once = "Espèce de connard, ta piscine est une honte !";
        let (s1, _) = score_one(once, None, model, &opts);
        assert!(s1.review);
        for n in [5, 100] {
            let many = vec![once; n].join(" ");
            let (s, _) = score_one(&many, None, model, &opts);
            assert!(
                s.review && s.score >= s1.score - 1e-6,
                "{n} copies: {}",
                s.score
            );
            // The evidence points into the repeated text itself.
            for r in &s.reasons {
                for e in &r.evidence {
                    assert_eq!(&many[e.start..e.end], e.text);
                }
            }
            // Same through the batch path.
            let items = vec![Item {
                text: many.clone(),
                parent: None,
                depth: 0,
            }];
            assert_eq!(score_items(&items, model, &opts)[0], s);
        }
        // Nothing repeated: no second look.
        assert!(distinct_sentences("Un. Deux. Trois.").is_none());
        let (d, map) = distinct_sentences("Un. Deux. un.  Deux.").unwrap();
        assert_eq!(d, "Un. Deux.");
        assert_eq!(map, [(0, 0), (4, 4)]);
    }

    /// Many different insulting sentences (no repeat for the repeat guard to catch)
    /// stay flagged however many there are: hit counts and length beyond the training
    /// range are capped by the guard in `finish_score`, which only ever raises a score.
    #[test]
    fn more_insults_never_lower_the_verdict() {
        use super::*;
        let model = Model::embedded().unwrap();
        let opts = ScoreOptions::default();
        let text = |n: usize| {
            (0..n)
                .map(|i| format!("Le numéro {i} est un connard, sale con {i}, pauvre abruti {i}."))
                .collect::<Vec<_>>()
                .join(" ")
        };
        for n in [1, 10, 100, 1500] {
            let t = text(n);
            let (s, _) = score_one(&t, None, model, &opts);
            assert!(s.review, "{n} sentences: {}", s.score);
            let insult = s.reasons.iter().find(|r| r.reason == "insult");
            let evidence = insult.map_or(0, |r| r.evidence.len());
            // Every insult is evidence, up to the cap (3 per sentence here).
            assert_eq!(
                evidence,
                (3 * n).min(crate::model::MAX_EVIDENCE),
                "{n} sentences"
            );
        }
        // Without the guard the linear count weights win: the guard is what holds.
        let t = text(100);
        let fv = features::extract(&t, &Context::default(), model.feature_params());
        assert!(!finish_score_once(model, &fv, &t, &opts).review);
    }

    #[test]
    fn one_comment_scores_as_in_a_thread() {
        use super::*;
        let model = Model::embedded().unwrap();
        let opts = ScoreOptions::default();
        let parent = "Le maire de Vierzac a encore augmenté les impôts.";
        let reply = "Et toi t'es qu'un abruti qui ne paie rien, Gontran.";
        let items = vec![
            Item {
                text: parent.into(),
                parent: None,
                depth: 0,
            },
            Item {
                text: reply.into(),
                parent: Some(0),
                depth: 1,
            },
        ];
        let in_thread = score_items(&items, model, &opts);
        let (alone_parent, _) = score_one(parent, None, model, &opts);
        let (alone_reply, det) = score_one(reply, Some(parent), model, &opts);
        assert_eq!(alone_parent, in_thread[0]);
        assert_eq!(alone_reply, in_thread[1]);
        assert!(alone_reply.review && det.insult > 0.0);
        // The parent's text is context: without it the score differs.
        let (no_context, _) = score_one(reply, None, model, &opts);
        assert_ne!(no_context.score, alone_reply.score);
    }

    /// Extraction runs each comment's detectors once and adds the thread context after;
    /// the result must be exactly that of extracting each comment with its whole context
    /// (the parent's detector scores recomputed, earlier flagged siblings counted).
    #[test]
    fn thread_context_added_after_equals_extraction_with_it() {
        use super::*;
        let texts: [(&str, Option<usize>); 7] = [
            ("Le conseil de Vierzac vote le budget ce soir.", None),
            ("Espèce de connard, tu votes n'importe quoi.", Some(0)),
            ("Gontran est un voleur, tout le monde le sait.", Some(0)),
            (
                "« Espèce de connard » : on ne parle pas comme ça ici.",
                Some(1),
            ),
            ("Bande d'abrutis, je vais vous crever.", Some(0)),
            ("Merci pour le compte rendu.", None),
            ("Il a raison.", Some(5)),
        ];
        let mut items: Vec<Item> = Vec::new();
        for (t, p) in texts {
            let depth = p.map_or(0, |p| items[p].depth + 1);
            items.push(Item {
                text: t.into(),
                parent: p,
                depth,
            });
        }
        let params = Model::embedded().unwrap().feature_params();
        let got = extract_items(&items, params);
        let own: Vec<DetectorScores> = items
            .iter()
            .map(|it| features::detect(&it.text).scores)
            .collect();
        let mut flagged: HashMap<usize, usize> = HashMap::new();
        for (i, it) in items.iter().enumerate() {
            let siblings = it.parent.map_or(0, |p| {
                let k = flagged.entry(p).or_insert(0);
                let before = *k;
                *k += usize::from(strongest(&own[i]) >= 0.5);
                before
            });
            let ctx = Context {
                depth: it.depth,
                parent_text: it.parent.map(|p| items[p].text.as_str()),
                parent_scores: it.parent.map(|p| &own[p]),
                flagged_siblings: siblings,
            };
            let want = features::extract(&it.text, &ctx, params);
            assert_eq!(got[i].engineered, want.engineered, "item {i}");
            assert_eq!(got[i].hashed, want.hashed, "item {i}");
            assert_eq!(got[i].detection.scores, want.detection.scores, "item {i}");
        }
        // The context is really there: a flagged sibling was counted, a parent scored.
        let fs = features::ENGINEERED
            .iter()
            .position(|n| *n == "flagged_siblings")
            .unwrap();
        let pi = features::ENGINEERED
            .iter()
            .position(|n| *n == "parent_insult")
            .unwrap();
        assert!(got.iter().any(|f| f.engineered[fs] > 0.0));
        assert!(got[3].engineered[pi] > 0.0);
    }

    #[test]
    fn disguise_signs() {
        for t in [
            "c0nnard",
            "m***e",
            "s a l o p e",
            "C+0+N+S",
            "e.n.c.u.l.é",
            "connnnard",
            "b@tard",
            "con\u{200B}nard",
            "сonnard",
        ] {
            assert!(looks_disguised(t), "{t}");
        }
        for t in [
            "Je vais te tuer",
            "Il faut tuer tous les Juifs",
            "Quel connard ce type",
            "Rendez-vous à 8 h",
            "y a à manger",
        ] {
            assert!(!looks_disguised(t), "{t}");
        }
    }
    use super::*;

    #[test]
    fn labels() {
        for v in ["true", "1", "OUI", "yes", "Vrai"] {
            assert_eq!(parse_label(v), Some(true), "{v}");
        }
        for v in ["false", "0", "non", "No", "FAUX"] {
            assert_eq!(parse_label(v), Some(false), "{v}");
        }
        assert_eq!(parse_label("peut-être"), None);
    }

    #[test]
    fn formats_from_extension() {
        assert_eq!(format_of("a.CSV"), InputFormat::Csv);
        assert_eq!(format_of("a.jsonl"), InputFormat::Jsonl);
        assert_eq!(format_of("a.txt"), InputFormat::Page);
        assert_eq!(format_of("-"), InputFormat::Page);
    }

    fn labelled_opts() -> TableOptions {
        TableOptions {
            label_column: Some("review".into()),
            ..TableOptions::unlabelled(&InputOptions::default())
        }
    }

    fn read_csv(content: &str) -> Result<Vec<Row>> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        std::fs::write(&p, content).unwrap();
        let name = p.display().to_string();
        TableReader::open(&name, InputFormat::Csv, &labelled_opts())?.read_all()
    }

    #[test]
    fn labelled_rows_and_errors_name_the_line() {
        let rows = read_csv(
            "id,text,review,reasons\na,\"Bonjour\",oui,\nb,Toi le nul,true,insult|masked_slur\n",
        )
        .unwrap();
        assert_eq!(rows[1].reasons, ["insult", "masked_slur"]);
        assert_eq!(rows[0].review, Some(true));
        let e = read_csv("id,text,review,reasons\na,x,false,insult\n").unwrap_err();
        assert!(
            e.to_string()
                .ends_with("t.csv:2: review is false but reasons are given"),
            "{e}"
        );
        let e = read_csv("id,text,review,reasons\na,x,true,\nb,y,peut-être,\n").unwrap_err();
        assert!(
            e.to_string().contains("t.csv:3: label \"peut-être\""),
            "{e}"
        );
        let e = read_csv("id,text,review,reasons\na,x,true,insulte\n").unwrap_err();
        assert!(e.to_string().contains("unknown reason"), "{e}");
    }

    #[test]
    fn a_decision_overrides_every_label_column() {
        let rows = read_csv(
            "id,text,review,reasons,decision,decision_reasons\n\
             a,x,false,,remove,threat\nb,y,true,insult,KEEP,\nc,z,,,,\nd,w,true,hate,,\n",
        )
        .unwrap();
        let got: Vec<_> = rows
            .iter()
            .map(|r| (r.review, r.reasons.join("|"), r.label_from))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(true), "threat".into(), LabelFrom::Decision),
                (Some(false), String::new(), LabelFrom::Decision),
                (None, String::new(), LabelFrom::None),
                (Some(true), "hate".into(), LabelFrom::Label),
            ]
        );
        let c = LabelCounts::of(&rows);
        assert_eq!(
            (c.decisions, c.labels, c.skipped, c.overrides),
            (2, 1, 1, 0)
        );
    }

    #[test]
    fn tamis_output_columns_are_never_labels() {
        // A queue: `tamis_review` is the model's call, counted against the decision.
        let rows = read_csv(
            "key,text,tamis_review,tamis_reasons,decision\nk1,a,true,insult,keep\nk2,b,false,,remove\nk3,c,true,insult,\n",
        )
        .unwrap();
        let got: Vec<_> = rows
            .iter()
            .map(|r| (r.review, r.reasons.len(), r.model_review))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(false), 0, Some(true)),
                (Some(true), 0, Some(false)),
                (None, 0, Some(true))
            ]
        );
        assert_eq!(LabelCounts::of(&rows).overrides, 2);
        // A JSONL score record: `review` and `reasons` are the model's.
        let opts = labelled_opts();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("q.jsonl");
        std::fs::write(
            &p,
            r#"{"key":"k","text":"t","review":true,"score":0.9,"reasons":[{"reason":"insult","score":0.9}],"model":"m","decision":""}"#,
        )
        .unwrap();
        let name = p.to_str().unwrap();
        let rows = TableReader::open(name, InputFormat::Jsonl, &opts)
            .unwrap()
            .read_all()
            .unwrap();
        assert_eq!((rows[0].review, rows[0].model_review), (None, Some(true)));
    }

    #[test]
    fn queue_decisions_become_labels() {
        let rows = read_csv(
            "key,text,decision,reasons\nk1,'=cmd,remove,insult\nk2,b,keep,insult\nk3,c,,\n",
        )
        .unwrap();
        assert_eq!(rows[0].text, "=cmd", "the export's quote is stripped");
        assert_eq!(
            (rows[0].review, rows[0].reasons.clone()),
            (Some(true), vec!["insult".to_string()])
        );
        assert_eq!((rows[1].review, rows[1].reasons.len()), (Some(false), 0));
        assert_eq!(rows[2].review, None);
    }

    #[test]
    fn replies_link_by_thread_and_parent_id() {
        let rows = read_csv(
            "id,text,review,reasons,thread,parent\na,x,false,,t1,\nb,y,false,,t1,a\nc,z,false,,t2,a\nd,w,false,,t1,b\n",
        )
        .unwrap();
        let items = rows_to_items(&rows);
        let shape: Vec<_> = items.iter().map(|i| (i.parent, i.depth)).collect();
        assert_eq!(shape, [(None, 0), (Some(0), 1), (None, 0), (Some(1), 2)]);
    }
}

/// The committed fuzz corpus (`fuzz/corpus/<target>/`, crash reproducers included) replayed
/// through the same entry points as the fuzz targets, so `cargo test` guards every input
/// the fuzzers kept without nightly or libFuzzer.
#[cfg(test)]
mod fuzz_corpus {
    use super::*;
    use std::time::Instant;

    /// The files of one target's corpus (none when the directory is absent).
    fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus")
            .join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        let mut out: Vec<(String, Vec<u8>)> = entries
            .filter_map(|e| e.ok())
            .map(|e| {
                let p = e.path();
                (p.display().to_string(), std::fs::read(&p).unwrap())
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn text_targets_replay() {
        let params = features::FeatureParams::default().check().unwrap();
        let mut n = 0;
        for target in ["normalize", "detect", "extract", "export"] {
            for (name, bytes) in corpus(target) {
                let Ok(text) = std::str::from_utf8(&bytes) else {
                    continue;
                };
                let t = Instant::now();
                let d = features::detect(text);
                for e in &d.evidence {
                    assert_eq!(text.get(e.start..e.end), Some(e.text.as_str()), "{name}");
                }
                let (parent, reply) = text.split_once('\0').unwrap_or(("", text));
                let ctx = Context {
                    depth: 1,
                    parent_text: Some(parent),
                    ..Context::default()
                };
                let fv = features::extract(reply, &ctx, &params);
                assert!(fv.engineered.iter().all(|v| v.is_finite()), "{name}");
                // The lexicon's word-start walk finds what the reference scan finds.
                let lex = &*features::lexicon::LEXICON;
                let norm = features::normalize::normalize(text);
                let (mut a, mut b) = (Vec::new(), Vec::new());
                lex.find(&norm.text, |i, _, s, e| a.push((i, s, e)));
                lex.find_scan(&norm.text, |i, _, s, e| b.push((i, s, e)));
                assert_eq!(a, b, "{name}");
                // Generous for a debug build: a pathological input takes seconds.
                assert!(t.elapsed().as_secs() < 5, "{name}: {:?}", t.elapsed());
                n += 1;
            }
        }
        assert!(n >= 10, "only {n} corpus texts");
    }

    #[test]
    fn reader_and_model_targets_replay() {
        let plain = TableOptions::unlabelled(&InputOptions::default());
        let mut labelled = plain.clone();
        labelled.label_column = Some("review".into());
        for (target, format) in [
            ("table_csv", InputFormat::Csv),
            ("table_jsonl", InputFormat::Jsonl),
        ] {
            let files = corpus(target);
            assert!(!files.is_empty(), "{target}: no corpus");
            for (name, bytes) in files {
                for opts in [&plain, &labelled] {
                    let r = Box::new(std::io::Cursor::new(bytes.clone()));
                    if let Ok(mut t) = TableReader::from_reader(&name, r, format, opts) {
                        let _ = t.read_all();
                    }
                }
            }
        }
        for (name, bytes) in corpus("page_parse") {
            let _ = thread::parse(&name, &bytes);
        }
        for (name, bytes) in corpus("model_load") {
            let _ = Model::from_json(&bytes, Path::new(&name));
        }
        for (name, bytes) in corpus("decisions") {
            let _ = crate::export::csv::read_decisions_from(&bytes[..], Path::new(&name));
        }
    }

    #[test]
    fn input_rules_and_serve_targets_replay() {
        let inputs = corpus("inputs");
        assert!(inputs.len() >= 10, "inputs: {} corpus files", inputs.len());
        for (name, bytes) in inputs {
            let opts = thread::ReadOptions::default();
            let _ = thread::read_threads_from(&name, &bytes[..], &opts, |t| {
                for c in &t.comments {
                    assert!(c.parent.is_none_or(|p| p < c.index), "{name}");
                    assert!(c.span.0 <= c.span.1 && c.span.1 <= bytes.len(), "{name}");
                }
                Ok(())
            });
        }
        for (name, bytes) in corpus("rules") {
            let (rules, comment) = match bytes.iter().position(|&b| b == 0) {
                Some(i) => (&bytes[..i], &bytes[i + 1..]),
                None => (&bytes[..], &b"texte"[..]),
            };
            if let (Ok(r), Ok(text)) = (
                crate::rules::Rules::parse(rules, &name),
                std::str::from_utf8(comment),
            ) {
                for h in r.matches(text) {
                    assert_eq!(text.get(h.start..h.end), Some(h.text.as_str()), "{name}");
                }
            }
        }
        let model = Model::embedded().unwrap();
        let opts = ScoreOptions::default();
        use crate::serve::{coral, perspective};
        for (name, bytes) in corpus("serve_request") {
            if let Ok(a) = perspective::parse_json::<perspective::AnalyzeRequest>(&bytes)
                .and_then(perspective::check_analyze)
            {
                let (body, _) = perspective::analyze(&a, &|t, p| score_one(t, p, model, &opts));
                assert!(
                    serde_json::from_str::<serde_json::Value>(&body).is_ok(),
                    "{name}"
                );
            }
            if let Ok(r) = perspective::parse_json::<perspective::SuggestRequest>(&bytes) {
                let _ = perspective::check_suggest(r);
            }
            let _ = coral::parse(&bytes);
        }
    }
}
