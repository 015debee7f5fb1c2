//! Parse + write over the reference corpus, beside serde_json on the same values in the same run.
//!
//! `cargo bench -p istio-grpc-types --bench parse_write` (reads `../shared/istio`). Throughput is
//! reported per document and per byte of YAML input.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use istio_grpc_types::{Object, yaml};

fn corpus() -> Option<(String, usize)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/istio");
    if !dir.exists() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "reference data ../shared/istio missing at {}",
                dir.display()
            );
        }
        eprintln!("skipped: ../shared/istio not found");
        return None;
    }
    let mut text = String::new();
    for folder in ["manifests", "manifests-apidocs", "manifests-generated"] {
        let mut files: Vec<_> = std::fs::read_dir(dir.join(folder))
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        for f in files {
            let t = std::fs::read_to_string(&f).ok()?;
            // keep only files whose every document we read (one apidoc example is snake_case)
            if yaml::parse(&t).iter().all(Result::is_ok) {
                text.push_str("\n---\n");
                text.push_str(&t);
            }
        }
    }
    let docs = yaml::parse(&text).len();
    Some((text, docs))
}

fn bench(c: &mut Criterion) {
    let Some((text, docs)) = corpus() else { return };
    let objects = yaml::objects_from_str(&text).expect("corpus reads");
    let json_text = serde_json::to_string(&objects).expect("json");

    let mut g = c.benchmark_group("corpus");
    g.throughput(Throughput::Elements(docs as u64));
    g.bench_function("yaml parse+write (istio-grpc-types)", |b| {
        b.iter(|| {
            let objects = yaml::objects_from_str(black_box(&text)).expect("reads");
            black_box(yaml::to_string(&objects).expect("writes"))
        })
    });
    g.bench_function("json parse+write (serde_json, same objects)", |b| {
        b.iter(|| {
            let objects: Vec<Object> = serde_json::from_str(black_box(&json_text)).expect("reads");
            black_box(serde_json::to_string(&objects).expect("writes"))
        })
    });
    g.finish();

    let mut g = c.benchmark_group("corpus-bytes");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("yaml parse+write (istio-grpc-types)", |b| {
        b.iter(|| {
            black_box(
                yaml::to_string(&yaml::objects_from_str(black_box(&text)).expect("reads"))
                    .expect("writes"),
            )
        })
    });
    g.throughput(Throughput::Bytes(json_text.len() as u64));
    g.bench_function("json parse+write (serde_json, same objects)", |b| {
        b.iter(|| {
            black_box(
                serde_json::to_string(
                    &serde_json::from_str::<Vec<Object>>(black_box(&json_text)).expect("reads"),
                )
                .expect("writes"),
            )
        })
    });
    g.finish();
    eprintln!(
        "corpus: {docs} documents, {} bytes of YAML, {} bytes of JSON",
        text.len(),
        json_text.len()
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
