//! Helpers shared by the integration tests: run the binary, fresh directories, and
//! readable diffs of long outputs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The path of the crate root (for `data/`, `tests/fixtures/`).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A `tamis` command ready to get arguments.
pub fn tamis() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tamis"));
    c.stdin(Stdio::null());
    c
}

/// Runs `tamis args…` and returns its output.
pub fn run(args: &[&str]) -> Output {
    tamis().args(args).output().expect("tamis runs")
}

/// Runs `tamis args…` with `input` on stdin.
pub fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = tamis()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tamis starts");
    let mut stdin = child.stdin.take().unwrap();
    let data = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().expect("tamis ends");
    writer.join().unwrap();
    out
}

/// A fresh temporary directory, removed when dropped.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts two long texts are equal, printing both in full when they differ.
pub fn assert_same(expected: &str, got: &str) {
    if expected != got {
        panic!("\n--- expected ---\n{expected}\n--- got ---\n{got}\n");
    }
}

/// Writes `content` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}
