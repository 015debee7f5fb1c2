//! Kubernetes kinds typed by k8s-openapi, with the fields k8s-openapi does not know kept beside
//! them.
//!
//! k8s-openapi's types ignore keys they do not know. Read leniently, such a key (a field a newer
//! Kubernetes added, or a misspelled one) would be lost, and the object could only be kept as
//! written ([`Object::Other`](crate::Object::Other)), out of reach of every rule that reads its
//! kind. [`KubeObject`] keeps the typed object and the unknown fields together: rules read the
//! typed object, [`KubeObject::unknown_fields`] lists the rest with the nearest known name, and
//! writing puts them back where they were read.
//!
//! Some values k8s-openapi reads correctly but writes in another form: a timestamp written
//! `2024-01-01T00:00:00+00:00` comes back as `…Z`. Such a value is kept as it was read too, and
//! written back in that form for as long as the typed value at its place is not changed; nothing
//! is reported, as nothing is lost.

use std::fmt;
use std::ops::{Deref, DerefMut};

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::UnknownField;
use crate::path::PathSegment;

/// A Kubernetes object typed by k8s-openapi, with the fields k8s-openapi does not know.
///
/// It dereferences to the typed object, so `service.spec` reads as on a k8s-openapi
/// `Service`. The unknown fields are written back at their paths; a field whose place no
/// longer exists (an item of a list the typed object has since lost) is not written.
///
/// ```
/// use istio_grpc_types::Object;
///
/// let o: Object = serde_json::from_str(r#"{"apiVersion": "v1", "kind": "Service",
///   "metadata": {"name": "a"}, "spec": {"ports": [{"port": 80, "appProtocl": "grpc"}]}}"#)?;
/// let Object::Service(service) = &o else { panic!("typed: {o:?}") };
/// assert_eq!(service.spec.as_ref().unwrap().ports.as_ref().unwrap()[0].port, 80);
/// let unknown = o.unknown_fields();
/// assert_eq!(unknown[0].path, "spec.ports[0].appProtocl");
/// assert_eq!(unknown[0].suggestion, Some("appProtocol"));
/// assert_eq!(o.to_json()?["spec"]["ports"][0]["appProtocl"], "grpc");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone)]
pub struct KubeObject<T> {
    object: T,
    unknown: Vec<(UnknownField, Value)>,
    /// Values k8s-openapi writes in another form than they were read in (a timestamp with
    /// `+00:00` for `Z`, base64 wrapped over lines): the value as read and the typed object's
    /// form of it at reading time. Writing puts the value as read back while the typed value at
    /// that place is unchanged.
    as_read: Vec<AsRead>,
}

/// A value kept in the form it was read in (see [`KubeObject`]'s `as_read`).
#[derive(Clone)]
struct AsRead {
    path: Vec<PathSegment>,
    read: Value,
    typed: Value,
}

impl<T> KubeObject<T> {
    /// A typed object with no unknown fields.
    pub fn new(object: T) -> Self {
        KubeObject {
            object,
            unknown: Vec::new(),
            as_read: Vec::new(),
        }
    }

    /// The typed object, without the unknown fields.
    pub fn into_inner(self) -> T {
        self.object
    }

    /// The fields k8s-openapi does not know, each with its path and the nearest known name.
    pub fn unknown_fields(&self) -> Vec<UnknownField> {
        self.unknown.iter().map(|(f, _)| f.clone()).collect()
    }

    #[cfg(feature = "read")]
    fn with_read(object: T, unknown: Vec<(UnknownField, Value)>, as_read: Vec<AsRead>) -> Self {
        KubeObject {
            object,
            unknown,
            as_read,
        }
    }
}

/// Equal when the typed objects are, and the unknown fields are the same, in any order (writing
/// puts them after the fields the type knows, so reading what was written lists them in
/// another order). Values kept in the form they were read in (a timestamp written `+00:00`
/// rather than `Z`) do not count: the typed values compared are the same.
impl<T: PartialEq> PartialEq for KubeObject<T> {
    fn eq(&self, other: &Self) -> bool {
        self.object == other.object
            && self.unknown.len() == other.unknown.len()
            && self.unknown.iter().all(|(f, v)| {
                other
                    .unknown
                    .iter()
                    .any(|(g, w)| f.path == g.path && v == w)
            })
    }
}

impl<T> From<T> for KubeObject<T> {
    fn from(object: T) -> Self {
        KubeObject::new(object)
    }
}

impl<T> Deref for KubeObject<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.object
    }
}

impl<T> DerefMut for KubeObject<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.object
    }
}

impl<T: fmt::Debug> fmt::Debug for KubeObject<T> {
    /// The typed object's `Debug`, and the unknown fields' paths (never their values: they may
    /// be a Secret's).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.unknown.is_empty() {
            return self.object.fmt(f);
        }
        let paths: Vec<&str> = self.unknown.iter().map(|(u, _)| u.path.as_str()).collect();
        f.debug_struct("KubeObject")
            .field("object", &self.object)
            .field("unknown_fields", &paths)
            .finish()
    }
}

