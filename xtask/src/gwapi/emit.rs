//! The model → one Rust module per kind, plus `common.rs` for the types several kinds share.

use std::collections::BTreeMap;

use super::schema::{Body, Def, Model, Ty};
use super::{BUNDLE_VERSION, TARGETS};
use crate::codegen::doc::doc_escape;
use crate::codegen::ser::{self, Key};

/// Module of the shared types.
const COMMON: &str = "common";

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

fn module_of(def: &Def) -> &'static str {
    match def.users.iter().collect::<Vec<_>>().as_slice() {
        [one] => one,
        _ => COMMON,
    }
}

struct Ctx<'a> {
    model: &'a Model,
    module: &'static str,
    default: Vec<bool>,
}

impl Ctx<'_> {
    fn rust(&self, ty: &Ty) -> String {
        match ty {
            Ty::String => "String".into(),
            Ty::Bool => "bool".into(),
            Ty::I32 => "i32".into(),
            Ty::I64 => "i64".into(),
            Ty::Duration => "super::Duration".into(),
            Ty::Json => "serde_json::Value".into(),
            Ty::Named(i) => {
                let def = &self.model.defs[*i];
                let m = module_of(def);
                if m == self.module {
                    def.name.clone()
                } else {
                    format!("super::{m}::{}", def.name)
                }
            }
            Ty::Vec(t) => format!("Vec<{}>", self.rust(t)),
            Ty::Map(t) => format!("BTreeMap<String, {}>", self.rust(t)),
        }
    }

    /// Whether a value of the type may hold unknown fields (a struct or union inside).
    fn walkable(&self, ty: &Ty) -> bool {
        match ty {
            Ty::Named(i) => !matches!(self.model.defs[*i].body, Body::StrEnum { .. }),
            Ty::Vec(t) | Ty::Map(t) => self.walkable(t),
            _ => false,
        }
    }
}

/// Whether each def can derive `Default` (every required field's type has one).
fn defaults(model: &Model) -> Vec<bool> {
    fn ty_default(model: &Model, memo: &mut BTreeMap<usize, bool>, ty: &Ty) -> bool {
        match ty {
            Ty::Named(i) => def_default(model, memo, *i),
            _ => true,
        }
    }
    fn def_default(model: &Model, memo: &mut BTreeMap<usize, bool>, i: usize) -> bool {
        if let Some(&d) = memo.get(&i) {
            return d;
        }
        memo.insert(i, true); // recursion guard; CRD schemas are trees
        let d = match &model.defs[i].body {
            Body::Struct(fields) => fields
                .iter()
                .filter(|f| f.required)
                .all(|f| ty_default(model, memo, &f.ty)),
            Body::StrEnum { default, .. } => default.is_some(),
            Body::Union { .. } => false,
        };
        memo.insert(i, d);
        d
    }
    let mut memo = BTreeMap::new();
    (0..model.defs.len())
        .map(|i| def_default(model, &mut memo, i))
        .collect()
}

fn doc_lines(o: &mut Out, indent: &str, text: &str) {
    let doc = doc_escape(text);
    if !doc.is_empty() {
        o.w(format!("{indent}/// {doc}"));
    }
}

/// Every module: `(name, source)`, `common` first, then the kinds in [`TARGETS`] order.
pub(crate) fn modules(model: &Model) -> Result<Vec<(String, String)>, String> {
    let default = defaults(model);
    let mut files = Vec::new();
    let mut modules = vec![COMMON];
    modules.extend(TARGETS.iter().map(|t| t.module));
    for module in modules {
        let ctx = Ctx {
            model,
            module,
            default: default.clone(),
        };
        let mut o = Out(Vec::new());
        let mut defs: Vec<(usize, &Def)> = model
            .defs
            .iter()
            .enumerate()
            .filter(|(_, d)| module_of(d) == module)
            .collect();
        if defs.is_empty() {
            continue;
        }
        defs.sort_by(|a, b| a.1.name.cmp(&b.1.name));
        for (i, def) in defs {
            match &def.body {
                Body::Struct(_) => structure(&mut o, &ctx, i, def),
                Body::StrEnum { values, default } => {
                    enumeration(&mut o, def, values, default.as_deref())
                }
                Body::Union { .. } => union(&mut o, &ctx, def),
            }
        }
        for (target, spec, doc) in &model.resources {
            if target.module != module {
                continue;
            }
            let versions: Vec<String> = target
                .versions
                .iter()
                .map(|v| super::schema::pascal_words(v))
                .collect();
            o.w("crate::resource::istio_resource! {");
            o.w(format!(
                "    /// `{}` (gateway.networking.k8s.io, Gateway API {BUNDLE_VERSION}, standard channel): {}",
                target.kind,
                doc_escape(doc)
            ));
            o.w(format!("    kind: {} as \"{}\",", target.rust, target.kind));
            o.w(format!("    spec: {},", model.defs[*spec].name));
            o.w("    group: \"gateway.networking.k8s.io\",");
            o.w(format!("    plural: \"{}\",", target.plural));
            o.w(format!("    versions: [{}],", versions.join(", ")));
            o.w("}");
            o.w("");
        }
        let body = o.0.join("\n");
        let what = if module == COMMON {
            "the types several kinds share".to_owned()
        } else {
            let t = TARGETS
                .iter()
                .find(|t| t.module == module)
                .ok_or("unknown module")?;
            format!("`{}`", t.kind)
        };
        let mut head = vec![
            format!("//! Gateway API {BUNDLE_VERSION} (standard channel): {what}."),
            "//! Generated by `cargo xtask codegen` from the CRDs in `xtask/data/gateway-api/`; do not edit.".to_owned(),
            String::new(),
            "#![allow(clippy::doc_markdown, clippy::large_enum_variant)] // CRD doc text is kept verbatim".to_owned(),
            String::new(),
        ];
        if body.contains("BTreeMap<") {
            head.push("use std::collections::BTreeMap;".to_owned());
        }
        head.push(String::new());
        files.push((
            module.to_owned(),
            format!("{}\n{}\n", head.join("\n"), body.trim_end()),
        ));
    }
    Ok(files)
}

