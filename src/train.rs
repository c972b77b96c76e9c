//! Fitting: labelled rows -> feature matrix (column-major f32, as linfa is fastest on it)
//! -> one logistic regression per label, with the L2 strength and the decision threshold
//! chosen by K-fold cross-validation (linfa has no class weights, so imbalance is handled
//! by the threshold). Also the metrics shared with `tamis eval`.

use crate::features::{FeatureParams, FeatureValidParams, FeatureVector, ENGINEERED, REASONS};
use crate::model::{
    fnv1a_hex, FeatureSpec, LabelModel, Metrics, Model, ModelFile, Scaler, TrainingInfo, REVIEW,
    SCHEMA_VERSION,
};
use crate::pipeline::{extract_items, rows_to_items, Row};
use crate::{Error, Result};
use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2, ShapeBuilder};
use rayon::prelude::*;

/// Unchecked training parameters.
#[derive(Debug, Clone)]
pub struct TrainParams {
    /// Cross-validation folds.
    pub folds: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// Choose each threshold as the lowest reaching this precision (else best F1).
    pub min_precision: Option<f32>,
    /// L2 strengths tried.
    pub alphas: Vec<f32>,
    /// L-BFGS iterations.
    pub max_iterations: u64,
    /// At most this many hashed buckets become columns of the (dense) design matrix,
    /// chosen by χ² against every label; the others get weight 0.
    pub max_columns: usize,
    /// Feature parameters.
    pub features: FeatureParams,
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams {
            folds: 4,
            seed: 17,
            min_precision: None,
            alphas: vec![0.1, 0.3, 1.0],
            max_iterations: 60,
            max_columns: 4096,
            features: FeatureParams::default(),
        }
    }
}

/// Checked training parameters.
#[derive(Debug, Clone)]
pub struct TrainValidParams {
    p: TrainParams,
    features: FeatureValidParams,
}

impl TrainParams {
    /// Checks every parameter once.
    pub fn check(self) -> Result<TrainValidParams> {
        if !(2..=20).contains(&self.folds) {
            return Err(Error::Params(format!(
                "folds {} is outside 2..=20",
                self.folds
            )));
        }
        if let Some(p) = self.min_precision {
            if !(0.0..=1.0).contains(&p) {
                return Err(Error::Params(format!("min precision {p} is outside 0..=1")));
            }
        }
        if self.max_columns == 0 {
            return Err(Error::Params("max columns must be positive".into()));
        }
        if self.alphas.is_empty() || self.alphas.iter().any(|a| a.is_nan() || *a <= 0.0) {
            return Err(Error::Params("alphas must be positive".into()));
        }
        let features = self.features.clone().check()?;
        Ok(TrainValidParams { p: self, features })
    }
}

/// A labelled example: its features and labels.
pub struct Example {
    /// Review label.
    pub review: bool,
    /// Reasons (known only when `review` and the row gave some).
    pub reasons: Option<Vec<String>>,
    /// Fold group (rows of one thread stay together).
    pub group: String,
}

/// Progress callback: (stage, done, total).
pub type Progress<'a> = &'a (dyn Fn(&str, usize, usize) + Sync);

/// What training printed: per-label CV metrics.
pub struct Report {
    /// True when no row named a reason: only the review model was trained.
    pub review_only: bool,
    /// (label, alpha, CV metrics, positives).
    pub labels: Vec<(String, f32, Metrics, usize)>,
    /// Per label: the examples it was trained on, their labels and their calibrated
    /// held-out probabilities (for metrics per group of rows).
    pub held_out: Vec<HeldOut>,
}

/// The cross-validated predictions of one label.
pub struct HeldOut {
    /// Example indexes (into the rows given to `fit`).
    pub rows: Vec<usize>,
    /// Their labels.
    pub y: Vec<bool>,
    /// Their calibrated out-of-fold probabilities.
    pub p: Vec<f32>,
    /// The label's threshold.
    pub threshold: f32,
}

