//! Writes one Rust module per proto file.

use std::collections::BTreeMap;

use super::doc::doc_escape;
use super::model::{Enum, Field, Message};
use super::names::{pascal, snake, upper_first, variant};
use super::ser::{self, Key};
use super::tables::{self, Alias, lookup};
use super::{ByFile, ISTIO_API};

/// Rust names of every message and enum, and proto name resolution.
pub(crate) struct Names<'a> {
    rust: BTreeMap<(String, String), String>,
    messages: ByFile<'a, Message>,
    enums: ByFile<'a, Enum>,
}

impl<'a> Names<'a> {
    pub(crate) fn new(messages: &'a [Message], enums: &'a [Enum]) -> Result<Self, String> {
        let mut rust = BTreeMap::new();
        let mut seen: BTreeMap<String, (&str, &str)> = BTreeMap::new();
        let items = messages
            .iter()
            .map(|m| (m.proto.as_str(), m.name.as_str()))
            .chain(enums.iter().map(|e| (e.proto.as_str(), e.name.as_str())));
        for key in items {
            let name = match lookup(tables::NAME_OVERRIDES, &key) {
                Some(n) => n.to_owned(),
                None if tables::resource(key.1).is_some() => format!("{}Spec", pascal(key.1)),
                None => pascal(key.1.rsplit('.').next().unwrap_or(key.1)),
            };
            if let Some(other) = seen.insert(name.clone(), key) {
                return Err(format!("name collision {name}: {other:?} and {key:?}"));
            }
            rust.insert((key.0.to_owned(), key.1.to_owned()), name);
        }
        let mut by_messages: ByFile<'a, Message> = BTreeMap::new();
        for m in messages {
            by_messages.entry(&m.proto).or_default().insert(&m.name, m);
        }
        let mut by_enums: ByFile<'a, Enum> = BTreeMap::new();
        for e in enums {
            by_enums.entry(&e.proto).or_default().insert(&e.name, e);
        }
        Ok(Names {
            rust,
            messages: by_messages,
            enums: by_enums,
        })
    }

    fn of(&self, proto: &str, name: &str) -> &str {
        self.rust
            .get(&(proto.to_owned(), name.to_owned()))
            .map_or("", String::as_str)
    }

    fn defined(&self, proto: &str, name: &str) -> bool {
        self.messages
            .get(proto)
            .is_some_and(|t| t.contains_key(name))
            || self.enums.get(proto).is_some_and(|t| t.contains_key(name))
    }

    fn is_message(&self, proto: &str, name: &str) -> bool {
        self.messages
            .get(proto)
            .is_some_and(|t| t.contains_key(name))
    }

    /// Whether a field's value may hold unknown fields (a message, or a list or map of them).
    fn walkable(&self, proto: &str, m: &Message, f: &Field) -> Result<bool, String> {
        let base = match f.ty.strip_prefix("map<").and_then(|t| t.strip_suffix('>')) {
            Some(inner) => inner.split_once(',').map_or(inner, |(_, v)| v).trim(),
            None => f.ty.as_str(),
        };
        self.resolve_kind(proto, &m.name, base)
            .map(|(_, message)| message)
    }

    /// Proto name resolution: the innermost scope outward, then the other networking files.
    fn resolve(&self, proto: &str, scope: &str, name: &str) -> Result<String, String> {
        self.resolve_kind(proto, scope, name).map(|(t, _)| t)
    }

    /// The Rust type of a proto type name, and whether a value of it is a message (that may
    /// hold unknown fields), as opposed to a scalar or an enum.
    fn resolve_kind(&self, proto: &str, scope: &str, name: &str) -> Result<(String, bool), String> {
        if let Some(t) = lookup(tables::SCALARS, &name) {
            return Ok((t.to_owned(), false));
        }
        if let Some(t) = lookup(tables::EXTERNAL, &name) {
            return Ok((t.to_owned(), t.starts_with("crate::selector::")));
        }
        let parts: Vec<&str> = scope.split('.').collect();
        for i in (0..=parts.len()).rev() {
            let mut candidate = parts[..i].join(".");
            if !candidate.is_empty() {
                candidate.push('.');
            }
            candidate.push_str(name);
            if self.defined(proto, &candidate) {
                return Ok((
                    self.of(proto, &candidate).to_owned(),
                    self.is_message(proto, &candidate),
                ));
            }
        }
        for (other, module) in tables::FILES {
            if other.starts_with("networking/") && self.defined(other, name) {
                let rust = format!("crate::{module}::{}", self.of(other, name));
                return Ok((rust, self.is_message(other, name)));
            }
        }
        Err(format!("cannot resolve {name} in {proto} {scope}"))
    }

