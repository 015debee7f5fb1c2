//! Multi-document YAML in and out, with serde-saphyr.
//!
//! Reading follows Kubernetes: the stream is split into documents on `---` lines (as
//! `kubectl` does), each document is read as JSON and then typed by `apiVersion` and `kind`
//! ([`Object`]). One bad document does not hide the others ([`parse`]), and every error carries
//! the document's position, the line and column, and the field path.
//!
//! Reading is strict about unknown fields by default (files people write: a typo is an
//! error) and can keep them instead ([`Options::strictness`]); it is bounded per document
//! ([`Limits`]: size, nodes, nesting, scalar size, aliases), and runs on the calling thread
//! unless the caller allows more ([`Options::threads`]).
//!
//! ```
//! use istio_grpc_types::yaml;
//!
//! let text = "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\napiVersion: networking.rypt.io/v1\nkind: VirtualService\nspec: {}\n";
//! let docs = yaml::parse(text);
//! assert!(docs[0].is_ok());
//! let err = docs[1].as_ref().unwrap_err().to_string();
//! assert!(err.contains("line 5") && err.contains("expected networking.istio.io/v1"), "{err}");
//! ```

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;

pub use crate::Strictness;

mod positions;
use crate::path::{PathError, PathSegment, render_path};
use crate::{Error, Location, Object, UnknownField};

/// One object read from YAML, with where it came from.
#[derive(Clone, Debug)]
pub struct Document {
    /// Position in the stream, from 1 (empty documents are not counted).
    pub index: usize,
    /// The typed object.
    pub object: Object,
    /// Positions of every key and value, to point at a field of this object.
    pub source: SourceMap,
    /// The fields the types do not know, with their line and column (empty when read with
    /// [`Strictness::Deny`], which refuses them).
    pub unknown_fields: Vec<UnknownField>,
}

/// How to read a YAML stream: what to do with unknown fields, and whether to use threads.
///
/// [`Options::default()`] is what [`parse`] and [`from_str`] use: strict about unknown fields
/// ([`Strictness::Deny`], for files people write, where an unknown field is most likely a
/// typo) and on the calling thread.
///
/// ```
/// use istio_grpc_types::{yaml, Strictness};
///
/// let text = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a}\nspec:\n  hosts: [a]\n  tcp: []\n  htpp: []\n";
/// assert!(yaml::from_str(text).is_err());
/// let docs = yaml::parse_with(text, &yaml::Options::default().strictness(Strictness::Keep));
/// let doc = docs[0].as_ref().unwrap();
/// let unknown = &doc.unknown_fields[0];
/// assert_eq!((unknown.path.as_str(), unknown.suggestion), ("spec.htpp", Some("http")));
/// assert_eq!(unknown.location.map(|l| l.line), Some(7));
/// // written back as read
/// assert!(yaml::to_string([&doc.object]).unwrap().contains("htpp: []"));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Options {
    /// What to do with fields the types do not know.
    pub strictness: Strictness,
    /// How many threads may read documents at once (1: only the calling thread).
    pub threads: usize,
    /// What one document may cost to read.
    pub limits: Limits,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            strictness: Strictness::Deny,
            threads: 1,
            limits: Limits::default(),
        }
    }
}

/// What one document may cost to read: a document over a limit is an error that names the
/// limit ([`Error::Syntax`]), read in bounded time and memory, and the other documents of the
/// stream are still read.
///
/// The defaults read any object Kubernetes can store with a wide margin (etcd refuses requests
/// over 1.5 MiB by default; the builder's largest object for 50,000 services, a 14 MiB
/// VirtualService of about 1.2 million nodes, reads too), and refuse input that is built to
/// exhaust a reader: alias bombs (billion laughs), absurd nesting, huge scalars and huge
/// documents.
///
/// | limit | default | why |
/// | --- | --- | --- |
/// | [`max_document_bytes`](Limits::max_document_bytes) | 64 MiB | 40 times etcd's 1.5 MiB request limit; bounds everything else |
/// | [`max_nodes`](Limits::max_nodes) | 4,000,000 | mappings, lists and scalars, aliases expanded: over three times the builder's 50,000-service VirtualService; bounds memory (the tree with positions costs about 200 bytes a node) |
/// | [`max_depth`](Limits::max_depth) | 32 | deep Istio objects (an EnvoyFilter patch of Envoy config) nest about 20 levels; reading recurses once per level, at up to 36 KiB of stack a level in a debug build, and 32 levels fit in the 2 MiB stack of a spawned thread |
/// | [`max_scalar_bytes`](Limits::max_scalar_bytes) | 1.5 MiB | no single value can be larger than the largest object etcd accepts |
/// | [`max_aliases`](Limits::max_aliases) | 10,000 | manifests seldom use `*alias`; expansions also count as nodes, so a bomb stops at `max_nodes` at the latest |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Bytes of one document's text.
    pub max_document_bytes: usize,
    /// Nodes (mappings, lists, scalars; aliases expanded) in one document.
    pub max_nodes: usize,
    /// Nesting of mappings and lists.
    pub max_depth: usize,
    /// Bytes of one scalar (a key or a value).
    pub max_scalar_bytes: usize,
    /// Aliases (`*name`) in one document.
    pub max_aliases: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_document_bytes: 64 * 1024 * 1024,
            max_nodes: 4_000_000,
            max_depth: 32,
            max_scalar_bytes: 1536 * 1024,
            max_aliases: 10_000,
        }
    }
}

impl Limits {
    /// The serde-saphyr options that enforce these limits while parsing.
    fn saphyr(&self) -> serde_saphyr::Options {
        let mut budget = serde_saphyr::Budget::default();
        budget.max_nodes = self.max_nodes;
        // every node is at most two events (start and end); aliases replay events
        budget.max_events = self.max_nodes.saturating_mul(2).saturating_add(16);
        budget.max_depth = self.max_depth;
        budget.max_aliases = self.max_aliases;
        budget.max_total_scalar_bytes = self.max_document_bytes;
        budget.max_reader_input_bytes = Some(self.max_document_bytes);
        // anchored content kept for replay: manifests anchor little
        budget.max_recorded_anchor_events = self.max_nodes.min(1_000_000);
        let mut options = serde_saphyr::Options::default();
        options.budget = Some(budget);
        options.alias_limits.max_total_replayed_events = self.max_nodes;
        options.alias_limits.max_replay_stack_depth = self.max_depth;
        options
    }
}

impl Options {
    /// What to do with fields the types do not know.
    pub fn strictness(mut self, strictness: Strictness) -> Self {
        self.strictness = strictness;
        self
    }

