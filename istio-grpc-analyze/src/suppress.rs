//! Accepting findings: suppression as `istioctl analyze` users know it (the
//! `galley.istio.io/analyze-suppress` annotation, `--suppress CODE=RESOURCE`), and a baseline of
//! known findings.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{Diagnostic, Resource};

/// The annotation that suppresses codes on the object carrying it: a comma-separated list of
/// codes, or `*` for all (istioctl's `annotation.GalleyAnalyzeSuppress`).
pub const SUPPRESS_ANNOTATION: &str = "galley.istio.io/analyze-suppress";

/// `CODE=RESOURCE`: a code not to report on resources matching a pattern, as istioctl's
/// `--suppress "IST0102=DestinationRule primary-dr.default"`. The resource is written
/// `<Kind> <name>.<namespace>`, and `*` matches any run of characters
/// (`"IST0132=VirtualService *.shop"`).
///
/// ```
/// use istio_grpc_analyze::Suppression;
///
/// let s: Suppression = "GRPC001=VirtualService grpc-*.shop".parse().unwrap();
/// assert_eq!(s.code, "GRPC001");
/// assert!("GRPC001".parse::<Suppression>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// The code (`IST0132`, `GRPC001`).
    pub code: String,
    /// The resource pattern, `<Kind> <name>.<namespace>` with `*` wildcards.
    pub resource: String,
}

impl std::str::FromStr for Suppression {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (code, resource) = s.split_once('=').ok_or_else(|| {
            format!(
                "{s:?} is not CODE=RESOURCE (for example \"IST0132=VirtualService grpc-vs.shop\")"
            )
        })?;
        let (code, resource) = (code.trim(), resource.trim());
        if code.is_empty() || resource.is_empty() {
            return Err(format!(
                "{s:?}: both the code and the resource are needed (for example \"IST0132=VirtualService grpc-vs.shop\")"
            ));
        }
        if !resource.contains(' ') {
            return Err(format!(
                "{s:?}: the resource is written \"<Kind> <name>.<namespace>\" (for example \"VirtualService grpc-vs.shop\", or \"VirtualService *\")"
            ));
        }
        Ok(Suppression {
            code: code.to_owned(),
            resource: resource.to_owned(),
        })
    }
}

/// istioctl's name of a resource in messages and suppressions: `<Kind> <name>.<namespace>`.
pub(crate) fn friendly_name(r: &Resource) -> String {
    format!("{} {}.{}", r.kind, r.name, r.namespace)
}

/// `*` matches any run of characters; everything else matches itself.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

/// Removes the findings suppressed by an annotation on their object or by a `--suppress`
/// pattern; returns how many were removed.
pub(crate) fn apply(
    findings: &mut crate::findings::Findings,
    annotated: &BTreeMap<Resource, BTreeSet<String>>,
    suppressions: &[Suppression],
) -> usize {
    if annotated.is_empty() && suppressions.is_empty() {
        return 0;
    }
    findings.retain(|d| {
        let Some(resource) = &d.resource else {
            return true;
        };
        let by_annotation = annotated
            .get(resource)
            .is_some_and(|codes| codes.contains("*") || codes.contains(d.code.id));
        let name = friendly_name(resource);
        let by_flag = suppressions
            .iter()
            .any(|s| s.code == d.code.id && glob(&s.resource, &name));
        !(by_annotation || by_flag)
    })
}

/// Known findings to accept: a finding matches an entry with the same code, resource, field
/// path and file (not the line, which moves as files change). Written by `istio-grpc check
/// --write-baseline`, read by `--baseline`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// The accepted findings.
    pub accepted: Vec<BaselineEntry>,
}

/// One accepted finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    /// The code.
    pub code: String,
    /// `<Kind> <name>.<namespace>`, empty for a finding about no object.
    pub resource: String,
    /// The field path.
    pub path: String,
    /// The file, as it was named when the baseline was written.
    pub file: String,
    /// The message when it was accepted (for the reader; not matched).
    pub message: String,
}

impl BaselineEntry {
    fn of(d: &Diagnostic) -> Self {
        BaselineEntry {
            code: d.code.id.to_owned(),
            resource: d.resource.as_ref().map(friendly_name).unwrap_or_default(),
            path: d.path.clone(),
            file: d
                .file
                .as_ref()
                .map(|f| f.display().to_string())
                .unwrap_or_default(),
            message: d.message.clone(),
        }
    }

    fn key(&self) -> (&str, &str, &str, &str) {
        (&self.code, &self.resource, &self.path, &self.file)
    }
}

impl Baseline {
    /// A baseline accepting every finding given.
    pub fn of<'a>(diagnostics: impl IntoIterator<Item = &'a Diagnostic>) -> Self {
        let mut accepted: Vec<BaselineEntry> =
            diagnostics.into_iter().map(BaselineEntry::of).collect();
        accepted.sort();
        accepted.dedup();
        Baseline { accepted }
    }

    /// Reads a baseline file (JSON).
    pub fn from_json(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| {
            format!(
                "not a baseline (JSON {{\"accepted\": [{{code, resource, path, file, message}}]}}): {e} at line {}, column {}",
                e.line(),
                e.column()
            )
        })
    }

    /// The baseline as pretty JSON, entries sorted.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Whether the baseline accepts this finding.
    pub fn accepts(&self, d: &Diagnostic) -> bool {
        let entry = BaselineEntry::of(d);
        self.accepted.iter().any(|a| a.key() == entry.key())
    }
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("VirtualService *", "VirtualService a.b"));
        assert!(glob("VirtualService *.shop", "VirtualService grpc-vs.shop"));
        assert!(!glob(
            "VirtualService *.shop",
            "VirtualService grpc-vs.shopping"
        ));
        assert!(glob("* grpc-*.s*p", "Gateway grpc-gw.shop"));
        assert!(glob("Gateway g.default", "Gateway g.default"));
        assert!(!glob("Gateway g", "Gateway g.default"));
        assert!(!glob("a*a", "a"));
    }
}
