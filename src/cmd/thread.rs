//! `tamis thread` (stub).

/// thread arguments.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `tamis thread`.
pub fn run(_args: Args) -> tamis::Result<()> {
    Err(tamis::Error::Other("not implemented yet".into()))
}
