//! tamis — offline moderation classifier for French news comment threads.
//!
//! Pipeline: page text —`thread::parse`→ `Thread` —`features::extract`→ `FeatureVector`
//! —`model::Model::score`→ `Score` —`export`→ review queue.

pub mod error;
pub mod export;
pub mod features;
pub mod jsonl;
pub mod model;
pub mod pipeline;
pub mod rules;
pub mod serve;
pub mod thread;
pub mod train;

pub use error::{Error, Result};

/// `tamis --version` text: the crate version and the embedded model's checksum.
pub fn version_line() -> &'static str {
    static LINE: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| match model::Model::embedded() {
            Ok(m) => format!("{} (model {})", env!("CARGO_PKG_VERSION"), m.checksum()),
            Err(e) => format!(
                "{} (embedded model unusable: {e})",
                env!("CARGO_PKG_VERSION")
            ),
        });
    LINE.as_str()
}
