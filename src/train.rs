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
    /// Feature parameters.
    pub features: FeatureParams,
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams {
            folds: 4,
            seed: 17,
            min_precision: None,
            alphas: vec![0.03, 0.1, 0.3, 1.0],
            max_iterations: 60,
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
    /// (label, alpha, CV metrics, positives).
    pub labels: Vec<(String, f32, Metrics, usize)>,
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
    let x = matrix(fvs, fp, &scaler, None);
    let folds = assign_folds(examples, params.p.folds, params.p.seed);

    let mut label_counts = std::collections::BTreeMap::new();
    let mut targets: Vec<(String, Vec<usize>, Vec<bool>)> = Vec::new();
    {
        let all: Vec<usize> = (0..examples.len()).collect();
        let y: Vec<bool> = examples.iter().map(|e| e.review).collect();
        label_counts.insert(REVIEW.to_string(), y.iter().filter(|&&b| b).count());
        targets.push((REVIEW.to_string(), all, y));
    }
    for reason in REASONS {
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

    let total = targets.len() * (params.p.alphas.len() * params.p.folds + 1);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let tick = || {
        let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        progress("fits", d, total);
    };
    let results: Vec<Result<(LabelModel, usize)>> = targets
        .par_iter()
        .map(|(name, idx, y)| {
            let positives = y.iter().filter(|&&b| b).count();
            if positives == 0 || positives == y.len() {
                return Err(Error::Other(format!(
                    "label {name}: needs both positive and negative rows ({positives} of {})",
                    y.len()
                )));
            }
            let xl = x.select(ndarray::Axis(0), idx);
            let fold_of: Vec<usize> = idx.iter().map(|&i| folds[i]).collect();
            let mut best: Option<(f32, f32, Vec<f32>)> = None; // (auc, alpha, oof)
            for &alpha in &params.p.alphas {
                let mut oof = vec![0f32; y.len()];
                for k in 0..params.p.folds {
                    let tr: Vec<usize> = (0..y.len()).filter(|&i| fold_of[i] != k).collect();
                    let te: Vec<usize> = (0..y.len()).filter(|&i| fold_of[i] == k).collect();
                    if te.is_empty() {
                        tick();
                        continue;
                    }
                    let (w, b) = fit_one(&xl, y, &tr, alpha, params.p.max_iterations)?;
                    for &i in &te {
                        let z: f32 = xl.row(i).dot(&w) + b;
                        oof[i] = 1.0 / (1.0 + (-z).exp());
                    }
                    tick();
                }
                let auc = roc_auc(&oof, y);
                if best.as_ref().is_none_or(|(a, _, _)| auc > *a) {
                    best = Some((auc, alpha, oof));
                }
            }
            let (_, alpha, oof) = best.expect("at least one alpha");
            let threshold = choose_threshold(&oof, y, params.p.min_precision);
            let cv = metrics(&oof, y, threshold);
            let all: Vec<usize> = (0..y.len()).collect();
            let (w, b) = fit_one(&xl, y, &all, alpha, params.p.max_iterations)?;
            tick();
            Ok((
                LabelModel {
                    name: name.clone(),
                    alpha,
                    threshold,
                    intercept: b,
                    weights: w.to_vec(),
                    cv,
                },
                positives,
            ))
        })
        .collect();
    let mut labels = Vec::new();
    let mut report = Report { labels: Vec::new() };
    for r in results {
        let (l, pos) = r?;
        report.labels.push((l.name.clone(), l.alpha, l.cv, pos));
        labels.push(l);
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

/// The dense column-major design matrix.
fn matrix(
    fvs: &[FeatureVector],
    fp: &FeatureValidParams,
    sc: &Scaler,
    rows: Option<&[usize]>,
) -> Array2<f32> {
    let idx: Vec<usize> = rows.map_or_else(|| (0..fvs.len()).collect(), <[usize]>::to_vec);
    let b = fp.buckets();
    let mut x = Array2::<f32>::zeros((idx.len(), fp.dim()).f());
    for (r, &i) in idx.iter().enumerate() {
        let fv = &fvs[i];
        let scale = crate::model::ngram_scale(crate::model::NGRAM_NORM, &fv.hashed);
        for &(j, v) in &fv.hashed {
            x[[r, j as usize]] = v * scale;
        }
        for (k, &v) in fv.engineered.iter().enumerate() {
            x[[r, b + k]] = (v - sc.mean[k]) / sc.std[k];
        }
    }
    x
}

/// One logistic regression on the rows `tr`; returns (weights, intercept) for `true`.
fn fit_one(
    x: &Array2<f32>,
    y: &[bool],
    tr: &[usize],
    alpha: f32,
    iters: u64,
) -> Result<(Array1<f32>, f32)> {
    let xs = x.select(ndarray::Axis(0), tr);
    // Keep the column-major layout linfa is fast on.
    let mut xc = Array2::<f32>::zeros(xs.raw_dim().f());
    xc.assign(&xs);
    let ys: Array1<bool> = tr.iter().map(|&i| y[i]).collect();
    let ds = Dataset::new(xc, ys);
    let fitted = LogisticRegression::default()
        .alpha(alpha)
        .max_iterations(iters)
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
        let (w, b) = fit_one(&x, &y, &all, 0.1, 100).unwrap();
        assert!(w[0] > 1.0, "weight of the informative column: {}", w[0]);
        assert!(b + w[0] > 0.0 && b < 0.0);
    }
}
