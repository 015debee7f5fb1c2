//! Every failure the fuzzing harness (`fuzz_manifests.rs`, `types_fuzz.rs`) has found, each as
//! a named test with its minimal input, written out (the proptest seeds in
//! `tests/tests/proptest-regressions/` replay the generated cases too, but depend on the
//! corpus and the generators staying as they are).

use crate::fuzz_manifests::{check_analyzer, check_analyzer_in_memory, check_types};

fn everything(text: &str) {
    check_types(text);
    check_analyzer(text);
    check_analyzer_in_memory(text);
}

/// A value with a line break (here the `apiVersion`, quoted in the "not checked" finding) made
/// one finding two lines of the human report; an escape sequence reached the terminal as is.
/// Fixed in `Diagnostic`'s `Display`, which escapes control, bidi and line-separator
/// characters.
#[test]
fn a_line_break_in_a_value_keeps_the_finding_on_one_line() {
    everything("apiVersion: \"crlf\\r\\n\"\nkind: Service\nmetadata: {name: my-ingressgateway}\n");
    everything("apiVersion: \"v1\\u001b[2J\"\nkind: Thing\nmetadata: {name: \"a\\u202eb\"}\n");
}
