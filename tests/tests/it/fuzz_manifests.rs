//! A bounded fuzzing harness over the types and the analyzer, on stable Rust with proptest,
//! fed with real manifests (`../shared/istio/manifests` and `manifests-invalid`) and mutations
//! of them:
//!
//! - structured: the documents are read as JSON trees and edited (a field dropped, a scalar
//!   turned into another type or a huge or odd value, a value wrapped in a list or a mapping, a
//!   list or mapping flattened), then written as YAML or as JSON (Kubernetes reads both);
//! - textual: lines dropped, duplicated (duplicate keys), swapped or re-indented (wrong nesting),
//!   a value replaced by a YAML 1.1 trap or a syntax piece, anchors and aliases (`&a`, `*a`,
//!   `<<: *a`), document markers, odd Unicode inserted anywhere, the text truncated;
//! - byte-level: bytes flipped, spliced in, and the text cut at any byte.
//!
//! Each input goes through `yaml::parse_with` in strict and lenient modes (every document
//! read is written back and reads back equal, as YAML and as JSON), and through the analyzer
//! with and without the built-in CRDs, and its report through every output format of
//! `istio-grpc check` (human, JSON, SARIF, GitHub). What must hold for any input: no panic;
//! every error and every finding about a document says where (line and column, and the field
//! path where there is one); each case finishes (inputs are bounded by construction).
//!
//! Cases: `FUZZ_CASES` (default [`DEFAULT_CASES`] per property, sized so that the fuzzing
//! tests of this binary take well under a minute in a debug build on 2 cores); run longer
//! locally with e.g. `FUZZ_CASES=20000 cargo test -p istio-grpc-tests --test it fuzz`. Every
//! failing case proptest finds is kept in `tests/tests/proptest-regressions/fuzz_manifests.txt`
//! (replayed first on every run), and each crash found so far also has a named test with its
//! minimal input in `fuzz_found.rs`.

use std::path::Path;
use std::sync::OnceLock;

use istio_grpc_analyze::{Analysis, CrdSet, Inputs, Options, Severity, analyze, codes, output};
use istio_grpc_types::yaml::{self, Options as ReadOptions};
use istio_grpc_types::{Object, Strictness};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::Value;

use crate::support;

/// Cases per property when `FUZZ_CASES` is not set.
pub const DEFAULT_CASES: u32 = 48;

pub fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("FUZZ_CASES")
        .or_else(|_| std::env::var("PROPTEST_CASES"))
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        // a failing case is shrunk, within bounds
        max_shrink_iters: 2048,
        ..ProptestConfig::default()
    }
}

/// The real manifests, valid and invalid: (file name, text). Empty (with a note) when the
/// reference data is absent outside CI.
fn corpus() -> &'static [(String, String)] {
    static CORPUS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let Some(dir) = support::istio_dir() else {
            return Vec::new();
        };
        ["manifests", "manifests-invalid"]
            .iter()
            .flat_map(|sub| support::yaml_files(&dir.join(sub)))
            .map(|p| {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let text = std::fs::read_to_string(&p)
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
                (name, text)
            })
            .collect()
    })
}

/// The analyzer's options with the built-in CRDs (Istio and Gateway API), built once.
fn with_crds() -> &'static Options {
    static OPTIONS: OnceLock<Options> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        Options::default()
            .crds(CrdSet::built_in().expect("the built-in CRDs load"))
            .threads(1)
    })
}

// ---------------------------------------------------------------------------------------------
// Properties