/// Fits a model on labelled rows (undecided rows must be dropped before).
pub fn fit(
    rows: &[(String, Row)],
    params: &TrainValidParams,
    sources: Vec<String>,
    progress: Progress,
) -> Result<(Model, Report)> {
    let rows: Vec<&Row> = rows.iter().map(|(_, r)| r).collect();
    if rows.is_empty() {
        return Err(Error::Other("no labelled rows to train on".into()));
    }
    // Thread context: rows linked by (thread, parent) within each source file.
    progress("features", 0, rows.len());
    let owned: Vec<Row> = rows.iter().map(|r| (*r).clone()).collect();
    let items = rows_to_items(&owned);
    let fvs = extract_items(&items, &params.features);
    progress("features", rows.len(), rows.len());
    let examples: Vec<Example> = rows
        .iter()
        .map(|r| Example {
            review: r.review.unwrap_or(false),
            reasons: match (r.review, r.reasons.is_empty()) {
                (Some(true), true) => None,
                _ => Some(r.reasons.clone()),
            },
            group: r.thread.clone().unwrap_or_else(|| r.id.clone()),
        })
        .collect();
    let data_checksum = {
        let mut parts: Vec<Vec<u8>> = Vec::with_capacity(rows.len());
        for r in &rows {
            parts.push(
                format!(
                    "{}\u{1f}{:?}\u{1f}{}\u{1e}",
                    r.text,
                    r.review,
                    r.reasons.join("|")
                )
                .into_bytes(),
            );
        }
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        fnv1a_hex(&refs)
    };
    fit_examples(&fvs, &examples, params, data_checksum, sources, progress)
}

