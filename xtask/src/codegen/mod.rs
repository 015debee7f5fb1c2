//! `cargo xtask codegen`: Istio's field inventory → `istio-grpc-types/src/{module}.rs`.
//!
//! Input: `xtask/data/field-inventory.json` (vendored; see `xtask/data/README.md`), plus the
//! CRD-only fields listed in [`tables`]. Output: one Rust module per proto file, formatted by
//! `rustfmt`. Hand-written pieces (`Duration`, `StringMatch`, the resource macro) live in their
//! own modules of the types crate and are only referenced from here.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

pub(crate) mod doc;
mod emit;
mod model;
pub(crate) mod names;
pub(crate) mod ser;
mod tables;

use model::Inventory;

/// The vendored inventory, relative to the workspace root.
pub(crate) const INVENTORY: &str = "xtask/data/field-inventory.json";
/// The Istio API the inventory describes, as stamped into every generated header.
pub(crate) const ISTIO_API: &str = "Istio's API at istio/api@b8f8791d9653 (1.31 development, after 1.30.3), \
     with the CRD-only fields of istio/istio@86c9f01fd735";
/// The istio/api commit the inventory must say it was taken from.
const ISTIO_API_COMMIT: &str = "istio/api@b8f8791d9653b2edc77a071d48887e582cfe84bf";

/// Where the generated modules go, relative to the workspace root.
const OUT: &str = "istio-grpc-types/src";

/// Generates every module; with `check`, writes nothing and fails when a file is stale.
pub(crate) fn run(root: &Path, check: bool) -> Result<String, String> {
    let path = root.join(INVENTORY);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let inventory = Inventory::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if !inventory.source.contains(ISTIO_API_COMMIT) {
        return Err(format!(
            "{} comes from {:?}, but the headers would say {ISTIO_API_COMMIT}: update ISTIO_API",
            path.display(),
            inventory.source
        ));
    }
    let generated = generate(&inventory)?;
    let mut stale = Vec::new();
    for (module, source) in &generated.files {
        let source = rustfmt(root, source)?;
        let rel = format!("{OUT}/{module}.rs");
        let target = root.join(&rel);
        let old = std::fs::read_to_string(&target).ok();
        if old.as_deref() != Some(source.as_str()) {
            if !check {
                std::fs::write(&target, &source)
                    .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
            }
            stale.push(rel);
        }
    }
    if check && !stale.is_empty() {
        return Err(format!(
            "generated files are stale: {} (run `cargo xtask codegen`)",
            stale.join(", ")
        ));
    }
    let mut summary = String::new();
    let _ = write!(
        summary,
        "codegen: {} modules, {} messages, {} enums",
        generated.files.len(),
        generated.messages,
        generated.enums
    );
    summary.push_str(if check {
        " (up to date)"
    } else if stale.is_empty() {
        " (unchanged)"
    } else {
        " (written)"
    });
    Ok(summary)
}

/// The generated modules (unformatted) and what they hold.
pub(crate) struct Generated {
    /// Module name → source, in [`tables::FILES`] order.
    pub(crate) files: Vec<(String, String)>,
    pub(crate) messages: usize,
    pub(crate) enums: usize,
}

/// Generates every module from the inventory.
pub(crate) fn generate(inventory: &Inventory) -> Result<Generated, String> {
    let mut messages: Vec<model::Message> = inventory
        .messages
        .iter()
        .filter(|m| !tables::SKIP.contains(&(m.proto.as_str(), m.name.as_str())))
        .cloned()
        .chain(tables::crd_only_messages())
        .collect();
    for m in &mut messages {
        m.fields.extend(tables::crd_only_fields(&m.name));
        if m.name == "LoadBalancerSettings" {
            for (oneof, members) in &mut m.oneofs {
                if oneof == "lb_policy" {
                    members.push("backendUtilization".to_owned());
                }
            }
        }
    }
    let names = emit::Names::new(&messages, &inventory.enums)?;
    let mut files = Vec::new();
    for (proto, module) in tables::FILES {
        let mut file_messages: Vec<&model::Message> =
            messages.iter().filter(|m| m.proto == *proto).collect();
        file_messages.sort_by(|a, b| a.name.cmp(&b.name));
        let mut file_enums: Vec<&model::Enum> = inventory
            .enums
            .iter()
            .filter(|e| e.proto == *proto)
            .collect();
        file_enums.sort_by(|a, b| a.name.cmp(&b.name));
        let source = emit::module(proto, &file_messages, &file_enums, &names)?;
        files.push(((*module).to_owned(), source));
    }
    Ok(Generated {
        files,
        messages: messages.len(),
        enums: inventory.enums.len(),
    })
}

