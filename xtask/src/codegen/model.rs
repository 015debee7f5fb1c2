//! The field inventory as the generator uses it.

use serde_json::Value;

/// One proto message (or the CRD-only additions).
#[derive(Clone, Debug)]
pub(crate) struct Message {
    pub(crate) proto: String,
    /// Dotted name inside its file: `HTTPFaultInjection.Delay`.
    pub(crate) name: String,
    pub(crate) doc: String,
    /// Oneof name → JSON names of its members, in the inventory's order.
    pub(crate) oneofs: Vec<(String, Vec<String>)>,
    pub(crate) fields: Vec<Field>,
}

/// One field of a message.
#[derive(Clone, Debug)]
pub(crate) struct Field {
    pub(crate) json: String,
    pub(crate) ty: String,
    pub(crate) repeated: bool,
    pub(crate) oneof: Option<String>,
    pub(crate) deprecated: bool,
    pub(crate) doc: String,
}

/// One proto enum.
#[derive(Clone, Debug)]
pub(crate) struct Enum {
    pub(crate) proto: String,
    pub(crate) name: String,
    pub(crate) values: Vec<EnumValue>,
}

/// One value of an enum.
#[derive(Clone, Debug)]
pub(crate) struct EnumValue {
    pub(crate) name: String,
    pub(crate) deprecated: bool,
    pub(crate) doc: String,
}

/// The inventory: every message and enum of the protos it covers.
pub(crate) struct Inventory {
    /// Where the inventory was taken from (`istio/api@<commit> …`).
    pub(crate) source: String,
    pub(crate) messages: Vec<Message>,
    pub(crate) enums: Vec<Enum>,
}

fn str_of(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_owned()
}

fn bool_of(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn array_of<'a>(v: &'a Value, key: &str) -> Result<&'a [Value], String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .ok_or_else(|| format!("`{key}` is missing or not a list"))
}

impl Inventory {
    /// Reads `field-inventory.json`.
    pub(crate) fn parse(text: &str) -> Result<Inventory, String> {
        let root: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let messages = array_of(&root, "messages")?
            .iter()
            .map(|m| {
                let oneofs = m
                    .get("oneofs")
                    .and_then(Value::as_object)
                    .map(|o| {
                        o.iter()
                            .map(|(name, members)| {
                                let members = members
                                    .as_array()
                                    .map(|a| {
                                        a.iter()
                                            .filter_map(Value::as_str)
                                            .map(str::to_owned)
                                            .collect()
                                    })
                                    .unwrap_or_default();
                                (name.clone(), members)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let fields = array_of(m, "fields")?
                    .iter()
                    .map(|f| Field {
                        json: str_of(f, "json"),
                        ty: str_of(f, "type"),
                        repeated: bool_of(f, "repeated"),
                        oneof: f.get("oneof").and_then(Value::as_str).map(str::to_owned),
                        deprecated: bool_of(f, "deprecated"),
                        doc: str_of(f, "doc"),
                    })
                    .collect();
                Ok(Message {
                    proto: str_of(m, "proto"),
                    name: str_of(m, "name"),
                    doc: str_of(m, "doc"),
                    oneofs,
                    fields,
                })
            })
            .collect::<Result<_, String>>()?;
        let enums = array_of(&root, "enums")?
            .iter()
            .map(|e| {
                Ok(Enum {
                    proto: str_of(e, "proto"),
                    name: str_of(e, "name"),
                    values: array_of(e, "values")?
                        .iter()
                        .map(|v| EnumValue {
                            name: str_of(v, "name"),
                            deprecated: bool_of(v, "deprecated"),
                            doc: str_of(v, "doc"),
                        })
                        .collect(),
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Inventory {
            source: str_of(&root, "source"),
            messages,
            enums,
        })
    }
}
