//! Deserialization helpers shared by the generated types.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A list of strings, read the way Kubernetes reads it.
///
/// YAML 1.1 parsers (libyaml, PyYAML, serde-saphyr, serde_yaml) read the flow item `001:db8::`
/// in `addresses: [1.2.3.4, 001:db8::]` as a one-key mapping `{"001:db8:": null}`, while
/// Kubernetes (Go's YAML) reads the string `001:db8::`. Such an item is a plain scalar that
/// ends in `::`; it is turned back into that exact string. Any other mapping is an error.
pub(crate) fn string_list<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<String>>, D::Error> {
    struct ListVisitor;
    impl<'de> Visitor<'de> for ListVisitor {
        type Value = Option<Vec<String>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of strings")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_seq(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(FlowString(s)) = seq.next_element()? {
                out.push(s);
            }
            Ok(Some(out))
        }
    }
    d.deserialize_option(ListVisitor)
}

struct FlowString(String);

impl<'de> Deserialize<'de> for FlowString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ItemVisitor;
        impl<'de> Visitor<'de> for ItemVisitor {
            type Value = FlowString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FlowString, E> {
                Ok(FlowString(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<FlowString, E> {
                Ok(FlowString(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FlowString, A::Error> {
                let key: Option<String> = map.next_key()?;
                let value: Option<de::IgnoredAny> = match &key {
                    Some(_) => map
                        .next_value::<Option<serde_json::Value>>()?
                        .map(|_| de::IgnoredAny),
                    None => None,
                };
                let more = map.next_key::<de::IgnoredAny>()?.is_some();
                match key {
                    Some(k) if k.ends_with(':') && value.is_none() && !more => {
                        Ok(FlowString(format!("{k}:")))
                    }
                    _ => Err(de::Error::custom(
                        "expected a string, found a mapping (quote the item if it contains `: `)",
                    )),
                }
            }
        }
        d.deserialize_any(ItemVisitor)
    }
}