/// Formats like `cargo fmt` does for this workspace.
pub(crate) fn rustfmt(root: &Path, text: &str) -> Result<String, String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "-q"])
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run rustfmt: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("rustfmt has no stdin")?;
    let input = text.to_owned();
    // write on another thread so that a large output cannot block the pipe both ways
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt: {e}"))?;
    writer
        .join()
        .map_err(|_| "rustfmt input writer panicked".to_owned())?
        .map_err(|e| format!("rustfmt input: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "rustfmt failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("rustfmt output: {e}"))
}

/// Messages by proto file, then by dotted name.
pub(crate) type ByFile<'a, T> = BTreeMap<&'a str, BTreeMap<&'a str, &'a T>>;

#[cfg(test)]
mod tests {
    use super::*;

    fn inventory(json: &str) -> Inventory {
        Inventory::parse(json).expect("test inventory parses")
    }

    /// A proto oneof becomes a Rust enum, with a wire struct whose members are sibling keys
    /// and a conversion that refuses two members at once.
    #[test]
    fn oneof_becomes_an_enum_with_a_checked_wire_form() {
        let inv = inventory(
            r#"{"source": "test", "messages": [{
                "proto": "networking/v1alpha3/virtual_service.proto", "name": "HTTPBody",
                "doc": "A body.", "oneofs": {"specifier": ["string", "bytes"]},
                "fields": [
                  {"json": "string", "type": "string", "repeated": false, "oneof": "specifier", "doc": "Text."},
                  {"json": "bytes", "type": "bytes", "repeated": false, "oneof": "specifier", "doc": ""}
                ]}], "enums": []}"#,
        );
        let generated = generate(&inv).expect("generates");
        let (_, vs) = &generated.files[0];
        for expected in [
            "#[cfg_attr(feature = \"read\", serde(try_from = \"HttpBodyWire\", into = \"HttpBodyWire\"))]",
            // written as its wire form, whose keys are siblings
            "serde::Serialize::serialize(&HttpBodyWire::from(self.clone()), serializer)",
            "map.optional(\"bytes\", &self.bytes)?;",
            "pub struct HttpBody {",
            "pub specifier: Option<BodySpecifier>,",
            "pub enum BodySpecifier {",
            "    String(String),",
            "    /// `bytes`: (no description in the API)",
            "    Bytes(String),",
            "pub struct HttpBodyWire {",
            "only one of `string`, `bytes` may be set (Istio oneof `specifier`)",
            "Some(BodySpecifier::Bytes(x)) => wire.bytes = Some(x),",
        ] {
            assert!(vs.contains(expected), "missing {expected:?} in:\n{vs}");
        }
        assert!(
            !vs.contains("use std::collections::BTreeMap;"),
            "unused import written"
        );
    }

    #[test]
    fn resources_get_spec_names_and_the_resource_macro() {
        let inv = inventory(
            r#"{"source": "test", "messages": [{
                "proto": "security/v1beta1/peer_authentication.proto", "name": "PeerAuthentication",
                "doc": "Mutual TLS.", "oneofs": {},
                "fields": [{"json": "portLevelMtls", "type": "map<uint32,string>", "repeated": false, "oneof": null, "doc": ""}]
                }], "enums": []}"#,
        );
        let generated = generate(&inv).expect("generates");
        let (module, pa) = generated
            .files
            .iter()
            .find(|(m, _)| m == "peer_authentication")
            .expect("module");
        assert_eq!(module, "peer_authentication");
        assert!(pa.contains("pub struct PeerAuthenticationSpec {"), "{pa}");
        assert!(
            pa.contains("pub port_level_mtls: Option<BTreeMap<String, String>>,"),
            "{pa}"
        );
        assert!(pa.contains("use std::collections::BTreeMap;"), "{pa}");
        assert!(pa.contains("versions: [V1, V1beta1],"), "{pa}");
        assert!(
            pa.contains(ISTIO_API),
            "the header names the Istio API: {pa}"
        );
    }

    #[test]
    fn unknown_types_are_an_error_not_a_guess() {
        let inv = inventory(
            r#"{"source": "test", "messages": [{
                "proto": "networking/v1alpha3/sidecar.proto", "name": "Sidecar", "doc": "", "oneofs": {},
                "fields": [{"json": "x", "type": "NoSuchMessage", "repeated": false, "oneof": null, "doc": ""}]
                }], "enums": []}"#,
        );
        let err = generate(&inv).err().expect("fails");
        assert!(err.contains("cannot resolve NoSuchMessage"), "{err}");
    }
}