/// Reads `text` strictly and leniently: every error says where, every document read is
/// written back (YAML and JSON) and reads back equal, and the two modes agree (a document
/// read strictly reads the same leniently, with no unknown field; one read leniently with no
/// unknown field reads strictly).
pub fn check_types(text: &str) {
    let strict = yaml::parse_with(text, &ReadOptions::default());
    let lenient = yaml::parse_with(text, &ReadOptions::default().strictness(Strictness::Keep));
    assert_eq!(strict.len(), lenient.len(), "{text}");
    for (s, l) in strict.iter().zip(&lenient) {
        match (s, l) {
            (Ok(s), Ok(l)) => {
                assert_eq!(s.object, l.object, "{text}");
                assert!(
                    l.unknown_fields.is_empty(),
                    "{:?}\n{text}",
                    l.unknown_fields
                );
            }
            (Ok(s), Err(e)) => panic!("read strictly, not leniently: {e}\n{:?}\n{text}", s.object),
            (Err(e), Ok(l)) => assert!(
                !l.unknown_fields.is_empty(),
                "read leniently with no unknown field, refused strictly: {e}\n{text}"
            ),
            (Err(_), Err(_)) => {}
        }
        if let Ok(l) = l {
            let mut found: Vec<&str> = l.unknown_fields.iter().map(|u| u.path.as_str()).collect();
            let kept = l.object.unknown_fields();
            let mut kept: Vec<&str> = kept.iter().map(|u| u.path.as_str()).collect();
            found.sort_unstable();
            kept.sort_unstable();
            assert_eq!(
                found, kept,
                "the reader and the object disagree on the unknown fields\n{text}"
            );
        }
    }
    for (strictness, read) in [(Strictness::Deny, strict), (Strictness::Keep, lenient)] {
        let options = ReadOptions::default().strictness(strictness);
        for result in read {
            let doc = match result {
                Ok(doc) => doc,
                Err(e) => {
                    assert!(
                        e.location().is_some(),
                        "a reading error without a line and column ({strictness:?}): {e}\n--- input:\n{text}"
                    );
                    assert!(e.document().is_some(), "{e}");
                    continue;
                }
            };
            for field in &doc.unknown_fields {
                assert!(
                    field.location.is_some() && !field.path.is_empty(),
                    "an unknown field without its place: {field:?}\n--- input:\n{text}"
                );
            }
            round_trip(&doc.object, &options, text);
        }
    }
}

/// What was read is written, and reads back the same way as the same object (YAML), and as
/// the same object through serde (JSON, as `kube::Api` reads it, which keeps unknown fields).
fn round_trip(object: &Object, options: &ReadOptions, text: &str) {
    let written = yaml::to_string([object])
        .unwrap_or_else(|e| panic!("what was read cannot be written: {e}\n--- input:\n{text}"));
    let again: Vec<Object> = yaml::parse_with(&written, options)
        .into_iter()
        .map(|d| d.map(|d| d.object))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| {
            panic!("written output does not read back: {e}\n--- written:\n{written}\n--- input:\n{text}")
        });
    assert_eq!(again.len(), 1, "{written}");
    assert_eq!(
        &again[0], object,
        "YAML round trip changed the object\n--- written:\n{written}"
    );
    let json = serde_json::to_string(object)
        .unwrap_or_else(|e| panic!("what was read cannot be written as JSON: {e}"));
    let from_json: Object = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("JSON output does not read back: {e}\n--- json:\n{json}"));
    assert_eq!(
        &from_json, object,
        "JSON round trip changed the object\n--- json:\n{json}"
    );
}

/// Analyzes `text` as one file, without and with the built-in CRDs, and renders the report in
/// every output format: every finding about the file says where.
pub fn check_analyzer(text: &str) {
    let file = Path::new("fuzz/input.yaml");
    let mut inputs = Inputs::new();
    inputs.add_yaml(Some(file), text);
    for options in [&Options::default().threads(1), with_crds()] {
        let report = analyze(&inputs, options);
        // checked as read, the same findings
        let mut analysis = Analysis::new(options);
        analysis.add_yaml(Some(file), text);
        assert_eq!(
            analysis.finish().diagnostics(),
            report.diagnostics(),
            "--- input:\n{text}"
        );
        for d in report.diagnostics() {
            if d.file.is_some() {
                assert!(
                    d.location.is_some(),
                    "a finding about the file without a line: {d}\n--- input:\n{text}"
                );
            }
            assert!(!d.message.is_empty(), "{d:?}");
        }
        assert!(matches!(report.exit_code(), 0..=2));
        if report
            .diagnostics()
            .iter()
            .any(|d| d.code == codes::UNUSABLE_INPUT)
        {
            assert_eq!(report.exit_code(), 2, "{}", report.summary());
        }
        render_every_format(&report);
    }
}

