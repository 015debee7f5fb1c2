//! What the analyzer reports: a code, a severity, where, what, and the fix.

use std::fmt;
use std::path::PathBuf;

use istio_grpc_types::Location;
use serde::Serialize;

use crate::Code;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Traffic breaks, or Kubernetes/Istio refuses the object.
    Error,
    /// Likely wrong or fragile.
    Warning,
    /// Worth knowing.
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// The object a finding is about: `Kind namespace/name`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Resource {
    /// The object's kind.
    pub kind: String,
    /// Its namespace (`default` when the manifest has none).
    pub namespace: String,
    /// Its name.
    pub name: String,
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable code: Istio's where `istioctl analyze` has one (`IST0101`), else ours (`GRPC001`).
    pub code: Code,
    /// How bad it is.
    pub severity: Severity,
    /// The object it is about, when there is one.
    pub resource: Option<Resource>,
    /// The field path in that object (`spec.http[1].route[0].destination`).
    pub path: String,
    /// The file it came from, when read from a file.
    pub file: Option<PathBuf>,
    /// Line and column in that file.
    pub location: Option<Location>,
    /// What is wrong.
    pub message: String,
    /// What to do about it, where there is a fix.
    pub fix: Option<String>,
    /// The fix as a text edit, where it is one: replace [`TextEdit::old`], written at
    /// [`Diagnostic::location`], by [`TextEdit::new`] (SARIF output turns it into a `fix`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edit: Option<TextEdit>,
    /// Where to find [`Diagnostic::location`] once every check has run: positions are read
    /// again from a document's text once for all its findings (see `input::locate`).
    #[serde(skip)]
    pub(crate) pending: Option<Pending>,
}

/// A location still to look up: in which manifest, and whether at the key of the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pending {
    pub(crate) manifest: usize,
    pub(crate) key: bool,
}

/// A fix that is a replacement of the text at a finding's location.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TextEdit {
    /// The text as written (a scalar's value, unquoted).
    pub old: String,
    /// What to write instead.
    pub new: String,
}

impl fmt::Display for Diagnostic {
    /// `file:line  severity  CODE  resource: path: message  fix: …`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.location) {
            (Some(file), Some(at)) => write!(f, "{}:{}", file.display(), at.line)?,
            (Some(file), None) => write!(f, "{}", file.display())?,
            (None, Some(at)) => write!(f, "<input>:{}", at.line)?,
            (None, None) => write!(f, "<input>")?,
        }
        write!(f, "  {}  {}  ", self.severity, self.code)?;
        if let Some(r) = &self.resource {
            write!(f, "{r}: ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)?;
        if let Some(fix) = &self.fix {
            write!(f, "  fix: {fix}")?;
        }
        Ok(())
    }
}
