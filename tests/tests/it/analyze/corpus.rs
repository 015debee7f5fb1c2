//! The analyzer on Istio's own manifests.

use std::collections::{BTreeMap, BTreeSet};

use istio_grpc_analyze::{Inputs, Options, Severity, analyze};
use serde_json::Value;

use crate::support;

/// Analyzes one corpus file alone, as `istio-grpc check FILE` would (with `options`).
fn analyze_file(path: &std::path::Path, options: &Options) -> istio_grpc_analyze::Report {
    let mut inputs = Inputs::new();
    inputs.add_path(path);
    analyze(&inputs, options)
}

/// What `istio-grpc check` uses by default: the built-in Istio CRDs.
fn default_options() -> Options {
    Options::default().crds(istio_grpc_analyze::CrdSet::istio().expect("built-in CRDs"))
}

/// `(file, code)` pairs that analyzer-expectations.yaml expects at Error level.
fn expected_errors(istio: &std::path::Path) -> BTreeSet<(String, String)> {
    let text =
        std::fs::read_to_string(istio.join("analysis/analyzer-expectations.yaml")).expect("read");
    let doc: Value = serde_saphyr::from_str(&text).expect("yaml");
    let mut out = BTreeSet::new();
    for file in doc["files"].as_array().into_iter().flatten() {
        let name = file["file"].as_str().unwrap_or("").to_owned();
        for e in file["expected"].as_array().into_iter().flatten() {
            if e["level"] == "Error" {
                out.insert((name.clone(), e["code"].as_str().unwrap_or("").to_owned()));
            }
        }
    }
    out
}

/// Error-level findings on the valid corpus that istioctl's expectations do not list:
/// `(file, code, companion)`. Each is a VirtualService bound to a Gateway that Istio's test data
/// defines in another file (`companion`); `istioctl analyze` on the file alone reports the same
/// IST0101. The test fails on a finding not listed here, on an entry that no longer happens, and
/// if analyzing the file together with its companion does not clear the finding.
const DEVIATIONS: &[(&str, &str, &str)] = &[
    (
        "manifests/samples__tcp-echo__tcp-echo-20-v2.yaml",
        "IST0101",
        "manifests/samples__tcp-echo__tcp-echo-all-v1.yaml",
    ),
    (
        "manifests/tests__testdata__config__rule-default-route.yaml",
        "IST0101",
        "manifests/tests__testdata__config__gateway-all.yaml",
    ),
    (
        "manifests/tests__testdata__config__rule-ingressgateway.yaml",
        "IST0101",
        "manifests/tests__testdata__config__ingressgateway.yaml",
    ),
    (
        "manifests/tests__testdata__config__rule-route-via-egressgateway.yaml",
        "IST0101",
        "manifests/tests__testdata__config__egressgateway.yaml",
    ),
    (
        "manifests/tests__testdata__config__virtual-service-all.yaml",
        "IST0101",
        "manifests/tests__testdata__config__gateway-all.yaml",
    ),
];

#[test]
fn valid_manifests_have_no_unexpected_errors() {
    let Some(istio) = support::istio_dir() else {
        return;
    };
    let expected = expected_errors(&istio);
    // as `istio-grpc check` runs by default: with the built-in CRDs' schema and CEL checks
    let options = default_options();
    let mut found: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for path in support::yaml_files(&istio.join("manifests")) {
        let rel = format!(
            "manifests/{}",
            path.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
        );
        for d in analyze_file(&path, &options)
            .diagnostics()
            .iter()
            .filter(|d| d.severity == Severity::Error)
        {
            found
                .entry((rel.clone(), d.code.id.to_owned()))
                .or_default()
                .push(d.to_string());
        }
    }
    let mut unexplained = Vec::new();
    for ((file, code), messages) in &found {
        let listed = expected.contains(&(file.clone(), code.clone()))
            || DEVIATIONS.iter().any(|(f, c, _)| f == file && c == code);
        if !listed {
            unexplained.push(format!("{file} {code}:\n  {}", messages.join("\n  ")));
        }
    }
    let stale: Vec<_> = DEVIATIONS
        .iter()
        .filter(|(f, c, _)| !found.contains_key(&((*f).to_owned(), (*c).to_owned())))
        .collect();
    assert!(
        unexplained.is_empty(),
        "{} unexplained errors:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
    assert!(
        stale.is_empty(),
        "deviations that no longer happen: {stale:?}"
    );
    for (file, code, companion) in DEVIATIONS {
        let mut inputs = Inputs::new();
        inputs
            .add_path(&istio.join(file))
            .add_path(&istio.join(companion));
        let report = analyze(&inputs, &options);
        let left: Vec<String> = report
            .diagnostics()
            .iter()
            .filter(|d| d.code.id == *code && d.severity == Severity::Error)
            .map(ToString::to_string)
            .collect();
        assert!(
            left.is_empty(),
            "{file} with {companion} still has {code}: {left:?}"
        );
    }
}

/// Line ranges `[start, end)` of the documents of a YAML stream (split on `---` lines).
fn document_ranges(text: &str) -> Vec<(usize, usize, bool)> {
    let mut ranges = Vec::new();
    let (mut start, mut has_err, mut has_content) = (1, false, false);
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        if line.starts_with("---") {
            if has_content {
                ranges.push((start, n, has_err));
            }
            (start, has_err, has_content) = (n, false, false);
            continue;
        }
        if line.starts_with("_err:") {
            has_err = true;
        }
        if !line.trim().is_empty() && !line.trim_start().starts_with('#') {
            has_content = true;
        }
    }
    if has_content {
        ranges.push((start, lines.len() + 1, has_err));
    }
    ranges
}

