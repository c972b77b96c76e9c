//! `tamis train` (stub).

/// train arguments.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `tamis train`.
pub fn run(_args: Args) -> tamis::Result<()> {
    Err(tamis::Error::Other("not implemented yet".into()))
}
