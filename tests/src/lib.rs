//! Integration tests live in `tests/it`; benchmarks in `benches/`.
