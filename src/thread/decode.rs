//! Bytes -> UTF-8 text with a map back to the input's byte offsets, for every encoding a
//! saved page arrives in: UTF-8 with or without a BOM (the historical path, unchanged),
//! UTF-16 LE/BE with a BOM, and legacy single-byte encodings (Windows-1252,
//! ISO-8859-15…) either forced by the caller or detected with `chardetng`.
//!
//! Spans of comments are byte ranges of the file *as read*, so every decoder here records
//! breakpoints (`Decoded::map`) from which `Decoded::original` maps a decoded offset back.
//! Breakpoints are only recorded around non-ASCII characters: ASCII runs advance by a
//! fixed number of input bytes per decoded byte (`Decoded::scale`: 1, or 2 for UTF-16),
//! so the map stays small on French text.

use super::parse::Decoded;
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use std::borrow::Cow;

/// The encoding names `--encoding` accepts are the WHATWG labels (`utf-8`, `utf-16le`,
/// `windows-1252`, `latin1`, `iso-8859-15`…). Returns `None` for an unknown label.
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes())
}

/// Decodes `bytes`: with `forced` when given, else by BOM, then valid UTF-8, then
/// detection. Returns the decoded page and the encoding used.
///
/// A page that is not valid UTF-8 but holds valid multi-byte UTF-8 sequences is UTF-8
/// with a few broken bytes (a bad copy), not a legacy page: it keeps the historical lossy
/// UTF-8 decoding and its warning.
pub(crate) fn decode<'a>(
    source: &str,
    bytes: &'a [u8],
    forced: Option<&'static Encoding>,
) -> crate::Result<(Decoded<'a>, &'static Encoding)> {
    let enc = match forced {
        Some(e) => e,
        None => detect(bytes),
    };
    let page = if enc == UTF_16LE || enc == UTF_16BE {
        let body = match bytes.get(..2) {
            Some([0xFF, 0xFE]) if enc == UTF_16LE => 2,
            Some([0xFE, 0xFF]) if enc == UTF_16BE => 2,
            _ => 0,
        };
        utf16(source, bytes, body, enc == UTF_16LE)?
    } else if enc == UTF_8 {
        check_nul(source, bytes)?;
        Decoded::new(bytes)
    } else if enc.is_single_byte() {
        check_nul(source, bytes)?;
        single_byte(bytes, enc)
    } else {
        check_nul(source, bytes)?;
        multi_byte(bytes, enc)
    };
    Ok((page, enc))
}

/// The encoding of a page, without a forced one.
pub(crate) fn detect(bytes: &[u8]) -> &'static Encoding {
    match bytes.get(..3) {
        Some([0xEF, 0xBB, 0xBF]) => return UTF_8,
        Some([0xFF, 0xFE, _]) => return UTF_16LE,
        Some([0xFE, 0xFF, _]) => return UTF_16BE,
        _ => {}
    }
    if std::str::from_utf8(bytes).is_ok() || has_multibyte_utf8(bytes) {
        return UTF_8;
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    let guess = det.guess(None, chardetng::Utf8Detection::Deny);
    // chardetng reports Western pages as Windows-1252. ISO-8859-15 differs only in eight
    // positions, among them `œ` (0xBD, `½` in 1252) and `€` (0xA4): a page with none of
    // 1252's 0x80–0x9F bytes (`’`, `œ`, `€`… there) and with 0xBD/0xBC/0xA4 next to a
    // letter is ISO-8859-15.
    if guess == WINDOWS_1252 && looks_like_latin9(bytes) {
        return encoding_rs::ISO_8859_15;
    }
    // A guess of a multi-byte encoding (Shift_JIS, GBK…) on French text is noise: the
    // legacy encodings of French pages are single-byte.
    if guess.is_single_byte() {
        guess
    } else {
        WINDOWS_1252
    }
}

/// Whether `bytes` holds at least one well-formed multi-byte UTF-8 sequence.
fn has_multibyte_utf8(bytes: &[u8]) -> bool {
    bytes
        .utf8_chunks()
        .any(|c| c.valid().bytes().any(|b| b >= 0x80))
}

fn looks_like_latin9(bytes: &[u8]) -> bool {
    if bytes.iter().any(|b| (0x80..=0x9F).contains(b)) {
        return false;
    }
    bytes.windows(2).any(|w| {
        (matches!(w[0], 0xBC | 0xBD | 0xA4) && w[1].is_ascii_alphabetic())
            || (w[0].is_ascii_alphabetic() && matches!(w[1], 0xBC | 0xBD))
    })
}

fn check_nul(source: &str, bytes: &[u8]) -> crate::Result<()> {
    match super::parse::find_byte(bytes, 0) {
        Some(offset) => Err(crate::Error::Binary {
            path: source.into(),
            offset,
        }),
        None => Ok(()),
    }
}

