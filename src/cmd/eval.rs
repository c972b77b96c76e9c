//! `tamis eval` (stub).

/// eval arguments.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `tamis eval`.
pub fn run(_args: Args) -> tamis::Result<()> {
    Err(tamis::Error::Other("not implemented yet".into()))
}
