//! `tamis explain` (stub).

/// explain arguments.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `tamis explain`.
pub fn run(_args: Args) -> tamis::Result<()> {
    Err(tamis::Error::Other("not implemented yet".into()))
}