    /// The Rust type of a field, and whether it is a `Vec`.
    fn field_type(&self, proto: &str, m: &Message, f: &Field) -> Result<(String, bool), String> {
        if let Some(inner) = f.ty.strip_prefix("map<").and_then(|t| t.strip_suffix('>')) {
            // map<uint32, ..> keys are decimal strings in JSON, like string keys
            let (_, value) = inner
                .split_once(',')
                .ok_or(format!("bad map type {}", f.ty))?;
            let value = self.resolve(proto, &m.name, value.trim())?;
            return Ok((format!("BTreeMap<String, {value}>"), false));
        }
        let inner = self.resolve(proto, &m.name, &f.ty)?;
        Ok(if f.repeated {
            (format!("Vec<{inner}>"), true)
        } else {
            (inner, false)
        })
    }
}

/// Lines of Rust source.
struct Out(Vec<String>);

impl Out {
    fn w(&mut self, line: impl Into<String>) {
        self.0.push(line.into());
    }

    fn lines(&mut self, lines: Vec<String>) {
        self.0.extend(lines);
    }
}

/// The source of one module (before rustfmt).
pub(crate) fn module(
    proto: &str,
    messages: &[&Message],
    enums: &[&Enum],
    names: &Names<'_>,
) -> Result<String, String> {
    let mut o = Out(Vec::new());
    for m in messages {
        message(&mut o, proto, m, names.of(proto, &m.name), names)?;
    }
    for e in enums {
        enumeration(&mut o, e, names.of(proto, &e.name));
    }
    for m in messages {
        if let Some(r) = tables::resource(&m.name) {
            o.w("crate::resource::istio_resource! {");
            o.w(format!(
                "    /// `{}` ({}): {}",
                m.name,
                r.group,
                doc_escape(&m.doc)
            ));
            o.w(format!("    kind: {},", m.name));
            o.w(format!("    spec: {},", names.of(proto, &m.name)));
            o.w(format!("    group: \"{}\",", r.group));
            o.w(format!("    plural: \"{}\",", r.plural));
            o.w(format!("    versions: [{}],", r.versions.join(", ")));
            o.w("}");
            o.w("");
        }
    }
    let body = o.0.join("\n");
    let mut head = vec![
        format!("//! Types of `{proto}` from {ISTIO_API}."),
        "//! Generated by `cargo xtask codegen` from the field inventory in `xtask/data/`; do not edit.".to_owned(),
        String::new(),
        "#![allow(clippy::doc_markdown, clippy::large_enum_variant)] // proto doc text is kept verbatim".to_owned(),
        String::new(),
    ];
    // only the imports the module uses
    if body.contains("BTreeMap<") {
        head.push("use std::collections::BTreeMap;".to_owned());
    }
    head.push(String::new());
    Ok(format!("{}\n{}\n", head.join("\n"), body.trim_end()))
}

fn fields(
    o: &mut Out,
    proto: &str,
    m: &Message,
    list: &[&Field],
    names: &Names<'_>,
    public: bool,
) -> Result<Vec<Key>, String> {
    let mut keys = Vec::new();
    for f in list {
        let (ty, is_vec) = names.field_type(proto, m, f)?;
        let doc = doc_escape(&f.doc);
        if doc.is_empty() {
            o.w(format!("    /// `{}` (no description in the API).", f.json));
        } else {
            o.w(format!("    /// {doc}"));
        }
        if f.deprecated {
            o.w("    ///");
            o.w("    /// Deprecated in Istio's API.");
        }
        let mut attrs = vec![format!("rename = \"{}\"", f.json), "default".to_owned()];
        if is_vec && ty == "Vec<String>" {
            attrs.push("deserialize_with = \"crate::serde_helpers::string_list\"".to_owned());
        }
        o.w(format!("    {}", ser::attr(&attrs.join(", "))));
        let vis = if public { "pub " } else { "" };
        o.w(format!("    {vis}{}: Option<{ty}>,", snake(&f.json)));
        keys.push(Key::Optional {
            json: f.json.clone(),
            field: snake(&f.json),
        });
    }
    Ok(keys)
}

