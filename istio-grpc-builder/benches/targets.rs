//! Build and write 10,000 gRPC services in each output, side by side: Istio's API (Gateway,
//! VirtualServices split at 128 KiB, Services) and the Gateway API (Gateway, one GRPCRoute per
//! backend, Services), from the same intent: a TLS gateway and per backend one service route
//! and the health route (what both APIs can say).
//!
//! Each output is written three ways: kept whole (`to_yaml`), streamed one object at a time
//! (`write_yaml`, to a sink) and as a folder (`write_dir`).
//!
//! `cargo bench -p istio-grpc-builder --bench targets`

use criterion::{Criterion, criterion_group, criterion_main};
use istio_grpc_builder::{Backend, Ingress, Mesh, ServiceRoute, TlsCredential};
use std::hint::black_box;

const SERVICES: usize = 10_000;

fn intent() -> Ingress<istio_grpc_builder::marker::Https> {
    let mut ingress =
        Ingress::new("grpc.example.com").tls(TlsCredential::secret("grpc-tls-credential"));
    for i in 0..SERVICES {
        ingress = ingress.backend(
            Backend::service(format!("svc-{i}"))
                .route(ServiceRoute::unary(format!("pkg{i}.Service{i}")))
                .route(istio_grpc_builder::MethodRoute::<
                    istio_grpc_builder::marker::Unary,
                >::new(format!("pkg{i}.Admin{i}"), "Get")),
        );
    }
    ingress
}

fn build_and_write(build: impl Fn() -> Mesh) -> (Mesh, String) {
    let mesh = build();
    let yaml = mesh.to_yaml();
    (mesh, yaml)
}

fn bench(c: &mut Criterion) {
    let istio = intent();
    let gateway_api = intent().gateway_api();
    let build_istio = || istio.build().unwrap_or_else(|e| panic!("{e}"));
    let build_gateway_api = || gateway_api.build().unwrap_or_else(|e| panic!("{e}"));
    for (name, mesh) in [
        ("istio", build_istio()),
        ("gateway_api", build_gateway_api()),
    ] {
        println!(
            "targets/{name}: {} objects, {:.1} MiB of YAML",
            mesh.objects().len(),
            mesh.yaml().len() as f64 / (1024.0 * 1024.0)
        );
    }
    let dir = std::env::temp_dir().join(format!("istio-grpc-bench-{}", std::process::id()));
    let mut group = c.benchmark_group("targets");
    group.sample_size(10);
    group.bench_function("istio_build_and_write_10k_services", |b| {
        b.iter(|| black_box(build_and_write(build_istio)))
    });
    group.bench_function("gateway_api_build_and_write_10k_services", |b| {
        b.iter(|| black_box(build_and_write(build_gateway_api)))
    });
    group.bench_function("istio_build_and_stream_10k_services", |b| {
        b.iter(|| black_box(build_istio().write_yaml(std::io::sink()).is_ok()))
    });
    group.bench_function("gateway_api_build_and_stream_10k_services", |b| {
        b.iter(|| black_box(build_gateway_api().write_yaml(std::io::sink()).is_ok()))
    });
    group.bench_function("istio_build_and_write_dir_10k_services", |b| {
        b.iter(|| black_box(build_istio().write_dir(dir.join("istio")).map(|f| f.len())))
    });
    group.bench_function("gateway_api_build_and_write_dir_10k_services", |b| {
        b.iter(|| {
            black_box(
                build_gateway_api()
                    .write_dir(dir.join("gateway-api"))
                    .map(|f| f.len()),
            )
        })
    });
    group.finish();
    std::fs::remove_dir_all(&dir).ok();
}

criterion_group!(benches, bench);
criterion_main!(benches);
