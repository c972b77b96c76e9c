//! The moderators' verdicts sent to `comments:suggestscore`, appended to a CSV in the
//! queue's columns so that `tamis train data/corpus/*.csv FEEDBACK.csv` retrains on the
//! site's own decisions. One line per verdict, whole or not at all: lines are written
//! under a lock with a single `write`, flushed to disk, and a failed write is cut back.

use crate::export::csv::{queue_row, SafeWriter, QUEUE_COLUMNS};
use crate::export::ReviewItem;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// An open feedback file.
pub struct Feedback {
    path: PathBuf,
    file: Mutex<File>,
}

impl Feedback {
    /// Opens (or creates) the file. A new or empty file gets the header; an existing one
    /// must start with the same header, so verdicts never land in a foreign table.
    pub fn open(path: &Path) -> crate::Result<Feedback> {
        let io = |e| crate::Error::io(path, e);
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(io)?;
        let header = header_line();
        let len = file.metadata().map_err(io)?.len();
        if len == 0 {
            file.write_all(header.as_bytes()).map_err(io)?;
            file.sync_data().map_err(io)?;
        } else {
            let mut first = vec![0u8; header.len()];
            file.seek(SeekFrom::Start(0)).map_err(io)?;
            let n = file.read(&mut first).map_err(io)?;
            if first[..n] != *header.as_bytes() {
                return Err(crate::Error::Other(format!(
                    "{}: not a tamis feedback file (its first line is not the queue header); give a new file to --feedback",
                    path.display()
                )));
            }
        }
        Ok(Feedback {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one verdict. `item` carries the model's own call in its `tamis_` columns;
    /// `decision` is `keep` or `remove`, `decision_reasons` the reasons the moderator
    /// named (may be empty).
    pub fn append(
        &self,
        item: &ReviewItem,
        decision: &str,
        decision_reasons: &str,
    ) -> std::io::Result<()> {
        let line = feedback_line(item, decision, decision_reasons)?;
        // A poisoned lock only means another writer panicked: the file is still sound,
        // because every write below is cut back on failure.
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let before = file.metadata()?.len();
        let written = file.write_all(&line).and_then(|()| file.sync_data());
        if let Err(e) = written {
            // Never leave half a line for the next verdict to be glued to.
            let _ = file.set_len(before);
            return Err(e);
        }
        Ok(())
    }
}

/// The header row, exactly as `SafeWriter` writes it.
fn header_line() -> String {
    let mut buf = Vec::new();
    {
        let mut w = SafeWriter::new(&mut buf, false).expect("writing to memory");
        w.write_row(QUEUE_COLUMNS).expect("writing to memory");
        w.flush().expect("writing to memory");
    }
    String::from_utf8(buf).expect("the header is UTF-8")
}

/// One CSV line (CRLF-terminated, cells neutralised like the queue's).
fn feedback_line(
    item: &ReviewItem,
    decision: &str,
    decision_reasons: &str,
) -> std::io::Result<Vec<u8>> {
    let mut row = queue_row(item);
    let col = |name: &str| QUEUE_COLUMNS.iter().position(|&c| c == name);
    if let Some(i) = col("decision") {
        row[i] = decision.to_string();
    }
    if let Some(i) = col("decision_reasons") {
        row[i] = decision_reasons.to_string();
    }
    // The queue's rank means nothing here: a verdict is not a queue position.
    if let Some(i) = col("rank") {
        row[i] = String::new();
    }
    let mut buf = Vec::with_capacity(512);
    {
        let mut w = SafeWriter::new(&mut buf, false)?;
        w.write_row(&row)?;
        w.flush()?;
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(text: &str) -> ReviewItem {
        ReviewItem {
            rank: 0,
            source: "Coral:https://journal.example".into(),
            id: "comment:42".into(),
            key: "k".into(),
            index: 0,
            parent: None,
            depth: 0,
            review: false,
            score: 0.12,
            reasons: vec![],
            text: text.into(),
            model: "m".into(),
            author: None,
            date: Some("2026-11-29T10:00:00Z".into()),
            parent_text: None,
            uncertain: false,
            decision: String::new(),
            note: "suggestscore".into(),
            threshold: 0.5,
            tamis_version: "0".into(),
            rules: vec![],
        }
    }

    #[test]
    fn verdicts_append_under_the_queue_header_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fb.csv");
        let fb = Feedback::open(&path).unwrap();
        fb.append(
            &item("Texte, avec \"guillemets\"\net saut"),
            "remove",
            "insult",
        )
        .unwrap();
        fb.append(&item("=1+1 ok"), "keep", "").unwrap();
        drop(fb);
        // Reopening keeps what is there and appends after it.
        let fb = Feedback::open(&path).unwrap();
        fb.append(&item("troisième"), "keep", "").unwrap();
        let mut r = csv::Reader::from_path(&path).unwrap();
        let headers = r.headers().unwrap().clone();
        assert_eq!(headers.iter().collect::<Vec<_>>(), QUEUE_COLUMNS);
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        let col = |n: &str| headers.iter().position(|h| h == n).unwrap();
        assert_eq!(&rows[0][col("text")], "Texte, avec \"guillemets\"\net saut");
        assert_eq!(&rows[0][col("decision")], "remove");
        assert_eq!(&rows[0][col("decision_reasons")], "insult");
        // Formula-looking text is neutralised, as in the queue.
        assert_eq!(&rows[1][col("text")], "'=1+1 ok");
        assert_eq!(&rows[2][col("decision")], "keep");
    }

    #[test]
    fn a_foreign_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.csv");
        std::fs::write(&path, "id,text\n1,bonjour\n").unwrap();
        let err = Feedback::open(&path).err().unwrap().to_string();
        assert!(err.contains("not a tamis feedback file"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "id,text\n1,bonjour\n"
        );
    }
}