/// Fits from extracted features.
pub fn fit_examples(
    fvs: &[FeatureVector],
    examples: &[Example],
    params: &TrainValidParams,
    data_checksum: String,
    sources: Vec<String>,
    progress: Progress,
) -> Result<(Model, Report)> {
    let fp = &params.features;
    let scaler = fit_scaler(fvs);
    let selected = select_columns(fvs, examples, fp.buckets(), params.p.max_columns);
    let x = matrix(fvs, &selected, &scaler);
    let folds = assign_folds(examples, params.p.folds, params.p.seed);

    let mut label_counts = std::collections::BTreeMap::new();
    let mut targets: Vec<(String, Vec<usize>, Vec<bool>)> = Vec::new();
    {
        let all: Vec<usize> = (0..examples.len()).collect();
        let y: Vec<bool> = examples.iter().map(|e| e.review).collect();
        label_counts.insert(REVIEW.to_string(), y.iter().filter(|&&b| b).count());
        targets.push((REVIEW.to_string(), all, y));
    }
    // No row names a reason (a table with a `review` column and no reasons column):
    // only the review model can be trained; the reason models are left empty.
    let review_only = examples
        .iter()
        .all(|e| e.reasons.as_ref().is_none_or(|r| r.is_empty()));
    for reason in REASONS {
        if review_only {
            label_counts.insert(reason.to_string(), 0);
            continue;
        }
        // A review row without reasons says nothing about each reason: left out.
        let idx: Vec<usize> = (0..examples.len())
            .filter(|&i| examples[i].reasons.is_some())
            .collect();
        let y: Vec<bool> = idx
            .iter()
            .map(|&i| {
                examples[i]
                    .reasons
                    .as_ref()
                    .is_some_and(|r| r.iter().any(|x| x == reason))
            })
            .collect();
        label_counts.insert(reason.to_string(), y.iter().filter(|&&b| b).count());
        targets.push((reason.to_string(), idx, y));
    }

    for (name, _, y) in &targets {
        let positives = y.iter().filter(|&&b| b).count();
        if positives == 0 || positives == y.len() {
            return Err(Error::Other(format!(
                "label {name}: needs both positive and negative rows ({positives} of {})",
                y.len()
            )));
        }
    }
    // The L2 strength is chosen once, on the review model (every alpha × fold, in
    // parallel); the reason models reuse it. That keeps training at
    // alphas × folds + 5 × folds + 6 fits instead of 6 × (alphas × folds + 1).
    let k = params.p.folds;
    let alphas = &params.p.alphas;
    let total = alphas.len() * k + (targets.len() - 1) * k + targets.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let tick = || {
        let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        progress("fits", d, total);
    };
    // One held-out fold of one label at one alpha: the (row, probability) pairs.
    type Part = Result<Vec<(usize, f32)>>;
    let fold_job = |t: usize, alpha: f32, fold: usize| -> Part {
        let (_, idx, y) = &targets[t];
        let tr: Vec<usize> = (0..y.len()).filter(|&i| folds[idx[i]] != fold).collect();
        let te: Vec<usize> = (0..y.len()).filter(|&i| folds[idx[i]] == fold).collect();
        if te.is_empty() || tr.is_empty() {
            tick();
            return Ok(Vec::new());
        }
        let rows: Vec<usize> = tr.iter().map(|&i| idx[i]).collect();
        let ys: Vec<bool> = tr.iter().map(|&i| y[i]).collect();
        let (w, b) = fit_rows(&x, &rows, &ys, alpha, params.p.max_iterations)?;
        let out = te
            .iter()
            .map(|&i| {
                let z: f32 = x.row(idx[i]).dot(&w) + b;
                (i, 1.0 / (1.0 + (-z).exp()))
            })
            .collect();
        tick();
        Ok(out)
    };
    let collect_oof = |parts: Vec<Part>, n: usize| -> Result<Vec<f32>> {
        let mut oof = vec![0f32; n];
        for part in parts {
            for (i, p) in part? {
                oof[i] = p;
            }
        }
        Ok(oof)
    };
    let review_jobs: Vec<(usize, usize)> = (0..alphas.len())
        .flat_map(|a| (0..k).map(move |f| (a, f)))
        .collect();
    let review_parts: Vec<(usize, Part)> = review_jobs
        .par_iter()
        .map(|&(a, f)| (a, fold_job(0, alphas[a], f)))
        .collect();
    let n0 = targets[0].2.len();
    let mut best: Option<(f32, f32, Vec<f32>)> = None; // (auc, alpha, oof)
    let mut by_alpha: Vec<Vec<Part>> = (0..alphas.len()).map(|_| Vec::new()).collect();
    for (a, part) in review_parts {
        by_alpha[a].push(part);
    }
    for (a, parts) in by_alpha.into_iter().enumerate() {
        let oof = collect_oof(parts, n0)?;
        let auc = roc_auc(&oof, &targets[0].2);
        if best.as_ref().is_none_or(|(b, _, _)| auc > *b) {
            best = Some((auc, alphas[a], oof));
        }
    }
    let (_, alpha, review_oof) = best.expect("at least one alpha");
    // The reasons' held-out folds and every final fit, in parallel.
    enum Job {
        Fold(usize, usize),
        Final(usize),
    }
    let mut jobs: Vec<Job> = (0..targets.len()).map(Job::Final).collect();
    for t in 1..targets.len() {
        jobs.extend((0..k).map(|f| Job::Fold(t, f)));
    }
    enum Done {
        Fold(usize, Vec<(usize, f32)>),
        Final(usize, Array1<f32>, f32),
    }
    let results: Vec<Result<Done>> = jobs
        .par_iter()
        .map(|job| match *job {
            Job::Fold(t, f) => Ok(Done::Fold(t, fold_job(t, alpha, f)?)),
            Job::Final(t) => {
                let (_, idx, y) = &targets[t];
                let (w, b) = fit_rows(&x, idx, y, alpha, params.p.max_iterations)?;
                tick();
                Ok(Done::Final(t, w, b))
            }
        })
        .collect();
    let mut oofs: Vec<Vec<f32>> = targets
        .iter()
        .map(|(_, _, y)| vec![0f32; y.len()])
        .collect();
    oofs[0] = review_oof;
    let mut finals: Vec<Option<(Array1<f32>, f32)>> = (0..targets.len()).map(|_| None).collect();
    for r in results {
        match r? {
            Done::Fold(t, part) => {
                for (i, p) in part {
                    oofs[t][i] = p;
                }
            }
            Done::Final(t, w, b) => finals[t] = Some((w, b)),
        }
    }
    let mut results: Vec<Result<(LabelModel, usize)>> = Vec::new();
    let mut held_out = Vec::new();
    for (t, (name, idx, y)) in targets.iter().enumerate() {
        let positives = y.iter().filter(|&&b| b).count();
        let (w, b) = finals[t].take().expect("every label has its final fit");
        // Platt scaling on the held-out scores, folded into the linear model, so that a
        // probability means what it says (0.5: as likely as not) and scoring stays one
        // dot product.
        let (ca, cb) = platt(&oofs[t], y);
        let oof: Vec<f32> = oofs[t].iter().map(|&p| calibrate(p, ca, cb)).collect();
        let threshold = choose_threshold(&oof, y, params.p.min_precision);
        let cv = metrics(&oof, y, threshold);
        held_out.push(HeldOut {
            rows: idx.clone(),
            y: y.clone(),
            p: oof,
            threshold,
        });
        results.push(Ok((
            LabelModel {
                name: name.clone(),
                alpha,
                threshold,
                intercept: ca * b + cb,
                weights: scatter(&w.mapv(|v| v * ca), &selected, fp),
                cv,
            },
            positives,
        )));
    }
    let mut labels = Vec::new();
    let mut report = Report {
        review_only,
        labels: Vec::new(),
        held_out,
    };
    for r in results {
        let (l, pos) = r?;
        report.labels.push((l.name.clone(), l.alpha, l.cv, pos));
        labels.push(l);
    }
    if review_only {
        // Untrained reasons: no weights (see `Model::from_json`), never listed.
        labels.extend(REASONS.iter().map(|r| LabelModel {
            name: r.to_string(),
            alpha,
            threshold: 1.0,
            intercept: 0.0,
            weights: Vec::new(),
            cv: Default::default(),
        }));
    }
    let file = ModelFile {
        schema_version: SCHEMA_VERSION,
        tamis_version: env!("CARGO_PKG_VERSION").to_string(),
        features: FeatureSpec {
            params: fp.params().clone(),
            engineered: ENGINEERED.iter().map(|s| s.to_string()).collect(),
            lexicon_checksum: crate::features::lexicon_checksum(),
            ngram_norm: crate::model::NGRAM_NORM.to_string(),
        },
        scaler,
        labels,
        training: TrainingInfo {
            rows: examples.len(),
            label_counts,
            data_checksum,
            folds: params.p.folds,
            seed: params.p.seed,
            min_precision: params.p.min_precision,
            sources,
        },
    };
    let json = crate::model::to_json(&file)?;
    let model = Model::from_json(json.as_bytes(), std::path::Path::new("<trained>"))?;
    Ok((model, report))
}

