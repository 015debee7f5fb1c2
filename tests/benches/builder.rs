//! Build and write a mesh of 10,000 gRPC services: one gateway; per service a VirtualService
//! route (the routes split over VirtualServices of at most 128 KiB), a DestinationRule and a
//! Service. Reports time (criterion) and peak memory (the
//! process's peak RSS, printed once before the measurements).
//!
//! `CARGO_TARGET_DIR=/work/target-builder cargo bench -p istio-grpc-tests --bench builder`

use criterion::{Criterion, criterion_group, criterion_main};
use istio_grpc_builder::Mesh;
use std::hint::black_box;

/// Peak resident memory of this process so far (Linux `VmHWM`), in KiB. The workspace forbids
/// unsafe code, so no counting allocator: the kernel's high-water mark is the measure.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

const SERVICES: usize = 10_000;

fn ingress() -> istio_grpc_builder::Ingress<istio_grpc_builder::marker::Https> {
    istio_grpc_tests::benchmark_ingress(SERVICES)
}

fn build_and_write() -> (Mesh, String) {
    let mesh = ingress().build().unwrap_or_else(|e| panic!("{e}"));
    let yaml = mesh.to_yaml();
    (mesh, yaml)
}

fn bench(c: &mut Criterion) {
    let before = peak_rss_kib();
    let start = std::time::Instant::now();
    let (mesh, yaml) = build_and_write();
    let elapsed = start.elapsed();
    let after = peak_rss_kib();
    println!(
        "builder/10k: one run {elapsed:?}, peak RSS {} KiB before, {} KiB after, {} objects, {:.1} MiB of YAML",
        before.map_or("?".to_owned(), |k| k.to_string()),
        after.map_or("?".to_owned(), |k| k.to_string()),
        mesh.objects().len(),
        yaml.len() as f64 / (1024.0 * 1024.0)
    );
    drop((mesh, yaml));

    let mut group = c.benchmark_group("builder");
    group.sample_size(10);
    group.bench_function("build_and_write_10k_services", |b| {
        b.iter(|| black_box(build_and_write()))
    });
    let ingress = ingress();
    group.bench_function("build_10k_services_including_yaml", |b| {
        b.iter(|| black_box(ingress.build()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
