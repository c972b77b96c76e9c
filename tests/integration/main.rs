//! The single integration-test binary: drives the `tamis` binary end to end. Each area
//! lives in its own module below.

mod common;
mod explain;
mod functional;
mod hardening;
mod inputs;
mod queue;
mod rules;
mod score;
mod serve;
mod thread;
mod train;