/// Means and standard deviations of the engineered features.
fn fit_scaler(fvs: &[FeatureVector]) -> Scaler {
    let e = ENGINEERED.len();
    let n = fvs.len().max(1) as f64;
    let mut mean = vec![0f64; e];
    let mut sq = vec![0f64; e];
    for fv in fvs {
        for (k, &x) in fv.engineered.iter().enumerate().take(e) {
            mean[k] += f64::from(x);
            sq[k] += f64::from(x) * f64::from(x);
        }
    }
    let mut m32 = Vec::with_capacity(e);
    let mut s32 = Vec::with_capacity(e);
    for k in 0..e {
        let m = mean[k] / n;
        let var = (sq[k] / n - m * m).max(0.0);
        let sd = var.sqrt();
        m32.push(m as f32);
        s32.push(if sd > 1e-6 { sd as f32 } else { 1.0 });
    }
    Scaler {
        mean: m32,
        std: s32,
    }
}

/// The hashed buckets that become matrix columns: all of them when they fit in
/// `max_columns`, else the `max_columns` with the highest χ² (presence against label)
/// for any label, each label's χ² scaled by its own maximum so that rare reasons get
/// their share. Buckets seen in fewer than 3 comments are left out. Deterministic.
fn select_columns(
    fvs: &[FeatureVector],
    examples: &[Example],
    buckets: usize,
    max_columns: usize,
) -> Vec<u32> {
    if buckets <= max_columns {
        return (0..buckets as u32).collect();
    }
    // Targets: review, then each reason on the rows that say something about it.
    let mut targets: Vec<Vec<Option<bool>>> =
        vec![examples.iter().map(|e| Some(e.review)).collect()];
    for reason in REASONS {
        targets.push(
            examples
                .iter()
                .map(|e| e.reasons.as_ref().map(|r| r.iter().any(|x| x == reason)))
                .collect(),
        );
    }
    let mut df = vec![0u32; buckets];
    let mut df_pos = vec![vec![0u32; buckets]; targets.len()];
    let mut df_known = vec![vec![0u32; buckets]; targets.len()];
    for (i, fv) in fvs.iter().enumerate() {
        for &(b, _) in &fv.hashed {
            let b = b as usize;
            df[b] += 1;
            for (t, y) in targets.iter().enumerate() {
                if let Some(y) = y[i] {
                    df_known[t][b] += 1;
                    df_pos[t][b] += y as u32;
                }
            }
        }
    }
    let mut best = vec![0f64; buckets];
    for (t, y) in targets.iter().enumerate() {
        let n = y.iter().filter(|v| v.is_some()).count() as f64;
        let pos = y.iter().filter(|v| **v == Some(true)).count() as f64;
        if pos == 0.0 || pos == n {
            continue;
        }
        let chi: Vec<f64> = (0..buckets)
            .map(|b| {
                let a = df_pos[t][b] as f64; // present, positive
                let k = df_known[t][b] as f64; // present
                if df[b] < 3 || k == 0.0 || k == n {
                    return 0.0;
                }
                let c = pos - a; // absent, positive
                let bb = k - a; // present, negative
                let d = n - k - c; // absent, negative
                let num = n * (a * d - bb * c).powi(2);
                let den = k * (n - k) * pos * (n - pos);
                if den > 0.0 {
                    num / den
                } else {
                    0.0
                }
            })
            .collect();
        let max = chi.iter().copied().fold(0.0, f64::max);
        if max > 0.0 {
            for b in 0..buckets {
                best[b] = best[b].max(chi[b] / max);
            }
        }
    }
    let mut order: Vec<u32> = (0..buckets as u32)
        .filter(|&b| best[b as usize] > 0.0)
        .collect();
    order.sort_by(|&a, &b| {
        best[b as usize]
            .total_cmp(&best[a as usize])
            .then(a.cmp(&b))
    });
    order.truncate(max_columns);
    order.sort_unstable();
    order
}

