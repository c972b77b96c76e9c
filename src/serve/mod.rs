//! `tamis serve`: a self-hosted moderation endpoint. It answers Perspective API's
//! `comments:analyze` and `comments:suggestscore` (so Coral Talk and Perspective
//! clients can point at it), Coral's External Moderation Phases, and tamis's own
//! `/v1/score`, with `/healthz` and Prometheus `/metrics`.
//!
//! Built on hyper's HTTP/1.1 server over tokio, with our own small router: every
//! request is bounded in size (the body is refused with 413 as soon as it passes its
//! limit, before it is read whole), in time (headers within 10 s, the whole request
//! within `--request-timeout`) and in number (`--max-connections`). The model is loaded
//! once and shared; `SIGHUP` or `POST /admin/reload` swaps in a new one atomically, and
//! keeps the old one when the new file is bad. `SIGTERM`/`SIGINT` stop accepting and let
//! in-flight requests finish.

pub mod auth;
pub mod coral;
pub mod feedback;
pub mod metrics;
pub mod perspective;
pub mod text;

use crate::export::{self, ModelInfo};
use crate::features::DetectorScores;
use crate::model::{Model, Score};
use crate::pipeline::{self, Item, Record, ScoreOptions, Scored};
use auth::{KeyCheck, Keys};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use metrics::{Endpoint, Metrics};
use perspective::ApiError;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

/// Largest body of a Perspective or Coral request (the comment itself is limited to
/// `perspective::MAX_COMMENT_BYTES`; the rest is context).
pub const MAX_BODY: usize = 1 << 20;
/// Largest body of a `/v1/score` batch.
pub const MAX_BATCH_BODY: usize = 32 << 20;
/// Most comments in one `/v1/score` batch.
pub const MAX_BATCH: usize = 1000;
/// Longest comment `/v1/score` takes, in bytes.
pub const MAX_SCORE_TEXT: usize = 64 << 10;

/// Everything `tamis serve` is started with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (port 0: any free port, printed at start).
    pub addr: SocketAddr,
    /// Model file; `None` serves the embedded model (nothing to reload).
    pub model_path: Option<PathBuf>,
    /// API keys for the Perspective endpoints and `/v1/score`; `None` accepts any.
    pub keys: Option<Keys>,
    /// Keys for `/admin/reload`; `None` disables it.
    pub admin_keys: Option<Keys>,
    /// Where moderators' verdicts are appended.
    pub feedback: Option<PathBuf>,
    /// Coral signing secrets; empty disables `/coral/phase`.
    pub coral_secrets: Vec<Vec<u8>>,
    /// Review probability at which Coral's comment is rejected rather than withheld.
    pub coral_reject_above: Option<f32>,
    /// Review threshold override.
    pub threshold: Option<f32>,
    /// Site rules applied on top of the model.
    pub rules: Option<Arc<crate::rules::Rules>>,
    /// Write the comment text into the access log (never for `doNotStore`).
    pub log_text: bool,
    /// Write the access log at all.
    pub access_log: bool,
    /// Whole-request deadline.
    pub request_timeout: Duration,
    /// Open connections beyond this are answered 503 and closed.
    pub max_connections: usize,
    /// How long shutdown waits for in-flight requests.
    pub shutdown_grace: Duration,
    /// Worker threads (0: one per core).
    pub threads: usize,
}

/// The model being served, with what every answer reports about it.
struct Loaded {
    model: ModelRef,
    info: ModelInfo,
    rules: Option<Arc<crate::rules::Rules>>,
}

enum ModelRef {
    Embedded(&'static Model),
    Owned(Box<Model>),
}

impl std::ops::Deref for ModelRef {
    type Target = Model;
    fn deref(&self) -> &Model {
        match self {
            ModelRef::Embedded(m) => m,
            ModelRef::Owned(m) => m,
        }
    }
}

impl Loaded {
    fn new(
        model: ModelRef,
        threshold: Option<f32>,
        rules: Option<Arc<crate::rules::Rules>>,
    ) -> Arc<Loaded> {
        let info = ModelInfo {
            checksum: model.checksum().to_string(),
            threshold: threshold.unwrap_or_else(|| model.threshold()),
        };
        Arc::new(Loaded { model, info, rules })
    }

