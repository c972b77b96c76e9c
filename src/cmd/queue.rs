//! `tamis queue` (stub).

/// queue arguments.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `tamis queue`.
pub fn run(_args: Args) -> tamis::Result<()> {
    Err(tamis::Error::Other("not implemented yet".into()))
}
