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
    /// Where to find [`Diagnostic::location`] once every check has run: a document's positions
    /// are decoded once for all its findings (see `input::locate`).
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
    /// `file:line  severity  CODE  resource: path: message  fix: …`, on one line: control
    /// characters and the characters that reorder or break text on a terminal, which a value
    /// quoted from a manifest may hold, are written escaped (`\n`, `\u{1b}`, `\u{202e}`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.location) {
            (Some(file), Some(at)) => {
                write!(f, "{}:{}", Escaped(&file.display().to_string()), at.line)?
            }
            (Some(file), None) => write!(f, "{}", Escaped(&file.display().to_string()))?,
            (None, Some(at)) => write!(f, "<input>:{}", at.line)?,
            (None, None) => write!(f, "<input>")?,
        }
        write!(f, "  {}  {}  ", self.severity, self.code)?;
        if let Some(r) = &self.resource {
            write!(f, "{}: ", Escaped(&r.to_string()))?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", Escaped(&self.path))?;
        }
        write!(f, "{}", Escaped(&self.message))?;
        if let Some(fix) = &self.fix {
            write!(f, "  fix: {}", Escaped(fix))?;
        }
        Ok(())
    }
}

/// Text written with its control characters (line breaks, escape sequences) and its bidi and
/// line-separator characters escaped, so that a finding stays one line of plain text.
struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // the text between characters to escape is written at once
        let mut plain = 0;
        for (i, c) in self.0.char_indices() {
            if c.is_control()
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            {
                f.write_str(&self.0[plain..i])?;
                write!(f, "{}", c.escape_default())?;
                plain = i + c.len_utf8();
            }
        }
        f.write_str(&self.0[plain..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes;

    /// Found by the fuzzing harness (`tests/tests/it/fuzz_manifests.rs`): a kind written
    /// `"crlf\r\n"` made the human report's finding two lines; an escape sequence in a value
    /// reached the terminal as is.
    #[test]
    fn a_finding_is_one_line_whatever_the_values_hold() {
        let d = Diagnostic {
            code: codes::UNCHECKED_KIND,
            severity: Severity::Info,
            resource: Some(Resource {
                kind: "Service".into(),
                namespace: "default".into(),
                name: "a\u{1b}[2Jb".into(),
            }),
            path: "spec.x\u{202e}".into(),
            file: Some("in\nput.yaml".into()),
            location: Some(istio_grpc_types::Location { line: 3, column: 1 }),
            message: "v1 crlf\r\n Service is not checked".into(),
            fix: Some("line\u{2028}break".into()),
            edit: None,
            pending: None,
        };
        let text = d.to_string();
        assert_eq!(
            text,
            "in\\nput.yaml:3  info  GRPC014  Service default/a\\u{1b}[2Jb: spec.x\\u{202e}: \
             v1 crlf\\r\\n Service is not checked  fix: line\\u{2028}break"
        );
        assert_eq!(text.lines().count(), 1);
    }
}
