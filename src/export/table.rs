//! `score --format table`: a listing for people at a terminal — one block per comment,
//! indented by its depth in the thread, with the probability, a REVIEW mark, the reasons
//! and a shortened text whose evidence is highlighted.

use super::{segments, ModelInfo};
use crate::pipeline::Scored;
use anstyle::{AnsiColor, Color, Style};
use std::io::Write;

/// How the table is drawn.
#[derive(Debug, Clone, Copy)]
pub struct TableOptions {
    /// Use ANSI colours (only when stdout is a terminal and `NO_COLOR` is unset).
    pub color: bool,
    /// Print the top feature contributions under each comment.
    pub explain: bool,
    /// Characters of text shown per comment before it is shortened.
    pub text_chars: usize,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            color: false,
            explain: false,
            text_chars: 240,
        }
    }
}

/// Spaces of indentation per thread level; deep threads stop indenting at `MAX_INDENT`
/// levels so the text keeps some room.
const INDENT: usize = 2;
const MAX_INDENT: usize = 8;

/// Styles (anstyle): an evidence span is bold red, the REVIEW mark white on red. Whether
/// they are used at all is the caller's choice (`TableOptions::color`, which `score`
/// takes from anstream: terminal, NO_COLOR, CLICOLOR, CLICOLOR_FORCE).
const EVIDENCE: Style = Style::new()
    .bold()
    .fg_color(Some(Color::Ansi(AnsiColor::Red)));
const REVIEW: Style = Style::new()
    .bold()
    .fg_color(Some(Color::Ansi(AnsiColor::White)))
    .bg_color(Some(Color::Ansi(AnsiColor::Red)));
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();

/// Contributions shown per comment with `--explain`.
const EXPLAIN_TOP: usize = 8;

/// Writes every scored comment, in input order, with a header per source and a count at
/// the end.
pub fn write_table(
    w: &mut dyn Write,
    scored: &[Scored],
    model: &ModelInfo,
    opts: &TableOptions,
) -> std::io::Result<()> {
    let paint = |style: Style, s: &str| {
        if opts.color {
            format!("{}{s}{}", style.render(), style.render_reset())
        } else {
            s.to_string()
        }
    };
    let mut source: Option<&str> = None;
    for s in scored {
        let r = &s.record;
        if source != Some(r.source.as_str()) {
            if source.is_some() {
                writeln!(w)?;
            }
            writeln!(w, "{}", paint(BOLD, &format!("── {} ──", clean(&r.source))))?;
            source = Some(&r.source);
        }
        let pad = " ".repeat(INDENT * r.depth.min(MAX_INDENT));
        let mut head = format!(
            "{pad}#{:<4} {}",
            r.index,
            super::display_prob(s.score.score).replace(',', ".")
        );
        // Tables have ids of their own; show them when they differ from the row number.
        if r.id != r.index.to_string() {
            head.push_str(&format!("  id {}", clean(&r.id)));
        }
        if s.score.review {
            head.push_str(&format!("  {}", paint(REVIEW, "REVIEW")));
        }
        if !s.score.reasons.is_empty() {
            let reasons: Vec<String> = s
                .score
                .reasons
                .iter()
                .map(|x| format!("{} {:.2}", clean(&x.reason), x.score))
                .collect();
            head.push_str(&format!("  {}", reasons.join(", ")));
        }
        let who: Vec<String> = [r.author.as_deref(), r.date.as_deref()]
            .into_iter()
            .flatten()
            .map(clean)
            .collect();
        if !who.is_empty() {
            head.push_str(&paint(DIM, &format!("  ({})", who.join(", "))));
        }
        writeln!(w, "{head}")?;
        let body = excerpt(s, opts.text_chars, opts.color);
        writeln!(w, "{pad}      {body}")?;
        if opts.explain && !s.score.below_threshold.is_empty() {
            let below: Vec<String> = s
                .score
                .below_threshold
                .iter()
                .map(|x| format!("{} {:.2}", clean(&x.reason), x.score))
                .collect();
            writeln!(
                w,
                "{pad}      {}",
                paint(DIM, &format!("below its threshold: {}", below.join(", ")))
            )?;
        }
        if opts.explain && !s.score.contributions.is_empty() {
            let top: Vec<String> = s
                .score
                .contributions
                .iter()
                .take(EXPLAIN_TOP)
                .map(|c| format!("{} {:+.3}", clean(&c.feature), c.value))
                .collect();
            writeln!(
                w,
                "{pad}      {}",
                paint(DIM, &format!("explain: {}", top.join(", ")))
            )?;
        }
    }
    let review = scored.iter().filter(|s| s.score.review).count();
    writeln!(
        w,
        "\n{}, {} to review (threshold {:.2}, model {})",
        super::count(scored.len(), "comment", "comments"),
        review,
        model.threshold,
        clean(&model.checksum)
    )
}

/// Makes a string safe to print on a terminal: comment text is hostile, and an escape
/// sequence inside it could recolour, move the cursor or retitle the window. Control
/// characters become visible `\u{..}` escapes; tabs and newlines become spaces.
fn clean(s: &str) -> String {
    s.chars().map(display_char).collect()
}

