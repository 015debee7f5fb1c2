//! Positions recorded during the one read of a clean document, kept compact.
//!
//! A document that reads and types cleanly used to keep only its text, and was read again
//! (a full YAML parse) the first time one of its positions was asked for; on a mesh where
//! every VirtualService has a finding, that second read cost a quarter of `istio-grpc check`.
//! Instead, the first read records, beside the JSON it builds, every key's and every value's
//! line and column, in a byte stream of a few bytes a node: the keys (their text) and the
//! shape (how many entries or items each mapping or list has), in post-order, with lines and
//! columns relative to the document as varints. Finding a position decodes the stream into the
//! tree the locating code walks, without parsing YAML.
//!
//! The positions are serde-saphyr's own, taken the way `Spanned<T>` takes them (the
//! `__yaml_spanned` newtype, its `referenced` location), so they are those the reader with
//! positions (`read_tree`) gives for the same text.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::{KeyString, Node, NodeKind};
use crate::Location;

/// The newtype name serde-saphyr answers with a value's location (see `serde_saphyr::Spanned`).
const SPANNED: &str = "__yaml_spanned";

/// Record tags.
const SCALAR: u8 = 0;
const SEQ: u8 = 1;
const MAP: u8 = 2;
/// A key with its text: line, column, length, bytes.
const KEY: u8 = 3;
/// A key written as is at its line and column in the document: line, column, length.
const KEY_AT: u8 = 4;

/// Where lines start in a document's text, found as the lines are asked for in order.
#[derive(Default)]
struct Cursor {
    /// Line (1-based) and byte offset of its start.
    line: u64,
    start: usize,
}

impl Cursor {
    /// The byte offset of `line` (1-based) and `column` (1-based, in characters) in `text`;
    /// `None` before the cursor (an alias's replay) or past the text.
    fn offset(&mut self, text: &str, line: u64, column: u64) -> Option<usize> {
        if self.line == 0 {
            self.line = 1;
        }
        if line < self.line {
            return None;
        }
        while self.line < line {
            self.start += text.get(self.start..)?.find('\n')? + 1;
            self.line += 1;
        }
        let rest = text.get(self.start..)?;
        let column = usize::try_from(column.checked_sub(1)?).ok()?;
        match rest.get(..column) {
            Some(head) if head.is_ascii() => Some(self.start + column),
            _ => rest.char_indices().nth(column).map(|(i, _)| self.start + i),
        }
    }
}

/// What the first read records: the stream, and the document's text to find keys in.
pub(super) struct Recorder<'t> {
    pub(super) out: Vec<u8>,
    text: &'t str,
    cursor: Cursor,
}

impl<'t> Recorder<'t> {
    pub(super) fn new(text: &'t str) -> Self {
        Recorder {
            out: Vec::with_capacity(text.len() / 4),
            text,
            cursor: Cursor::default(),
        }
    }
}

fn put(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Reads a value as JSON (as `JsonValue` does), appending its positions to `out`.
pub(super) struct Recorded<'r, 't>(pub(super) &'r mut Recorder<'t>);

impl<'de> DeserializeSeed<'de> for Recorded<'_, '_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_newtype_struct(SPANNED, Span(self.0, Target::Value))
    }
}

/// A key, as `KeyString` reads it, with its position appended to `out`.
struct RecordedKey<'r, 't>(&'r mut Recorder<'t>);

impl<'de> DeserializeSeed<'de> for RecordedKey<'_, '_> {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        match d.deserialize_newtype_struct(SPANNED, Span(self.0, Target::Key))? {
            Value::String(s) => Ok(s),
            _ => Err(de::Error::custom("a key read as something else")),
        }
    }
}

#[derive(Clone, Copy)]
enum Target {
    Value,
    Key,
}

/// The `Spanned` view serde-saphyr gives: `{marker: true, value: T, referenced: Location,
/// defined: Location}`, in that order; `defined` is not read.
struct Span<'r, 't>(&'r mut Recorder<'t>, Target);

impl<'de> Visitor<'de> for Span<'_, '_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value with its position")
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let Span(recorder, target) = self;
        let marker = map.next_key::<IgnoredAny>()?.is_some()
            && map.next_value::<bool>()?
            && map.next_key::<IgnoredAny>()?.is_some();
        if !marker {
            return Err(de::Error::custom("not a value with its position"));
        }
        let (value, header) = match target {
            Target::Value => map.next_value_seed(Inner(&mut *recorder))?,
            Target::Key => (Value::String(map.next_value::<KeyString>()?.0), None),
        };
        map.next_key::<IgnoredAny>()?;
        let LineColumn(line, column) = map.next_value()?;
        let Recorder { out, text, cursor } = recorder;
        match header {
            // a key's record comes before its value's
            None => {
                let Value::String(key) = &value else {
                    unreachable!("a key is a string")
                };
                // most keys are written as they read: found again in the text, not copied
                let as_is = cursor
                    .offset(text, line, column)
                    .and_then(|at| text.get(at..at.checked_add(key.len())?))
                    == Some(key.as_str());
                out.push(if as_is { KEY_AT } else { KEY });
                put(out, line);
                put(out, column);
                put(out, key.len() as u64);
                if !as_is {
                    out.extend_from_slice(key.as_bytes());
                }
            }
            Some((tag, count)) => {
                out.push(tag);
                if tag != SCALAR {
                    put(out, count);
                }
                put(out, line);
                put(out, column);
            }
        }
        Ok(value)
    }
}