/// A single-byte encoding: each input byte is one character.
fn single_byte(bytes: &[u8], enc: &'static Encoding) -> Decoded<'static> {
    let (text, _) = enc.decode_without_bom_handling(bytes);
    let mut map = vec![(0, 0)];
    let mut d = 0;
    for (o, c) in text.chars().enumerate() {
        let w = c.len_utf8();
        if w > 1 {
            map.push((d, o));
            map.push((d + w, o + 1));
        }
        d += w;
    }
    Decoded::from_parts(Cow::Owned(text.into_owned()), map, 1)
}

/// A multi-byte legacy encoding, only ever forced (`--encoding shift_jis`): fed to the
/// decoder one byte at a time, so each character's input bytes are known exactly.
fn multi_byte(bytes: &[u8], enc: &'static Encoding) -> Decoded<'static> {
    let mut dec = enc.new_decoder_without_bom_handling();
    let mut text = String::with_capacity(bytes.len() * 2 + 16);
    let mut map = vec![(0, 0)];
    // Input offset where the characters not yet emitted began.
    let mut pending = 0;
    for (o, b) in bytes.iter().enumerate() {
        let before = text.len();
        text.reserve(16);
        let last = o + 1 == bytes.len();
        let _ = dec.decode_to_string(std::slice::from_ref(b), &mut text, last);
        if text.len() > before {
            let emitted = &text[before..];
            if !(emitted.is_ascii() && emitted.len() == o + 1 - pending) {
                map.push((before, pending));
                map.push((text.len(), o + 1));
            }
            pending = o + 1;
        }
    }
    Decoded::from_parts(Cow::Owned(text), map, 1)
}

/// UTF-16 from byte `start` (past the BOM). Unpaired surrogates become U+FFFD; a NUL
/// character is binary input, as in UTF-8; an odd last byte is dropped.
fn utf16(source: &str, bytes: &[u8], start: usize, le: bool) -> crate::Result<Decoded<'static>> {
    let units = bytes[start..].chunks_exact(2).map(|p| {
        if le {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    let mut text = String::with_capacity(bytes.len() / 2 + 16);
    let mut map = vec![(0, start)];
    let mut o = start;
    for r in char::decode_utf16(units) {
        let (c, n) = match r {
            Ok(c) => (c, c.len_utf16() * 2),
            Err(_) => ('\u{FFFD}', 2),
        };
        if c == '\0' {
            return Err(crate::Error::Binary {
                path: source.into(),
                offset: o,
            });
        }
        if c.is_ascii() {
            text.push(c);
        } else {
            map.push((text.len(), o));
            text.push(c);
            map.push((text.len(), o + n));
        }
        o += n;
    }
    Ok(Decoded::from_parts(Cow::Owned(text), map, 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "Élus de Brévannes\n\nœuvre d’art : 5 €\n";

    #[test]
    fn utf16_both_orders_map_back() {
        for le in [true, false] {
            let mut bytes = if le {
                vec![0xFF, 0xFE]
            } else {
                vec![0xFE, 0xFF]
            };
            for u in PAGE.encode_utf16() {
                bytes.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
            }
            let (d, enc) = decode("p", &bytes, None).unwrap();
            assert_eq!(enc, if le { UTF_16LE } else { UTF_16BE });
            assert_eq!(d.text, PAGE);
            // "de" starts at char 5: 2 bytes of BOM + 5 units.
            let at = PAGE.find("de").unwrap();
            assert_eq!(d.original(at), 2 + 5 * 2);
            let at = PAGE.find("art").unwrap();
            let units = PAGE[..at].encode_utf16().count();
            assert_eq!(d.original(at), 2 + units * 2);
            assert_eq!(d.original(PAGE.len()), bytes.len());
        }
    }

    #[test]
    fn windows_1252_and_latin9_detected() {
        let (b1252, _, _) = WINDOWS_1252.encode(PAGE);
        assert_eq!(detect(&b1252), WINDOWS_1252);
        let (d, _) = decode("p", &b1252, None).unwrap();
        assert_eq!(d.text, PAGE);
        let at = PAGE.find("art").unwrap();
        assert_eq!(d.original(at), PAGE[..at].chars().count());
        let text = "Le cœur de la sœur, une œuvre : tout est là, dit-elle à Élodie.\n";
        let (b15, _, _) = encoding_rs::ISO_8859_15.encode(text);
        assert_eq!(detect(&b15), encoding_rs::ISO_8859_15);
        let (d, _) = decode("p", &b15, None).unwrap();
        assert_eq!(d.text, text);
    }

    #[test]
    fn broken_utf8_stays_utf8_and_forced_wins() {
        assert_eq!(detect(b"d\xC3\xA9j\xC3\xA0 \xFF"), UTF_8);
        assert_eq!(detect("déjà".as_bytes()), UTF_8);
        let (d, enc) = decode("p", "déjà".as_bytes(), Some(WINDOWS_1252)).unwrap();
        assert_eq!((d.text.as_ref(), enc), ("dÃ©jÃ\u{a0}", WINDOWS_1252));
        assert_eq!(encoding_for_label("latin1"), Some(WINDOWS_1252));
        assert_eq!(encoding_for_label("nope"), None);
    }

    #[test]
    fn forced_multi_byte_maps_back() {
        let text = "abc 日本 x";
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(text);
        let (d, _) = decode("p", &bytes, Some(encoding_rs::SHIFT_JIS)).unwrap();
        assert_eq!(d.text, text);
        assert_eq!(d.original(text.find('x').unwrap()), bytes.len() - 1);
        assert_eq!(d.original(text.find('本').unwrap()), 6);
    }

    #[test]
    fn nul_is_binary_in_every_encoding() {
        assert!(decode("p", b"a\0b", None).is_err());
        assert!(decode("p", &[0xFF, 0xFE, b'a', 0, 0, 0], None).is_err());
    }
}