    /// What one document may cost to read.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Reads the documents of large streams (from 256 documents) on up to `threads` scoped
    /// threads, which end before [`parse_with`] returns; the result is the same as with one.
    /// `std::thread::available_parallelism()` is a good value for a command-line tool.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }
}

/// Positions of the keys and values of one document.
///
/// ```
/// let docs = istio_grpc_types::yaml::from_str("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n")?;
/// let at = docs[0].source.locate("data.k").unwrap();
/// assert_eq!((at.line, at.column), (6, 6));
/// # Ok::<(), istio_grpc_types::Error>(())
/// ```
///
/// A document that reads cleanly keeps a reference to its text (shared with the other documents
/// of its stream) and its positions recorded while it was read, a few bytes a node, decoded
/// when one is asked for: checking a large mesh holds neither a tree of positions per document
/// nor reads a document twice to point at its findings. Only [`SourceMap::json`] reads the
/// text again.
#[derive(Clone, Debug)]
pub struct SourceMap {
    repr: Repr,
}

#[derive(Clone, Debug)]
enum Repr {
    /// The positions, built.
    Tree(Node),
    /// The document's text, and its positions recorded as it was read.
    Text(Box<Lazy>),
}

#[derive(Clone, Debug)]
struct Lazy {
    input: Arc<str>,
    chunk: Chunk,
    /// Where `input` starts in the stream it was read from (`0`: it is the whole stream).
    offset: usize,
    limits: Limits,
    /// See `positions`.
    positions: Box<[u8]>,
}

impl Lazy {
    fn empty(&self) -> Node {
        Node {
            at: Location {
                line: self.chunk.first_line + 1,
                column: 1,
            },
            kind: NodeKind::Map(Vec::new()),
        }
    }

    /// The tree with values, read again from the text.
    fn root(&self) -> Node {
        let text = self.chunk.text(&self.input);
        // the same text and limits read cleanly once, so this reads again
        read_tree(&text, &self.chunk, 0, &self.limits).unwrap_or_else(|_| self.empty())
    }

    /// The tree of positions (values left out), decoded from what the first read recorded, or
    /// read again when nothing was kept ([`SourceMap::span`]).
    fn positions(&self) -> Node {
        if self.positions.is_empty() {
            return self.root();
        }
        // recorded by this module from a whole read, so this decodes
        // the text as read but for the `---` marker, where no key is
        let text = &self.input[self.chunk.start..self.chunk.end];
        positions::decode(&self.positions, text, self.chunk.first_line)
            .unwrap_or_else(|| self.empty())
    }
}

impl PartialEq for SourceMap {
    fn eq(&self, other: &Self) -> bool {
        self.with_root(|a| other.with_root(|b| a == b))
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Node {
    at: Location,
    kind: NodeKind,
}

#[derive(Clone, Debug, PartialEq)]
enum NodeKind {
    Map(Vec<(String, Location, Node)>),
    Seq(Vec<Node>),
    Scalar(Value),
}

impl SourceMap {
    /// Runs `f` on the tree with values, read again from the text if need be.
    fn with_root<R>(&self, f: impl FnOnce(&Node) -> R) -> R {
        match &self.repr {
            Repr::Tree(root) => f(root),
            Repr::Text(lazy) => f(&lazy.root()),
        }
    }

    /// Runs `f` on the tree of positions (whose values may be left out).
    fn with_positions<R>(&self, f: impl FnOnce(&Node) -> R) -> R {
        match &self.repr {
            Repr::Tree(root) => f(root),
            Repr::Text(lazy) => f(&lazy.positions()),
        }
    }

    fn tree(root: Node) -> Self {
        SourceMap {
            repr: Repr::Tree(root),
        }
    }

    /// Where the value at `path` (`spec.http[0].route[0].destination`) starts; `.` or an empty
    /// path is the document itself. For a path that does not exist, the nearest existing parent.
    pub fn locate(&self, path: &str) -> Option<Location> {
        self.with_positions(|root| Some(locate_segments(root, &parse_path(path, root)?, false)))
    }

    /// Where the key of `path` is (for a map entry), else where its value is.
    pub fn locate_key(&self, path: &str) -> Option<Location> {
        self.with_positions(|root| Some(locate_segments(root, &parse_path(path, root)?, true)))
    }

    /// Where each of several paths is (`true`: at its key, as [`SourceMap::locate_key`]),
    /// reading the positions once for all of them.
    pub fn locate_all(&self, paths: &[(&str, bool)]) -> Vec<Option<Location>> {
        self.with_positions(|root| {
            paths
                .iter()
                .map(|&(path, key)| Some(locate_segments(root, &parse_path(path, root)?, key)))
                .collect()
        })
    }

    /// The document exactly as read, as JSON (before typing): what a lossless write must give back.
    pub fn json(&self) -> Value {
        self.with_root(Node::to_json)
    }

    /// Where the document starts.
    pub fn start(&self) -> Location {
        self.with_positions(|root| root.at)
    }

    /// The document's text, for a map that refers to the text it was read from (as
    /// [`SourceMap::span`] places it).
    pub fn text(&self) -> Option<&str> {
        match &self.repr {
            Repr::Text(lazy) => lazy.input.get(lazy.chunk.start..lazy.chunk.end),
            Repr::Tree(_) => None,
        }
    }

    /// Where the document is in the text it was read from, for a map that refers to that text:
    /// a caller that may need the positions later, and keeps the text, keeps this (a few words)
    /// instead of the map, and makes the map again with [`SourceMap::reread`].
    pub fn span(&self) -> Option<Span> {
        match &self.repr {
            Repr::Text(lazy) => Some(Span {
                chunk: lazy.chunk,
                offset: lazy.offset,
            }),
            Repr::Tree(_) => None,
        }
    }

    /// The map of the document at `span` in `text` (the text it was read, with `limits`, from),
    /// whose positions are read again from the text when one is asked for.
    ///
    /// ```
    /// use istio_grpc_types::yaml::{self, SourceMap};
    ///
    /// let text: std::sync::Arc<str> = "kind: ConfigMap\napiVersion: v1\n---\nkind: ConfigMap\napiVersion: v1\ndata: {k: v}\n".into();
    /// let mut spans = Vec::new();
    /// yaml::parse_each_shared(text.clone(), &yaml::Options::default(), |doc| spans.push(doc.unwrap().source.span().unwrap()));
    /// let again = SourceMap::reread(text, spans[1], yaml::Limits::default());
    /// assert_eq!(again.locate("data.k").map(|at| (at.line, at.column)), Some((6, 11)));
    /// ```
    pub fn reread(text: Arc<str>, span: Span, limits: Limits) -> SourceMap {
        let range = span.range();
        SourceMap {
            repr: Repr::Text(Box::new(Lazy {
                input: text,
                chunk: Chunk {
                    start: range.start,
                    end: range.end,
                    first_line: span.chunk.first_line,
                },
                offset: 0,
                limits,
                positions: Box::default(),
            })),
        }
    }
}

/// Where a document is in the text it was read from ([`SourceMap::span`]).
#[derive(Clone, Copy, Debug)]
pub struct Span {
    /// In the text the map refers to.
    chunk: Chunk,
    /// Where that text starts in the stream.
    offset: usize,
}

impl Span {
    /// The document's bytes in the stream.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset + self.chunk.start..self.offset + self.chunk.end
    }

    /// The map of the document read again from `text`, exactly its bytes in the stream
    /// ([`Span::range`]; a reader that read the stream as it went, [`parse_map_read`], keeps no
    /// text): its positions are read from `text` when one is asked for.
    pub fn reread(&self, text: Arc<str>, limits: Limits) -> SourceMap {
        SourceMap {
            repr: Repr::Text(Box::new(Lazy {
                chunk: Chunk {
                    start: 0,
                    end: text.len(),
                    first_line: self.chunk.first_line,
                },
                input: text,
                offset: self.offset + self.chunk.start,
                limits,
                positions: Box::default(),
            })),
        }
    }
}

fn locate_segments(root: &Node, segments: &[PathSegment], key: bool) -> Location {
    let mut node = root;
    let mut at = node.at;
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let next = match (&node.kind, seg) {
            (NodeKind::Map(entries), PathSegment::Key(k)) => entries
                .iter()
                .find(|(name, _, _)| name == k)
                .map(|(_, key_at, v)| {
                    if last && key {
                        at = *key_at;
                    }
                    v
                }),
            (NodeKind::Seq(items), PathSegment::Index(i)) => items.get(*i),
            _ => None,
        };
        match next {
            Some(n) => {
                node = n;
                if !(last && key && matches!(seg, PathSegment::Key(_))) {
                    at = n.at;
                }
            }
            None => break,
        }
    }
    at
}

