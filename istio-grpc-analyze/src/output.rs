//! Reports for CI: SARIF 2.1.0 (GitHub code scanning and other SARIF viewers) and GitHub
//! Actions workflow commands (annotations on the pull request).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use crate::suppress::friendly_name;
use crate::{Diagnostic, Report, Severity, codes};

/// Where the rules are documented.
const HELP_URI: &str = "https://docs.rs/istio-grpc-analyze/latest/istio_grpc_analyze/codes/";

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A file path as a SARIF artifact URI: relative paths stay relative (to the directory the
/// check ran in, SARIF's `%SRCROOT%`), with `/` separators.
fn artifact_uri(file: &Path) -> String {
    file.to_string_lossy().replace('\\', "/")
}

/// The edit of a finding as a SARIF `fix`, when its old text is found at its location: the
/// region is computed from the file as it is on disk, so a fix is only offered where it applies.
fn fix(d: &Diagnostic, lines: &mut BTreeMap<std::path::PathBuf, Vec<String>>) -> Option<Value> {
    let (edit, file, at) = (d.edit.as_ref()?, d.file.as_ref()?, d.location?);
    let text = lines.entry(file.clone()).or_insert_with(|| {
        std::fs::read_to_string(file)
            .map(|t| t.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    });
    let line = text.get(at.line.checked_sub(1)?)?;
    // columns are 1-based character positions
    let start_byte = line.char_indices().nth(at.column.checked_sub(1)?)?.0;
    let found = line[start_byte..].find(&edit.old)? + start_byte;
    let start_column = line[..found].chars().count() + 1;
    let end_column = start_column + edit.old.chars().count();
    Some(json!({
        "description": {"text": d.fix.clone().unwrap_or_else(|| format!("write {}", edit.new))},
        "artifactChanges": [{
            "artifactLocation": {"uri": artifact_uri(file)},
            "replacements": [{
                "deletedRegion": {"startLine": at.line, "startColumn": start_column, "endLine": at.line, "endColumn": end_column},
                "insertedContent": {"text": edit.new},
            }],
        }],
    }))
}

/// `resource: path: message`, as the human format writes it.
fn headline(d: &Diagnostic) -> String {
    match &d.resource {
        Some(r) if !d.path.is_empty() => format!("{r}: {}: {}", d.path, d.message),
        Some(r) => format!("{r}: {}", d.message),
        None => d.message.clone(),
    }
}

/// The report as a SARIF 2.1.0 log: one run, every code as a rule (with its default level), every
/// finding as a result with its level, file, line and column, the object and field path as a
/// logical location, and the fix (in the message, and as a SARIF `fix` where it is a text edit).
pub fn sarif(report: &Report) -> Value {
    let rules: Vec<Value> = codes::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "name": c.name,
                "shortDescription": {"text": c.title},
                "helpUri": HELP_URI,
                "defaultConfiguration": {"level": sarif_level(c.severity)},
            })
        })
        .collect();
    let index: BTreeMap<&str, usize> = codes::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let mut lines = BTreeMap::new();
    let results: Vec<Value> = report
        .diagnostics()
        .iter()
        .map(|d| {
            let mut text = headline(d);
            if let Some(f) = &d.fix {
                text.push_str(&format!(" Fix: {f}"));
            }
            let mut result = json!({
                "ruleId": d.code.id,
                "level": sarif_level(d.severity),
                "message": {"text": text},
            });
            if let Some(i) = index.get(d.code.id) {
                result["ruleIndex"] = json!(i);
            }
            let mut location = serde_json::Map::new();
            if let Some(file) = &d.file {
                let mut physical = json!({"artifactLocation": {"uri": artifact_uri(file)}});
                if let Some(at) = d.location {
                    physical["region"] =
                        json!({"startLine": at.line.max(1), "startColumn": at.column.max(1)});
                }
                location.insert("physicalLocation".into(), physical);
            }
            if let Some(r) = &d.resource {
                let name = if d.path.is_empty() {
                    friendly_name(r)
                } else {
                    format!("{}: {}", friendly_name(r), d.path)
                };
                location.insert(
                    "logicalLocations".into(),
                    json!([{"fullyQualifiedName": name, "kind": "object"}]),
                );
            }
            if !location.is_empty() {
                result["locations"] = json!([Value::Object(location)]);
            }
            if let Some(fix) = fix(d, &mut lines) {
                result["fixes"] = json!([fix]);
            }
            if let Some(f) = &d.fix {
                result["properties"] = json!({"fix": f});
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "istio-grpc",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": HELP_URI,
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

/// Escapes a workflow command's message (`%`, CR, LF).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (also `:` and `,`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The report as GitHub Actions workflow commands, one line per finding
/// (`::error file=…,line=…,col=…,title=…::message`): annotations on the pull request's diff.
/// Info findings are `::notice`.
pub fn github(report: &Report) -> String {
    let mut out = String::new();
    for d in report.diagnostics() {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some(file) = &d.file {
            props.push(format!("file={}", escape_property(&artifact_uri(file))));
            if let Some(at) = d.location {
                props.push(format!("line={}", at.line));
                props.push(format!("col={}", at.column));
            }
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("{} {}", d.code.id, d.code.name))
        ));
        let mut message = headline(d);
        if let Some(f) = &d.fix {
            message.push_str(&format!("\nfix: {f}"));
        }
        out.push_str(&format!(
            "::{command} {}::{}\n",
            props.join(","),
            escape_data(&message)
        ));
    }
    out
}
