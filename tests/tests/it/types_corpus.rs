//! istio-grpc-types against Istio's own manifests: lossless round trips, rejection of
//! schema-invalid documents, and the YAML trap.

use std::collections::BTreeMap;
use std::path::Path;

use istio_grpc_types::{Object, yaml};
use serde_json::Value;

use crate::support::{self, is_istio_kind, json_difference};

/// Files of the valid corpora that are not round-tripped, each with the reason
/// `../shared/istio/README.md` gives. Empty means every file is checked.
const LEFT_OUT: &[(&str, &str)] = &[(
    "manifests-apidocs/networking__v1alpha3__virtual_service.proto__L1080.yaml",
    "uses snake_case `prefix_rewrite`, which Istio's jsonpb accepts but the CRD schema does not (README: pruned/rejected by the API server); checked in `apidoc_snake_case_is_rejected_with_path` instead",
)];

struct Outcome {
    files: usize,
    istio_documents: usize,
    other_documents: usize,
    failures: Vec<String>,
}

/// Parses every file of `folder`; every document must be read, and every Istio document must
/// write back to the same JSON value.
fn round_trip_folder(istio: &Path, folder: &str) -> Outcome {
    let mut outcome = Outcome {
        files: 0,
        istio_documents: 0,
        other_documents: 0,
        failures: Vec::new(),
    };
    for file in support::yaml_files(&istio.join(folder)) {
        let rel = format!(
            "{folder}/{}",
            file.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
        );
        if LEFT_OUT.iter().any(|(f, _)| *f == rel) {
            continue;
        }
        outcome.files += 1;
        let text = std::fs::read_to_string(&file).expect("read manifest");
        for doc in yaml::parse(&text) {
            let doc = match doc {
                Ok(doc) => doc,
                Err(e) => {
                    outcome.failures.push(format!("{rel}: {e}"));
                    continue;
                }
            };
            let read = doc.source.json();
            let written = doc.object.to_json().expect("serialize");
            if is_istio_kind(&read) {
                outcome.istio_documents += 1;
                assert!(
                    !matches!(doc.object, Object::Other(_)),
                    "{rel}: Istio document typed as Other"
                );
            } else {
                outcome.other_documents += 1;
            }
            if let Some(diff) = json_difference(&read, &written, "") {
                outcome
                    .failures
                    .push(format!("{rel} document {}: {diff}", doc.index));
            }
        }
    }
    outcome
}

fn check_folder(folder: &str) {
    let Some(istio) = support::istio_dir() else {
        return;
    };
    let outcome = round_trip_folder(&istio, folder);
    eprintln!(
        "{folder}: {} files, {} Istio documents, {} other documents round-tripped",
        outcome.files, outcome.istio_documents, outcome.other_documents
    );
    assert!(
        outcome.istio_documents > 0,
        "{folder}: no Istio document found"
    );
    assert!(
        outcome.failures.is_empty(),
        "{folder}: {} failures:\n{}",
        outcome.failures.len(),
        outcome.failures.join("\n")
    );
}

#[test]
fn lossless_on_valid_manifests() {
    check_folder("manifests");
}

#[test]
fn lossless_on_apidoc_examples() {
    check_folder("manifests-apidocs");
}

#[test]
fn lossless_on_generated_manifests() {
    check_folder("manifests-generated");
}

#[test]
fn apidoc_snake_case_is_rejected_with_path() {
    let Some(istio) = support::istio_dir() else {
        return;
    };
    let text = std::fs::read_to_string(istio.join(LEFT_OUT[0].0)).expect("read");
    let err = yaml::from_str(&text).expect_err("prefix_rewrite is not an Istio field");
    let message = err.to_string();
    assert_eq!(
        err.path(),
        Some("spec.http[0].redirect.prefix_rewrite"),
        "{message}"
    );
    assert!(
        message.contains("unknown field `prefix_rewrite`"),
        "{message}"
    );
    assert!(err.location().is_some_and(|l| l.line > 1), "{message}");
}

/// How the structural check of `index.json` describes a problem, as one of the grounds the
/// types alone must catch, or `None` for problems only the CRD (required fields, bounds, CEL)
/// or an analyzer catches.
fn schema_ground(error: &str) -> Option<&'static str> {
    if error.contains("Additional properties are not allowed") {
        Some("unknown field")
    } else if error.contains("is not one of") {
        Some("bad enum")
    } else if error.contains("is not of type") {
        Some("wrong type")
    } else if error.contains("duration") && !error.to_lowercase().contains("required") {
        Some("bad duration")
    } else {
        None
    }
}

