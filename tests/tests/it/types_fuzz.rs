//! A bounded fuzzing harness over the YAML reader, on stable Rust with proptest: byte-level
//! input and input built from YAML's own pieces (indentation, flow and block collections,
//! anchors and aliases, document markers, quotes, tags, the YAML 1.1 traps). Whatever the
//! input, reading returns objects or errors: no panic, no hang, no unbounded allocation (the
//! reader's limits bound each document). Cases proptest ever finds failing are kept in
//! `tests/tests/proptest-regressions/types_fuzz.txt` and replayed first on every run (the first
//! one it found: a Service with a field k8s-openapi does not know, kept leniently, is refused
//! when read back strictly; the harness now reads back the way it read).
//!
//! The number of cases is bounded (`FUZZ_CASES`, default below; `PROPTEST_CASES` is read too) so
//! that the harness runs in CI in seconds; run longer with e.g. `FUZZ_CASES=100000`. The
//! mutations of real manifests, through the types and the analyzer, are in `fuzz_manifests.rs`.

use istio_grpc_types::yaml::{self, Options};
use istio_grpc_types::{Object, Strictness};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    crate::fuzz_manifests::config(256)
}

/// Reads `text` both ways and checks what holds for any input: every document read is one
/// the writer can write and the reader reads back the same.
fn read_everything(text: &str) {
    for options in [
        Options::default(),
        Options::default().strictness(Strictness::Keep),
    ] {
        // read as it goes, the stream gives what the whole text gives
        let whole: Vec<String> = yaml::parse_with(text, &options)
            .into_iter()
            .map(|d| format!("{:?}", d.map(|d| (d.index, d.object))))
            .collect();
        let mut read = Vec::new();
        yaml::parse_map_read(
            text.as_bytes(),
            &options,
            || (),
            |(), d| format!("{:?}", d.map(|d| (d.index, d.object))),
            |d| read.push(d),
        )
        .expect("UTF-8 text reads");
        assert_eq!(read, whole, "{text:?}");
        for doc in yaml::parse_with(text, &options).into_iter().flatten() {
            let written = yaml::to_string([&doc.object]).expect("what was read can be written");
            // read back the same way (what was kept leniently is refused strictly)
            let again: Vec<Object> = yaml::parse_with(&written, &options)
                .into_iter()
                .map(|d| d.map(|d| d.object))
                .collect::<Result<_, _>>()
                .unwrap_or_else(|e| panic!("written output reads back: {e}\n{written}"));
            assert_eq!(again.len(), 1, "{written}");
            if !matches!(doc.object, Object::Other(_)) {
                assert_eq!(again[0], doc.object, "{written}");
            }
        }
    }
}

/// Pieces of YAML, including the ones that trip readers.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("apiVersion: networking.istio.io/v1\nkind: VirtualService\n".to_owned()),
        Just("apiVersion: v1\nkind: Service\n".to_owned()),
        Just("apiVersion: v1\nkind: List\nitems:\n".to_owned()),
        Just("metadata: {name: a}\n".to_owned()),
        Just("spec:\n".to_owned()),
        Just("  http:\n  - route:\n    - destination: {host: a}\n".to_owned()),
        Just("  hosts: [a, b]\n".to_owned()),
        Just("  addresses: [1.2.3.4, 001:db8::]\n".to_owned()),
        Just("---\n".to_owned()),
        Just("...\n".to_owned()),
        Just("- ".to_owned()),
        Just("  ".to_owned()),
        Just("\t".to_owned()),
        Just(": ".to_owned()),
        Just("? ".to_owned()),
        Just("&a ".to_owned()),
        Just("*a".to_owned()),
        Just("<<: *a\n".to_owned()),
        Just("!!str ".to_owned()),
        Just("!custom ".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(", ".to_owned()),
        Just("\"quoted \\u00e9 \\x41\"".to_owned()),
        Just("'single ''quote'''".to_owned()),
        Just("|\n  block\n".to_owned()),
        Just(">-\n  folded\n".to_owned()),
        Just("# comment\n".to_owned()),
        Just("\n".to_owned()),
        Just("yes".to_owned()),
        Just("0o17".to_owned()),
        Just("1e400".to_owned()),
        Just("-.inf".to_owned()),
        Just("9090: x\n".to_owned()),
        Just("timeout: 5s\n".to_owned()),
        Just("timeout: -1s\n".to_owned()),
        "[a-zA-Z0-9_.:/-]{0,12}",
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        read_everything(&String::from_utf8_lossy(&bytes));
        // the bytes themselves, read as they go: documents or an error, never a panic
        let _ = yaml::parse_map_read(&bytes[..], &Options::default(), || (), |(), _| (), |()| ());
    }

    #[test]
    fn yaml_pieces_never_panic(pieces in proptest::collection::vec(piece(), 0..48)) {
        read_everything(&pieces.concat());
    }

    #[test]
    fn deep_and_wide_structures_are_bounded(
        depth in 0usize..200,
        open in prop_oneof![Just("["), Just("{a: "), Just("- ")],
    ) {
        let inner = match open {
            "- " => (0..depth).map(|i| format!("{}- ", "  ".repeat(i))).collect::<Vec<_>>().join("\n"),
            _ => open.repeat(depth),
        };
        read_everything(&format!("apiVersion: example.com/v1\nkind: Thing\nspec: {inner}\n"));
    }
}