fn where_note(o: &mut Out, def: &Def) {
    o.w("///");
    o.w(format!(
        "/// Gateway API: `{}` (and wherever the same shape appears).",
        def.origin
    ));
    if !def.experimental.is_empty() {
        let keys: Vec<String> = def.experimental.iter().map(|k| format!("`{k}`")).collect();
        o.w("///");
        o.w(format!(
            "/// In Gateway API's experimental channel only, not typed here: {} (kept in `extra` and written back; listed by `unknown_fields`; strict reading refuses them).",
            keys.join(", ")
        ));
    }
}

fn extra_field(o: &mut Out, serde: Option<&str>, vis: &str) {
    o.w("    /// Keys these types do not know (experimental-channel fields, fields of a newer Gateway");
    o.w("    /// API, or misspelled ones), kept as read and written back;");
    o.w("    /// [`Object::unknown_fields`](crate::Object::unknown_fields) lists them.");
    if let Some(serde) = serde {
        o.w(format!("    {}", ser::attr(serde)));
    }
    o.w(format!("    {vis}extra: crate::Extra,"));
}

fn structure(o: &mut Out, ctx: &Ctx<'_>, i: usize, def: &Def) {
    let Body::Struct(fields) = &def.body else {
        return;
    };
    doc_lines(o, "", &def.doc);
    where_note(o, def);
    let default = if ctx.default[i] { "Default, " } else { "" };
    o.w(format!("#[derive(Clone, Debug, {default}PartialEq)]"));
    o.w(ser::READ_DERIVE);
    o.w(format!("pub struct {} {{", def.name));
    let mut keys = Vec::new();
    for f in fields {
        let doc = doc_escape(&f.doc);
        if doc.is_empty() {
            o.w(format!("    /// `{}` (no description in the CRD).", f.json));
        } else {
            o.w(format!("    /// {doc}"));
        }
        let ty = ctx.rust(&f.ty);
        let name = Model::field_name(&f.json);
        if f.required {
            o.w("    ///");
            o.w("    /// Required.");
            o.w(format!(
                "    {}",
                ser::attr(&format!("rename = \"{}\"", f.json))
            ));
            o.w(format!("    pub {name}: {ty},"));
            keys.push(Key::Required {
                json: f.json.clone(),
                field: name.to_string(),
            });
        } else {
            o.w(format!(
                "    {}",
                ser::attr(&format!("rename = \"{}\", default", f.json))
            ));
            o.w(format!("    pub {name}: Option<{ty}>,"));
            keys.push(Key::Optional {
                json: f.json.clone(),
                field: name.to_string(),
            });
        }
    }
    extra_field(o, Some("flatten"), "pub ");
    o.w("}");
    o.w("");
    keys.push(Key::Extra);
    o.lines(ser::map_impl(&def.name, &keys));
    let known: Vec<String> = fields.iter().map(|f| format!("\"{}\"", f.json)).collect();
    o.w(format!("impl crate::unknown::Walk for {} {{", def.name));
    o.w("    fn walk(&self, w: &mut crate::unknown::Walker) {");
    o.w(format!(
        "        w.extra(&self.extra, &[{}]);",
        known.join(", ")
    ));
    for f in fields.iter().filter(|f| ctx.walkable(&f.ty)) {
        o.w(format!(
            "        w.field(\"{}\", &self.{});",
            f.json,
            Model::field_name(&f.json)
        ));
    }
    o.w("    }");
    o.w("}");
    o.w("");
}