    fn opts(&self) -> ScoreOptions {
        ScoreOptions {
            threshold: Some(self.info.threshold),
            explain: false,
            rules: self.rules.clone(),
        }
    }

    fn score(&self, text: &str, parent: Option<&str>) -> (Score, DetectorScores) {
        pipeline::score_one(text, parent, &self.model, &self.opts())
    }
}

/// Shared by every request.
struct State {
    cfg: Config,
    model: RwLock<Arc<Loaded>>,
    feedback: Option<feedback::Feedback>,
    metrics: Metrics,
    parents: Mutex<coral::ParentCache>,
}

impl State {
    fn model(&self) -> Arc<Loaded> {
        Arc::clone(&self.model.read().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Loads the model, opens the feedback file, binds the address and serves until
/// `SIGTERM`/`SIGINT`. Everything that can be wrong with the configuration fails here,
/// before the first request.
pub fn run(cfg: Config) -> crate::Result<()> {
    let model = match &cfg.model_path {
        Some(p) => ModelRef::Owned(Box::new(Model::load(p)?)),
        None => ModelRef::Embedded(Model::embedded()?),
    };
    let feedback = cfg
        .feedback
        .as_deref()
        .map(feedback::Feedback::open)
        .transpose()?;
    let threads = if cfg.threads == 0 {
        std::thread::available_parallelism().map_or(2, usize::from)
    } else {
        cfg.threads
    };
    let state = Arc::new(State {
        model: RwLock::new(Loaded::new(model, cfg.threshold, cfg.rules.clone())),
        feedback,
        metrics: Metrics::default(),
        // The parents Coral names by id: at most 20,000 comments, 8 MiB of text.
        parents: Mutex::new(coral::ParentCache::new(20_000, 8 << 20)),
        cfg,
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(|e| crate::Error::Other(format!("cannot start the server runtime: {e}")))?;
    rt.block_on(serve(state, threads))
}

async fn serve(state: Arc<State>, threads: usize) -> crate::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tokio::signal::unix::{signal, SignalKind};
    let addr = state.cfg.addr;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| crate::Error::Other(format!("cannot listen on {addr}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| crate::Error::Other(format!("cannot listen on {addr}: {e}")))?;
    let sig = |k: SignalKind| {
        signal(k).map_err(|e| crate::Error::Other(format!("cannot install signal handlers: {e}")))
    };
    let (mut term, mut int, mut hup) = (
        sig(SignalKind::terminate())?,
        sig(SignalKind::interrupt())?,
        sig(SignalKind::hangup())?,
    );
    {
        let m = state.model();
        eprintln!(
            "tamis: serving on http://{local} (model {}, threshold {:.4}, {threads} threads{}{}{})",
            m.info.checksum,
            m.info.threshold,
            if state.cfg.keys.is_some() {
                ", keys required"
            } else {
                ", no key required"
            },
            state
                .feedback
                .as_ref()
                .map(|f| format!(", feedback to {}", f.path().display()))
                .unwrap_or_default(),
            if state.cfg.coral_secrets.is_empty() {
                ""
            } else {
                ", Coral phase on"
            },
        );
    }
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(state.cfg.max_connections));
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        // Out of file descriptors and the like: wait instead of spinning.
                        eprintln!("tamis: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
                    tokio::spawn(refuse_busy(stream));
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let st = Arc::clone(&state);
                let svc = hyper::service::service_fn(move |req| {
                    let st = Arc::clone(&st);
                    async move { Ok::<_, Infallible>(handle(st, req).await) }
                });
                let mut builder = hyper::server::conn::http1::Builder::new();
                builder.timer(TokioTimer::new());
                builder.header_read_timeout(Duration::from_secs(10));
                builder.max_buf_size(64 << 10);
                let conn = builder.serve_connection(TokioIo::new(stream), svc);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                    drop(slot);
                });
            }
            _ = hup.recv() => {
                let st = Arc::clone(&state);
                tokio::spawn(async move {
                    match reload(&st).await {
                        Ok(sum) => eprintln!("tamis: SIGHUP: now serving model {sum}"),
                        Err(e) => eprintln!("tamis: SIGHUP: reload refused, still serving the old model: {e}"),
                    }
                });
            }
            _ = term.recv() => break,
            _ = int.recv() => break,
        }
    }
    drop(listener);
    eprintln!("tamis: shutting down: no new connections, finishing the requests in flight");
    tokio::select! {
        () = graceful.shutdown() => eprintln!("tamis: stopped"),
        () = tokio::time::sleep(state.cfg.shutdown_grace) => {
            eprintln!("tamis: stopped after {:?} with requests still open", state.cfg.shutdown_grace);
        }
    }
    Ok(())
}

/// Over `--max-connections`: a short 503 instead of a queue that grows without bound.
async fn refuse_busy(mut stream: tokio::net::TcpStream) {
    use tokio::io::AsyncWriteExt;
    let body = ApiError::new(503, "UNAVAILABLE", "too many open connections").body();
    let msg = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(msg.as_bytes())).await;
}

/// What the access log says about a request beyond method, path and status.
#[derive(Default)]
struct LogInfo {
    client_token: Option<String>,
    score: Option<f32>,
    review: Option<bool>,
    reasons: Vec<String>,
    text: Option<String>,
    note: Option<String>,
}

type Resp = Response<Full<Bytes>>;

fn route(method: &Method, path: &str) -> (Endpoint, bool) {
    // Coral joins its endpoint setting and the operation: `…/v1alpha1/comments:analyze`
    // with the documented setting, `/comments:analyze` when the setting has no path.
    let op = path.rsplit('/').next().unwrap_or("");
    let (ep, want) = match (path, op) {
        (_, "comments:analyze") => (Endpoint::Analyze, Method::POST),
        (_, "comments:suggestscore") => (Endpoint::SuggestScore, Method::POST),
        ("/coral/phase", _) => (Endpoint::CoralPhase, Method::POST),
        ("/v1/score", _) => (Endpoint::Score, Method::POST),
        ("/admin/reload", _) => (Endpoint::Reload, Method::POST),
        ("/healthz" | "/metrics", _) => (Endpoint::Health, Method::GET),
        _ => return (Endpoint::Other, false),
    };
    (
        ep,
        *method == want || (want == Method::GET && *method == Method::HEAD),
    )
}

async fn handle(st: Arc<State>, req: Request<Incoming>) -> Resp {
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let bytes_in = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let (ep, method_ok) = route(&method, &path);
    let mut log = LogInfo::default();
    let resp = if ep == Endpoint::Other {
        error(&ApiError::new(
            404,
            "NOT_FOUND",
            format!("no such endpoint: {path}"),
        ))
    } else if !method_ok {
        error(&ApiError::new(
            405,
            "INVALID_ARGUMENT",
            format!("{method} is not allowed on {path}"),
        ))
    } else {
        match tokio::time::timeout(st.cfg.request_timeout, dispatch(&st, ep, req, &mut log)).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => error(&e),
            Err(_) => error(&ApiError::new(
                408,
                "DEADLINE_EXCEEDED",
                format!("request not complete within {:?}", st.cfg.request_timeout),
            )),
        }
    };
    let took = start.elapsed();
    st.metrics.request(ep, resp.status().as_u16(), took);
    if st.cfg.access_log {
        access_log(&method, &path, resp.status().as_u16(), took, bytes_in, &log);
    }
    resp
}