/// The dense column-major design matrix: the `selected` buckets, then the standardised
/// engineered features.
fn matrix(fvs: &[FeatureVector], selected: &[u32], sc: &Scaler) -> Array2<f32> {
    let k = selected.len();
    let mut x = Array2::<f32>::zeros((fvs.len(), k + ENGINEERED.len()).f());
    for (r, fv) in fvs.iter().enumerate() {
        let scale = crate::model::ngram_scale(crate::model::NGRAM_NORM, &fv.hashed);
        // Both lists are sorted by bucket: one merge walk.
        let mut j = 0;
        for &(b, v) in &fv.hashed {
            while j < k && selected[j] < b {
                j += 1;
            }
            if j < k && selected[j] == b {
                x[[r, j]] = v * scale;
            }
        }
        for (e, &v) in fv.engineered.iter().enumerate() {
            x[[r, k + e]] = (v - sc.mean[e]) / sc.std[e];
        }
    }
    x
}

/// Weights over the selected columns back to the model's full layout (every bucket,
/// then the engineered features); unselected buckets weigh 0.
fn scatter(w: &Array1<f32>, selected: &[u32], fp: &FeatureValidParams) -> Vec<f32> {
    let b = fp.buckets();
    let k = selected.len();
    let mut full = vec![0f32; fp.dim()];
    for (j, &bucket) in selected.iter().enumerate() {
        full[bucket as usize] = w[j];
    }
    full[b..].copy_from_slice(&w.as_slice().expect("contiguous")[k..]);
    full
}