fn alias_type(a: &Alias) -> &'static str {
    lookup(tables::SCALARS, &a.ty).unwrap_or("String")
}

/// The Rust variant of a oneof member: `simple` → `Simple`.
fn member_variant(json: &str) -> String {
    pascal(&upper_first(json))
}

fn oneof_enum(message: &str, oneof: &str) -> Result<&'static str, String> {
    lookup(tables::ONEOF_NAMES, &(message, oneof))
        .ok_or_else(|| format!("no Rust name for oneof {oneof} of {message}"))
}

fn message(
    o: &mut Out,
    proto: &str,
    m: &Message,
    rust: &str,
    names: &Names<'_>,
) -> Result<(), String> {
    let plain: Vec<&Field> = m.fields.iter().filter(|f| f.oneof.is_none()).collect();
    let aliases: Vec<&Alias> = tables::CRD_ALIASES
        .iter()
        .filter(|a| a.message == m.name)
        .collect();
    let doc = doc_escape(&m.doc);
    if !doc.is_empty() {
        o.w(format!("/// {doc}"));
        o.w("///");
    }
    o.w(format!("/// Istio: `{}` in `{proto}`.", m.name));
    o.w("#[derive(Clone, Debug, Default, PartialEq)]");
    o.w(ser::READ_DERIVE);
    let has_oneofs = !m.oneofs.is_empty();
    if has_oneofs {
        o.w(ser::attr(&format!(
            "try_from = \"{rust}Wire\", into = \"{rust}Wire\""
        )));
    }
    o.w(format!("pub struct {rust} {{"));
    let mut keys = fields(o, proto, m, &plain, names, true)?;
    for a in &aliases {
        o.w(format!("    /// {}", a.doc));
        o.w(format!(
            "    {}",
            ser::attr(&format!("rename = \"{}\", default", a.key))
        ));
        o.w(format!("    pub {}: Option<{}>,", a.field, alias_type(a)));
        keys.push(Key::Optional {
            json: a.key.to_string(),
            field: a.field.to_string(),
        });
    }
    for (oneof, members) in &m.oneofs {
        let en = oneof_enum(&m.name, oneof)?;
        let keys: Vec<String> = members.iter().map(|j| format!("`{j}`")).collect();
        o.w(format!(
            "    /// The `{oneof}` oneof: at most one of {}.",
            keys.join(", ")
        ));
        o.w(format!("    {}", ser::attr("skip")));
        o.w(format!("    pub {}: Option<{en}>,", snake(oneof)));
    }
    extra_field(o, if has_oneofs { "skip" } else { "flatten" }, "pub ");
    o.w("}");
    o.w("");
    if !has_oneofs {
        keys.push(Key::Extra);
        o.lines(ser::map_impl(rust, &keys));
        walk_impl(o, proto, m, rust, names)?;
        return Ok(());
    }
    o.lines(ser::wire_impl(rust));
    walk_impl(o, proto, m, rust, names)?;
    let by_json: BTreeMap<&str, &Field> = m.fields.iter().map(|f| (f.json.as_str(), f)).collect();
    for (oneof, members) in &m.oneofs {
        let en = oneof_enum(&m.name, oneof)?;
        o.w(format!(
            "/// The `{oneof}` oneof of [`{rust}`]: Istio accepts at most one of these keys."
        ));
        o.w("#[derive(Clone, Debug, PartialEq)]");
        o.w(format!("pub enum {en} {{"));
        for j in members {
            let f = by_json
                .get(j.as_str())
                .ok_or_else(|| format!("oneof member {j} of {} is not a field", m.name))?;
            let (ty, _) = names.field_type(proto, m, f)?;
            let doc = doc_escape(&f.doc);
            let doc = if doc.is_empty() {
                "(no description in the API)".to_owned()
            } else {
                doc
            };
            o.w(format!("    /// `{j}`: {doc}"));
            o.w(format!("    {}({ty}),", member_variant(j)));
        }
        o.w("}");
        o.w("");
        oneof_walk_impl(o, proto, m, en, members, names)?;
    }
    // wire struct: every key flat, as Istio's JSON has it
    let all: Vec<&Field> = m.fields.iter().collect();
    o.w(format!(
        "/// Wire form of [`{rust}`]: oneof members are sibling keys."
    ));
    o.w("#[derive(Clone, Default)]");
    o.w(ser::READ_DERIVE);
    o.w("#[doc(hidden)]");
    o.w(format!("pub struct {rust}Wire {{"));
    let mut keys = fields(o, proto, m, &all, names, false)?;
    for a in &aliases {
        o.w(format!(
            "    {}",
            ser::attr(&format!("rename = \"{}\", default", a.key))
        ));
        o.w(format!("    {}: Option<{}>,", a.field, alias_type(a)));
        keys.push(Key::Optional {
            json: a.key.to_string(),
            field: a.field.to_string(),
        });
    }
    extra_field(o, "flatten", "");
    o.w("}");
    o.w("");
    keys.push(Key::Extra);
    o.lines(ser::map_impl(&format!("{rust}Wire"), &keys));
    o.w(format!("impl TryFrom<{rust}Wire> for {rust} {{"));
    o.w("    type Error = String;");
    o.w(format!(
        "    fn try_from(wire: {rust}Wire) -> Result<Self, String> {{"
    ));
    for (oneof, members) in &m.oneofs {
        let en = oneof_enum(&m.name, oneof)?;
        let var = snake(oneof);
        let keys: Vec<String> = members.iter().map(|j| format!("`{j}`")).collect();
        o.w(format!(
            "        let mut {var}: Vec<(&'static str, {en})> = Vec::new();"
        ));
        for j in members {
            o.w(format!("        if let Some(v) = wire.{} {{", snake(j)));
            o.w(format!(
                "            {var}.push((\"{j}\", {en}::{}(v)));",
                member_variant(j)
            ));
            o.w("        }");
        }
        o.w(format!("        if {var}.len() > 1 {{"));
        o.w(format!(
            "            let set: Vec<&str> = {var}.iter().map(|(k, _)| *k).collect();"
        ));
        o.w(format!(
            "            return Err(format!(\"only one of {} may be set (Istio oneof `{oneof}`), found {{}}\", set.join(\" and \")));",
            keys.join(", ")
        ));
        o.w("        }");
    }
    o.w("        Ok(Self {");
    for f in &plain {
        let s = snake(&f.json);
        o.w(format!("            {s}: wire.{s},"));
    }
    for a in &aliases {
        o.w(format!("            {0}: wire.{0},", a.field));
    }
    for (oneof, _) in &m.oneofs {
        let s = snake(oneof);
        o.w(format!("            {s}: {s}.pop().map(|(_, v)| v),"));
    }
    o.w("            extra: wire.extra,");
    o.w("        })");
    o.w("    }");
    o.w("}");
    o.w("");
    o.w(format!("impl From<{rust}> for {rust}Wire {{"));
    o.w(format!("    fn from(v: {rust}) -> Self {{"));
    o.w("        let mut wire = Self {");
    for f in &plain {
        let s = snake(&f.json);
        o.w(format!("            {s}: v.{s},"));
    }
    for a in &aliases {
        o.w(format!("            {0}: v.{0},", a.field));
    }
    o.w("            extra: v.extra,");
    o.w("            ..Self::default()");
    o.w("        };");
    for (oneof, members) in &m.oneofs {
        let en = oneof_enum(&m.name, oneof)?;
        o.w(format!("        match v.{} {{", snake(oneof)));
        for j in members {
            o.w(format!(
                "            Some({en}::{}(x)) => wire.{} = Some(x),",
                member_variant(j),
                snake(j)
            ));
        }
        o.w("            None => {}");
        o.w("        }");
    }
    o.w("        wire");
    o.w("    }");
    o.w("}");
    o.w("");
    Ok(())
}