/// One JSON line per request on stderr. No key and, unless `--log-text`, no comment
/// text: the path is logged without its query string, which carries `key=`.
fn access_log(
    method: &Method,
    path: &str,
    status: u16,
    took: Duration,
    bytes_in: Option<u64>,
    log: &LogInfo,
) {
    let mut line = serde_json::json!({
        "time": rfc3339(SystemTime::now()),
        "method": method.as_str(),
        "path": path,
        "status": status,
        "micros": u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
    });
    if let Some(n) = bytes_in {
        line["bytes_in"] = n.into();
    }
    if let Some(t) = &log.client_token {
        line["client_token"] = t.as_str().into();
    }
    if let Some(s) = log.score {
        line["score"] = ((s * 10_000.0).round() / 10_000.0).into();
    }
    if let Some(r) = log.review {
        line["review"] = r.into();
        line["reasons"] = log.reasons.clone().into();
    }
    if let Some(n) = &log.note {
        line["note"] = n.as_str().into();
    }
    if let Some(t) = &log.text {
        line["text"] = t.as_str().into();
    }
    eprintln!("{line}");
}

fn json_response(status: StatusCode, body: String) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    r
}

fn error(e: &ApiError) -> Resp {
    json_response(
        StatusCode::from_u16(e.code).unwrap_or(StatusCode::BAD_REQUEST),
        e.body(),
    )
}

