//! gRPC names, as `istio_grpc_types::grpc` defines them, and the Rust names tonic-prost-build
//! gives them.
//!
//! A proc-macro cannot take the types crate as a dependency without compiling it (serde and
//! all) for the host, so the rule is copied here; `tests.rs` checks this copy against
//! `istio_grpc_types::grpc` on the same vectors and on generated strings.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Whether `s` is a protobuf identifier: a letter or `_`, then letters, digits or `_`.
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `s` is a protobuf package: dot-separated identifiers (`helloworld`, `grpc.health.v1`).
pub(crate) fn is_package(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(is_identifier)
}

/// Whether `s` is a service's full name, `<package>.<Service>` or a bare `<Service>`.
pub(crate) fn is_service_name(s: &str) -> bool {
    is_package(s)
}

/// Whether `s` is a method name (one identifier, as the `.proto` spells it).
pub(crate) fn is_method_name(s: &str) -> bool {
    is_identifier(s)
}

/// The Rust method name tonic-prost-build gives the `.proto` method `proto` (prost-build's
/// `to_snake`), without the `r#` of a raw identifier: `GetHTTPStatus` → `get_http_status`,
/// `type` → `type`, `self` → `self_`.
pub(crate) fn rust_method_name(proto: &str) -> String {
    unraw(sanitize(proto.to_snake_case()))
}

/// The Rust trait name tonic-prost-build gives the `.proto` service `proto` (prost-build's
/// `to_upper_camel`), without `r#`.
pub(crate) fn rust_trait_name(proto: &str) -> String {
    unraw(sanitize(proto.to_upper_camel_case()))
}

fn unraw(s: String) -> String {
    match s.strip_prefix("r#") {
        Some(bare) => bare.to_owned(),
        None => s,
    }
}

/// prost-build's `sanitize_identifier` (prost-build 0.14, `src/ident.rs`).
fn sanitize(ident: String) -> String {
    match ident.as_str() {
        "as" | "break" | "const" | "continue" | "else" | "enum" | "false" | "fn" | "for" | "if"
        | "impl" | "in" | "let" | "loop" | "match" | "mod" | "move" | "mut" | "pub" | "ref"
        | "return" | "static" | "struct" | "trait" | "true" | "type" | "unsafe" | "use"
        | "where" | "while" | "dyn" | "abstract" | "become" | "box" | "do" | "final" | "macro"
        | "override" | "priv" | "typeof" | "unsized" | "virtual" | "yield" | "async" | "await"
        | "try" | "gen" => format!("r#{ident}"),
        "_" | "super" | "self" | "Self" | "extern" | "crate" => format!("{ident}_"),
        s if s.starts_with(|c: char| c.is_numeric()) => format!("_{ident}"),
        _ => ident,
    }
}
