//! JSON lines output: one score object per comment (`score --format jsonl`, DESIGN.md's
//! contract) or one `ReviewItem` per line (`queue --out FILE.jsonl`).

use super::{ModelInfo, ReviewItem, ScoreLine};
use crate::pipeline::Scored;
use std::io::Write;

/// Writes one score object and its newline.
pub fn write_score_line(
    w: &mut dyn Write,
    s: &Scored,
    model: &ModelInfo,
    explain: bool,
) -> std::io::Result<()> {
    serde_json::to_writer(&mut *w, &ScoreLine::new(s, model, explain))?;
    w.write_all(b"\n")
}

/// Writes the queue, one item per line, rank 1 first.
pub fn write_queue(w: &mut dyn Write, items: &[ReviewItem]) -> std::io::Result<()> {
    for item in items {
        serde_json::to_writer(&mut *w, item)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::{model, scored};
    use super::super::{build_queue, QueueOptions};
    use super::*;

    #[test]
    fn score_line_has_contract_fields_in_order() {
        let s = scored(
            "p.txt",
            2,
            Some(1),
            1,
            "Ce connard",
            0.875,
            &[("insult", &["connard"])],
        );
        let mut buf = Vec::new();
        write_score_line(&mut buf, &s, &model(), false).unwrap();
        let line = String::from_utf8(buf).unwrap();
        assert!(line.ends_with("}\n") && line.matches('\n').count() == 1);
        assert!(line.starts_with(
            r#"{"source":"p.txt","id":"2","key":"k-p.txt-2","index":2,"parent":1,"depth":1,"review":true,"score":0.875,"reasons":[{"reason":"insult","score":0.875,"evidence":[{"text":"connard","start":3,"end":10}]}],"text":"Ce connard","model":"abc123""#
        ), "{line}");
        assert!(!line.contains("contributions"));
        let mut buf = Vec::new();
        write_score_line(&mut buf, &s, &model(), true).unwrap();
        assert!(String::from_utf8(buf)
            .unwrap()
            .contains(r#""contributions":[]"#));
    }

    #[test]
    fn queue_items_read_back() {
        let s = vec![
            scored("p", 1, None, 0, "a", 0.6, &[]),
            scored("p", 2, Some(1), 1, "b\n</script>", 0.9, &[]),
        ];
        let q = build_queue(&s, &QueueOptions::default(), &model());
        let mut buf = Vec::new();
        write_queue(&mut buf, &q.items).unwrap();
        let back: Vec<ReviewItem> = String::from_utf8(buf)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(back, q.items);
        assert_eq!(back[0].rank, 1);
        assert_eq!(back[0].index, 2);
    }
}