/// The map of the keys a struct does not know.
fn extra_field(o: &mut Out, serde: &str, vis: &str) {
    o.w("    /// Keys these types do not know (fields of a newer Istio, or misspelled ones), kept as");
    o.w("    /// read and written back; [`Object::unknown_fields`](crate::Object::unknown_fields) lists them.");
    o.w(format!("    {}", ser::attr(serde)));
    o.w(format!("    {vis}extra: crate::Extra,"));
}

/// The JSON keys a message knows, as a Rust slice literal.
fn known_keys(m: &Message) -> String {
    let keys: Vec<String> = m
        .fields
        .iter()
        .map(|f| format!("\"{}\"", f.json))
        .chain(
            tables::CRD_ALIASES
                .iter()
                .filter(|a| a.message == m.name)
                .map(|a| format!("\"{}\"", a.key)),
        )
        .collect();
    format!("&[{}]", keys.join(", "))
}

/// `Walk` for a message: its own unknown keys, then every field that may hold more.
fn walk_impl(
    o: &mut Out,
    proto: &str,
    m: &Message,
    rust: &str,
    names: &Names<'_>,
) -> Result<(), String> {
    o.w(format!("impl crate::unknown::Walk for {rust} {{"));
    o.w("    fn walk(&self, w: &mut crate::unknown::Walker) {");
    o.w(format!("        w.extra(&self.extra, {});", known_keys(m)));
    for f in m.fields.iter().filter(|f| f.oneof.is_none()) {
        if names.walkable(proto, m, f)? {
            o.w(format!(
                "        w.field(\"{}\", &self.{});",
                f.json,
                snake(&f.json)
            ));
        }
    }
    for (oneof, members) in &m.oneofs {
        if any_walkable(proto, m, members, names)? {
            o.w(format!(
                "        crate::unknown::Walk::walk(&self.{}, w);",
                snake(oneof)
            ));
        }
    }
    o.w("    }");
    o.w("}");
    o.w("");
    Ok(())
}

