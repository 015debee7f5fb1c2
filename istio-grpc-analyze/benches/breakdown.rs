//! Where the time of `istio-grpc check FILE` goes, stage by stage, on a real file, with the
//! physical floor beside it: reading the bytes, and serde-saphyr parsing the YAML alone.
//!
//! `MESH=mesh10000.yaml cargo bench -p istio-grpc-analyze --bench breakdown`, the file made by
//! `../shared/peers/python/gen_manifests.py 10000` (the peer benchmark's input). Each stage is
//! run `RUNS` times (default 5) and its median wall time printed. Without `MESH`, it says so
//! and measures nothing.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use istio_grpc_analyze::{CrdSet, Inputs, Options, analyze};
use istio_grpc_types::{Strictness, yaml};

fn median<R>(runs: usize, mut f: impl FnMut() -> R) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let Some(path) = std::env::var_os("MESH") else {
        println!(
            "skipped: set MESH to a manifest file (../shared/peers/python/gen_manifests.py 10000)"
        );
        return;
    };
    let path = Path::new(&path);
    let runs = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let text = std::fs::read_to_string(path).expect("MESH is readable UTF-8");
    let keep = yaml::Options::default().strictness(Strictness::Keep);
    let mut inputs = Inputs::new();
    inputs.add_path(path);
    let crds = || Options::default().crds(CrdSet::built_in().expect("built-in CRDs"));
    let with_crds = crds();
    let one_thread = crds().threads(1);
    // the CRDs' validators are compiled on first use: once, before timing
    black_box(analyze(&inputs, &with_crds));
    black_box(analyze(&inputs, &one_thread));
    println!(
        "{} ({} bytes, {} documents), {runs} runs, {threads} threads, median wall time:",
        path.display(),
        text.len(),
        inputs.documents()
    );
    let stage = |name: &str, time: Duration| {
        println!("  {:<62} {:>8.1} ms", name, time.as_secs_f64() * 1e3);
    };
    stage(
        "read the bytes (std::fs::read + UTF-8 check)",
        median(runs, || {
            String::from_utf8(std::fs::read(path).expect("read")).expect("UTF-8")
        }),
    );
    stage(
        "serde-saphyr alone: from_multiple::<serde_json::Value>, 1 thread",
        median(runs, || {
            // no budget: its default allows 1,024 documents a stream
            let mut options = serde_saphyr::Options::default();
            options.budget = None;
            serde_saphyr::from_multiple_with_options::<serde_json::Value>(&text, options)
                .expect("YAML")
        }),
    );
    stage(
        "yaml::parse_each (split, read, type), 1 thread",
        median(runs, || {
            let mut n = 0;
            yaml::parse_each(&text, &keep.clone().threads(1), |_| n += 1);
            n
        }),
    );
    stage(
        "yaml::parse_each, threads",
        median(runs, || {
            let mut n = 0;
            yaml::parse_each(&text, &keep.clone().threads(threads), |_| n += 1);
            n
        }),
    );
    stage(
        "Inputs::add_path (read the file, parse_each on threads)",
        median(runs, || {
            let mut inputs = Inputs::new();
            inputs.add_path(path);
            inputs
        }),
    );
    stage(
        "load the built-in CRDs (CrdSet::built_in, YAML)",
        median(runs, || CrdSet::built_in().expect("built-in CRDs")),
    );
    stage(
        "analyze: every rule, no CRDs (already read)",
        median(runs, || analyze(&inputs, &Options::default())),
    );
    stage(
        "analyze: every rule + schema + CEL (CRDs loaded, already read)",
        median(runs, || analyze(&inputs, &with_crds)),
    );
    stage(
        "analyze: the same, 1 thread",
        median(runs, || analyze(&inputs, &one_thread)),
    );
}
