//! `#[routes]` at compile time: each file under `tests/ui/` is a use of the macro, with the
//! compiler's output committed beside it (`.stderr`). Every misuse is a compile error on the
//! user's tokens, in our words; the generated routes compile on hand-written traits and refuse a
//! timeout on a streaming method.
//!
//! The cases use the macro the way users do, through `istio-grpc-builder` (a dev-dependency: the
//! builder depends on this crate, and Cargo allows the cycle for dev-dependencies), and the
//! example Greeter's generated trait.
//!
//! Re-bless after a deliberate change: `rm -rf target/tests/trybuild && TRYBUILD=overwrite
//! cargo test -p istio-grpc-macros --test ui`, then read every `.stderr`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/hand_written.rs");
    t.compile_fail("tests/ui/not_a_trait.rs");
    t.compile_fail("tests/ui/missing_package.rs");
    t.compile_fail("tests/ui/not_tonic_methods.rs");
    t.compile_fail("tests/ui/bad_arguments.rs");
    t.compile_fail("tests/ui/streaming_timeout.rs");
    t.compile_fail("tests/ui/unknown_name.rs");
    t.compile_fail("tests/ui/invalid_input_routes_anyway.rs");
}