fn enumeration(o: &mut Out, def: &Def, values: &[String], default: Option<&str>) {
    doc_lines(o, "", &def.doc);
    where_note(o, def);
    let derive_default = if default.is_some() { "Default, " } else { "" };
    o.w(format!(
        "#[derive(Clone, Copy, Debug, {derive_default}PartialEq, Eq, Hash, PartialOrd, Ord)]"
    ));
    o.w(ser::READ_DERIVE);
    o.w(format!("pub enum {} {{", def.name));
    for v in values {
        o.w(format!("    /// `{v}`."));
        if default == Some(v.as_str()) {
            o.w("    #[default]");
        }
        o.w(format!("    {}", ser::attr(&format!("rename = \"{v}\""))));
        o.w(format!("    {},", super::schema::variant_name(v)));
    }
    o.w("}");
    o.w("");
    o.w(format!("impl {} {{", def.name));
    o.w("    /// The value as the API writes it.");
    o.w("    pub const fn as_str(self) -> &'static str {");
    o.w("        match self {");
    for v in values {
        o.w(format!(
            "            Self::{} => \"{v}\",",
            super::schema::variant_name(v)
        ));
    }
    o.w("        }");
    o.w("    }");
    o.w("}");
    o.w("");
    o.lines(ser::str_impl(&def.name));
}