/// What the analyzer finds depends on the objects, not on how they are written: when every
/// document of `text` reads, the objects written back by the types and analyzed again give the
/// same findings (code, object, field path) as the original text. A check that read the YAML
/// its own way (a YAML 1.1 trap, an alias, a duplicate key) would see other values.
pub fn check_analyzer_sees_the_types_values(text: &str) {
    let read = yaml::parse_with(text, &ReadOptions::default().strictness(Strictness::Keep));
    let Ok(docs) = read.into_iter().collect::<Result<Vec<_>, _>>() else {
        return;
    };
    let written = yaml::to_string(docs.iter().map(|d| &d.object)).expect("written");
    let findings = |text: &str| {
        let mut inputs = Inputs::new();
        inputs.add_yaml(Some(Path::new("fuzz/input.yaml")), text);
        let report = analyze(&inputs, with_crds());
        let mut found: Vec<String> = report
            .diagnostics()
            .iter()
            .map(|d| {
                let resource = d.resource.as_ref().map(ToString::to_string);
                format!("{} {resource:?} {}", d.code, d.path)
            })
            .collect();
        found.sort();
        found
    };
    assert_eq!(
        findings(text),
        findings(&written),
        "the findings depend on how the objects are written\n--- input:\n{text}\n--- written:\n{written}"
    );
}

/// The objects of `text`, handed to the analyzer in memory (no positions): no panic, and
/// every finding names its object.
pub fn check_analyzer_in_memory(text: &str) {
    let options = ReadOptions::default().strictness(Strictness::Keep);
    let mut inputs = Inputs::new();
    for doc in yaml::parse_with(text, &options).into_iter().flatten() {
        inputs.add_object(doc.object);
    }
    let report = analyze(&inputs, &Options::default().threads(1));
    for d in report.diagnostics() {
        assert!(
            d.resource.is_some() || d.code == codes::UNUSABLE_INPUT,
            "a finding about no object: {d}"
        );
    }
    render_every_format(&report);
}

