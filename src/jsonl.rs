//! One JSONL record read without building a `serde_json::Value`: only the fields a
//! table reader asks for are kept, strings borrowed from the line when they hold no
//! escape, every other field skipped by the parser. Same parser, same errors and same
//! readings as `serde_json::from_str::<Value>` followed by lookups (the last of duplicate
//! keys wins, as there), at a fraction of the allocations: this is the hot path of
//! `score` on a JSONL stream.

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// A kept field's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// A JSON string (borrowed when it held no escape).
    Str(Cow<'a, str>),
    /// `null`.
    Null,
    /// An array, whole.
    Array(Vec<serde_json::Value>),
    /// Any other value, as its JSON text (`Value::to_string`).
    Other(String),
}

impl Cell<'_> {
    /// The field as the readers take it: a string as is, `null` as absent, anything
    /// else as its JSON text.
    pub fn text(&self) -> Option<String> {
        match self {
            Cell::Str(s) => Some(s.to_string()),
            Cell::Null => None,
            Cell::Array(a) => Some(serde_json::Value::Array(a.clone()).to_string()),
            Cell::Other(s) => Some(s.clone()),
        }
    }

    /// An array's string elements joined by `|` (a reasons list); `None` for any other
    /// value.
    pub fn joined_strings(&self) -> Option<String> {
        match self {
            Cell::Array(a) => Some(
                a.iter()
                    .filter_map(serde_json::Value::as_str)
                    .collect::<Vec<_>>()
                    .join("|"),
            ),
            _ => None,
        }
    }
}

/// The fields of one record that were asked for, by position in the `wanted` list,
/// and whether the line was a JSON object at all.
#[derive(Debug, Default)]
pub struct Record<'a> {
    /// `cells[i]` is the value of `wanted[i]`, when present.
    pub cells: Vec<Option<Cell<'a>>>,
}

/// Parses `line` (one JSON value, nothing after it but whitespace), keeping the fields
/// named in `wanted`. A value that is not an object has no fields.
pub fn parse<'a>(line: &'a str, wanted: &[&str]) -> serde_json::Result<Record<'a>> {
    let mut de = serde_json::Deserializer::from_str(line);
    let rec = Seed { wanted }.deserialize(&mut de)?;
    de.end()?;
    Ok(rec)
}

struct Seed<'w> {
    wanted: &'w [&'w str],
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Record<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Record<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

/// Drops any non-object value: it has no fields.
macro_rules! no_fields {
    ($($name:ident: $t:ty),*) => {$(
        fn $name<E: serde::de::Error>(self, _: $t) -> Result<Record<'de>, E> {
            Ok(self.empty())
        }
    )*};
}

impl Seed<'_> {
    fn empty<'de>(&self) -> Record<'de> {
        Record {
            cells: vec![None; self.wanted.len()],
        }
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Record<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    no_fields!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64, visit_str: &str);
    fn visit_unit<E: serde::de::Error>(self) -> Result<Record<'de>, E> {
        Ok(self.empty())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Record<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(self.empty())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record<'de>, A::Error> {
        let mut rec = self.empty();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match self.wanted.iter().position(|w| *w == key) {
                Some(i) => rec.cells[i] = Some(map.next_value_seed(CellSeed)?),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(rec)
    }
}

struct CellSeed;

impl<'de> DeserializeSeed<'de> for CellSeed {
    type Value = Cell<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cell<'de>, D::Error> {
        d.deserialize_any(CellVisitor)
    }
}

struct CellVisitor;

impl<'de> Visitor<'de> for CellVisitor {
    type Value = Cell<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_borrowed_str<E: serde::de::Error>(self, s: &'de str) -> Result<Cell<'de>, E> {
        Ok(Cell::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Cell<'de>, E> {
        Ok(Cell::Str(Cow::Owned(s.to_string())))
    }
    fn visit_string<E: serde::de::Error>(self, s: String) -> Result<Cell<'de>, E> {
        Ok(Cell::Str(Cow::Owned(s)))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Cell<'de>, E> {
        Ok(Cell::Null)
    }
    fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<Cell<'de>, E> {
        Ok(Cell::Other(serde_json::Value::from(b).to_string()))
    }
    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Cell<'de>, E> {
        Ok(Cell::Other(serde_json::Value::from(n).to_string()))
    }
    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Cell<'de>, E> {
        Ok(Cell::Other(serde_json::Value::from(n).to_string()))
    }
    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Cell<'de>, E> {
        Ok(Cell::Other(serde_json::Value::from(n).to_string()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Cell<'de>, A::Error> {
        let v: Vec<serde_json::Value> =
            serde::Deserialize::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
        Ok(Cell::Array(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Cell<'de>, A::Error> {
        let v: serde_json::Value =
            serde::Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        Ok(Cell::Other(v.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// The reading of `Value` lookups, the behaviour this module must keep.
    fn by_value(line: &str, k: &str) -> Option<Option<String>> {
        let v: Value = serde_json::from_str(line).ok()?;
        Some(match v.get(k) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(o) => Some(o.to_string()),
        })
    }

    fn by_cells(line: &str, k: &str) -> Option<Option<String>> {
        let r = parse(line, &[k]).ok()?;
        Some(r.cells[0].as_ref().and_then(Cell::text))
    }

    #[test]
    fn reads_fields_as_value_lookups_do() {
        let lines = [
            r#"{"id":"1","text":"Bonjour"}"#,
            r#"{"id":12,"text":"a\"b\u00e9\n"}"#,
            r#"{"text":null,"id":true}"#,
            r#"{"text":"x","text":"y"}"#,
            r#"{"id":{"a":[1,2]},"text":[ "a", "b" ]}"#,
            r#"{"id":[1,"b"],"text":1.5e3}"#,
            r#"[1,2,3]"#,
            r#""just a string""#,
            r#"  {"id":"é"}  "#,
            r#"{"id":-3,"other":{"nested":[{"x":1}]}}"#,
        ];
        for l in lines {
            for k in ["id", "text", "missing"] {
                assert_eq!(by_cells(l, k), by_value(l, k), "{l} / {k}");
            }
        }
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let r = parse(r#"{"text":"plain","id":"a\tb"}"#, &["text", "id"]).unwrap();
        assert!(matches!(
            r.cells[0],
            Some(Cell::Str(Cow::Borrowed("plain")))
        ));
        assert!(matches!(&r.cells[1], Some(Cell::Str(Cow::Owned(s))) if s == "a\tb"));
    }

    #[test]
    fn errors_are_the_parsers() {
        for bad in [
            r#"{"text":"#,
            r#"{"text":"a"} x"#,
            r#"{text:1}"#,
            "",
            r#"{"a":1,}"#,
        ] {
            let mine = parse(bad, &["text"]).unwrap_err().to_string();
            let theirs = serde_json::from_str::<Value>(bad).unwrap_err().to_string();
            assert_eq!(mine, theirs, "{bad}");
        }
    }
}