impl<T: Serialize> Serialize for KubeObject<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.unknown.is_empty() && self.as_read.is_empty() {
            return self.object.serialize(s);
        }
        let mut value = serde_json::to_value(&self.object).map_err(serde::ser::Error::custom)?;
        for kept in &self.as_read {
            // the form as read, unless the typed value was changed since
            if get(&value, &kept.path) == Some(&kept.typed) {
                put(&mut value, &kept.path, kept.read.clone());
            }
        }
        for (field, kept) in &self.unknown {
            put(&mut value, &field.segments, kept.clone());
        }
        value.serialize(s)
    }
}

/// The value at `path` inside `value`.
fn get<'v>(value: &'v Value, path: &[PathSegment]) -> Option<&'v Value> {
    path.iter().try_fold(value, |at, segment| match segment {
        PathSegment::Key(k) => at.get(k),
        PathSegment::Index(i) => at.get(*i),
    })
}

/// Puts `kept` at `path` inside `value`, making the mappings on the way; an index past the end
/// of a list has no place and is skipped.
fn put(value: &mut Value, path: &[PathSegment], kept: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = value;
    for segment in parents {
        at = match segment {
            PathSegment::Key(k) => {
                if !at.is_object() {
                    *at = Value::Object(serde_json::Map::new());
                }
                let Value::Object(map) = at else {
                    unreachable!("made a mapping above")
                };
                map.entry(k.clone())
                    .or_insert_with(|| Value::Object(serde_json::Map::new()))
            }
            PathSegment::Index(i) => match at {
                Value::Array(items) if *i < items.len() => &mut items[*i],
                _ => return,
            },
        };
    }
    match (last, at) {
        (PathSegment::Key(k), Value::Object(map)) => {
            map.insert(k.clone(), kept);
        }
        (PathSegment::Key(k), at @ Value::Null) => {
            *at = Value::Object([(k.clone(), kept)].into_iter().collect());
        }
        _ => {}
    }
}

#[cfg(feature = "read")]
pub(crate) use read::{Typed, typed_k8s};

/// Reading (the `read` feature).
#[cfg(feature = "read")]
mod read {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use serde::de::{
        self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor,
    };
    use serde::{Deserializer, Serialize, forward_to_deserialize_any};
    use serde_json::Value;

    use super::{AsRead, KubeObject};
    use crate::UnknownField;
    use crate::path::{PathError, PathSegment, render_path};
    use crate::unknown::{Strictness, nearest};

    /// What reading a Kubernetes kind gives: the typed object, with its unknown fields and the
    /// values k8s-openapi would write in another form kept as read.
    pub(crate) struct Typed<T>(pub(crate) KubeObject<T>, pub(crate) Vec<UnknownField>);

    /// Types `map` through k8s-openapi, which ignores keys it does not know: what it writes back
    /// is compared with what was read, so that no field is lost silently.
    pub(crate) fn typed_k8s<T: DeserializeOwned + Serialize + k8s_openapi::Resource>(
        map: serde_json::Map<String, Value>,
        api_version: &str,
        strictness: Strictness,
    ) -> Result<Typed<T>, PathError> {
        let value = Value::Object(map);
        let object: T = crate::object::typed(value.clone())?;
        let written = serde_json::to_value(&object).map_err(|e| PathError {
            path: vec![],
            message: e.to_string(),
        })?;
        let mut lost = Vec::new();
        losses(&value, &written, &mut Vec::new(), &mut lost);
        if lost.is_empty() {
            return Ok(Typed(KubeObject::new(object), Vec::new()));
        }
        let known = if lost.iter().any(|l| matches!(l.kind, LossKind::Unknown(_))) {
            known_fields::<T>(value.clone())
        } else {
            HashMap::new()
        };
        let suggestion = |path: &[PathSegment]| match path.split_last() {
            Some((PathSegment::Key(name), parent)) => known
                .get(&render_path(parent))
                .and_then(|fields| nearest(name, fields)),
            _ => None,
        };
        if strictness == Strictness::Deny
            && let Some(first) = lost.iter().find(|l| matches!(l.kind, LossKind::Unknown(_)))
        {
            return Err(PathError {
                path: first.path.clone(),
                message: format!(
                    "{}: not a field of {api_version} {} (Kubernetes API), it would be lost",
                    UnknownField::at(first.path.clone(), suggestion(&first.path)),
                    T::KIND
                ),
            });
        }
        let mut unknown = Vec::new();
        let mut as_read = Vec::new();
        for l in lost {
            match l.kind {
                LossKind::Unknown(value) => {
                    let field = UnknownField::at(l.path.clone(), suggestion(&l.path));
                    unknown.push((field, value));
                }
                LossKind::Rewritten { read, typed } => as_read.push(AsRead {
                    path: l.path,
                    read,
                    typed,
                }),
            }
        }
        let fields = unknown.iter().map(|(f, _)| f.clone()).collect();
        Ok(Typed(
            KubeObject::with_read(object, unknown, as_read),
            fields,
        ))
    }

    /// A place where what was read and what the typed object writes differ.
    struct Loss {
        path: Vec<PathSegment>,
        kind: LossKind,
    }