/// Splits `spec.http[0].route` into segments; keys may contain dots (`app.kubernetes.io/name`),
/// so the tree decides where a key ends.
fn parse_path(path: &str, root: &Node) -> Option<Vec<PathSegment>> {
    let mut out = Vec::new();
    let mut rest = path.strip_prefix('.').unwrap_or(path);
    let mut node = Some(root);
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let i: usize = r[..end].parse().ok()?;
            out.push(PathSegment::Index(i));
            node = match node.map(|n| &n.kind) {
                Some(NodeKind::Seq(items)) => items.get(i),
                _ => None,
            };
            rest = r[end + 1..].strip_prefix('.').unwrap_or(&r[end + 1..]);
            continue;
        }
        // the longest key of this map that `rest` starts with, followed by `.`, `[` or the end
        let key = match node.map(|n| &n.kind) {
            Some(NodeKind::Map(entries)) => entries
                .iter()
                .filter(|(k, _, _)| {
                    rest.starts_with(k.as_str())
                        && matches!(rest.as_bytes().get(k.len()), None | Some(b'.') | Some(b'['))
                })
                .max_by_key(|(k, _, _)| k.len())
                .map(|(k, _, _)| k.clone()),
            _ => None,
        };
        let key = key.unwrap_or_else(|| rest.split(['.', '[']).next().unwrap_or(rest).to_owned());
        node = match node.map(|n| &n.kind) {
            Some(NodeKind::Map(entries)) => entries
                .iter()
                .find(|(k, _, _)| *k == key)
                .map(|(_, _, v)| v),
            _ => None,
        };
        rest = &rest[key.len()..];
        rest = rest.strip_prefix('.').unwrap_or(rest);
        out.push(PathSegment::Key(key));
    }
    Some(out)
}

