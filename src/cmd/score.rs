//! `tamis score` (stub).

/// score arguments.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `tamis score`.
pub fn run(_args: Args) -> tamis::Result<()> {
    Err(tamis::Error::Other("not implemented yet".into()))
}