/// The report as `istio-grpc check` writes it in each `--format`.
fn render_every_format(report: &istio_grpc_analyze::Report) {
    let human: String = report
        .diagnostics()
        .iter()
        .map(|d| format!("{d}\n"))
        .collect();
    assert_eq!(human.lines().count(), report.diagnostics().len(), "{human}");
    let json = serde_json::json!({
        "diagnostics": report.diagnostics(),
        "summary": {
            "errors": report.count(Severity::Error),
            "warnings": report.count(Severity::Warning),
            "documents": report.documents(),
        },
    });
    serde_json::to_string_pretty(&json).expect("the JSON report is written");
    let sarif = output::sarif(report);
    let results = sarif["runs"][0]["results"].as_array().map_or(0, Vec::len);
    assert_eq!(results, report.diagnostics().len(), "{sarif}");
    serde_json::to_string(&sarif).expect("the SARIF report is written");
    let github = output::github(report);
    for line in github.lines() {
        assert!(
            line.starts_with("::"),
            "a GitHub command per line: {line:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Structured mutations: on the documents as JSON trees

/// Values that replace a node: other types, huge and odd numbers, odd strings and Unicode,
/// YAML 1.1 traps written as strings (which must stay strings), empty and nested collections.
fn odd_value(i: usize) -> Value {
    use serde_json::json;
    let values = [
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(1e300),
        json!(-0.0),
        json!(0.5),
        json!(""),
        json!("yes"),
        json!("off"),
        json!("~"),
        json!("0o17"),
        json!("017"),
        json!("0x1F"),
        json!("1e400"),
        json!("-.inf"),
        json!(".NaN"),
        json!("12:30:00"),
        json!("001:db8::"),
        json!("99999999999999999999999999999"),
        json!("5s"),
        json!("-1s"),
        json!("1.5h"),
        json!("*"),
        json!("- a"),
        json!("a: b"),
        json!("#"),
        json!("&a"),
        json!("*a"),
        json!("!!str"),
        json!("---"),
        json!("\u{202e}evil\u{202c}"),
        json!("\u{feff}bom"),
        json!("line\u{2028}separator"),
        json!("next\u{85}line"),
        json!("nul\u{0}byte"),
        json!("tab\there"),
        json!("crlf\r\n"),
        json!("日本語.example.com"),
        json!("\u{1F600}"),
        json!("e\u{301}"),
        json!("x".repeat(4096)),
        json!([]),
        json!({}),
        json!([[[]]]),
        json!({"a": {"b": {"c": {}}}}),
        json!([null, 1, "a", {"b": []}]),
    ];
    values[i % values.len()].clone()
}

#[derive(Clone, Debug)]
enum TreeEdit {
    /// Remove the node (a map entry or a list item).
    Drop(u32),
    /// Replace the node by an odd value.
    Replace(u32, u8),
    /// Wrap the node in a list.
    WrapList(u32),
    /// Wrap the node in a mapping under a key it may or may not be known as.
    WrapMap(u32, u8),
    /// Replace a list or mapping by its first element (one level less).
    Flatten(u32),
    /// Add a key to a mapping (known names in the wrong place, typos, odd keys).
    AddKey(u32, u8, u8),
}

fn tree_edit() -> impl Strategy<Value = TreeEdit> {
    prop_oneof![
        any::<u32>().prop_map(TreeEdit::Drop),
        (any::<u32>(), any::<u8>()).prop_map(|(n, v)| TreeEdit::Replace(n, v)),
        any::<u32>().prop_map(TreeEdit::WrapList),
        (any::<u32>(), any::<u8>()).prop_map(|(n, k)| TreeEdit::WrapMap(n, k)),
        any::<u32>().prop_map(TreeEdit::Flatten),
        (any::<u32>(), any::<u8>(), any::<u8>()).prop_map(|(n, k, v)| TreeEdit::AddKey(n, k, v)),
    ]
}

const KEYS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "name",
    "namespace",
    "spec",
    "hosts",
    "http",
    "route",
    "destination",
    "host",
    "port",
    "number",
    "timeout",
    "timout",
    "retries",
    "match",
    "uri",
    "prefix",
    "tls",
    "mode",
    "selector",
    "servers",
    "subsets",
    "trafficPolicy",
    "ports",
    "status",
    "managedFields",
    "<<",
    "",
    "9090",
    "true",
    "a.b/c",
    "ключ",
    "\u{202e}",
];

/// Nodes in preorder: the root is 0.
fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(items) => items.iter().map(count).sum(),
        Value::Object(map) => map.values().map(count).sum(),
        _ => 0,
    }
}

