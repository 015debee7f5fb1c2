//! Analyze a 10,000-service mesh read from YAML, every check on.
//!
//! `cargo bench -p istio-grpc-analyze --bench analyze`. The mesh is the builder's shape: one
//! TLS Gateway, and per service a VirtualService route, a DestinationRule and a Service
//! (30,001 documents), written as YAML text and read back by the analyzer, as
//! `istio-grpc check` does. Throughput is in documents per second. The CRD cases include
//! loading the built-in CRDs (a fixed cost per run, as for the command).

use std::fmt::Write;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use istio_grpc_analyze::{Analysis, CrdSet, Inputs, Options, analyze};

const SERVICES: usize = 10_000;

fn mesh_yaml(n: usize) -> String {
    let mut y = String::from(
        "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: grpc-gateway\n  namespace: istio-system\nspec:\n  selector:\n    istio: ingressgateway\n  servers:\n  - port:\n      number: 443\n      name: https\n      protocol: HTTPS\n    hosts:\n    - grpc.example.com\n    tls:\n      mode: SIMPLE\n      credentialName: grpc-tls-credential\n",
    );
    for i in 0..n {
        let _ = write!(
            y,
            "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: svc-{i}\n  namespace: grpc\nspec:\n  hosts:\n  - grpc.example.com\n  gateways:\n  - istio-system/grpc-gateway\n  http:\n  - match:\n    - uri:\n        prefix: /pkg{i}.Service{i}/\n    route:\n    - destination:\n        host: svc-{i}.grpc.svc.cluster.local\n        port:\n          number: 50051\n    timeout: 60s\n    retries:\n      attempts: 3\n      perTryTimeout: 20s\n      retryOn: unavailable,cancelled\n\
             ---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: svc-{i}\n  namespace: grpc\nspec:\n  host: svc-{i}.grpc.svc.cluster.local\n  trafficPolicy:\n    loadBalancer:\n      simple: ROUND_ROBIN\n    connectionPool:\n      http:\n        http2MaxRequests: 1000\n\
             ---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\n  namespace: grpc\nspec:\n  selector:\n    app: svc-{i}\n  ports:\n  - name: grpc\n    port: 50051\n    appProtocol: grpc\n"
        );
    }
    y
}

fn bench(c: &mut Criterion) {
    let yaml = mesh_yaml(SERVICES);
    let documents = 1 + 3 * SERVICES;
    // sanity: the mesh is read whole and is clean
    let mut inputs = Inputs::new();
    inputs.add_yaml(None, &yaml);
    let report = analyze(&inputs, &Options::default());
    assert_eq!(report.documents(), documents);
    assert_eq!(
        report.exit_code(),
        0,
        "{:?}",
        &report.diagnostics()[..report.diagnostics().len().min(3)]
    );

    let mut g = c.benchmark_group("analyze-10k-services");
    g.throughput(Throughput::Elements(documents as u64));
    g.sample_size(10);
    g.bench_function("read YAML + every check", |b| {
        b.iter(|| {
            let mut inputs = Inputs::new();
            inputs.add_yaml(None, black_box(&yaml));
            black_box(analyze(&inputs, &Options::default()))
        })
    });
    g.bench_function(
        "read YAML + every check, each document as read (Analysis)",
        |b| {
            b.iter(|| {
                let options = Options::default();
                let mut analysis = Analysis::new(&options);
                analysis.add_yaml(None, black_box(&yaml));
                black_box(analysis.finish())
            })
        },
    );
    g.bench_function("every check (already read)", |b| {
        b.iter(|| black_box(analyze(black_box(&inputs), &Options::default())))
    });
    // what `istio-grpc check` does by default: the CRDs' structural schemas and CEL rules too
    let crds = || Options::default().crds(CrdSet::istio().expect("built-in CRDs"));
    assert_eq!(analyze(&inputs, &crds()).exit_code(), 0);
    g.bench_function("every check + CRD schema and CEL (already read)", |b| {
        b.iter(|| black_box(analyze(black_box(&inputs), &crds())))
    });
    g.bench_function("every check + CRD schema and CEL, one thread", |b| {
        b.iter(|| black_box(analyze(black_box(&inputs), &crds().threads(1))))
    });
    // the floor: reading the YAML alone (one thread), as the types do
    g.bench_function("read YAML only (istio_grpc_types::yaml::parse)", |b| {
        b.iter(|| black_box(istio_grpc_types::yaml::parse(black_box(&yaml))))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