/// Platt scaling: (a, b) minimising the log loss of sigmoid(a·logit(p) + b) on held-out
/// probabilities, by Newton's method on the two parameters (with Platt's smoothed
/// targets, so separable folds do not send `a` to infinity).
fn platt(p: &[f32], y: &[bool]) -> (f32, f32) {
    let pos = y.iter().filter(|&&v| v).count() as f64;
    let neg = y.len() as f64 - pos;
    let (tp, tn) = ((pos + 1.0) / (pos + 2.0), 1.0 / (neg + 2.0));
    let z: Vec<f64> = p
        .iter()
        .map(|&v| {
            let v = f64::from(v).clamp(1e-6, 1.0 - 1e-6);
            (v / (1.0 - v)).ln()
        })
        .collect();
    let (mut a, mut b) = (1.0f64, 0.0f64);
    for _ in 0..50 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-9, 0.0, 1e-9);
        for (i, &zi) in z.iter().enumerate() {
            let t = if y[i] { tp } else { tn };
            let q = 1.0 / (1.0 + (-(a * zi + b)).exp());
            let d = q - t;
            ga += d * zi;
            gb += d;
            let w = q * (1.0 - q);
            haa += w * zi * zi;
            hab += w * zi;
            hbb += w;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-12 {
            break;
        }
        let da = (hbb * ga - hab * gb) / det;
        let db = (haa * gb - hab * ga) / det;
        a -= da;
        b -= db;
        if da.abs() < 1e-7 && db.abs() < 1e-7 {
            break;
        }
    }
    if !a.is_finite() || !b.is_finite() || a <= 0.0 {
        return (1.0, 0.0);
    }
    (a as f32, b as f32)
}

/// A probability through Platt's (a, b).
fn calibrate(p: f32, a: f32, b: f32) -> f32 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    let z = (p / (1.0 - p)).ln();
    1.0 / (1.0 + (-(a * z + b)).exp())
}

/// One logistic regression on the rows `rows` of `x` with labels `y` (one per row);
/// returns (weights, intercept) for `true`.
fn fit_rows(
    x: &Array2<f32>,
    rows: &[usize],
    y: &[bool],
    alpha: f32,
    iters: u64,
) -> Result<(Array1<f32>, f32)> {
    // Keep the column-major layout linfa is fast on, copying column by column.
    let mut xc = Array2::<f32>::zeros((rows.len(), x.ncols()).f());
    for (j, mut col) in xc.columns_mut().into_iter().enumerate() {
        let src = x.column(j);
        for (r, &i) in rows.iter().enumerate() {
            col[r] = src[i];
        }
    }
    let ys: Array1<bool> = y.iter().copied().collect();
    let ds = Dataset::new(xc, ys);
    // linfa's loss is a sum over rows and its gradient tolerance absolute: scaled by the
    // number of rows, the solver stops once the mean gradient is small instead of always
    // running every iteration on a large corpus.
    let tolerance = (1e-4 * rows.len() as f32).max(1e-4);
    let fitted = LogisticRegression::default()
        .alpha(alpha)
        .max_iterations(iters)
        .gradient_tolerance(tolerance)
        .fit(&ds)
        .map_err(|e| Error::Other(format!("logistic regression failed: {e}")))?;
    // linfa's "positive" class is the more frequent label, not `true`.
    if fitted.labels().pos.class {
        Ok((fitted.params().clone(), fitted.intercept()))
    } else {
        Ok((fitted.params().mapv(|w| -w), -fitted.intercept()))
    }
}

/// Deterministic fold of each example: a hash of the seed and its group.
fn assign_folds(examples: &[Example], k: usize, seed: u64) -> Vec<usize> {
    examples
        .iter()
        .map(|e| {
            let h = fnv1a_hex(&[&seed.to_le_bytes(), e.group.as_bytes()]);
            (u64::from_str_radix(&h, 16).unwrap_or(0) % k as u64) as usize
        })
        .collect()
}

/// ROC-AUC by the rank-sum formula (ties share ranks). 0.5 when a class is missing.
pub fn roc_auc(p: &[f32], y: &[bool]) -> f32 {
    let pos = y.iter().filter(|&&b| b).count();
    let neg = y.len() - pos;
    if pos == 0 || neg == 0 {
        return 0.5;
    }
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut rank_sum = 0f64;
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && p[idx[j + 1]] == p[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            if y[k] {
                rank_sum += avg;
            }
        }
        i = j + 1;
    }
    let u = rank_sum - (pos * (pos + 1)) as f64 / 2.0;
    (u / (pos as f64 * neg as f64)) as f32
}

