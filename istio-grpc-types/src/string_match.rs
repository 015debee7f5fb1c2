//! `StringMatch`: Istio's `exact | prefix | regex` oneof, where an empty match means "present".

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How a string (URI, header, authority, scheme, query parameter, CORS origin) is matched.
///
/// Istio writes it as a mapping with at most one key. The empty mapping `{}` is meaningful: in
/// `headers` it matches any request that carries the header.
///
/// ```
/// use istio_grpc_types::StringMatch;
///
/// let m: StringMatch = serde_json::from_str(r#"{"prefix": "/mypackage.UserService"}"#)?;
/// assert_eq!(m, StringMatch::Prefix("/mypackage.UserService".into()));
/// assert_eq!(serde_json::to_string(&StringMatch::Present)?, "{}");
/// assert!(serde_json::from_str::<StringMatch>(r#"{"exact": "a", "prefix": "b"}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StringMatch {
    /// `{}`: no value constraint; the string only has to be present.
    #[default]
    Present,
    /// `exact`: the whole string equals this value.
    Exact(String),
    /// `prefix`: the string starts with this value.
    Prefix(String),
    /// `regex`: the string matches this RE2 expression.
    Regex(String),
}

impl StringMatch {
    /// `exact` match.
    pub fn exact(value: impl Into<String>) -> Self {
        StringMatch::Exact(value.into())
    }

    /// `prefix` match.
    pub fn prefix(value: impl Into<String>) -> Self {
        StringMatch::Prefix(value.into())
    }

    /// `regex` match (RE2 syntax).
    pub fn regex(value: impl Into<String>) -> Self {
        StringMatch::Regex(value.into())
    }

    /// The key Istio uses for this match (`exact`, `prefix`, `regex`), or `None` for `{}`.
    pub fn key(&self) -> Option<&'static str> {
        match self {
            StringMatch::Present => None,
            StringMatch::Exact(_) => Some("exact"),
            StringMatch::Prefix(_) => Some("prefix"),
            StringMatch::Regex(_) => Some("regex"),
        }
    }

    /// The value to match, or `None` for `{}`.
    pub fn value(&self) -> Option<&str> {
        match self {
            StringMatch::Present => None,
            StringMatch::Exact(v) | StringMatch::Prefix(v) | StringMatch::Regex(v) => Some(v),
        }
    }
}

impl Serialize for StringMatch {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match (self.key(), self.value()) {
            (Some(key), Some(value)) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry(key, value)?;
                map.end()
            }
            _ => serializer.serialize_map(Some(0))?.end(),
        }
    }
}

const KEYS: &[&str] = &["exact", "prefix", "regex"];

impl<'de> Deserialize<'de> for StringMatch {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MatchVisitor;
        impl<'de> Visitor<'de> for MatchVisitor {
            type Value = StringMatch;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping with at most one of `exact`, `prefix`, `regex`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StringMatch, A::Error> {
                let mut found = StringMatch::Present;
                while let Some(key) = map.next_key::<String>()? {
                    let value: String = map.next_value()?;
                    let next = match key.as_str() {
                        "exact" => StringMatch::Exact(value),
                        "prefix" => StringMatch::Prefix(value),
                        "regex" => StringMatch::Regex(value),
                        other => return Err(de::Error::unknown_field(other, KEYS)),
                    };
                    if let Some(previous) = found.key() {
                        return Err(de::Error::custom(format_args!(
                            "only one of `exact`, `prefix`, `regex` may be set (Istio oneof `match_type`), found {previous} and {key}"
                        )));
                    }
                    found = next;
                }
                Ok(found)
            }
        }
        deserializer.deserialize_map(MatchVisitor)
    }
}