    enum LossKind {
        /// A field the type does not know, with its value as read.
        Unknown(Value),
        /// A value the type writes in another form (`typed`) than it was read in (`read`).
        Rewritten { read: Value, typed: Value },
    }

    /// Every place where `read` has something `written` lacks (an unknown field) or changed.
    /// `null` counts as absent, as it does for Kubernetes.
    fn losses(read: &Value, written: &Value, path: &mut Vec<PathSegment>, out: &mut Vec<Loss>) {
        match (read, written) {
            (Value::Object(a), Value::Object(b)) => {
                for (k, va) in a {
                    path.push(PathSegment::Key(k.clone()));
                    match b.get(k) {
                        None if va.is_null() => {}
                        None => out.push(Loss {
                            path: path.clone(),
                            kind: LossKind::Unknown(va.clone()),
                        }),
                        Some(vb) => losses(va, vb, path, out),
                    }
                    path.pop();
                }
            }
            (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
                for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                    path.push(PathSegment::Index(i));
                    losses(va, vb, path, out);
                    path.pop();
                }
            }
            (a, b) if a == b => {}
            (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => {}
            (a, b) => out.push(Loss {
                path: path.clone(),
                kind: LossKind::Rewritten {
                    read: a.clone(),
                    typed: b.clone(),
                },
            }),
        }
    }

    /// Known field names by rendered path (`spec.ports[0]`).
    type Known = HashMap<String, &'static [&'static str]>;

    /// The field names k8s-openapi's types know at each path of `value`, as their
    /// `Deserialize` implementations announce them (`deserialize_struct`'s `fields`).
    fn known_fields<T: DeserializeOwned>(value: Value) -> Known {
        let known = RefCell::new(Known::new());
        let _ = T::deserialize(Recorder {
            value,
            path: Vec::new(),
            known: &known,
        });
        known.into_inner()
    }

    /// A deserializer over a JSON value that notes the fields each struct announces, by path.
    struct Recorder<'a> {
        value: Value,
        path: Vec<PathSegment>,
        known: &'a RefCell<Known>,
    }

    impl<'de> Deserializer<'de> for Recorder<'_> {
        type Error = serde_json::Error;

        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            match self.value {
                Value::Object(map) => visitor.visit_map(Entries {
                    entries: map.into_iter(),
                    next: None,
                    path: self.path,
                    known: self.known,
                }),
                Value::Array(items) => visitor.visit_seq(Items {
                    items: items.into_iter(),
                    index: 0,
                    path: self.path,
                    known: self.known,
                }),
                other => other.deserialize_any(visitor),
            }
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Self::Error> {
            self.known
                .borrow_mut()
                .insert(render_path(&self.path), fields);
            self.deserialize_any(visitor)
        }

        fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            match self.value {
                Value::Null => visitor.visit_none(),
                _ => visitor.visit_some(self),
            }
        }

        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            visitor: V,
        ) -> Result<V::Value, Self::Error> {
            visitor.visit_newtype_struct(self)
        }

        fn deserialize_enum<V: Visitor<'de>>(
            self,
            name: &'static str,
            variants: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Self::Error> {
            self.value.deserialize_enum(name, variants, visitor)
        }

        forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
        }
    }

    /// The recorder of `value`, one step below `path`.
    fn child<'a>(
        path: &[PathSegment],
        segment: PathSegment,
        value: Value,
        known: &'a RefCell<Known>,
    ) -> Recorder<'a> {
        let mut path = path.to_vec();
        path.push(segment);
        Recorder { value, path, known }
    }

    struct Entries<'a> {
        entries: serde_json::map::IntoIter,
        next: Option<(String, Value)>,
        path: Vec<PathSegment>,
        known: &'a RefCell<Known>,
    }

    impl<'de> MapAccess<'de> for Entries<'_> {
        type Error = serde_json::Error;

        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, Self::Error> {
            let Some((key, value)) = self.entries.next() else {
                return Ok(None);
            };
            let k = seed.deserialize(key.clone().into_deserializer())?;
            self.next = Some((key, value));
            Ok(Some(k))
        }

        fn next_value_seed<V: DeserializeSeed<'de>>(
            &mut self,
            seed: V,
        ) -> Result<V::Value, Self::Error> {
            let Some((key, value)) = self.next.take() else {
                return Err(de::Error::custom("a value asked for before its key"));
            };
            seed.deserialize(child(&self.path, PathSegment::Key(key), value, self.known))
        }
    }

    struct Items<'a> {
        items: std::vec::IntoIter<Value>,
        index: usize,
        path: Vec<PathSegment>,
        known: &'a RefCell<Known>,
    }

    impl<'de> SeqAccess<'de> for Items<'_> {
        type Error = serde_json::Error;

        fn next_element_seed<T: DeserializeSeed<'de>>(
            &mut self,
            seed: T,
        ) -> Result<Option<T::Value>, Self::Error> {
            let Some(value) = self.items.next() else {
                return Ok(None);
            };
            let segment = PathSegment::Index(self.index);
            self.index += 1;
            seed.deserialize(child(&self.path, segment, value, self.known))
                .map(Some)
        }
    }
}
