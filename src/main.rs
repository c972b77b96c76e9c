//! The `tamis` binary: parses arguments, dispatches to one subcommand, prints any error
//! as one line on stderr and sets the exit code (0 success, 1 error, 2 usage).

mod cmd;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cmd::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version on stdout with exit 0, usage errors with exit 2.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if cmd::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, and nothing a terminal would obey: messages may quote input
            // cells (a NUL, an escape sequence, a line break).
            let msg: String = e
                .to_string()
                .chars()
                .map(|c| match c {
                    '\n' | '\r' | '\t' => " ".to_string(),
                    c if c.is_control() => format!("\\u{{{:x}}}", c as u32),
                    c => c.to_string(),
                })
                .collect();
            eprintln!("tamis: {msg}");
            ExitCode::from(1)
        }
    }
}