/// The expected findings the analyzer does not report, each with its reason:
/// `(file, reason in the table, object, why)`.
const KNOWN_MISSES: &[(&str, &str, &str, &str)] = &[
    (
        "virtualservice_dupmatches.yaml",
        "IST0131",
        "VirtualService non-method-get",
        HELD_OUT,
    ),
    (
        "virtualservice_dupmatches.yaml",
        "IST0131",
        "VirtualService overlapping-in-single-match",
        HELD_OUT,
    ),
    (
        "virtualservice_dupmatches.yaml",
        "IST0131",
        "VirtualService overlapping-in-two-matches",
        HELD_OUT,
    ),
    (
        "virtualservice_dupmatches.yaml",
        "IST0131",
        "VirtualService overlapping-mathes-with-different-methods",
        HELD_OUT,
    ),
    (
        "gateway-no-workload.yaml",
        "IST0101",
        "Gateway httpbin-gateway",
        "the input holds no gateway workload; istioctl's test adds the cluster's ingress gateway pod, and without one in the input the gateway's deployment is elsewhere",
    ),
    (
        "gateway-no-port.yaml",
        "IST0162",
        "Gateway httpbin-gateway",
        "needs the default ingress gateway's pod and Service, which istioctl's test supplies and the input does not hold",
    ),
    (
        "destinationrule-subsets-not-select-pods.yaml",
        "IST0173",
        "DestinationRule default/subsets-not-select-pods",
        "the input holds no pod at all: the pods are in the cluster, and \"selects no pod\" would say nothing",
    ),
    (
        "virtualservice_jwtclaimroute.yaml",
        "IST0149",
        "VirtualService foo",
        "needs the gateway's pods and the RequestAuthentications applied to them, from the cluster (istioctl's test supplies them)",
    ),
    (
        "tests__integration__pilot__testdata__gateway.yaml",
        "IST0101",
        "Gateway (selector matches no gateway workload)",
        INTEGRATION,
    ),
    (
        "tests__integration__pilot__testdata__virtualservice.yaml",
        "IST0101",
        "VirtualService (subset not defined until testdata/destinationrule.yaml is applied)",
        INTEGRATION,
    ),
    (
        "tests__integration__pilot__testdata__some-dir__missing-gateway.yaml",
        "IST0106",
        "VirtualService missing-gateway (no http/tcp/tls)",
        INTEGRATION,
    ),
    (
        "condition-analyzer.yaml",
        "schema: Required value",
        "AuthorizationPolicy negative-condition-authz",
        NO_SPEC,
    ),
    (
        "condition-analyzer.yaml",
        "schema: Required value",
        "AuthorizationPolicy negative-condition-authz-partially-invalid",
        NO_SPEC,
    ),
];
const HELD_OUT: &str = "its expectation comes from analyzing it with virtualservice_overlappingmatches.yaml, which is held out of the corpus";
const INTEGRATION: &str = "an integration test against a live cluster: the expectation names no object, and its inputs are cluster state";
const NO_SPEC: &str = "an AuthorizationPolicy without spec: the index's strict check requires spec, Istio's CRD does not, and the API server accepts it";

