//! The reader's limits: it reads everything the builder writes at scale, and refuses input
//! built to exhaust it (alias bombs, deep nesting, huge scalars, huge documents) with an error
//! that names the limit. Both sides of each limit are tested.

use istio_grpc_types::yaml::{self, Limits, Options};
use istio_grpc_types::{Error, Object};

/// The builder's output for a mesh of `services` gRPC services (the workload of its benchmark).
fn mesh_yaml(services: usize) -> String {
    istio_grpc_tests::benchmark_ingress(services)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_yaml()
}

fn reads_back_clean(services: usize) {
    let text = mesh_yaml(services);
    let docs = yaml::parse(&text);
    let bad: Vec<&Error> = docs.iter().filter_map(|d| d.as_ref().err()).collect();
    assert!(bad.is_empty(), "{services} services: {}", bad[0]);
    let largest = text.split("\n---\n").map(str::len).max().unwrap_or(0);
    eprintln!(
        "{services} services: {} documents, {:.1} MiB, largest document {:.1} MiB",
        docs.len(),
        text.len() as f64 / 1048576.0,
        largest as f64 / 1048576.0
    );
    assert!(docs.len() > services, "{}", docs.len());
}

#[test]
fn reads_what_the_builder_writes_for_10_000_services() {
    reads_back_clean(10_000);
}

#[test]
fn reads_what_the_builder_writes_for_50_000_services() {
    reads_back_clean(50_000);
}

fn with(limits: Limits) -> Options {
    Options::default().limits(limits)
}

/// The error of the only document of `text`, read with `options`.
fn error(text: &str, options: &Options) -> Option<Error> {
    let mut docs = yaml::parse_with(text, options);
    assert_eq!(docs.len(), 1, "{text:.200}");
    docs.remove(0).err()
}

fn object(spec: &str) -> String {
    format!("apiVersion: example.com/v1\nkind: Thing\nmetadata: {{name: a}}\nspec: {spec}\n")
}

/// `levels` lists nested in `spec`.
fn nested(levels: usize) -> String {
    object(&format!("{}{}", "[".repeat(levels), "]".repeat(levels)))
}

#[test]
fn nesting_limit() {
    let mut limits = Limits::default();
    limits.max_depth = 10;
    // the document mapping is one level, `spec`'s lists the others
    let under = error(&nested(9), &with(limits));
    assert!(under.is_none(), "{under:?}");
    let err = error(&nested(10), &with(limits)).expect("over max_depth");
    assert!(err.to_string().contains("yaml::Limits::max_depth"), "{err}");

    // the defaults: 32 levels, read on a test thread (2 MiB of stack) in a debug build
    let under = error(&nested(31), &Options::default());
    assert!(under.is_none(), "{under:?}");
    assert!(error(&nested(32), &Options::default()).is_some());
    let err = error(&nested(100_000), &Options::default()).expect("absurd nesting");
    assert!(err.to_string().contains("levels of nesting"), "{err}");
}

#[test]
fn node_limit() {
    let list = |n: usize| object(&format!("[{}]", vec!["x"; n].join(", ")));
    let mut limits = Limits::default();
    limits.max_nodes = 1_000;
    // the document has 11 nodes besides the items of `spec`'s list (mappings, keys, values)
    let under = error(&list(989), &with(limits));
    assert!(under.is_none(), "{under:?}");
    let err = error(&list(990), &with(limits)).expect("over max_nodes");
    assert!(err.to_string().contains("yaml::Limits::max_nodes"), "{err}");
}

#[test]
fn alias_bombs_are_refused() {
    // billion laughs: 9 levels of 10 aliases each would expand to 10^9 nodes
    let mut text = String::from(
        "apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: a}\nspec:\n  a0: &a0 [lol]\n",
    );
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("  a{i}: &a{i} [{refs}]\n"));
    }
    let err = error(&text, &Options::default()).expect("an alias bomb");
    let message = err.to_string();
    assert!(message.contains("yaml::Limits::"), "{message}");

    // a few aliases, as some hand-written manifests use, read fine
    let text = object("{base: &b {host: a, port: 1}, copy: *b}");
    let docs = yaml::parse(&text);
    let Ok(doc) = &docs[0] else {
        panic!("{:?}", docs[0])
    };
    let json = doc.object.to_json().expect("json");
    assert_eq!(json["spec"]["copy"]["host"], "a");

    let mut limits = Limits::default();
    limits.max_aliases = 2;
    let two = object("{a: &a x, b: *a, c: *a}");
    assert!(error(&two, &with(limits)).is_none());
    let three = object("{a: &a x, b: *a, c: *a, d: *a}");
    let err = error(&three, &with(limits)).expect("over max_aliases");
    assert!(
        err.to_string().contains("yaml::Limits::max_aliases"),
        "{err}"
    );
}

#[test]
fn scalar_limit() {
    let mut limits = Limits::default();
    limits.max_scalar_bytes = 100;
    assert!(error(&object(&"x".repeat(100)), &with(limits)).is_none());
    let err = error(&object(&"x".repeat(101)), &with(limits)).expect("over max_scalar_bytes");
    assert!(
        err.to_string().contains("yaml::Limits::max_scalar_bytes"),
        "{err}"
    );
    assert_eq!(err.location().map(|l| (l.line, l.column)), Some((4, 7)));
    // keys too
    let key = format!("{{{}: 1}}", "k".repeat(101));
    assert!(error(&object(&key), &with(limits)).is_some());

    // the defaults: 1.5 MiB
    assert!(yaml::parse(&object(&"x".repeat(1536 * 1024)))[0].is_ok());
    let err =
        error(&object(&"x".repeat(1536 * 1024 + 1)), &Options::default()).expect("a huge scalar");
    assert!(err.to_string().contains("max_scalar_bytes"), "{err}");
}

#[test]
fn document_size_limit_and_the_other_documents_still_read() {
    let mut limits = Limits::default();
    let small = object("{a: 1}");
    limits.max_document_bytes = small.len();
    assert!(error(&small, &with(limits)).is_none());
    let bigger = object("{a: 12}");
    let err = error(&bigger, &with(limits)).expect("over max_document_bytes");
    assert!(
        err.to_string().contains("yaml::Limits::max_document_bytes"),
        "{err}"
    );

    let stream = format!("{bigger}---\n{small}");
    let docs = yaml::parse_with(&stream, &with(limits));
    assert!(docs[0].is_err());
    assert!(
        matches!(&docs[1], Ok(d) if matches!(d.object, Object::Other(_))),
        "{:?}",
        docs[1]
    );
}