/// The API key of a request: `?key=` (what Perspective clients and Coral send), the
/// `X-Goog-Api-Key` header, or `Authorization: Bearer`.
fn presented_key(req: &Request<Incoming>) -> Option<String> {
    if let Some(q) = req.uri().query() {
        for pair in q.split('&') {
            if let Some(v) = pair.strip_prefix("key=") {
                return Some(percent_decode(v));
            }
        }
    }
    let h = req.headers();
    if let Some(v) = h.get("x-goog-api-key").and_then(|v| v.to_str().ok()) {
        return Some(v.to_string());
    }
    h.get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn check_key(keys: Option<&Keys>, req: &Request<Incoming>) -> Result<(), ApiError> {
    let Some(keys) = keys else { return Ok(()) };
    match keys.check(presented_key(req).as_deref()) {
        KeyCheck::Valid => Ok(()),
        KeyCheck::Missing => Err(ApiError::new(
            401,
            "UNAUTHENTICATED",
            "The request is missing a valid API key: pass it as ?key=… or in X-Goog-Api-Key.",
        )),
        KeyCheck::Unknown => Err(ApiError::new(
            403,
            "PERMISSION_DENIED",
            "API key not valid. Please pass a valid API key.",
        )),
    }
}

/// Reads the body, refusing it with 413 as soon as it passes `limit` (a declared
/// `Content-Length` over the limit is refused before anything is read).
async fn read_body(req: Request<Incoming>, limit: usize) -> Result<Bytes, ApiError> {
    let too_big = || {
        ApiError::new(
            413,
            "RESOURCE_EXHAUSTED",
            format!("request body over {limit} bytes"),
        )
    };
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_big());
    }
    match Limited::new(req.into_body(), limit).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(too_big())
        }
        Err(e) => Err(ApiError::invalid(
            format!("could not read the request body: {e}"),
            None,
        )),
    }
}

