//! Progress of long commands (`train`): an indicatif bar with the time left on a
//! terminal; otherwise one line per finished stage (logs, CI), kept until the command
//! succeeds, so that a failure prints its one error line alone.

use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Mutex;
use std::time::Instant;

/// Reports `(stage, done, total)` calls; safe to call from the worker threads.
pub struct Reporter {
    tty: bool,
    state: Mutex<Option<Stage>>,
    lines: Mutex<Vec<String>>,
}

struct Stage {
    name: String,
    bar: Option<ProgressBar>,
    start: Instant,
    reported: bool,
}

impl Reporter {
    /// A bar when `tty`, plain lines otherwise.
    pub fn new(tty: bool) -> Self {
        Reporter {
            tty,
            state: Mutex::new(None),
            lines: Mutex::new(Vec::new()),
        }
    }

    /// The finished stages' lines (not on a terminal), taken once the command succeeded.
    pub fn take_lines(&self) -> Vec<String> {
        std::mem::take(&mut *self.lines.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// One progress event.
    pub fn update(&self, stage: &str, done: usize, total: usize) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.as_ref().is_none_or(|s| s.name != stage) {
            if let Some(old) = state.take() {
                if let Some(b) = old.bar {
                    b.finish_and_clear();
                }
            }
            let bar = self.tty.then(|| {
                let b = ProgressBar::new(total as u64);
                b.set_style(
                    ProgressStyle::with_template(
                        "tamis: {msg:<9} [{bar:30}] {pos}/{len} ({elapsed} elapsed, ~{eta} left)",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                b.set_message(stage.to_string());
                b
            });
            *state = Some(Stage {
                name: stage.to_string(),
                bar,
                start: Instant::now(),
                reported: false,
            });
        }
        let Some(s) = state.as_mut() else { return };
        if let Some(b) = &s.bar {
            b.set_length(total as u64);
            b.set_position(done as u64);
        }
        if done >= total && !s.reported {
            s.reported = true;
            let line = format!(
                "tamis: {stage}: {total} done in {:.1} s",
                s.start.elapsed().as_secs_f64()
            );
            if let Some(b) = s.bar.take() {
                // On a terminal the line stands where the bar was.
                b.finish_and_clear();
                eprintln!("{line}");
            } else {
                self.lines
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(line);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_switch_and_finish_once() {
        let r = Reporter::new(false);
        r.update("features", 0, 10);
        r.update("features", 10, 10);
        r.update("features", 10, 10);
        {
            let s = r.state.lock().unwrap();
            let s = s.as_ref().unwrap();
            assert_eq!(s.name, "features");
            assert!(s.reported);
        }
        r.update("fits", 1, 5);
        {
            let s = r.state.lock().unwrap();
            let s = s.as_ref().unwrap();
            assert_eq!(s.name, "fits");
            assert!(!s.reported && s.bar.is_none());
        }
        let lines = r.take_lines();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].starts_with("tamis: features: 10 done in "));
        assert!(r.take_lines().is_empty());
    }
}
