//! Integration tests, in one binary (as kube-rs does): one module per area.

mod support;

mod fuzz_found;
mod fuzz_manifests;
mod gateway_api_types;
mod types_corpus;
mod types_fuzz;
mod types_kube_unknown;
mod types_limits;
mod types_misc;
mod types_read;
mod types_schema;
mod types_unknown;

mod analyze;
mod builder;
mod builder_gateway_api;
mod generate;
mod seed;