fn union(o: &mut Out, ctx: &Ctx<'_>, def: &Def) {
    let Body::Union {
        type_doc,
        variants,
        experimental_values,
    } = &def.body
    else {
        return;
    };
    let name = &def.name;
    let kind = format!("{name}Kind");
    doc_lines(o, "", &def.doc);
    where_note(o, def);
    o.w("///");
    o.w(format!("/// A discriminated union: `type` names the one field that is set, so the value is a [`{kind}`]."));
    o.w("#[derive(Clone, Debug, PartialEq)]");
    o.w(ser::READ_DERIVE);
    o.w(ser::attr(&format!(
        "try_from = \"{name}Wire\", into = \"{name}Wire\""
    )));
    o.w(format!("pub struct {name} {{"));
    o.w(format!(
        "    /// `type` and the field it names. `type`: {}",
        doc_escape(type_doc)
    ));
    o.w(format!("    pub value: {kind},"));
    extra_field(o, None, "pub ");
    o.w("}");
    o.w("");
    o.lines(ser::wire_impl(name));
    o.w(format!("impl From<{kind}> for {name} {{"));
    o.w(format!("    fn from(value: {kind}) -> Self {{"));
    o.w("        Self { value, extra: crate::Extra::new() }");
    o.w("    }");
    o.w("}");
    o.w("");
    o.w(format!("/// The variants of [`{name}`], by `type`."));
    if !experimental_values.is_empty() {
        let vals: Vec<String> = experimental_values
            .iter()
            .map(|v| format!("`{v}`"))
            .collect();
        o.w("///");
        o.w(format!(
            "/// The experimental channel also has {}: not a variant here, reading it is an error that says so.",
            vals.join(", ")
        ));
    }
    o.w("#[derive(Clone, Debug, PartialEq)]");
    o.w(format!("pub enum {kind} {{"));
    for v in variants {
        let doc = doc_escape(&v.doc);
        o.w(format!(
            "    /// `type: {}` with `{}`: {doc}",
            v.value, v.json
        ));
        o.w(format!(
            "    {}({}),",
            super::schema::variant_name(&v.value),
            ctx.rust(&v.ty)
        ));
    }
    o.w("}");
    o.w("");
    o.w(format!("impl {kind} {{"));
    o.w("    /// The `type` value of this variant.");
    o.w("    pub const fn type_name(&self) -> &'static str {");
    o.w("        match self {");
    for v in variants {
        o.w(format!(
            "            Self::{}(_) => \"{}\",",
            super::schema::variant_name(&v.value),
            v.value
        ));
    }
    o.w("        }");
    o.w("    }");
    o.w("}");
    o.w("");
    // the walk: unknown keys of the union's own mapping, then the payload
    let known: Vec<String> = std::iter::once("\"type\"".to_owned())
        .chain(variants.iter().map(|v| format!("\"{}\"", v.json)))
        .collect();
    o.w(format!("impl crate::unknown::Walk for {name} {{"));
    o.w("    fn walk(&self, w: &mut crate::unknown::Walker) {");
    o.w(format!(
        "        w.extra(&self.extra, &[{}]);",
        known.join(", ")
    ));
    let walk: Vec<_> = variants.iter().filter(|v| ctx.walkable(&v.ty)).collect();
    if !walk.is_empty() {
        o.w("        match &self.value {");
        for v in &walk {
            o.w(format!(
                "            {kind}::{}(v) => w.field(\"{}\", v),",
                super::schema::variant_name(&v.value),
                v.json
            ));
        }
        if walk.len() < variants.len() {
            o.w("            _ => {}");
        }
        o.w("        }");
    }
    o.w("    }");
    o.w("}");
    o.w("");
    // the wire form: `type` and every payload as sibling keys
    o.w(format!(
        "/// Wire form of [`{name}`]: `type` and the payload keys as siblings."
    ));
    o.w("#[derive(Clone)]");
    o.w(ser::READ_DERIVE);
    o.w("#[doc(hidden)]");
    o.w(format!("pub struct {name}Wire {{"));
    o.w(format!("    {}", ser::attr("rename = \"type\"")));
    o.w("    type_: String,");
    let mut keys = vec![Key::Required {
        json: "type".to_owned(),
        field: "type_".to_owned(),
    }];
    for v in variants {
        o.w(format!(
            "    {}",
            ser::attr(&format!("rename = \"{}\", default", v.json))
        ));
        o.w(format!(
            "    {}: Option<{}>,",
            Model::field_name(&v.json),
            ctx.rust(&v.ty)
        ));
        keys.push(Key::Optional {
            json: v.json.clone(),
            field: Model::field_name(&v.json).to_string(),
        });
    }
    o.w(format!("    {}", ser::attr("flatten")));
    o.w("    extra: crate::Extra,");
    o.w("}");
    o.w("");
    keys.push(Key::Extra);
    o.lines(ser::map_impl(&format!("{name}Wire"), &keys));
    let keys: Vec<String> = variants.iter().map(|v| format!("`{}`", v.value)).collect();
    o.w(format!("impl TryFrom<{name}Wire> for {name} {{"));
    o.w("    type Error = String;");
    o.w(format!(
        "    fn try_from(wire: {name}Wire) -> Result<Self, String> {{"
    ));
    let set: Vec<String> = variants
        .iter()
        .map(|v| {
            format!(
                "(\"{}\", wire.{}.is_some())",
                v.json,
                Model::field_name(&v.json)
            )
        })
        .collect();
    o.w(format!(
        "        let set: Vec<&str> = [{}].into_iter().filter(|(_, s)| *s).map(|(k, _)| k).collect();",
        set.join(", ")
    ));
    o.w("        let value = match wire.type_.as_str() {");
    for v in variants {
        let field = Model::field_name(&v.json);
        o.w(format!("            \"{}\" => {{", v.value));
        o.w(format!(
            "                if let Some(other) = set.iter().find(|k| **k != \"{}\") {{",
            v.json
        ));
        o.w(format!("                    return Err(format!(\"`type: {}` takes `{}`, not `{{other}}` (set only the field its type names)\"));", v.value, v.json));
        o.w("                }");
        o.w(format!(
            "                {kind}::{}(wire.{field}.ok_or(\"`type: {}` needs `{}`\")?)",
            super::schema::variant_name(&v.value),
            v.value,
            v.json
        ));
        o.w("            }");
    }
    let exp_note = if experimental_values.is_empty() {
        "String::new()".to_owned()
    } else {
        let list: Vec<String> = experimental_values
            .iter()
            .map(|v| format!("\"{v}\""))
            .collect();
        format!(
            "if [{}].contains(&other) {{ format!(\" (`{{other}}` is in Gateway API's experimental channel only; these types follow the standard channel of {BUNDLE_VERSION})\") }} else {{ String::new() }}",
            list.join(", ")
        )
    };
    o.w("            other => {");
    o.w(format!("                let note: String = {exp_note};"));
    o.w(format!(
        "                return Err(format!(\"unknown `type` {{other:?}}: expected one of {}{{note}}\"));",
        keys.join(", ")
    ));
    o.w("            }");
    o.w("        };");
    o.w("        Ok(Self { value, extra: wire.extra })");
    o.w("    }");
    o.w("}");
    o.w("");
    o.w(format!("impl From<{name}> for {name}Wire {{"));
    o.w(format!("    fn from(v: {name}) -> Self {{"));
    o.w("        let mut wire = Self {");
    o.w("            type_: v.value.type_name().to_owned(),");
    for v in variants {
        o.w(format!("            {}: None,", Model::field_name(&v.json)));
    }
    o.w("            extra: v.extra,");
    o.w("        };");
    o.w("        match v.value {");
    for v in variants {
        o.w(format!(
            "            {kind}::{}(x) => wire.{} = Some(x),",
            super::schema::variant_name(&v.value),
            Model::field_name(&v.json)
        ));
    }
    o.w("        }");
    o.w("        wire");
    o.w("    }");
    o.w("}");
    o.w("");
}
