//! Fields the types do not know: kept, written back, and listed with a did-you-mean.
//!
//! Every generated struct, every resource and its metadata carry an `extra` map that holds the
//! keys this version of the types does not know (fields a newer Istio added, or typos), exactly
//! as read; writing the object writes them back. [`Object::unknown_fields`](crate::Object::unknown_fields)
//! lists them with their path and the nearest known name, so that a reader can report them (or,
//! in strict reading, refuse them).

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use crate::Location;
#[cfg(feature = "read")]
use crate::path::PathError;
use crate::path::{PathSegment, render_path};

/// The keys of one mapping that the types do not know, as read.
pub type Extra = BTreeMap<String, Value>;

/// A field of an object that the types do not know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownField {
    /// The field's path, e.g. `spec.http[0].timout`.
    pub path: String,
    /// The field's name, e.g. `timout`.
    pub name: String,
    /// The known field of the same mapping whose name is nearest, e.g. `timeout`.
    pub suggestion: Option<&'static str>,
    /// Where the key is in the YAML it was read from, when it was read from YAML.
    pub location: Option<Location>,
    pub(crate) segments: Vec<PathSegment>,
}

impl fmt::Display for UnknownField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown field `{}`", self.name)?;
        if let Some(s) = self.suggestion {
            write!(f, " (did you mean `{s}`?)")?;
        }
        Ok(())
    }
}

impl UnknownField {
    /// An unknown field at `segments`, with no position yet.
    pub(crate) fn at(segments: Vec<PathSegment>, suggestion: Option<&'static str>) -> Self {
        let name = match segments.last() {
            Some(PathSegment::Key(k)) => k.clone(),
            _ => String::new(),
        };
        UnknownField {
            path: render_path(&segments),
            name,
            suggestion,
            location: None,
            segments,
        }
    }

    /// The error strict reading gives for this field.
    #[cfg(feature = "read")]
    pub(crate) fn to_path_error(&self) -> PathError {
        PathError {
            path: self.segments.clone(),
            message: self.to_string(),
        }
    }
}

/// What reading does with fields the types do not know.
///
/// * [`Keep`](Strictness::Keep) (the default of the serde implementations, so of
///   `kube::Api<VirtualService>` and `serde_json`): they are kept and written back, and
///   [`Object::unknown_fields`](crate::Object::unknown_fields) lists them. An object read from
///   a cluster that runs a newer Istio than these types reads, and an update through the types
///   does not drop what the newer Istio added.
/// * [`Deny`](Strictness::Deny) (the default of [`yaml::parse`](crate::yaml::parse) and
///   [`yaml::from_str`](crate::yaml::from_str), which read files people write): the first of
///   them is an error, with its path, line and column and the nearest known name, as a typo
///   should be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Strictness {
    /// Keep unknown fields, write them back, and list them.
    Keep,
    /// Refuse an object with an unknown field.
    Deny,
}

/// Walks typed values and collects the keys of their `extra` maps.
#[derive(Default)]
pub(crate) struct Walker {
    path: Vec<PathSegment>,
    found: Vec<UnknownField>,
}

impl Walker {
    /// The unknown keys of one mapping, whose known keys are `known`.
    pub(crate) fn extra(&mut self, extra: &Extra, known: &'static [&'static str]) {
        for name in extra.keys() {
            let mut segments = self.path.clone();
            segments.push(PathSegment::Key(name.clone()));
            self.found
                .push(UnknownField::at(segments, nearest(name, known)));
        }
    }

    /// Walks into the value of the known key `key`.
    pub(crate) fn field<T: Walk + ?Sized>(&mut self, key: &str, value: &T) {
        self.path.push(PathSegment::Key(key.to_owned()));
        value.walk(self);
        self.path.pop();
    }

    pub(crate) fn finish(self) -> Vec<UnknownField> {
        self.found
    }
}

/// A typed value that may hold unknown fields somewhere inside.
pub(crate) trait Walk {
    /// Reports the unknown fields of this value and of everything inside it.
    fn walk(&self, w: &mut Walker);
}

/// Every unknown field inside `value`, in document order of the types' fields.
pub(crate) fn unknown_fields<T: Walk + ?Sized>(value: &T) -> Vec<UnknownField> {
    let mut w = Walker::default();
    value.walk(&mut w);
    w.finish()
}

impl<T: Walk> Walk for Option<T> {
    fn walk(&self, w: &mut Walker) {
        if let Some(v) = self {
            v.walk(w);
        }
    }
}

impl<T: Walk> Walk for Vec<T> {
    fn walk(&self, w: &mut Walker) {
        for (i, v) in self.iter().enumerate() {
            w.path.push(PathSegment::Index(i));
            v.walk(w);
            w.path.pop();
        }
    }
}

impl<T: Walk> Walk for BTreeMap<String, T> {
    fn walk(&self, w: &mut Walker) {
        for (k, v) in self {
            w.field(k, v);
        }
    }
}

impl<T: Walk + ?Sized> Walk for Box<T> {
    fn walk(&self, w: &mut Walker) {
        (**self).walk(w);
    }
}

/// The known name nearest to `name`, if it is near enough to be a likely misspelling: at most
/// a third of the name's length in edits (at least one), ignoring case and `_`/`-`.
pub(crate) fn nearest(name: &str, known: &[&'static str]) -> Option<&'static str> {
    let fold = |s: &str| -> Vec<char> {
        s.chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect()
    };
    let wanted = fold(name);
    let limit = (wanted.len() / 3).max(1);
    known
        .iter()
        .map(|k| (edit_distance(&wanted, &fold(k)), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance, with one row of memory.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// The unknown keys of a resource's `metadata`.
pub(crate) struct MetadataExtra<'a>(pub(crate) &'a Extra);

impl Walk for MetadataExtra<'_> {
    fn walk(&self, w: &mut Walker) {
        w.extra(self.0, OBJECT_META_FIELDS);
    }
}

/// The known keys of `ObjectMeta`, for did-you-mean in `metadata`.
pub(crate) const OBJECT_META_FIELDS: &[&str] = &[
    "annotations",
    "creationTimestamp",
    "deletionGracePeriodSeconds",
    "deletionTimestamp",
    "finalizers",
    "generateName",
    "generation",
    "labels",
    "managedFields",
    "name",
    "namespace",
    "ownerReferences",
    "resourceVersion",
    "selfLink",
    "uid",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_names_the_likely_field() {
        let known = &["timeout", "retries", "route", "prefixRewrite"];
        assert_eq!(nearest("timout", known), Some("timeout"));
        assert_eq!(nearest("Timeout", known), Some("timeout"));
        assert_eq!(nearest("prefix_rewrite", known), Some("prefixRewrite"));
        assert_eq!(nearest("retires", known), Some("retries"));
        assert_eq!(nearest("mirrorPolicy", known), None);
        assert_eq!(nearest("x", known), None);
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        let d = |a: &str, b: &str| {
            edit_distance(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert_eq!(d("", ""), 0);
        assert_eq!(d("abc", "abc"), 0);
        assert_eq!(d("abc", "ab"), 1);
        assert_eq!(d("abc", "axc"), 1);
        assert_eq!(d("kitten", "sitting"), 3);
    }
}