async fn dispatch(
    st: &Arc<State>,
    ep: Endpoint,
    req: Request<Incoming>,
    log: &mut LogInfo,
) -> Result<Resp, ApiError> {
    match ep {
        Endpoint::Analyze => {
            check_key(st.cfg.keys.as_ref(), &req)?;
            let body = read_body(req, MAX_BODY).await?;
            let a = perspective::check_analyze(perspective::parse_json(&body)?)?;
            let m = st.model();
            let (out, s) = perspective::analyze(&a, &|t, p| m.score(t, p));
            st.metrics.scored(s.review, &s.reasons);
            log.client_token = a.client_token.clone();
            note_score(log, &s);
            if st.cfg.log_text && !a.do_not_store {
                log.text = Some(a.text.clone());
            }
            Ok(json_response(StatusCode::OK, out))
        }
        Endpoint::SuggestScore => {
            check_key(st.cfg.keys.as_ref(), &req)?;
            let body = read_body(req, MAX_BODY).await?;
            let s = perspective::check_suggest(perspective::parse_json(&body)?)?;
            log.client_token = s.client_token.clone();
            log.note = Some(s.decision.to_string());
            let kept = suggest(st, &s).await?;
            st.metrics.feedback(kept);
            if st.cfg.log_text && !s.do_not_store {
                log.text = Some(s.text.clone());
            }
            let mut out = serde_json::json!({ "detectedLanguages": ["fr"] });
            if let Some(t) = &s.client_token {
                out["clientToken"] = t.as_str().into();
            }
            Ok(json_response(StatusCode::OK, out.to_string()))
        }
        Endpoint::CoralPhase => {
            if st.cfg.coral_secrets.is_empty() {
                return Err(ApiError::new(
                    404,
                    "NOT_FOUND",
                    "the Coral phase is off: start tamis serve with --coral-secret",
                ));
            }
            let sig = req
                .headers()
                .get("x-coral-signature")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = read_body(req, MAX_BODY).await?;
            if !auth::coral_signature_ok(&st.cfg.coral_secrets, sig.as_deref(), &body) {
                return Err(ApiError::new(
                    401,
                    "UNAUTHENTICATED",
                    "X-Coral-Signature does not match the body under any configured secret",
                ));
            }
            let pr = coral::parse(&body)?;
            let text = coral::body_text(&pr.comment.body);
            let parent = pr.comment.parent_id.as_deref().and_then(|id| {
                let cache = st.parents.lock().unwrap_or_else(|p| p.into_inner());
                cache.get(id).map(str::to_string)
            });
            let m = st.model();
            let (s, _) = m.score(&text, parent.as_deref());
            st.metrics.scored(s.review, &s.reasons);
            note_score(log, &s);
            log.note = Some(format!(
                "{}{}",
                pr.action.as_deref().unwrap_or("NEW"),
                if parent.is_some() {
                    ", with parent"
                } else {
                    ""
                }
            ));
            if st.cfg.log_text {
                log.text = Some(text);
            }
            Ok(match coral::answer(&s, st.cfg.coral_reject_above) {
                coral::PhaseAnswer::Pass => {
                    let mut r = Response::new(Full::new(Bytes::new()));
                    *r.status_mut() = StatusCode::NO_CONTENT;
                    r
                }
                coral::PhaseAnswer::Moderate(body) => json_response(StatusCode::OK, body),
            })
        }
        Endpoint::Score => {
            check_key(st.cfg.keys.as_ref(), &req)?;
            let body = read_body(req, MAX_BATCH_BODY).await?;
            score_batch(st, &body, log).await
        }
        Endpoint::Reload => {
            let Some(keys) = st.cfg.admin_keys.as_ref() else {
                return Err(ApiError::new(
                    404,
                    "NOT_FOUND",
                    "reload over HTTP is off: start tamis serve with --admin-keys (or send SIGHUP)",
                ));
            };
            check_key(Some(keys), &req)?;
            match reload(st).await {
                Ok(sum) => Ok(json_response(
                    StatusCode::OK,
                    serde_json::json!({ "model": sum }).to_string(),
                )),
                Err(e) => Err(ApiError::new(
                    422,
                    "FAILED_PRECONDITION",
                    format!("reload refused, still serving the old model: {e}"),
                )),
            }
        }
        Endpoint::Health | Endpoint::Other => {
            let m = st.model();
            if req.uri().path() == "/metrics" {
                let mut r =
                    Response::new(Full::new(Bytes::from(st.metrics.render(&m.info.checksum))));
                r.headers_mut().insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
                );
                Ok(r)
            } else {
                Ok(json_response(
                    StatusCode::OK,
                    serde_json::json!({
                        "status": "ok",
                        "model": m.info.checksum,
                        "threshold": m.info.threshold,
                        "version": env!("CARGO_PKG_VERSION"),
                    })
                    .to_string(),
                ))
            }
        }
    }
}

fn note_score(log: &mut LogInfo, s: &Score) {
    log.score = Some(s.score);
    log.review = Some(s.review);
    log.reasons = s.reasons.iter().map(|r| r.reason.clone()).collect();
}

/// Records a moderator's verdict: remembered as a possible parent, and appended to the
/// feedback file with the model's own call beside it. Returns whether a line was written.
async fn suggest(st: &Arc<State>, s: &perspective::Suggest) -> Result<bool, ApiError> {
    if s.do_not_store {
        return Ok(false);
    }
    if let Some(id) = &s.client_token {
        st.parents
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, &s.text);
    }
    if st.feedback.is_none() {
        return Ok(false);
    }
    let m = st.model();
    let (score, _) = m.score(&s.text, s.parent.as_deref());
    let source = s
        .community_id
        .clone()
        .unwrap_or_else(|| "tamis-serve".into());
    let id = s.client_token.clone().unwrap_or_default();
    let scored = Scored {
        record: Record {
            key: crate::thread::key_for(&source, &format!("{id}\u{1f}{}", s.text), 0),
            source,
            id,
            index: 0,
            parent: None,
            depth: usize::from(s.parent.is_some()),
            author: None,
            date: Some(rfc3339(SystemTime::now())),
            text: s.text.clone(),
        },
        score,
        parent_text: s.parent.clone(),
    };
    let mut item = export::review_item(&scored, 0, false, &m.info);
    item.note = "suggestscore".into();
    let (decision, reasons) = (s.decision, s.reasons.clone());
    let st2 = Arc::clone(st);
    // The line is flushed to disk before the answer: off the async workers.
    let written = tokio::task::spawn_blocking(move || {
        st2.feedback
            .as_ref()
            .map(|f| f.append(&item, decision, &reasons))
    })
    .await
    .map_err(|e| ApiError::new(500, "INTERNAL", format!("feedback writer failed: {e}")))?;
    match written {
        Some(Ok(())) => Ok(true),
        Some(Err(e)) => Err(ApiError::new(
            500,
            "INTERNAL",
            format!("could not record the verdict: {e}"),
        )),
        None => Ok(false),
    }
}

