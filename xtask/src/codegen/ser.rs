//! Serialization as the generated types write it, shared by both generators.
//!
//! `Serialize` is written out, not derived, and serde's derive runs only for `Deserialize`
//! under the types crate's `read` feature: a crate that only writes objects (the builder, a
//! `build.rs`) compiles neither serde's derive macro nor the generated deserializers (issue 12,
//! compile cost). The impls write what `#[derive(Serialize)]` wrote with the same attributes:
//! the keys in field order, a `None` left out, the `extra` map's keys after them.

/// Deserialize is derived only with the types crate's `read` feature.
pub(crate) const READ_DERIVE: &str = "#[cfg_attr(feature = \"read\", derive(serde::Deserialize))]";

/// A `#[serde(..)]` attribute, which only the `read` feature's derive reads.
pub(crate) fn attr(inner: &str) -> String {
    format!("#[cfg_attr(feature = \"read\", serde({inner}))]")
}

/// One key of a struct, in the order it is written.
pub(crate) enum Key {
    /// `Option<T>`: written when `Some`.
    Optional { json: String, field: String },
    /// Always written.
    Required { json: String, field: String },
    /// The `extra` map: each of its keys.
    Extra,
}

/// `Serialize` for a struct written as a JSON object of `keys`.
pub(crate) fn map_impl(rust: &str, keys: &[Key]) -> Vec<String> {
    let mut out = vec![
        format!("impl serde::Serialize for {rust} {{"),
        "    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {"
            .to_owned(),
        "        let mut map = crate::ser::Map::new(serializer)?;".to_owned(),
    ];
    for key in keys {
        out.push(match key {
            Key::Optional { json, field } => {
                format!("        map.optional(\"{json}\", &self.{field})?;")
            }
            Key::Required { json, field } => {
                format!("        map.required(\"{json}\", &self.{field})?;")
            }
            Key::Extra => "        map.extra(&self.extra)?;".to_owned(),
        });
    }
    out.extend([
        "        map.end()".to_owned(),
        "    }".to_owned(),
        "}".to_owned(),
        String::new(),
    ]);
    out
}

/// `Serialize` for a struct written as its wire form (`{rust}Wire`), whose sibling keys carry
/// the oneof or union.
pub(crate) fn wire_impl(rust: &str) -> Vec<String> {
    vec![
        format!("impl serde::Serialize for {rust} {{"),
        "    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {"
            .to_owned(),
        format!("        serde::Serialize::serialize(&{rust}Wire::from(self.clone()), serializer)"),
        "    }".to_owned(),
        "}".to_owned(),
        String::new(),
    ]
}

/// `Serialize` for a string enum: its `as_str` spelling.
pub(crate) fn str_impl(rust: &str) -> Vec<String> {
    vec![
        format!("impl serde::Serialize for {rust} {{"),
        "    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {"
            .to_owned(),
        "        serializer.serialize_str(self.as_str())".to_owned(),
        "    }".to_owned(),
        "}".to_owned(),
        String::new(),
    ]
}