/// Applies `f` to the `n`th node (preorder) with its parent's view: `f` gets the node and
/// returns `None` to drop it (where it has a parent) or the replacement.
fn edit_nth(v: &mut Value, n: &mut usize, f: &mut dyn FnMut(Value) -> Option<Value>) -> bool {
    match v {
        Value::Array(items) => {
            for i in 0..items.len() {
                if *n == 0 {
                    let old = items[i].take();
                    match f(old) {
                        Some(new) => items[i] = new,
                        None => {
                            items.remove(i);
                        }
                    }
                    return true;
                }
                *n -= 1;
                if edit_nth(&mut items[i], n, f) {
                    return true;
                }
            }
            false
        }
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for k in keys {
                if *n == 0 {
                    let old = map.get_mut(&k).map(Value::take).unwrap_or_default();
                    match f(old) {
                        Some(new) => {
                            map.insert(k, new);
                        }
                        None => {
                            map.shift_remove(&k);
                        }
                    }
                    return true;
                }
                *n -= 1;
                if let Some(child) = map.get_mut(&k)
                    && edit_nth(child, n, f)
                {
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}

fn apply_tree_edit(docs: &mut [Value], edit: &TreeEdit) {
    let total: usize = docs.iter().map(count).sum();
    if total == 0 {
        return;
    }
    let target = match edit {
        TreeEdit::Drop(n)
        | TreeEdit::Replace(n, _)
        | TreeEdit::WrapList(n)
        | TreeEdit::WrapMap(n, _)
        | TreeEdit::Flatten(n)
        | TreeEdit::AddKey(n, _, _) => *n as usize % total,
    };
    // which document, and which node below its root (the root itself: the document's mapping)
    let mut n = target;
    let Some(doc) = docs.iter_mut().find(|d| {
        let c = count(d);
        if n < c {
            true
        } else {
            n -= c;
            false
        }
    }) else {
        return;
    };
    let mut f = |old: Value| -> Option<Value> {
        match edit {
            TreeEdit::Drop(_) => None,
            TreeEdit::Replace(_, v) => Some(odd_value(*v as usize)),
            TreeEdit::WrapList(_) => Some(Value::Array(vec![old])),
            TreeEdit::WrapMap(_, k) => {
                let mut map = serde_json::Map::new();
                map.insert(KEYS[*k as usize % KEYS.len()].to_owned(), old);
                Some(Value::Object(map))
            }
            TreeEdit::Flatten(_) => Some(match old {
                Value::Array(mut items) if !items.is_empty() => items.swap_remove(0),
                Value::Object(map) => map.into_iter().next().map_or(Value::Null, |(_, v)| v),
                other => other,
            }),
            TreeEdit::AddKey(_, k, v) => Some(match old {
                Value::Object(mut map) => {
                    map.insert(
                        KEYS[*k as usize % KEYS.len()].to_owned(),
                        odd_value(*v as usize),
                    );
                    Value::Object(map)
                }
                other => other,
            }),
        }
    };
    if n == 0 {
        // the document itself: drop means an empty document
        let old = doc.take();
        *doc = f(old).unwrap_or(Value::Null);
    } else {
        n -= 1;
        edit_nth(doc, &mut n, &mut f);
    }
}

/// The documents of `text` as JSON trees (each exactly as read, before typing), and the
/// documents that do not read at all as text.
fn documents(text: &str) -> (Vec<Value>, Vec<String>) {
    let options = ReadOptions::default().strictness(Strictness::Keep);
    let mut trees = Vec::new();
    let mut unreadable = Vec::new();
    for result in yaml::parse_with(text, &options) {
        match result {
            Ok(doc) => trees.push(doc.source.json()),
            Err(e) => unreadable.push(format!("# unreadable: {e}\n")),
        }
    }
    (trees, unreadable)
}

/// The documents written back: as YAML (through serde-saphyr) or as JSON (one JSON document
/// per YAML document, as `kubectl` accepts).
fn write_documents(docs: &[Value], json: bool) -> String {
    let mut out = String::new();
    for d in docs {
        out.push_str("---\n");
        let text = if json {
            serde_json::to_string_pretty(d).expect("JSON")
        } else {
            serde_saphyr::to_string(d).expect("YAML")
        };
        out.push_str(&text);
        if !text.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Text mutations: what only text can hold (YAML 1.1 traps unquoted, anchors, duplicate keys,
// bad indentation, document markers, odd Unicode, truncation)

/// Plain scalars YAML 1.1 (and some readers) take for something else, and syntax pieces.
const TRAPS: &[&str] = &[
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "~",
    "null",
    "0o17",
    "017",
    "0x1F",
    "0b101",
    "1_000",
    "12:30:00",
    "1e400",
    "-.inf",
    ".NaN",
    "99999999999999999999999999",
    "-9223372036854775809",
    "18446744073709551616",
    "2001:db8::",
    "001:db8::",
    "1.2.3.4/33",
    "2026-11-25",
    "\"\\u202e\\ud800\"",
    "\"\\x00\\t\"",
    "'",
    "\"",
    "[",
    "{a: b",
    "]",
    "&fz x",
    "*fz",
    "*nope",
    "!!binary aGk=",
    "!!int x",
    "!!float 1",
    "!!map {}",
    "!custom x",
    "|",
    ">-",
    "- a",
    "a: b: c",
    "? x",
    "@x",
    "`x",
    "%x",
    "\t1",
    "x #",
    "[*fz, *fz, *fz]",
];

/// Lines inserted as they are.
const LINES: &[&str] = &[
    "---",
    "...",
    "--- !tag",
    "%YAML 1.1",
    "%TAG ! tag:example.com,2000:",
    "<<: *fz",
    "<<: [*fz, *fz]",
    "&fz",
    "? complex",
    ": key",
    "# comment",
    "\u{feff}",
    "  extra: field",
    "- item",
    "apiVersion: v1",
    "kind: List",
    "items:",
    "\t",
    "metadata: {name: dup}",
    "spec: *fz",
];

/// Characters inserted anywhere.
const CHARS: &[char] = &[
    '\u{feff}',
    '\u{200b}',
    '\u{202e}',
    '\u{85}',
    '\u{2028}',
    '\u{2029}',
    '\u{fffd}',
    '\u{a0}',
    '\t',
    '\r',
    '\u{1F600}',
    '\u{301}',
    '\u{0}',
    '\u{7f}',
    '\u{1b}',
    ':',
    '#',
    '&',
    '*',
    '!',
    '|',
    '>',
    '\'',
    '"',
    '{',
    '[',
    '%',
    '@',
    '`',
];

#[derive(Clone, Debug)]
enum TextEdit {
    DropLine(u32),
    DupLine(u32),
    SwapLines(u32, u32),
    Indent(u32),
    Dedent(u32),
    /// Replace the value of a `key: value` or `- value` line by a trap.
    Value(u32, u8),
    InsertLine(u32, u8),
    /// Anchor the value of one line and alias it from another (or merge it there).
    AnchorAlias(u32, u32, bool),
    InsertChar(u32, u8),
    Truncate(u32),
}

fn text_edit() -> impl Strategy<Value = TextEdit> {
    prop_oneof![
        1 => any::<u32>().prop_map(TextEdit::DropLine),
        1 => any::<u32>().prop_map(TextEdit::DupLine),
        1 => (any::<u32>(), any::<u32>()).prop_map(|(a, b)| TextEdit::SwapLines(a, b)),
        1 => any::<u32>().prop_map(TextEdit::Indent),
        1 => any::<u32>().prop_map(TextEdit::Dedent),
        3 => (any::<u32>(), any::<u8>()).prop_map(|(l, t)| TextEdit::Value(l, t)),
        1 => (any::<u32>(), any::<u8>()).prop_map(|(l, t)| TextEdit::InsertLine(l, t)),
        1 => (any::<u32>(), any::<u32>(), any::<bool>())
            .prop_map(|(a, b, m)| TextEdit::AnchorAlias(a, b, m)),
        1 => (any::<u32>(), any::<u8>()).prop_map(|(p, c)| TextEdit::InsertChar(p, c)),
        1 => any::<u32>().prop_map(TextEdit::Truncate),
    ]
}

/// The start of the value on a `key: value` or `- value` line, if any.
fn value_start(line: &str) -> Option<usize> {
    if let Some(i) = line.find(": ") {
        return Some(i + 2);
    }
    let trimmed = line.trim_start();
    trimmed
        .strip_prefix("- ")
        .map(|_| line.len() - trimmed.len() + 2)
}

/// The largest char boundary at or below `i`.
fn boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply_text_edit(text: &mut String, edit: &TextEdit) {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let n = lines.len();
    let at = |i: u32| i as usize % n;
    match edit {
        TextEdit::DropLine(i) => {
            lines.remove(at(*i));
        }
        TextEdit::DupLine(i) => {
            let l = lines[at(*i)].clone();
            lines.insert(at(*i), l);
        }
        TextEdit::SwapLines(a, b) => lines.swap(at(*a), at(*b)),
        TextEdit::Indent(i) => lines[at(*i)].insert_str(0, "  "),
        TextEdit::Dedent(i) => {
            let l = &mut lines[at(*i)];
            let spaces = l.len() - l.trim_start_matches(' ').len();
            l.drain(..spaces.min(2));
        }
        TextEdit::Value(i, t) => {
            let l = &mut lines[at(*i)];
            let trap = TRAPS[*t as usize % TRAPS.len()];
            match value_start(l) {
                Some(s) => l.replace_range(s.., trap),
                None => l.push_str(&format!(": {trap}")),
            }
        }
        TextEdit::InsertLine(i, t) => {
            let indent: String = lines[at(*i)].chars().take_while(|c| *c == ' ').collect();
            lines.insert(
                at(*i),
                format!("{indent}{}", LINES[*t as usize % LINES.len()]),
            );
        }
        TextEdit::AnchorAlias(a, b, merge) => {
            let a = at(*a);
            if let Some(s) = value_start(&lines[a]) {
                lines[a].insert_str(s, "&fz ");
            } else {
                lines[a].push_str(" &fz");
            }
            let b = at(*b);
            if *merge {
                let indent: String = lines[b].chars().take_while(|c| *c == ' ').collect();
                lines.insert(b, format!("{indent}<<: *fz"));
            } else if let Some(s) = value_start(&lines[b]) {
                lines[b].replace_range(s.., "*fz");
            }
        }
        TextEdit::InsertChar(p, c) => {
            let pos = boundary(text, *p as usize % (text.len() + 1));
            text.insert(pos, CHARS[*c as usize % CHARS.len()]);
            return;
        }
        TextEdit::Truncate(p) => {
            let pos = boundary(text, *p as usize % (text.len() + 1));
            text.truncate(pos);
            return;
        }
    }
    *text = lines.join("\n");
    text.push('\n');
}

/// One fuzz case: a real file, edited as trees, written (YAML or JSON), then edited as text.
#[derive(Clone, Debug)]
struct Mutation {
    file: usize,
    tree: Vec<TreeEdit>,
    json: bool,
    text: Vec<TextEdit>,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    (
        any::<usize>(),
        proptest::collection::vec(tree_edit(), 0..6),
        prop::bool::weighted(0.2),
        proptest::collection::vec(text_edit(), 0..6),
    )
        .prop_map(|(file, tree, json, text)| Mutation {
            file,
            tree,
            json,
            text,
        })
}

/// The input a mutation describes (`None` without the reference data).
fn mutated(m: &Mutation) -> Option<String> {
    let corpus = corpus();
    if corpus.is_empty() {
        return None;
    }
    let (_, original) = &corpus[m.file % corpus.len()];
    let mut text = if m.tree.is_empty() && !m.json {
        original.clone()
    } else {
        let (mut docs, unreadable) = documents(original);
        for edit in &m.tree {
            apply_tree_edit(&mut docs, edit);
        }
        let mut text = write_documents(&docs, m.json);
        unreadable.iter().for_each(|u| text.push_str(u));
        text
    };
    for edit in &m.text {
        apply_text_edit(&mut text, edit);
    }
    Some(text)
}

// ---------------------------------------------------------------------------------------------
// Byte-level: real files with bytes flipped or spliced in, cut at any byte

#[derive(Clone, Debug)]
struct ByteCase {
    file: usize,
    flips: Vec<(u32, u8)>,
    splice: Option<(u32, Vec<u8>)>,
    cut: Option<u32>,
}

fn byte_case() -> impl Strategy<Value = ByteCase> {
    (
        any::<usize>(),
        proptest::collection::vec((any::<u32>(), any::<u8>()), 0..8),
        proptest::option::of((any::<u32>(), proptest::collection::vec(any::<u8>(), 0..64))),
        proptest::option::of(any::<u32>()),
    )
        .prop_map(|(file, flips, splice, cut)| ByteCase {
            file,
            flips,
            splice,
            cut,
        })
}

fn bytes_of(c: &ByteCase) -> Option<String> {
    let corpus = corpus();
    if corpus.is_empty() {
        return None;
    }
    let mut bytes = corpus[c.file % corpus.len()].1.clone().into_bytes();
    for &(at, b) in &c.flips {
        if !bytes.is_empty() {
            let i = at as usize % bytes.len();
            bytes[i] = b;
        }
    }
    if let Some((at, extra)) = &c.splice {
        let i = *at as usize % (bytes.len() + 1);
        bytes.splice(i..i, extra.iter().copied());
    }
    if let Some(cut) = c.cut {
        bytes.truncate(cut as usize % (bytes.len() + 1));
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(DEFAULT_CASES))]

    /// Mutated real manifests through the types, strict and lenient, and back.
    #[test]
    fn mutated_manifests_read_and_write_back(m in mutation()) {
        if let Some(text) = mutated(&m) {
            check_types(&text);
        }
    }

    /// Mutated real manifests through the analyzer (with and without the built-in CRDs, from
    /// text and in memory) and every output format.
    #[test]
    fn mutated_manifests_analyze(m in mutation()) {
        if let Some(text) = mutated(&m) {
            check_analyzer(&text);
            check_analyzer_in_memory(&text);
            check_analyzer_sees_the_types_values(&text);
        }
    }

    /// Real files with bytes changed and cut anywhere, through the types and the analyzer.
    #[test]
    fn damaged_bytes_of_real_files(c in byte_case()) {
        if let Some(text) = bytes_of(&c) {
            check_types(&text);
            check_analyzer(&text);
        }
    }
}

/// Every real file, unmutated and cut at a few places: the corpus itself is the first seed.
#[test]
fn every_real_file_and_its_truncations() {
    for (name, text) in corpus() {
        for cut in [text.len(), text.len() / 2, text.len() / 3, 1] {
            let t = &text[..boundary(text, cut)];
            let result = std::panic::catch_unwind(|| {
                check_types(t);
                check_analyzer(t);
            });
            assert!(result.is_ok(), "{name} cut at {cut} panicked");
        }
    }
}

/// The mutations reach every outcome (documents that read, syntax errors, typing errors,
/// unknown fields, inputs the analyzer finds nothing wrong with and inputs it reports), so the
/// properties above are not tested on inputs that all fail the same way.
#[test]
fn mutations_reach_every_outcome() {
    if corpus().is_empty() {
        return;
    }
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut ok, mut syntax, mut invalid, mut unknown, mut clean, mut reported) =
        (0, 0, 0, 0, 0, 0);
    for _ in 0..200 {
        let m = mutation()
            .new_tree(&mut runner)
            .expect("a mutation")
            .current();
        let text = mutated(&m).expect("the corpus is there");
        for r in yaml::parse_with(&text, &ReadOptions::default().strictness(Strictness::Keep)) {
            match r {
                Ok(doc) if doc.unknown_fields.is_empty() => ok += 1,
                Ok(_) => unknown += 1,
                Err(istio_grpc_types::Error::Syntax { .. }) => syntax += 1,
                Err(_) => invalid += 1,
            }
        }
        let mut inputs = Inputs::new();
        inputs.add_yaml(None, &text);
        match analyze(&inputs, &Options::default().threads(1)).exit_code() {
            0 => clean += 1,
            _ => reported += 1,
        }
    }
    let counts = [ok, syntax, invalid, unknown, clean, reported];
    assert!(
        counts.iter().all(|&c| c > 0),
        "documents read, syntax errors, typing errors, unknown fields, clean inputs, reported inputs: {counts:?}"
    );
    eprintln!(
        "outcomes of 200 mutations (read, syntax, typing, unknown, clean, reported): {counts:?}"
    );
}