/// One comment of a `/v1/score` request.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ScoreIn {
    text: String,
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    parent: Option<serde_json::Value>,
    #[serde(default)]
    parent_text: Option<String>,
}

fn id_string(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `/v1/score`: one object, or an array of up to `MAX_BATCH`. Answers the records of
/// `score --format jsonl`, byte for byte: one object for one, JSON lines for an array.
async fn score_batch(st: &Arc<State>, body: &[u8], log: &mut LogInfo) -> Result<Resp, ApiError> {
    let v: serde_json::Value = perspective::parse_json(body)?;
    let (single, values) = match v {
        serde_json::Value::Array(a) => (false, a),
        o @ serde_json::Value::Object(_) => (true, vec![o]),
        _ => {
            return Err(ApiError::invalid(
                "expected a comment object or an array of them",
                None,
            ))
        }
    };
    if values.is_empty() {
        return Err(ApiError::invalid("empty batch", None));
    }
    if values.len() > MAX_BATCH {
        return Err(ApiError::invalid(
            format!(
                "{} comments in one batch: the limit is {MAX_BATCH}",
                values.len()
            ),
            None,
        ));
    }
    let mut ins = Vec::with_capacity(values.len());
    for (i, v) in values.into_iter().enumerate() {
        let c: ScoreIn = serde_json::from_value(v)
            .map_err(|e| ApiError::invalid(format!("comment {}: {e}", i + 1), None))?;
        if c.text.len() > MAX_SCORE_TEXT {
            return Err(ApiError::invalid(
                format!("comment {}: text over {MAX_SCORE_TEXT} bytes", i + 1),
                Some("COMMENT_TOO_LONG"),
            ));
        }
        ins.push(c);
    }
    let st2 = Arc::clone(st);
    let (lines, reviews) = tokio::task::spawn_blocking(move || score_records(&st2, ins))
        .await
        .map_err(|e| ApiError::new(500, "INTERNAL", format!("scoring failed: {e}")))?;
    log.note = Some(format!(
        "{}, {reviews} to review",
        export::count(lines.len(), "comment", "comments")
    ));
    if single {
        Ok(json_response(StatusCode::OK, lines.concat()))
    } else {
        let mut r = json_response(StatusCode::OK, lines.concat());
        r.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-ndjson"),
        );
        Ok(r)
    }
}

