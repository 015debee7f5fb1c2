//! Compile-time guarantees: each file under `tests/ui/` is a misuse that must not compile, with
//! the message committed beside it (`.stderr`). Run from this crate, whose small crate graph
//! keeps rustc's path trimming (and so the messages) stable.
//!
//! Re-bless after a deliberate change: `rm -rf target/tests/trybuild && TRYBUILD=overwrite
//! cargo test -p istio-grpc-builder --test ui`, then read every `.stderr`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
