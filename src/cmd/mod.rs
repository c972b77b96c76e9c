//! One file per subcommand: each holds its clap `Args` (whose doc comments are the help
//! text) and a `run` function that turns arguments into library calls.

use clap::{Parser, Subcommand};

pub mod common;
pub mod eval;
pub mod explain;
pub mod progress;
pub mod queue;
pub mod score;
pub mod serve;
pub mod thread;
pub mod train;

/// tamis — offline moderation classifier for French news comment threads.
#[derive(Debug, Parser)]
#[command(name = "tamis", version = tamis::version_line(), about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Thread(thread::Args),
    Score(score::Args),
    Train(train::Args),
    Eval(eval::Args),
    Queue(queue::Args),
    Explain(explain::Args),
    Serve(serve::Args),
}

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> tamis::Result<()> {
    match cli.command {
        Command::Thread(a) => thread::run(a),
        Command::Score(a) => score::run(a),
        Command::Train(a) => train::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Queue(a) => queue::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Serve(a) => serve::run(a),
    }
}

/// A closed stdout (`tamis … | head`) is a normal end, not an error.
pub fn is_broken_pipe(e: &tamis::Error) -> bool {
    matches!(e, tamis::Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
}