/// `line` and `column` of a serde-saphyr `Location`.
struct LineColumn(u64, u64);

impl<'de> de::Deserialize<'de> for LineColumn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LineColumn;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a location")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LineColumn, A::Error> {
                // `line`, then `column` (then `span` and `source_id`, not read)
                map.next_key::<IgnoredAny>()?;
                let line = map.next_value()?;
                map.next_key::<IgnoredAny>()?;
                let column = map.next_value()?;
                Ok(LineColumn(line, column))
            }
        }
        d.deserialize_struct("Location", &["line", "column", "span", "source_id"], V)
    }
}

/// The value itself: JSON, and the tag and count of its record.
struct Inner<'r, 't>(&'r mut Recorder<'t>);

type Read = (Value, Option<(u8, u64)>);

impl<'de> DeserializeSeed<'de> for Inner<'_, '_> {
    type Value = Read;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Read, D::Error> {
        d.deserialize_any(self)
    }
}

fn scalar(v: Value) -> Read {
    (v, Some((SCALAR, 0)))
}

impl<'de> Visitor<'de> for Inner<'_, '_> {
    type Value = Read;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Read, A::Error> {
        let out = self.0;
        let mut object = serde_json::Map::new();
        let mut count = 0;
        while let Some(k) = map.next_key_seed(RecordedKey(&mut *out))? {
            let v = map.next_value_seed(Recorded(&mut *out))?;
            // as Kubernetes' YAML reader, and as the reader with positions does
            if object.contains_key(&k) {
                return Err(de::Error::custom(format_args!("duplicate key {k:?}")));
            }
            object.insert(k, v);
            count += 1;
        }
        Ok((Value::Object(object), Some((MAP, count))))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Read, A::Error> {
        let out = self.0;
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(Recorded(&mut *out))? {
            items.push(v);
        }
        let count = items.len() as u64;
        Ok((Value::Array(items), Some((SEQ, count))))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Read, E> {
        Ok(scalar(Value::String(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Read, E> {
        Ok(scalar(Value::String(v)))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Read, E> {
        Ok(scalar(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Read, E> {
        Ok(scalar(Value::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Read, E> {
        Ok(scalar(Value::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Read, E> {
        serde_json::Number::from_f64(v)
            .map(|n| scalar(Value::Number(n)))
            .ok_or_else(|| de::Error::custom(format_args!("{v} is not a number JSON can hold")))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Read, E> {
        Ok(scalar(Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Read, E> {
        Ok(scalar(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Read, D::Error> {
        d.deserialize_any(self)
    }
}

/// The tree of positions recorded in `stream` from `text` (scalars as `null`: positions only),
/// lines shifted by `first_line`; `None` if the stream is not one whole tree.
pub(super) fn decode(stream: &[u8], text: &str, first_line: usize) -> Option<Node> {
    enum Item {
        Key(String, Location),
        Node(Node),
    }
    let mut stack: Vec<Item> = Vec::new();
    let mut cursor = Cursor::default();
    let mut pos = 0;
    while pos < stream.len() {
        let tag = stream[pos];
        let mut at = pos + 1;
        let mut next = || varint(stream, &mut at);
        let count = if matches!(tag, SEQ | MAP) {
            usize::try_from(next()?).ok()?
        } else {
            0
        };
        let (line, column) = (next()?, next()?);
        let here = Location {
            line: usize::try_from(line).ok()? + first_line,
            column: usize::try_from(column).ok()?,
        };
        let item = match tag {
            KEY => {
                let len = usize::try_from(next()?).ok()?;
                let key = stream.get(at..at.checked_add(len)?)?;
                at += len;
                Item::Key(std::str::from_utf8(key).ok()?.to_owned(), here)
            }
            KEY_AT => {
                let len = usize::try_from(next()?).ok()?;
                let start = cursor.offset(text, line, column)?;
                Item::Key(text.get(start..start.checked_add(len)?)?.to_owned(), here)
            }
            SCALAR => Item::Node(Node {
                at: here,
                kind: NodeKind::Scalar(Value::Null),
            }),
            SEQ => {
                let items = stack.split_off(stack.len().checked_sub(count)?);
                let items = items
                    .into_iter()
                    .map(|i| match i {
                        Item::Node(n) => Some(n),
                        Item::Key(..) => None,
                    })
                    .collect::<Option<Vec<_>>>()?;
                Item::Node(Node {
                    at: here,
                    kind: NodeKind::Seq(items),
                })
            }
            MAP => {
                let items = stack.split_off(stack.len().checked_sub(count.checked_mul(2)?)?);
                let mut entries = Vec::with_capacity(count);
                let mut items = items.into_iter();
                while let (Some(Item::Key(k, key_at)), Some(Item::Node(n))) =
                    (items.next(), items.next())
                {
                    entries.push((k, key_at, n));
                }
                if entries.len() != count {
                    return None;
                }
                Item::Node(Node {
                    at: here,
                    kind: NodeKind::Map(entries),
                })
            }
            _ => return None,
        };
        stack.push(item);
        pos = at;
    }
    match (stack.pop(), stack.is_empty()) {
        (Some(Item::Node(root)), true) => Some(root),
        _ => None,
    }
}

/// The varint at `*at`, moving past it.
fn varint(stream: &[u8], at: &mut usize) -> Option<u64> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *stream.get(*at)?;
        *at += 1;
        n |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(n);
        }
    }
    None
}