/// For each reason `manifests-invalid/NOTES.md` gives (an `_err:` rejection, an `istioctl
/// analyze` message, a strict-schema failure), how many instances the analyzer (with the CRDs)
/// catches. The table is a reviewed snapshot, so a change in what is caught shows in review.
#[test]
fn invalid_manifests_caught_per_reason() {
    let Some(istio) = support::istio_dir() else {
        return;
    };
    let crds = istio_grpc_analyze::CrdSet::from_yaml(
        &std::fs::read_to_string(istio.join("crds/crd-all.gen.yaml")).expect("read"),
    )
    .expect("CRDs");
    let options = Options::default().crds(crds);
    let expectations: Value = serde_saphyr::from_str(
        &std::fs::read_to_string(istio.join("analysis/analyzer-expectations.yaml")).expect("read"),
    )
    .expect("yaml");
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(istio.join("index.json")).expect("read"))
            .expect("json");
    // reason -> (instances, caught)
    let mut table: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    // what is missed: (file, reason, the object or document)
    let mut missed: Vec<(String, String, String)> = Vec::new();
    let mut bump = |reason: String, caught: bool, file: &str, what: String| {
        let e = table.entry(reason.clone()).or_default();
        e.0 += 1;
        e.1 += usize::from(caught);
        if !caught {
            missed.push((file.to_owned(), reason, what));
        }
    };
    for path in support::yaml_files(&istio.join("manifests-invalid")) {
        let rel = format!(
            "manifests-invalid/{}",
            path.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
        );
        let raw = std::fs::read_to_string(&path).expect("read");
        let text = crate::types_corpus::strip_err_keys(&raw);
        let mut inputs = Inputs::new();
        inputs.add_yaml(Some(&path), &text);
        let report = analyze(&inputs, &options);
        let errors: Vec<_> = report
            .diagnostics()
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        // 1. `_err:` documents: the API server must reject them
        for (start, end, has_err) in document_ranges(&raw) {
            if has_err {
                let caught = errors
                    .iter()
                    .any(|d| d.location.is_some_and(|l| l.line >= start && l.line < end));
                bump(
                    "_err: rejected by the API server (CRD schema or CEL)".into(),
                    caught,
                    &rel,
                    format!("lines {start}-{end}"),
                );
            }
        }
        // 2. istioctl analyze expectations
        for file in expectations["files"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["file"] == rel.as_str())
        {
            for e in file["expected"].as_array().into_iter().flatten() {
                let code = e["code"].as_str().unwrap_or("");
                let resource = e["resource"].as_str().unwrap_or("");
                let (kind, id) = resource.split_once(' ').unwrap_or(("", resource));
                let name = id.rsplit('/').next().unwrap_or(id);
                let caught = report.diagnostics().iter().any(|d| {
                    d.code.id == code
                        && d.resource
                            .as_ref()
                            .is_some_and(|r| r.kind == kind && r.name == name)
                });
                bump(
                    format!(
                        "istioctl {code} {} ({})",
                        e["message"].as_str().unwrap_or(""),
                        e["level"].as_str().unwrap_or("")
                    ),
                    caught,
                    &rel,
                    resource.to_owned(),
                );
            }
        }
        // 3. strict-schema failures found against the CRD
        for record in index["files"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["file"] == rel.as_str())
        {
            for check in record["schema_check"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|c| c["status"] == "fail")
            {
                let name = check["name"].as_str().unwrap_or("");
                let kind = check["kind"].as_str().unwrap_or("");
                let istio_kind = support::ISTIO_KINDS.contains(&kind);
                let caught = errors.iter().any(|d| {
                    d.resource
                        .as_ref()
                        .is_some_and(|r| r.kind == kind && r.name == name)
                        || (istio_kind && d.resource.is_none() && d.code.id == "GRPC012")
                });
                bump(
                    format!(
                        "schema: {}",
                        check["errors"][0]
                            .as_str()
                            .unwrap_or("")
                            .split(": ")
                            .nth(1)
                            .unwrap_or("?")
                            .split(" (")
                            .next()
                            .unwrap_or("")
                    ),
                    caught,
                    &rel,
                    format!("{kind} {name}"),
                );
            }
        }
    }
    let mut rendered = String::from("reason | instances | caught\n--- | --- | ---\n");
    let (mut total, mut caught) = (0, 0);
    for (reason, (n, c)) in &table {
        rendered.push_str(&format!("{reason} | {n} | {c}\n"));
        total += n;
        caught += c;
    }
    rendered.push_str(&format!("all | {total} | {caught}\n"));
    eprintln!("{rendered}");
    insta::assert_snapshot!("invalid_manifests_caught_per_reason", rendered);
    // every miss is named with its reason, and every named miss still happens
    let mut unexplained = Vec::new();
    for (file, reason, what) in &missed {
        let named = KNOWN_MISSES
            .iter()
            .any(|(f, r, w, _)| file.ends_with(f) && reason.contains(r) && what == w);
        if !named {
            unexplained.push(format!("({file:?}, {reason:?}, {what:?})"));
        }
    }
    assert!(
        unexplained.is_empty(),
        "misses without a reason in KNOWN_MISSES:\n{}",
        unexplained.join("\n")
    );
    let stale: Vec<_> = KNOWN_MISSES
        .iter()
        .filter(|(f, r, w, _)| {
            !missed
                .iter()
                .any(|(file, reason, what)| file.ends_with(f) && reason.contains(r) && what == w)
        })
        .collect();
    assert!(
        stale.is_empty(),
        "named misses that are caught now: {stale:?}"
    );
}

#[test]
#[ignore = "debug helper"]
fn debug_file() {
    let Some(istio) = support::istio_dir() else {
        return;
    };
    let f = std::env::var("DEBUG_FILE").unwrap_or_default();
    for d in analyze_file(&istio.join(f), &default_options()).diagnostics() {
        eprintln!("{d}");
    }
}