/// Drops the test harness key `_err:` (a top-level key, possibly spanning continuation lines).
pub(crate) fn strip_err_keys(text: &str) -> String {
    let mut out = String::new();
    let mut in_err = false;
    for line in text.split_inclusive('\n') {
        if line.starts_with("_err:") {
            in_err = true;
            out.push('\n');
            continue;
        }
        if in_err && (line.starts_with(' ') || line.starts_with('\t')) {
            out.push('\n');
            continue;
        }
        in_err = false;
        out.push_str(line);
    }
    out
}

#[test]
fn schema_invalid_documents_are_rejected_with_path() {
    let Some(istio) = support::istio_dir() else {
        return;
    };
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(istio.join("index.json")).expect("index"))
            .expect("json");
    let mut checks: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for record in index["files"].as_array().expect("files") {
        if record["category"] == "invalid" {
            let file = record["file"].as_str().expect("file").to_owned();
            checks.insert(
                file,
                record["schema_check"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
            );
        }
    }
    let (mut documents, mut rejected, mut must_reject, mut istio_documents) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for (file, schema_checks) in &checks {
        let text = strip_err_keys(&std::fs::read_to_string(istio.join(file)).expect("read"));
        let mut istio_index = 0;
        for doc in yaml::parse(&text) {
            documents += 1;
            // the document's own JSON, to know whether it is an Istio kind even when rejected
            let is_istio = match &doc {
                Ok(d) => is_istio_kind(&d.source.json()),
                Err(e) => e.path().is_some() || matches!(e, istio_grpc_types::Error::Syntax { .. }),
            };
            if !is_istio {
                continue;
            }
            istio_documents += 1;
            let expected = schema_checks
                .get(istio_index)
                .cloned()
                .unwrap_or(Value::Null);
            istio_index += 1;
            let grounds: Vec<&str> = expected["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e.as_str())
                .filter_map(schema_ground)
                .collect();
            match &doc {
                Err(e) => {
                    rejected += 1;
                    if e.path().is_none() || e.location().is_none() {
                        failures.push(format!("{file}: rejected without a path or location: {e}"));
                    }
                    if !grounds.is_empty() {
                        must_reject += 1;
                    }
                    eprintln!("rejected {file} ({}): {e}", expected["name"]);
                }
                Ok(_) if !grounds.is_empty() => {
                    must_reject += 1;
                    failures.push(format!(
                        "{file} {}: accepted, but the CRD rejects it for {grounds:?}: {}",
                        expected["name"], expected["errors"]
                    ));
                }
                Ok(_) => {}
            }
        }
    }
    eprintln!(
        "manifests-invalid: {documents} documents, {istio_documents} Istio documents; the types alone reject {rejected} \
         (all {must_reject} that are wrong on schema grounds among them)"
    );
    assert!(
        must_reject > 0,
        "the corpus should hold schema-invalid documents"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn yaml_trap_reads_two_strings() {
    let text = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: trap\nspec:\n  hosts: [example.com]\n  addresses: [1.2.3.4, 001:db8::]\n  resolution: STATIC\n";
    let docs = yaml::objects_from_str(text).expect("parses");
    let Object::ServiceEntry(se) = &docs[0] else {
        panic!("not a ServiceEntry: {:?}", docs[0])
    };
    assert_eq!(
        se.spec.addresses.as_deref(),
        Some(&["1.2.3.4".to_owned(), "001:db8::".to_owned()][..])
    );
    // and it writes back as two strings that any YAML parser reads the same way
    let written = yaml::to_string(&docs).expect("write");
    let again = yaml::objects_from_str(&written).expect("re-read");
    assert_eq!(again, docs);
    let plain: Vec<Value> = serde_saphyr::from_multiple(&written).expect("yaml");
    assert_eq!(
        plain[0]["spec"]["addresses"][1],
        Value::String("001:db8::".into()),
        "{written}"
    );
}

#[test]
fn yaml_trap_does_not_hide_real_mappings() {
    let text = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: trap\nspec:\n  hosts: [example.com]\n  addresses: [1.2.3.4, {a: b}]\n";
    let err = yaml::from_str(text).expect_err("a real mapping is not an address");
    assert_eq!(err.path(), Some("spec.addresses[1]"), "{err}");
}