impl Node {
    fn to_json(&self) -> Value {
        match &self.kind {
            NodeKind::Scalar(v) => v.clone(),
            NodeKind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, _, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// The first key or scalar longer than `limit` bytes: where it is and its length.
    fn oversized_scalar(&self, limit: usize) -> Option<(Location, usize)> {
        match &self.kind {
            NodeKind::Scalar(Value::String(text)) if text.len() > limit => {
                Some((self.at, text.len()))
            }
            NodeKind::Scalar(_) => None,
            NodeKind::Seq(items) => items.iter().find_map(|n| n.oversized_scalar(limit)),
            NodeKind::Map(entries) => entries.iter().find_map(|(k, at, n)| {
                if k.len() > limit {
                    Some((*at, k.len()))
                } else {
                    n.oversized_scalar(limit)
                }
            }),
        }
    }

    fn shift(&mut self, lines: usize) {
        self.at.line += lines;
        match &mut self.kind {
            NodeKind::Scalar(_) => {}
            NodeKind::Seq(items) => items.iter_mut().for_each(|n| n.shift(lines)),
            NodeKind::Map(entries) => entries.iter_mut().for_each(|(_, at, n)| {
                at.line += lines;
                n.shift(lines)
            }),
        }
    }
}

fn location(l: &serde_saphyr::Location) -> Location {
    Location {
        line: l.line() as usize,
        column: l.column() as usize,
    }
}

/// The YAML tree with positions, built through serde-saphyr's `Spanned`.
struct RawNode(NodeKind);

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        fn spanned(s: Spanned<RawNode>) -> Node {
            Node {
                at: location(&s.referenced),
                kind: s.value.0,
            }
        }
        impl<'de> Visitor<'de> for V {
            type Value = RawNode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawNode, A::Error> {
                let mut entries: Vec<(String, Location, Node)> = Vec::new();
                while let Some(key) = map.next_key::<Spanned<KeyString>>()? {
                    let value = spanned(map.next_value::<Spanned<RawNode>>()?);
                    let name = key.value.0;
                    if entries.iter().any(|(k, _, _)| *k == name) {
                        return Err(de::Error::custom(format_args!("duplicate key {name:?}")));
                    }
                    entries.push((name, location(&key.referenced), value));
                }
                Ok(RawNode(NodeKind::Map(entries)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawNode, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<RawNode>>()? {
                    items.push(spanned(item));
                }
                Ok(RawNode(NodeKind::Seq(items)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawNode, E> {
                Ok(RawNode(NodeKind::Scalar(Value::String(v.to_owned()))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<RawNode, E> {
                Ok(RawNode(NodeKind::Scalar(Value::String(v))))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawNode, E> {
                Ok(RawNode(NodeKind::Scalar(Value::Bool(v))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawNode, E> {
                Ok(RawNode(NodeKind::Scalar(Value::from(v))))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawNode, E> {
                Ok(RawNode(NodeKind::Scalar(Value::from(v))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawNode, E> {
                match serde_json::Number::from_f64(v) {
                    Some(n) => Ok(RawNode(NodeKind::Scalar(Value::Number(n)))),
                    None => Err(de::Error::custom(format_args!(
                        "{v} is not a number JSON can hold"
                    ))),
                }
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawNode, E> {
                Ok(RawNode(NodeKind::Scalar(Value::Null)))
            }
            fn visit_none<E: de::Error>(self) -> Result<RawNode, E> {
                Ok(RawNode(NodeKind::Scalar(Value::Null)))
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<RawNode, D2::Error> {
                RawNode::deserialize(d)
            }
        }
        d.deserialize_any(V)
    }
}

/// Any self-describing value as JSON, with scalar mapping keys turned into strings the way
/// Kubernetes' YAML-to-JSON conversion does (`9090:` becomes `"9090"`).
pub(crate) struct JsonValue(pub(crate) Value);

impl<'de> Deserialize<'de> for JsonValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = JsonValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonValue, A::Error> {
                let mut out = serde_json::Map::new();
                while let Some(KeyString(k)) = map.next_key()? {
                    let JsonValue(v) = map.next_value()?;
                    // as Kubernetes' YAML reader, and as the reader with positions does
                    if out.contains_key(&k) {
                        return Err(de::Error::custom(format_args!("duplicate key {k:?}")));
                    }
                    out.insert(k, v);
                }
                Ok(JsonValue(Value::Object(out)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JsonValue, A::Error> {
                let mut out = Vec::new();
                while let Some(JsonValue(v)) = seq.next_element()? {
                    out.push(v);
                }
                Ok(JsonValue(Value::Array(out)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<JsonValue, E> {
                Ok(JsonValue(Value::String(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<JsonValue, E> {
                Ok(JsonValue(Value::String(v)))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<JsonValue, E> {
                Ok(JsonValue(Value::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<JsonValue, E> {
                Ok(JsonValue(Value::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<JsonValue, E> {
                Ok(JsonValue(Value::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<JsonValue, E> {
                serde_json::Number::from_f64(v)
                    .map(|n| JsonValue(Value::Number(n)))
                    .ok_or_else(|| {
                        de::Error::custom(format_args!("{v} is not a number JSON can hold"))
                    })
            }
            fn visit_unit<E: de::Error>(self) -> Result<JsonValue, E> {
                Ok(JsonValue(Value::Null))
            }
            fn visit_none<E: de::Error>(self) -> Result<JsonValue, E> {
                Ok(JsonValue(Value::Null))
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<JsonValue, D2::Error> {
                JsonValue::deserialize(d)
            }
        }
        d.deserialize_any(V)
    }
}

/// A mapping key as JSON sees it: strings as they are, numbers and booleans as their text
/// (`8080:` in `portLevelMtls` is the key `"8080"`).
struct KeyString(String);

impl<'de> Deserialize<'de> for KeyString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeyString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyString, E> {
                Ok(KeyString(v.to_owned()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<KeyString, E> {
                Ok(KeyString("null".to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Where a document is in the stream: its bytes and the line (0-based) it starts on.
#[derive(Clone, Copy, Debug)]
struct Chunk {
    start: usize,
    end: usize,
    first_line: usize,
}

fn is_marker(line: &str) -> bool {
    line.starts_with("---") || line.starts_with("...")
}

impl Chunk {
    /// The document's text, its `---` line's marker blanked rather than removed, so that lines
    /// and columns stay those of the input.
    fn text<'a>(&self, input: &'a str) -> Cow<'a, str> {
        let text = &input[self.start..self.end];
        if is_marker(text) {
            Cow::Owned(format!("   {}", &text[3..]))
        } else {
            Cow::Borrowed(text)
        }
    }
}

impl Chunk {
    /// Whether the document holds nothing but its marker, blanks and comments.
    fn is_blank(&self, input: &str) -> bool {
        let text = &input[self.start..self.end];
        is_blank(if is_marker(text) { &text[3..] } else { text })
    }
}

/// Splits a stream on document markers the way Kubernetes' YAML reader does: a line that
/// starts with `---` (or `...`) ends a document.
fn split(input: &str) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let (mut start, mut pos, mut first_line) = (0, 0, 0);
    for (i, line) in input.split_inclusive('\n').enumerate() {
        if is_marker(line) {
            if pos > start || i > 0 {
                chunks.push(Chunk {
                    start,
                    end: pos,
                    first_line,
                });
            }
            start = pos;
            first_line = i;
        }
        pos += line.len();
    }
    chunks.push(Chunk {
        start,
        end: input.len(),
        first_line,
    });
    chunks
}

/// Whether a document holds nothing but blanks and comments.
fn is_blank(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#')
    })
}

/// A budget breach in our words, naming the limit.
fn limit_message(e: &serde_saphyr::Error, limits: &Limits) -> Option<String> {
    // the breach, whether or not the error carries a snippet
    let text = e.without_snippet().to_string();
    if text.contains("recursion limit exceeded") {
        // the parser's own guard on nested flow collections
        return Some(format!(
            "the document has more than {} levels of nesting, the reader's limit (yaml::Limits::max_depth)",
            limits.max_depth
        ));
    }
    let (_, breach) = text.split_once("budget breached: ")?;
    let name = breach.split([' ', '{', '(']).next().unwrap_or("");
    let (what, limit, field) = match name {
        "Nodes"
        | "Events"
        | "RecordedAnchorEvents"
        | "RecordedAnchorBytes"
        | "ReplayedEvents"
        | "AliasReplay" => ("nodes", limits.max_nodes, "max_nodes"),
        "Depth" => ("levels of nesting", limits.max_depth, "max_depth"),
        "Aliases" | "Anchors" => ("aliases", limits.max_aliases, "max_aliases"),
        "ScalarBytes" => (
            "bytes of scalars",
            limits.max_document_bytes,
            "max_document_bytes",
        ),
        _ => {
            return Some(format!(
                "the document exceeds a reader limit ({})",
                breach.split(" at line ").next().unwrap_or(breach)
            ));
        }
    };
    Some(format!(
        "the document has more than {limit} {what}, the reader's limit (yaml::Limits::{field}); \
         aliases count as the nodes they expand to"
    ))
}

fn saphyr_message(e: &serde_saphyr::Error) -> String {
    let text = e.without_snippet().to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    match text.rsplit_once(" at line ") {
        Some((msg, _)) => msg.to_owned(),
        None => match text.split_once(": ") {
            Some((prefix, msg)) if prefix.starts_with("line ") => msg.to_owned(),
            _ => text.to_owned(),
        },
    }
}

/// Reads every document of a YAML stream; each is an object or the error that says why not.
/// Empty documents are skipped, as Kubernetes does, and a `v1` `List` is expanded into its
/// `items`, as `kubectl` does (their errors then name `items[i]`).
///
/// Strict ([`Options::default()`]): a field the types do not know is an error. Use
/// [`parse_with`] to keep such fields instead.
pub fn parse(input: &str) -> Vec<Result<Document, Error>> {
    parse_with(input, &Options::default())
}

/// [`parse`] with options: strictness about unknown fields, threads.
pub fn parse_with(input: &str, options: &Options) -> Vec<Result<Document, Error>> {
    let mut out = Vec::new();
    parse_each(input, options, |doc| out.push(doc));
    out
}

/// [`parse_with`], handing each document (or its error) to `each` in stream order as soon as
/// it is read, instead of collecting them: a caller that keeps the documents in its own form
/// (the analyzer) does not hold a second copy of them all. With threads, the documents read
/// ahead of one still being read are held until it is.
///
/// ```
/// use istio_grpc_types::yaml;
///
/// let mut kinds = Vec::new();
/// yaml::parse_each("kind: Service\napiVersion: v1\n---\nkind: Secret\napiVersion: v1\n",
///     &yaml::Options::default(), |doc| kinds.push(doc.unwrap().object.kind().to_owned()));
/// assert_eq!(kinds, ["Service", "Secret"]);
/// ```
pub fn parse_each(input: &str, options: &Options, each: impl FnMut(Result<Document, Error>)) {
    parse_each_shared(Arc::from(input), options, each)
}

/// [`parse_each`] on text the documents may keep a reference to (see [`SourceMap`]): a caller
/// that has the text in an `Arc` does not hold it twice.
pub fn parse_each_shared(
    input: Arc<str>,
    options: &Options,
    each: impl FnMut(Result<Document, Error>),
) {
    parse_map_each(input, options, || (), |(), doc| doc, each)
}

/// [`parse_each_shared`], with `map` applied to each document (or its error) on the thread that
/// read it, before `each` gets the result on the calling thread, in stream order: a caller that
/// keeps little of each document (the analyzer checks it and keeps what the checks across
/// documents need) does that work on the reading threads, and no document waits whole for the
/// calling thread. Each reading thread has a state of its own for `map`, made by `init` (a
/// cache, say).
///
/// ```
/// use istio_grpc_types::yaml;
///
/// let mut kinds = Vec::new();
/// yaml::parse_map_each("kind: Service\napiVersion: v1\n---\nkind: Secret\napiVersion: v1\n".into(),
///     &yaml::Options::default(), || (), |(), doc| doc.map(|d| d.object.kind().len()),
///     |len| kinds.push(len.unwrap()));
/// assert_eq!(kinds, [7, 6]);
/// ```
pub fn parse_map_each<S, R: Send>(
    input: Arc<str>,
    options: &Options,
    init: impl Fn() -> S + Sync,
    map: impl Fn(&mut S, Result<Document, Error>) -> R + Sync,
    mut each: impl FnMut(R),
) {
    let chunks: Vec<Chunk> = split(&input)
        .into_iter()
        .filter(|c| !c.is_blank(&input))
        .collect();
    let input = &input;
    let (map, init) = (&map, &init);
    let read = |state: &mut S, i: usize, c: &Chunk| -> Vec<R> {
        parse_chunk(input, c, 0, i + 1, options)
            .into_iter()
            .map(|doc| map(state, doc))
            .collect()
    };
    // Documents are independent once split: with threads, the results are put back in stream
    // order, so the output does not depend on the machine.
    let threads = options.threads.max(1);
    if threads < 2 || chunks.len() < PARALLEL_FROM {
        let mut state = init();
        for (i, c) in chunks.iter().enumerate() {
            read(&mut state, i, c).into_iter().for_each(&mut each);
        }
        return;
    }
    // Each worker takes the next unread document (no worker waits for another to finish a
    // share, which on a loaded machine left the others idle), and the calling thread hands the
    // results to `each` in stream order as they come. Held besides what `each` keeps: the
    // results read after one still being read (a handful, unless a thread is descheduled
    // for long) and at most `AHEAD` in the channel.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (next, chunks, read) = (&next, &chunks, &read);
    std::thread::scope(|scope| {
        let (send, received) = std::sync::mpsc::sync_channel(AHEAD);
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let send = send.clone();
                scope.spawn(move || {
                    let mut state = init();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(c) = chunks.get(i) else { break };
                        if send.send((i, read(&mut state, i, c))).is_err() {
                            // the calling thread stopped receiving: it is unwinding
                            break;
                        }
                    }
                })
            })
            .collect();
        drop(send);
        in_order(received, workers, &mut each);
    });
}

/// Hands the results of `workers`, numbered in stream order and coming in any order, to `each`
/// in stream order (holding those that come early), then joins the workers (a worker's panic
/// is resumed here).
fn in_order<R>(
    received: std::sync::mpsc::Receiver<(usize, Vec<R>)>,
    workers: Vec<std::thread::ScopedJoinHandle<'_, ()>>,
    each: &mut impl FnMut(R),
) {
    let mut early = std::collections::BTreeMap::new();
    let mut due = 0;
    for (i, results) in received {
        early.insert(i, results);
        while let Some(results) = early.remove(&due) {
            results.into_iter().for_each(&mut *each);
            due += 1;
        }
    }
    for w in workers {
        w.join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    }
}

/// [`parse_map_each`] on a stream read as it goes (a file, say), which is never held whole: each
/// document's text is handed to a reading thread as soon as its end is read, and dropped with
/// the document once `map` is done with it. A document whose map may be wanted later keeps its
/// [`SourceMap::span`], whose [`Span::reread`] makes it again from the document's bytes.
///
/// A document over [`Limits::max_document_bytes`] is not held either: it is reported (as the
/// whole-text readers do) while the rest of it is skipped. The stream must be UTF-8; a read that
/// fails, or a line that is not UTF-8, ends the stream with that error, after every document
/// before it was handed to `each`.
///
/// ```
/// use istio_grpc_types::yaml;
///
/// let stream = "kind: Service\napiVersion: v1\n---\nkind: Secret\napiVersion: v1\n";
/// let mut kinds = Vec::new();
/// yaml::parse_map_read(stream.as_bytes(), &yaml::Options::default(), || (),
///     |(), doc| doc.map(|d| d.object.kind().to_owned()), |kind| kinds.push(kind.unwrap()))?;
/// assert_eq!(kinds, ["Service", "Secret"]);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn parse_map_read<S, R: Send>(
    reader: impl std::io::Read + Send,
    options: &Options,
    init: impl Fn() -> S + Sync,
    map: impl Fn(&mut S, Result<Document, Error>) -> R + Sync,
    mut each: impl FnMut(R),
) -> std::io::Result<()> {
    let (map, init) = (&map, &init);
    let read = |state: &mut S, piece: Piece| -> Vec<R> {
        match piece {
            Piece::Text {
                index,
                text,
                offset,
                first_line,
            } => {
                let chunk = Chunk {
                    start: 0,
                    end: text.len(),
                    first_line,
                };
                parse_chunk(&text, &chunk, offset, index, options)
                    .into_iter()
                    .map(|doc| map(state, doc))
                    .collect()
            }
            Piece::TooLarge {
                index,
                first_line,
                size,
            } => vec![map(
                state,
                Err(too_large(index, first_line, size, &options.limits)),
            )],
        }
    };
    let mut pieces = Pieces::new(reader, options.limits.max_document_bytes);
    let threads = options.threads.max(1);
    if threads < 2 {
        let mut state = init();
        while let Some(piece) = pieces.next_piece()? {
            read(&mut state, piece).into_iter().for_each(&mut each);
        }
        return Ok(());
    }
    // One thread reads the stream and cuts it into documents, the workers read the documents
    // they take, and the calling thread hands the results to `each` in stream order. Documents
    // go to the workers, and come back, in batches (one handover a document cost a fifth of the
    // run in waking threads). Held: at most two batches a worker cut and not yet taken, those
    // being read, and the results read ahead of a batch still being read.
    let read = &read;
    let (cut, uncut) = std::sync::mpsc::sync_channel::<(usize, Vec<Piece>)>(threads * 2);
    let uncut = std::sync::Mutex::new(uncut);
    let uncut = &uncut;
    std::thread::scope(|scope| {
        let (send, received) = std::sync::mpsc::sync_channel(threads * 2);
        let cutter = scope.spawn(move || -> std::io::Result<()> {
            let mut n = 0;
            let (mut batch, mut bytes) = (Vec::new(), 0);
            loop {
                // the stream's end, or the error that ends it
                let mut end = None;
                match pieces.next_piece() {
                    Ok(Some(piece)) => {
                        bytes += match &piece {
                            Piece::Text { text, .. } => text.len(),
                            Piece::TooLarge { .. } => 0,
                        };
                        batch.push(piece);
                        if batch.len() < BATCH && bytes < BATCH_BYTES {
                            continue;
                        }
                    }
                    Ok(None) => end = Some(Ok(())),
                    Err(e) => end = Some(Err(e)),
                }
                if !batch.is_empty() && cut.send((n, std::mem::take(&mut batch))).is_err() {
                    // the workers stopped: the calling thread is unwinding
                    return Ok(());
                }
                n += 1;
                bytes = 0;
                if let Some(end) = end {
                    return end;
                }
            }
        });
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let send = send.clone();
                scope.spawn(move || {
                    let mut state = init();
                    loop {
                        let next = uncut.lock().map(|uncut| uncut.recv());
                        let Ok(Ok((n, batch))) = next else { break };
                        let results: Vec<R> = batch
                            .into_iter()
                            .flat_map(|piece| read(&mut state, piece))
                            .collect();
                        if send.send((n, results)).is_err() {
                            break;
                        }
                    }
                })
            })
            .collect();
        drop(send);
        in_order(received, workers, &mut each);
        cutter
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// How many documents, or bytes of them, [`parse_map_read`] hands to a worker at once.
const BATCH: usize = 64;
const BATCH_BYTES: usize = 256 * 1024;

/// A document cut from a stream by [`Pieces`].
enum Piece {
    /// Its text, the `---` line that starts it included.
    Text {
        /// Its place among the stream's documents (1-based, blank ones left out).
        index: usize,
        text: Arc<str>,
        /// Where it starts in the stream.
        offset: usize,
        /// The line (0-based) it starts on.
        first_line: usize,
    },
    /// One over the size limit, not kept.
    TooLarge {
        index: usize,
        first_line: usize,
        size: usize,
    },
}

/// Cuts a stream into documents as [`split`] cuts a text, reading it as it goes.
///
/// A document's text is kept from its first line that is not blank (its lines and columns stay
/// those of the stream: its first line's number goes with it), and only while it is within the
/// size limit: past it, the rest is counted, not kept.
struct Pieces<R> {
    reader: std::io::BufReader<R>,
    limit: usize,
    /// The document being read, from its first line that is not blank.
    text: Vec<u8>,
    /// The line being read (kept, to be filled again).
    line: Vec<u8>,
    /// Its size as [`read_tree`] counts it: from its first character that is not blank (its
    /// marker blanked).
    size: usize,
    /// Where `text` starts: byte and line (0-based) in the stream.
    offset: usize,
    text_line: usize,
    /// The line (0-based) of the document's marker, or of its first line.
    first_line: usize,
    /// Bytes and lines read.
    pos: usize,
    lines: usize,
    /// Documents handed out (non-blank ones).
    index: usize,
    done: bool,
}

impl<R: std::io::Read> Pieces<R> {
    fn new(reader: R, limit: usize) -> Self {
        Pieces {
            reader: std::io::BufReader::with_capacity(64 * 1024, reader),
            limit,
            text: Vec::new(),
            line: Vec::new(),
            size: 0,
            offset: 0,
            text_line: 0,
            first_line: 0,
            pos: 0,
            lines: 0,
            index: 0,
            done: false,
        }
    }

    /// Reads one line: its first bytes (at most `keep`) into `out`, and its length.
    fn read_line(&mut self, keep: usize, out: &mut Vec<u8>) -> std::io::Result<usize> {
        use std::io::BufRead;
        let mut len = 0;
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Ok(len);
            }
            let (take, end) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            let room = keep.saturating_sub(out.len());
            out.extend_from_slice(&buf[..take.min(room)]);
            len += take;
            self.reader.consume(take);
            if end {
                return Ok(len);
            }
        }
    }

    /// The next non-blank document, `None` at the end of the stream.
    fn next_piece(&mut self) -> std::io::Result<Option<Piece>> {
        while !self.done {
            // the line, up to one byte past the limit (it may start the next document)
            let mut line = std::mem::take(&mut self.line);
            line.clear();
            let len = self.read_line(self.limit + 1, &mut line)?;
            if len == 0 {
                self.done = true;
                return self.cut();
            }
            let marker = line.starts_with(b"---") || line.starts_with(b"...");
            let mut piece = None;
            if marker {
                if self.pos > 0 || self.lines > 0 {
                    piece = self.cut()?;
                }
                self.first_line = self.lines;
            }
            if self.text.is_empty() {
                // still in the document's leading blanks: its marker, blanked, is one
                let body = if marker {
                    &line[3.min(line.len())..]
                } else {
                    &line[..]
                };
                let blanks = body.iter().take_while(|b| b.is_ascii_whitespace()).count();
                if blanks < body.len() || len > line.len() {
                    self.offset = self.pos;
                    self.text_line = self.lines;
                    self.size = len - (line.len() - body.len()) - blanks;
                    self.text.extend_from_slice(&line);
                }
            } else {
                self.size += len;
                if self.size <= self.limit {
                    self.text.extend_from_slice(&line);
                }
            }
            self.line = line;
            self.pos += len;
            self.lines += 1;
            if piece.is_some() {
                return Ok(piece);
            }
        }
        Ok(None)
    }

    /// Ends the document being read: it, unless blank; the next starts empty.
    fn cut(&mut self) -> std::io::Result<Option<Piece>> {
        let bytes = std::mem::take(&mut self.text);
        let size = std::mem::replace(&mut self.size, 0);
        if size > self.limit {
            self.index += 1;
            return Ok(Some(Piece::TooLarge {
                index: self.index,
                first_line: self.first_line,
                size,
            }));
        }
        if bytes.is_empty() {
            return Ok(None);
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "not UTF-8 at byte {} (not a text file)",
                    self.offset + e.utf8_error().valid_up_to()
                ),
            )
        })?;
        if is_blank(if is_marker(&text) { &text[3..] } else { &text }) {
            return Ok(None);
        }
        self.index += 1;
        Ok(Some(Piece::Text {
            index: self.index,
            text: text.into(),
            offset: self.offset,
            first_line: self.text_line,
        }))
    }
}

/// A document over [`Limits::max_document_bytes`].
fn too_large(index: usize, first_line: usize, size: usize, limits: &Limits) -> Error {
    Error::Syntax {
        document: index,
        location: Some(Location {
            line: first_line + 1,
            column: 1,
        }),
        message: format!(
            "the document is {size} bytes, over the reader's limit of {} (yaml::Limits::max_document_bytes)",
            limits.max_document_bytes
        ),
    }
}

/// How many read documents may wait in [`parse_each`]'s channel for the calling thread.
const AHEAD: usize = 256;

/// Streams with at least this many documents are read in parallel, when threads are allowed.
const PARALLEL_FROM: usize = 256;

/// One document: its object, or a `v1` `List`'s items, or the error.
///
/// The common case, a document that reads and types cleanly, is read once straight into JSON,
/// its positions recorded as it is read (see `positions`), and keeps its place in the stream. Anything else (a syntax error, a limit,
/// a duplicate key, a `List`, an unknown field, a typing error) is read again with positions, to
/// say exactly where.
fn parse_chunk(
    input: &Arc<str>,
    chunk: &Chunk,
    offset: usize,
    index: usize,
    options: &Options,
) -> Vec<Result<Document, Error>> {
    let strictness = options.strictness;
    let text = chunk.text(input);
    if let Some((object, positions)) = read_clean(&text, &options.limits) {
        return vec![Ok(Document {
            index,
            object,
            source: SourceMap {
                repr: Repr::Text(Box::new(Lazy {
                    input: Arc::clone(input),
                    chunk: *chunk,
                    offset,
                    limits: options.limits,
                    positions,
                })),
            },
            unknown_fields: Vec::new(),
        })];
    }
    match read_tree(&text, chunk, index, &options.limits) {
        Err(e) => vec![Err(e)],
        Ok(root) => match list_items(&root) {
            Some(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| type_document(item.clone(), index, Some(i), strictness))
                .collect(),
            None => vec![type_document(root, index, None, strictness)],
        },
    }
}

/// The object of a document that reads without error within the limits, is not a `List`, and
/// types with no unknown field, and its positions (see `positions`); `None` for anything else.
fn read_clean(text: &str, limits: &Limits) -> Option<(Object, Box<[u8]>)> {
    if text.trim_start().len() > limits.max_document_bytes {
        return None;
    }
    let mut recorder = positions::Recorder::new(text);
    let value = serde_saphyr::with_deserializer_from_str_with_options(text, limits.saphyr(), |d| {
        serde::de::DeserializeSeed::deserialize(positions::Recorded(&mut recorder), d)
    })
    .ok()?;
    if oversized(&value, limits.max_scalar_bytes)
        || (value.get("apiVersion") == Some(&Value::from("v1"))
            && value.get("kind") == Some(&Value::from("List")))
    {
        return None;
    }
    match Object::from_json(value, Strictness::Keep) {
        Ok((object, unknown)) if unknown.is_empty() => {
            Some((object, recorder.out.into_boxed_slice()))
        }
        _ => None,
    }
}

/// Whether a key or a string is longer than `limit` bytes.
fn oversized(value: &Value, limit: usize) -> bool {
    match value {
        Value::String(s) => s.len() > limit,
        Value::Array(items) => items.iter().any(|v| oversized(v, limit)),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.len() > limit || oversized(v, limit)),
        _ => false,
    }
}

/// The items of a `v1` `List` document.
fn list_items(root: &Node) -> Option<&[Node]> {
    let NodeKind::Map(entries) = &root.kind else {
        return None;
    };
    let get = |key: &str| entries.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v);
    let is = |key: &str, want: &str| {
        get(key).is_some_and(|n| n.kind == NodeKind::Scalar(Value::String(want.to_owned())))
    };
    if !(is("apiVersion", "v1") && is("kind", "List")) {
        return None;
    }
    match get("items").map(|n| &n.kind) {
        Some(NodeKind::Seq(items)) => Some(items),
        _ => None,
    }
}

fn read_tree(text: &str, chunk: &Chunk, index: usize, limits: &Limits) -> Result<Node, Error> {
    // the document's own text, without the blanked `---` line before it
    let size = text.trim_start().len();
    if size > limits.max_document_bytes {
        return Err(too_large(index, chunk.first_line, size, limits));
    }
    let raw: Spanned<RawNode> = serde_saphyr::from_str_with_options(text, limits.saphyr())
        .map_err(|e| Error::Syntax {
            document: index,
            location: e.location().map(|l| Location {
                line: l.line() as usize + chunk.first_line,
                column: l.column() as usize,
            }),
            message: limit_message(&e, limits).unwrap_or_else(|| saphyr_message(&e)),
        })?;
    let mut root = Node {
        at: location(&raw.referenced),
        kind: raw.value.0,
    };
    root.shift(chunk.first_line);
    if let Some((at, len)) = root.oversized_scalar(limits.max_scalar_bytes) {
        return Err(Error::Syntax {
            document: index,
            location: Some(at),
            message: format!(
                "a scalar of {len} bytes, over the reader's limit of {} (yaml::Limits::max_scalar_bytes)",
                limits.max_scalar_bytes
            ),
        });
    }
    Ok(root)
}

fn type_document(
    root: Node,
    index: usize,
    item: Option<usize>,
    strictness: Strictness,
) -> Result<Document, Error> {
    let value = root.to_json();
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_owned();
    match Object::from_json(value, strictness) {
        Ok((object, mut unknown_fields)) => {
            for u in &mut unknown_fields {
                u.location = Some(locate_segments(&root, &u.segments, true));
            }
            Ok(Document {
                index,
                object,
                source: SourceMap::tree(root),
                unknown_fields,
            })
        }
        Err(PathError { path, message }) => {
            let key = message.starts_with("unknown field") || message.starts_with("missing field");
            let location = Some(locate_segments(&root, &path, key));
            let mut full = item
                .map(|i| vec![PathSegment::Key("items".into()), PathSegment::Index(i)])
                .unwrap_or_default();
            full.extend(path);
            Err(Error::Invalid {
                document: index,
                location,
                kind,
                path: render_path(&full),
                message,
            })
        }
    }
}

/// Reads every document of a YAML stream, or returns the first error (strict, as [`parse`]).
pub fn from_str(input: &str) -> Result<Vec<Document>, Error> {
    parse(input).into_iter().collect()
}

/// [`from_str`] with options.
pub fn from_str_with(input: &str, options: &Options) -> Result<Vec<Document>, Error> {
    parse_with(input, options).into_iter().collect()
}

/// Reads every document of a YAML stream into objects, or returns the first error.
pub fn objects_from_str(input: &str) -> Result<Vec<Object>, Error> {
    parse(input)
        .into_iter()
        .map(|d| d.map(|d| d.object))
        .collect()
}

pub use crate::write::to_string;

#[cfg(test)]
mod tests {
    use super::{Options, Strictness, parse_with};

    /// What a read gives, comparable: each document's index, object, unknown fields and
    /// positions, or its error with its location.
    fn summary(text: &str, options: &Options) -> Vec<String> {
        parse_with(text, options)
            .into_iter()
            .map(|d| match d {
                Ok(d) => format!(
                    "{} {} {:?} {} {:?}",
                    d.index,
                    d.object.to_json().expect("json"),
                    d.unknown_fields,
                    d.source.json(),
                    d.source.locate("data.k")
                ),
                Err(e) => format!("{e} {:?} {:?}", e.document(), e.location()),
            })
            .collect()
    }

    /// The tree with values left out: what the positions recorded during the first read hold.
    fn positions_only(node: &super::Node) -> super::Node {
        use super::{Node, NodeKind};
        Node {
            at: node.at,
            kind: match &node.kind {
                NodeKind::Scalar(_) => NodeKind::Scalar(serde_json::Value::Null),
                NodeKind::Seq(items) => NodeKind::Seq(items.iter().map(positions_only).collect()),
                NodeKind::Map(entries) => NodeKind::Map(
                    entries
                        .iter()
                        .map(|(k, at, v)| (k.clone(), *at, positions_only(v)))
                        .collect(),
                ),
            },
        }
    }

    /// The positions a clean document records while it is read are those the reader with
    /// positions gives for the same text: block and flow styles, quoted, numeric and dotted
    /// keys, aliases, multi-byte characters, CRLF, documents further down a stream.
    #[test]
    fn recorded_positions_are_the_reader_with_positions_ones() {
        let docs = [
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {app.kubernetes.io/name: x, 'q k': \"y\"}\ndata:\n  k: v\n  \"9090\": |\n    text\n    more\n",
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, annotations: {a: &x 'é ü', b: *x}}\ndata: {k: \"ß\", e: '', ü: x1, z: v}\n",
            "apiVersion: networking.istio.io/v1\r\nkind: VirtualService\r\nmetadata:\r\n  name: c\r\nspec:\r\n  hosts: [a, b]\r\n  http:\r\n  - route:\r\n    - destination: {host: a, port: {number: 80}}\r\n      weight: 10\r\n    timeout: 5s\r\n",
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: d\nspec:\n  hosts:\n    - \"x\"\n  http:\n    - match:\n        - uri:\n            prefix: /a\n      route: [{destination: {host: a}}, {destination: {host: b}, weight: 0}]\n",
            "{apiVersion: v1, kind: ConfigMap, metadata: {name: e}, data: {}}\n",
        ];
        let mut stream = String::new();
        for d in docs {
            if !stream.is_empty() && !d.starts_with("---") {
                stream.push_str("---\n");
            }
            stream.push_str(d);
        }
        let chunks: Vec<_> = super::split(&stream)
            .into_iter()
            .filter(|c| !c.is_blank(&stream))
            .collect();
        assert_eq!(chunks.len(), docs.len());
        let limits = super::Limits::default();
        for (i, chunk) in chunks.iter().enumerate() {
            let text = chunk.text(&stream);
            let (_, recorded) = super::read_clean(&text, &limits)
                .unwrap_or_else(|| panic!("document {i} reads cleanly"));
            let raw = &stream[chunk.start..chunk.end];
            let decoded =
                super::positions::decode(&recorded, raw, chunk.first_line).expect("decodes");
            let tree = super::read_tree(&text, chunk, i + 1, &limits).expect("reads");
            assert_eq!(decoded, positions_only(&tree), "document {i}");
        }
        // through the public API: the same locations as a document read with its tree
        let docs = parse_with(&stream, &Options::default());
        let at = docs[2]
            .as_ref()
            .expect("reads")
            .source
            .locate("spec.http[0].route[0].weight");
        assert_eq!(at.map(|l| (l.line, l.column)), Some((26, 15)));
    }

    /// Threads take documents as they come: the result is the sequential read's, in stream
    /// order, errors, unknown fields and `List` items included.
    #[test]
    fn a_stream_read_on_threads_is_the_sequential_read() {
        let mut text = String::new();
        for i in 1..=1500 {
            text.push_str("---\n");
            text.push_str(&match i % 7 {
                0 => format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  lables: {{}}\n"),
                3 => format!("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: a-{i}}}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: b-{i}}}\n"),
                5 => format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: [cm-{i}\n"),
                _ => format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  k: v{i}\n"),
            });
        }
        let keep = Options::default().strictness(Strictness::Keep);
        let one = summary(&text, &keep.clone().threads(1));
        assert!(one.len() > 1500, "List items are expanded: {}", one.len());
        for threads in [2, 3, 8] {
            assert_eq!(
                summary(&text, &keep.clone().threads(threads)),
                one,
                "{threads} threads"
            );
        }
    }
}