fn any_walkable(
    proto: &str,
    m: &Message,
    members: &[String],
    names: &Names<'_>,
) -> Result<bool, String> {
    for f in m.fields.iter().filter(|f| members.contains(&f.json)) {
        if names.walkable(proto, m, f)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `Walk` for a oneof enum whose members may hold unknown fields.
fn oneof_walk_impl(
    o: &mut Out,
    proto: &str,
    m: &Message,
    en: &str,
    members: &[String],
    names: &Names<'_>,
) -> Result<(), String> {
    let mut arms = Vec::new();
    let mut all = true;
    for f in m.fields.iter().filter(|f| members.contains(&f.json)) {
        if names.walkable(proto, m, f)? {
            arms.push((member_variant(&f.json), f.json.clone()));
        } else {
            all = false;
        }
    }
    if arms.is_empty() {
        return Ok(());
    }
    o.w(format!("impl crate::unknown::Walk for {en} {{"));
    o.w("    fn walk(&self, w: &mut crate::unknown::Walker) {");
    if let ([(variant, json)], false) = (arms.as_slice(), all) {
        o.w(format!("        if let Self::{variant}(v) = self {{"));
        o.w(format!("            w.field(\"{json}\", v);"));
        o.w("        }");
    } else {
        o.w("        match self {");
        for (variant, json) in &arms {
            o.w(format!(
                "            Self::{variant}(v) => w.field(\"{json}\", v),"
            ));
        }
        if !all {
            o.w("            _ => {}");
        }
        o.w("        }");
    }
    o.w("    }");
    o.w("}");
    o.w("");
    Ok(())
}

fn enumeration(o: &mut Out, e: &Enum, rust: &str) {
    o.w(format!(
        "/// Istio enum `{}`; the first variant is the proto zero value (Istio's default).",
        e.name
    ));
    o.w("#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]");
    o.w(ser::READ_DERIVE);
    o.w(format!("pub enum {rust} {{"));
    for (i, v) in e.values.iter().enumerate() {
        let doc = doc_escape(&v.doc);
        if doc.is_empty() {
            o.w(format!("    /// `{}`.", v.name));
        } else {
            o.w(format!("    /// {doc}"));
        }
        if v.deprecated {
            o.w("    /// Deprecated in Istio's API.");
        }
        if i == 0 {
            o.w("    #[default]");
        }
        o.w(format!(
            "    {}",
            ser::attr(&format!("rename = \"{}\"", v.name))
        ));
        o.w(format!("    {},", variant(&v.name)));
    }
    o.w("}");
    o.w("");
    o.w(format!("impl {rust} {{"));
    o.w("    /// The value's name as Istio writes it.");
    o.w("    pub const fn as_str(self) -> &'static str {");
    o.w("        match self {");
    for v in &e.values {
        o.w(format!(
            "            Self::{} => \"{}\",",
            variant(&v.name),
            v.name
        ));
    }
    o.w("        }");
    o.w("    }");
    o.w("}");
    o.w("");
    o.lines(ser::str_impl(rust));
}