/// Precision, recall, F1, ROC-AUC and the confusion matrix at `threshold`.
pub fn metrics(p: &[f32], y: &[bool], threshold: f32) -> Metrics {
    let (mut tp, mut fp, mut fn_, mut tn) = (0u32, 0u32, 0u32, 0u32);
    for (&s, &t) in p.iter().zip(y) {
        match (s >= threshold, t) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fn_ += 1,
            (false, false) => tn += 1,
        }
    }
    confusion_metrics(tp, fp, fn_, tn, roc_auc(p, y), threshold)
}

/// Metrics from a confusion matrix.
pub fn confusion_metrics(
    tp: u32,
    fp: u32,
    fn_: u32,
    tn: u32,
    roc_auc: f32,
    threshold: f32,
) -> Metrics {
    let div = |a: u32, b: u32| if b == 0 { 0.0 } else { a as f32 / b as f32 };
    let precision = div(tp, tp + fp);
    let recall = div(tp, tp + fn_);
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Metrics {
        precision,
        recall,
        f1,
        roc_auc,
        threshold,
        tp,
        fp,
        fn_,
        tn,
    }
}

/// The threshold with the best F1 on held-out probabilities, or the lowest one that
/// reaches `min_precision` (best F1 among those).
pub fn choose_threshold(p: &[f32], y: &[bool], min_precision: Option<f32>) -> f32 {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    let pos = y.iter().filter(|&&b| b).count() as f32;
    let (mut tp, mut fp) = (0f32, 0f32);
    let mut best = (f32::MIN, 0.5f32);
    let mut i = 0;
    while i < idx.len() {
        let t = p[idx[i]];
        while i < idx.len() && p[idx[i]] == t {
            if y[idx[i]] {
                tp += 1.0;
            } else {
                fp += 1.0;
            }
            i += 1;
        }
        let prec = tp / (tp + fp);
        let rec = if pos > 0.0 { tp / pos } else { 0.0 };
        let f1 = if prec + rec > 0.0 {
            2.0 * prec * rec / (prec + rec)
        } else {
            0.0
        };
        if min_precision.is_some_and(|m| prec < m) {
            continue;
        }
        // Midway to the next lower score, so the threshold generalises a little.
        let next = idx.get(i).map_or(0.0, |&k| p[k]);
        if f1 > best.0 {
            best = (f1, (t + next) / 2.0);
        }
    }
    best.1.clamp(0.01, 0.99)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_by_hand() {
        // Positives 0.9, 0.4; negatives 0.5, 0.1: pairs won 3 of 4.
        let auc = roc_auc(&[0.9, 0.4, 0.5, 0.1], &[true, true, false, false]);
        assert!((auc - 0.75).abs() < 1e-6);
        assert!((roc_auc(&[0.5, 0.5], &[true, false]) - 0.5).abs() < 1e-6);
    }

    #[test]
    fn metrics_by_hand() {
        let m = metrics(&[0.9, 0.4, 0.6, 0.1], &[true, true, false, false], 0.5);
        assert_eq!((m.tp, m.fp, m.fn_, m.tn), (1, 1, 1, 1));
        assert!((m.precision - 0.5).abs() < 1e-6 && (m.f1 - 0.5).abs() < 1e-6);
    }

    #[test]
    fn threshold_separates_when_possible() {
        let p = [0.9, 0.8, 0.3, 0.2];
        let y = [true, true, false, false];
        let t = choose_threshold(&p, &y, None);
        assert!(t > 0.3 && t <= 0.8, "{t}");
        let m = metrics(&p, &y, t);
        assert_eq!(m.f1, 1.0);
    }

    #[test]
    fn logistic_fit_learns_the_sign_of_true() {
        // One informative column; `true` is the minority, so linfa's positive class is
        // `false` and the weights must be negated.
        let n = 40;
        let mut x = Array2::<f32>::zeros((n, 2).f());
        let mut y = vec![false; n];
        for i in 0..n {
            let pos = i % 4 == 0;
            y[i] = pos;
            x[[i, 0]] = if pos { 1.0 } else { 0.0 };
            x[[i, 1]] = (i % 3) as f32;
        }
        let all: Vec<usize> = (0..n).collect();
        let (w, b) = fit_rows(&x, &all, &y, 0.1, 100).unwrap();
        assert!(w[0] > 1.0, "weight of the informative column: {}", w[0]);
        assert!(b + w[0] > 0.0 && b < 0.0);
    }
}