fn display_char(c: char) -> String {
    match c {
        '\n' | '\r' | '\t' => " ".into(),
        // C0/C1 controls, DEL, bidi overrides and isolates (which can reorder the line
        // a moderator reads) are shown, not obeyed.
        c if c.is_control()
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c) =>
        {
            format!("\\u{{{:x}}}", c as u32)
        }
        c => c.to_string(),
    }
}

/// The comment's text on one line, at most `max` characters, evidence marked (colour, or
/// `[…]` without it). When the first evidence lies past the window, the window moves so
/// that the words behind the verdict are always visible.
fn excerpt(s: &Scored, max: usize, color: bool) -> String {
    // One display cell per character, with whether it is evidence. Line breaks show as
    // ` ↵ ` so the moderator still sees the comment's paragraphs.
    // Cells are made only up to one past the window (enough to know whether the text
    // goes on), not for the whole text: a long comment costs what its window costs.
    let segs = segments(&s.record.text, &s.score.reasons);
    let has_mark = segs.iter().any(|seg| !seg.reasons.is_empty());
    let mut cells: Vec<(String, bool)> = Vec::new();
    let mut first_mark: Option<usize> = None;
    let window_start = |first_mark: usize| {
        if first_mark + 20 > max {
            first_mark.saturating_sub(max / 4)
        } else {
            0
        }
    };
    'segs: for seg in &segs {
        let marked = !seg.reasons.is_empty();
        let mut prev_break = false;
        for c in seg.text.chars() {
            if has_mark == first_mark.is_some()
                && cells.len() > window_start(first_mark.unwrap_or(0)) + max
            {
                break 'segs;
            }
            if c == '\n' {
                if !prev_break {
                    if marked && first_mark.is_none() {
                        first_mark = Some(cells.len());
                    }
                    cells.push((" ↵ ".into(), marked));
                }
                prev_break = true;
                continue;
            }
            prev_break = false;
            if marked && first_mark.is_none() {
                first_mark = Some(cells.len());
            }
            cells.push((display_char(c), marked));
        }
    }
    let start = window_start(first_mark.unwrap_or(0));
    let end = (start + max).min(cells.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let (on, off) = if color {
        (
            EVIDENCE.render().to_string(),
            EVIDENCE.render_reset().to_string(),
        )
    } else {
        ("[".to_string(), "]".to_string())
    };
    let mut inside = false;
    for (text, marked) in &cells[start..end] {
        if *marked != inside {
            out.push_str(if *marked { &on } else { &off });
            inside = *marked;
        }
        out.push_str(text);
    }
    if inside {
        out.push_str(&off);
    }
    if end < cells.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testing::{model, scored};
    use super::*;

    fn render(s: &[Scored], color: bool) -> String {
        let mut buf = Vec::new();
        let opts = TableOptions {
            color,
            ..Default::default()
        };
        write_table(&mut buf, s, &model(), &opts).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn plain_table_indents_and_marks_evidence() {
        let s = vec![
            scored("page.txt", 1, None, 0, "Bonne analyse.\nMerci.", 0.1, &[]),
            scored(
                "page.txt",
                2,
                Some(1),
                1,
                "Quel connard ce Dupont",
                0.91,
                &[("insult", &["connard"])],
            ),
        ];
        let got = render(&s, false);
        let want = "── page.txt ──\n\
#1    0.10  (Auteur 1, 2025-08-12T14:03:00)\n      Bonne analyse. ↵ Merci.\n  \
#2    0.91  REVIEW  insult 0.91  (Auteur 2, 2025-08-12T14:03:00)\n        Quel [connard] ce Dupont\n\
\n2 comments, 1 to review (threshold 0.50, model abc123)\n";
        assert_eq!(got, want, "\n--- got ---\n{got}");
        assert!(!got.contains('\x1b'));
    }

    #[test]
    fn colour_only_when_asked() {
        let s = vec![scored(
            "p",
            1,
            None,
            0,
            "sale con",
            0.9,
            &[("insult", &["con"])],
        )];
        let got = render(&s, true);
        // Bold (1) and red (31), then a reset (0), whatever the way anstyle spells them.
        let marked = got.split("con").next().unwrap();
        assert!(
            marked.ends_with("\x1b[1m\x1b[31m") || marked.ends_with("\x1b[1;31m"),
            "{got:?}"
        );
        assert!(got.contains("con\x1b[0m"), "{got:?}");
    }

    #[test]
    fn hostile_control_characters_are_shown_not_obeyed() {
        let s = vec![scored(
            "p",
            1,
            None,
            0,
            "a\x1b]0;titre\x07b\u{202e}c",
            0.1,
            &[],
        )];
        let got = render(&s, false);
        assert!(!got.contains('\x1b') && !got.contains('\x07') && !got.contains('\u{202e}'));
        assert!(got.contains("a\\u{1b}]0;titre\\u{7}b\\u{202e}c"), "{got}");
    }

    #[test]
    fn long_text_is_shortened_around_the_evidence() {
        let text = format!("{} enfoiré {}", "bla ".repeat(100), "fin ".repeat(100));
        let s = scored("p", 1, None, 0, &text, 0.9, &[("insult", &["enfoiré"])]);
        let got = excerpt(&s, 80, false);
        assert!(got.starts_with('…') && got.ends_with('…'), "{got}");
        assert!(got.contains("[enfoiré]"), "{got}");
        assert!(got.chars().count() <= 84, "{got}");
    }
}
