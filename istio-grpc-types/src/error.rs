//! Errors for reading and writing manifests: each says where (document, line, column, field
//! path) and what (the bad value, what was expected).

use std::fmt;

/// A 1-based line and column in YAML input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

/// `{"line": …, "column": …}`.
impl serde::Serialize for Location {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut s = serializer.serialize_struct("Location", 2)?;
        s.serialize_field("line", &self.line)?;
        s.serialize_field("column", &self.column)?;
        s.end()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Why a manifest could not be read or written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A document is not well-formed YAML.
    #[error(
        "line {}: document {document}: YAML syntax error: {message}",
        fmt_location(location)
    )]
    Syntax {
        /// Position of the document in the stream, from 1.
        document: usize,
        /// Where the parser stopped.
        location: Option<Location>,
        /// What the parser said.
        message: String,
    },
    /// A document is YAML but not a valid object: not a mapping, no `kind`, a wrong
    /// `apiVersion`, an unknown field, a value of the wrong type or outside an enum.
    #[error(
        "line {}: document {document} ({kind}): {path}: {message}",
        fmt_location(location)
    )]
    Invalid {
        /// Position of the document in the stream, from 1.
        document: usize,
        /// Where the offending key or value is.
        location: Option<Location>,
        /// The document's `kind` (or `?` when it has none).
        kind: String,
        /// The field path, e.g. `spec.http[0].timeout` (`.` for the whole document).
        path: String,
        /// What is wrong, naming the bad value and what was expected.
        message: String,
    },
    /// An object could not be written.
    #[error("cannot write {kind} {name:?}: {message}")]
    Write {
        /// The object's kind.
        kind: String,
        /// The object's name.
        name: String,
        /// The serializer's message.
        message: String,
    },
}

fn fmt_location(location: &Option<Location>) -> String {
    match location {
        Some(l) => format!("{}, column {}", l.line, l.column),
        None => "?".to_owned(),
    }
}

impl Error {
    /// Where in the input the problem is, when known.
    pub fn location(&self) -> Option<Location> {
        match self {
            Error::Syntax { location, .. } | Error::Invalid { location, .. } => *location,
            Error::Write { .. } => None,
        }
    }

    /// The field path of an invalid document (`spec.http[0].timeout`).
    pub fn path(&self) -> Option<&str> {
        match self {
            Error::Invalid { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The position of the document in the stream, from 1.
    pub fn document(&self) -> Option<usize> {
        match self {
            Error::Syntax { document, .. } | Error::Invalid { document, .. } => Some(*document),
            Error::Write { .. } => None,
        }
    }
}
