//! Text helpers for the server: HTML comments turned into plain text, sentence spans,
//! byte offsets turned into the UTF-16 code units Perspective clients count in, and a
//! cheap check that a text is not French.

/// The text of an HTML comment body, as a reader sees it (the page reader's own
/// rendering: html5ever through `scraper`, so broken markup degrades the way a
/// browser's does).
pub fn html_to_text(html: &str) -> String {
    crate::thread::html_fragment_text(html)
}

/// Byte ranges of the sentences of `text` (end exclusive, surrounding spaces left out):
/// a sentence ends after `.`, `!`, `?` or `…` followed by a space, or at a line break.
pub fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = i + c.len_utf8();
        let next_space = chars.peek().is_none_or(|&(_, n)| n.is_whitespace());
        if c == '\n' || (matches!(c, '.' | '!' | '?' | '…') && next_space) {
            // A run of closing marks ("?!", "...") stays with its sentence.
            push_trimmed(text, start, if c == '\n' { i } else { end }, &mut out);
            start = end;
        }
    }
    push_trimmed(text, start, text.len(), &mut out);
    out
}

fn push_trimmed(text: &str, start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    if lead + trail < s.len() {
        out.push((start + lead, end - trail));
    }
}

/// Converts sorted byte offsets of `text` into UTF-16 code-unit offsets, in one pass.
/// Every offset must be a character boundary (the spans tamis builds always are).
pub fn utf16_offsets(text: &str, bytes: &[usize]) -> Vec<usize> {
    let mut out = Vec::with_capacity(bytes.len());
    let (mut b, mut u) = (0usize, 0usize);
    let mut chars = text.chars();
    for &target in bytes {
        while b < target {
            let Some(c) = chars.next() else { break };
            b += c.len_utf8();
            u += c.len_utf16();
        }
        out.push(u);
    }
    out
}

/// Words that are common in another language and rare in French. Shared function words
/// ("de", "la", "que", "est"…) are left out so that French never counts against itself.
const OTHER_LANGUAGES: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "the", "and", "is", "are", "you", "of", "to", "this", "that", "it", "with", "for",
            "not", "be", "have", "what", "your", "they", "was", "will", "would", "just", "because",
            "people", "my", "he", "she", "we", "don't", "i'm", "it's",
        ],
    ),
    (
        "es",
        &[
            "el", "los", "las", "y", "es", "por", "con", "una", "del", "para", "muy", "pero",
            "está", "qué", "eres", "sus", "como", "todo", "yo", "porque",
        ],
    ),
    (
        "de",
        &[
            "der", "die", "das", "und", "ist", "nicht", "ich", "du", "mit", "ein", "eine", "zu",
            "sie", "wir", "auch", "auf", "für", "sind", "den", "dem",
        ],
    ),
    (
        "it",
        &[
            "il", "che", "di", "non", "sono", "per", "con", "gli", "della", "questo", "perché",
            "anche", "molto", "sei", "della", "nel",
        ],
    ),
    (
        "pt",
        &[
            "não", "você", "uma", "com", "para", "muito", "isso", "são", "os", "mas", "seu", "ele",
            "ela", "nós",
        ],
    ),
];

/// Function words that mark French.
const FRENCH: &[&str] = &[
    "le", "la", "les", "de", "des", "du", "un", "une", "et", "est", "pas", "que", "qui", "je",
    "tu", "il", "elle", "nous", "vous", "ils", "elles", "on", "ce", "cette", "ces", "pour", "dans",
    "sur", "avec", "mais", "ou", "au", "aux", "ne", "se", "sa", "son", "ses", "leur", "ça",
    "c'est", "j'ai", "t'es", "sont", "très", "tout", "rien", "même", "aussi", "quand", "comme",
    "votre", "notre", "mon", "ton", "moi", "toi", "lui", "eux",
];

/// The language `text` is written in when it is clearly not French (at least three
/// function words of one other language and twice as many as French ones), else `None`:
/// short, mixed or slangy texts are given the benefit of the doubt.
pub fn not_french(text: &str) -> Option<&'static str> {
    let words: Vec<String> = text
        .split(|c: char| !(c.is_alphabetic() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace('’', "'"))
        .collect();
    let french = words
        .iter()
        .filter(|w| FRENCH.contains(&w.as_str()))
        .count();
    let (lang, hits) = OTHER_LANGUAGES
        .iter()
        .map(|(lang, list)| {
            let hits = words.iter().filter(|w| list.contains(&w.as_str())).count();
            (*lang, hits)
        })
        .max_by_key(|&(_, h)| h)?;
    (hits >= 3 && hits >= 2 * french.max(1)).then_some(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_the_text_a_reader_sees() {
        let t = html_to_text(
            "<p>Bonjour &amp; merci<br>à vous</p><script>alert(1)</script><p>Fin&nbsp;!</p>",
        );
        assert_eq!(t, "Bonjour & merci\nà vous\nFin !");
        // Deep nesting is walked without recursion; past the parser's limit, the tags
        // are cut out in one pass instead of a parse that grows with the square of it.
        let deep = format!("{}fond{}", "<div>".repeat(2_000), "</div>".repeat(2_000));
        assert_eq!(html_to_text(&deep), "fond");
        let deeper = format!(
            "{}fond{}",
            "<div><b>".repeat(100_000),
            "</b></div>".repeat(100_000)
        );
        assert_eq!(html_to_text(&deeper), "fond");
        assert_eq!(html_to_text("j'ai <3 ce club"), "j'ai <3 ce club");
        assert_eq!(html_to_text(""), "");
    }

    #[test]
    fn sentences_are_trimmed_byte_ranges() {
        let text = "Première phrase. Deuxième ?! Et la fin…\nNouvelle ligne";
        let spans: Vec<&str> = sentences(text).iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(
            spans,
            [
                "Première phrase.",
                "Deuxième ?!",
                "Et la fin…",
                "Nouvelle ligne"
            ]
        );
        assert!(sentences("   ").is_empty());
        // A dot inside a number or a word does not end a sentence.
        assert_eq!(sentences("Il a 3.5 ans, M.Dupont").len(), 1);
    }

    #[test]
    fn utf16_offsets_count_surrogate_pairs_and_accents() {
        // "é" is 2 bytes and 1 UTF-16 unit; "😀" is 4 bytes and 2 units.
        let text = "é😀a";
        assert_eq!(utf16_offsets(text, &[0, 2, 6, 7]), [0, 1, 3, 4]);
    }

    #[test]
    fn other_languages_are_recognised_and_french_is_not_doubted() {
        assert_eq!(
            not_french("This is the worst thing you have ever written, and it shows"),
            Some("en")
        );
        assert_eq!(
            not_french("Der Bürgermeister ist nicht da und wir sind auch nicht"),
            Some("de")
        );
        assert_eq!(not_french("Le maire est un incapable et ça se voit"), None);
        assert_eq!(not_french("lol"), None);
        // French with a few English words stays French.
        assert_eq!(
            not_french("C'est the best, franchement le match était top pour nous"),
            None
        );
    }
}
