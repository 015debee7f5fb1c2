//! `yaml::parse_map_read`, which reads a stream as it goes and never holds it whole, reads what
//! the readers of a whole text read: the same objects, errors, document numbers and positions,
//! on Istio's corpora, on hostile input and on the limits; a document's positions come back from
//! its bytes alone ([`yaml::Span::reread`]).

use std::sync::Arc;

use istio_grpc_types::yaml::{self, Limits, Options};

use crate::support;

/// What a reader gives of a document: its object as JSON and the positions of its fields, or
/// its error.
fn outline(doc: Result<yaml::Document, istio_grpc_types::Error>, paths: &[&str]) -> String {
    match doc {
        Ok(doc) => format!(
            "#{} {} {:?} {:?}",
            doc.index,
            doc.object
                .to_json()
                .map(|v| v.to_string())
                .unwrap_or_default(),
            paths
                .iter()
                .map(|p| doc.source.locate(p))
                .collect::<Vec<_>>(),
            doc.source.start(),
        ),
        Err(e) => format!("error {e}"),
    }
}

const PATHS: &[&str] = &[
    "metadata.name",
    "spec",
    "spec.hosts[0]",
    "spec.http[0].route[0]",
];

fn both(text: &str, options: &Options) {
    let mut whole = Vec::new();
    yaml::parse_each(text, options, |doc| whole.push(outline(doc, PATHS)));
    let mut read = Vec::new();
    yaml::parse_map_read(
        text.as_bytes(),
        options,
        || (),
        |(), doc| outline(doc, PATHS),
        |o| read.push(o),
    )
    .expect("reads");
    assert_eq!(read, whole, "{:.300}", text);
}

#[test]
fn reading_as_it_goes_reads_what_reading_the_whole_text_reads() {
    let Some(istio) = support::istio_dir() else {
        return;
    };
    let mut files = 0;
    for corpus in ["manifests", "manifests-invalid", "manifests-generated"] {
        for path in support::yaml_files(&istio.join(corpus)) {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            for threads in [1, 2] {
                both(&text, &Options::default().threads(threads));
            }
            files += 1;
        }
    }
    assert!(files > 100, "{files} files");
}

#[test]
fn reading_as_it_goes_on_markers_blanks_and_limits() {
    let object = |name: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\ndata: {{k: v}}\n")
    };
    let cases = [
        String::new(),
        "\n\n".to_owned(),
        "---\n".to_owned(),
        format!("---\n{}", object("a")),
        format!("\n\n  \n{}---\n\n# only a comment\n---\n{}...\n", object("a"), object("b")),
        format!("--- {{apiVersion: v1, kind: ConfigMap, metadata: {{name: a}}}}\n---\n{}", object("b")),
        format!("{}---", object("a")),
        format!("{}\n---\n   \n   {}", object("a"), "key: [unclosed"),
        // without a final newline, and a tab-led line
        object("a").trim_end().to_owned(),
        "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n".to_owned(),
    ];
    for case in &cases {
        both(case, &Options::default());
    }
    // the size limit: on both sides, and the documents after one too large still read
    let small = object("a");
    let mut limits = Limits::default();
    limits.max_document_bytes = small.len();
    let options = Options::default().limits(limits);
    both(
        &format!("{small}---\n{}---\n{small}", object("abc")),
        &options,
    );
    both(&format!("---\n\n  {}", object("a")), &options);
    // a document far over the limit is counted, not held: one line of 10 MB
    let huge = format!(
        "{small}---\ndata: \"{}\"\n---\n{small}",
        "x".repeat(10 << 20)
    );
    both(&huge, &options);
}

#[test]
fn reading_as_it_goes_stops_at_bytes_that_are_not_utf8() {
    let mut bytes = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkind: ".to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice(b"\n");
    let mut kinds = Vec::new();
    let read = yaml::parse_map_read(
        &bytes[..],
        &Options::default(),
        || (),
        |(), doc| doc.map(|d| d.object.kind().to_owned()),
        |kind| kinds.push(kind),
    );
    let e = read.expect_err("not UTF-8");
    assert!(e.to_string().contains("not UTF-8 at byte 61"), "{e}");
    assert_eq!(kinds.len(), 1, "the document before it was read: {kinds:?}");
}

#[test]
fn a_document_read_as_it_goes_finds_its_positions_again_from_its_bytes() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n\n# b\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata: {k: v}\n";
    let mut spans = Vec::new();
    yaml::parse_map_read(
        text.as_bytes(),
        &Options::default(),
        || (),
        |(), doc| {
            doc.expect("reads")
                .source
                .span()
                .expect("a place in the text")
        },
        |span| spans.push(span),
    )
    .expect("reads");
    let range = spans[1].range();
    let again = spans[1].reread(Arc::from(&text[range]), Limits::default());
    let at = again.locate("metadata.name").expect("located");
    assert_eq!((at.line, at.column), (10, 9));
    let whole = yaml::SourceMap::reread(text.into(), spans[1], Limits::default());
    assert_eq!(whole.locate("data.k"), again.locate("data.k"));
}