/// Scores the comments of one batch with the table semantics of `tamis score`: a
/// `parent` naming an earlier comment's id gives thread context, as `--parent-column`
/// does; `parent_text` gives it for a parent outside the batch.
fn score_records(st: &State, ins: Vec<ScoreIn>) -> (Vec<String>, usize) {
    let m = st.model();
    let ids: Vec<String> = ins
        .iter()
        .enumerate()
        .map(|(i, c)| {
            c.id.as_ref()
                .and_then(id_string)
                .unwrap_or_else(|| (i + 1).to_string())
        })
        .collect();
    let mut first: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        first.entry(id.as_str()).or_insert(i);
    }
    // Comments first, then one context item per outside parent.
    let mut items: Vec<Item> = Vec::with_capacity(ins.len());
    let mut extra: Vec<Item> = Vec::new();
    for (i, c) in ins.iter().enumerate() {
        let inside = c
            .parent
            .as_ref()
            .and_then(id_string)
            .and_then(|p| first.get(p.as_str()).copied())
            .filter(|&j| j < i);
        let (parent, depth) = match (inside, &c.parent_text) {
            (Some(j), _) => (Some(j), items[j].depth + 1),
            (None, Some(t)) => {
                extra.push(Item {
                    text: t.clone(),
                    parent: None,
                    depth: 0,
                });
                (Some(ins.len() + extra.len() - 1), 1)
            }
            (None, None) => (None, 0),
        };
        items.push(Item {
            text: c.text.clone(),
            parent,
            depth,
        });
    }
    items.extend(extra);
    let scores = pipeline::score_items(&items, &m.model, &m.opts());
    let mut lines = Vec::with_capacity(ins.len());
    let mut reviews = 0;
    for (i, (c, score)) in ins.into_iter().zip(scores).enumerate() {
        st.metrics.scored(score.review, &score.reasons);
        reviews += usize::from(score.review);
        let source = c.source.unwrap_or_else(|| "api".to_string());
        let id = ids[i].clone();
        let key = c.key.unwrap_or_else(|| {
            crate::thread::key_for(&source, &format!("{id}\u{1f}{}", c.text), 0)
        });
        let scored = Scored {
            parent_text: items[i].parent.map(|p| items[p].text.clone()),
            record: Record {
                source,
                id,
                key,
                index: i + 1,
                parent: None,
                depth: 0,
                author: None,
                date: None,
                text: c.text,
            },
            score,
        };
        let mut buf = Vec::with_capacity(512);
        // Writing to memory cannot fail.
        let _ = export::json::write_score_line(&mut buf, &scored, &m.info, false);
        lines.push(String::from_utf8(buf).unwrap_or_default());
    }
    (lines, reviews)
}

/// Loads the model file again and swaps it in; the old model keeps serving when the new
/// file cannot be used. Requests in flight finish with the model they started with.
async fn reload(st: &Arc<State>) -> Result<String, String> {
    let Some(path) = st.cfg.model_path.clone() else {
        st.metrics.reload(false);
        return Err("serving the embedded model: start with --model FILE to reload".into());
    };
    let loaded = tokio::task::spawn_blocking(move || Model::load(&path))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    match loaded {
        Ok(m) => {
            let new = Loaded::new(
                ModelRef::Owned(Box::new(m)),
                st.cfg.threshold,
                st.cfg.rules.clone(),
            );
            let sum = new.info.checksum.clone();
            *st.model.write().unwrap_or_else(|p| p.into_inner()) = new;
            st.metrics.reload(true);
            Ok(sum)
        }
        Err(e) => {
            st.metrics.reload(false);
            Err(e)
        }
    }
}

/// `2026-11-29T17:04:05Z` (UTC, seconds).
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil-from-days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_rfc3339() {
        let t = |s: u64| rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(t(0), "1970-01-01T00:00:00Z");
        // 2000-02-29 (leap day of a century leap year) 12:34:56.
        assert_eq!(t(951_827_696), "2000-02-29T12:34:56Z");
        assert_eq!(t(1_795_910_400), "2026-11-29T00:00:00Z");
    }

    #[test]
    fn routes_follow_the_endpoint_setting_with_or_without_version() {
        assert_eq!(
            route(&Method::POST, "/v1alpha1/comments:analyze"),
            (Endpoint::Analyze, true)
        );
        assert_eq!(
            route(&Method::POST, "/comments:analyze"),
            (Endpoint::Analyze, true)
        );
        assert_eq!(
            route(&Method::GET, "/v1alpha1/comments:analyze"),
            (Endpoint::Analyze, false)
        );
        assert_eq!(
            route(&Method::POST, "/v1alpha1/comments:suggestscore"),
            (Endpoint::SuggestScore, true)
        );
        assert_eq!(route(&Method::GET, "/metrics"), (Endpoint::Health, true));
        assert_eq!(route(&Method::POST, "/nope").0, Endpoint::Other);
    }

    #[test]
    fn query_keys_are_percent_decoded() {
        assert_eq!(percent_decode("a%2Bb%3D"), "a+b=");
        assert_eq!(percent_decode("plain"), "plain");
        assert_eq!(percent_decode("bad%zz%"), "bad%zz%");
        assert_eq!(percent_decode("%"), "%");
    }
}
