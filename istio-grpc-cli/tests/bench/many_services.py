#!/usr/bin/env python3
"""Writes N gRPC services into one .proto (and a configuration for them), to time
`istio-grpc generate` on a large API:

    python3 istio-grpc-cli/tests/bench/many_services.py 1000 /tmp/many
    hyperfine 'istio-grpc generate -I /tmp/many /tmp/many/many.proto --config /tmp/many/istio-grpc.yaml'

or, where hyperfine is not installed, let this script time it (wall clock and the CPU time of
the process, min and median of RUNS runs after one warm-up):

    python3 istio-grpc-cli/tests/bench/many_services.py 1000 /tmp/many --time target/release/istio-grpc

Every service has four methods, one of each kind (so every service streams), except every
fourth service, which is unary only and gets a service timeout. The configuration puts the
services on N/50 Kubernetes Services and gives each a per-method timeout on its unary method.
"""

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path


def timed(argv: list[str], runs: int) -> None:
    """Runs argv `runs` times (after one warm-up), stdout to /dev/null; prints min and median."""
    walls, cpus = [], []
    for i in range(runs + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if i:
            walls.append(wall)
            cpus.append(cpu)
    ms = lambda xs: f"min {min(xs) * 1000:.0f} ms, median {statistics.median(xs) * 1000:.0f} ms"
    print(f"{' '.join(argv)}\n  {runs} runs: wall {ms(walls)}; CPU (user+sys) {ms(cpus)}; load {os.getloadavg()[0]:.1f}")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 1000
    out = Path(args[1] if len(args) > 1 else "many")
    out.mkdir(parents=True, exist_ok=True)
    proto = ['syntax = "proto3";', "package bench.v1;", 'import "google/protobuf/empty.proto";', ""]
    for i in range(n):
        proto.append(f"service Service{i:05} {{")
        proto.append(f"  rpc Get{i}(google.protobuf.Empty) returns (google.protobuf.Empty);")
        if i % 4:
            proto.append(f"  rpc Watch{i}(google.protobuf.Empty) returns (stream google.protobuf.Empty);")
            proto.append(f"  rpc Upload{i}(stream google.protobuf.Empty) returns (google.protobuf.Empty);")
            proto.append(f"  rpc Chat{i}(stream google.protobuf.Empty) returns (stream google.protobuf.Empty);")
        else:
            proto.append(f"  rpc Put{i}(google.protobuf.Empty) returns (google.protobuf.Empty);")
        proto.append("}")
    (out / "many.proto").write_text("\n".join(proto) + "\n")

    config = ["apiVersion: istio-grpc/v1", "hosts: [grpc.example.com]", "backends:"]
    per_backend = 50
    for i in range(n):
        if i % per_backend == 0:
            config.append(f"  - service: backend-{i // per_backend}")
            config.append("    grpcServices:")
        config.append(f"      - name: bench.v1.Service{i:05}")
        if i % 4 == 0:
            config.append("        timeout: 10s")
        config.append("        retries: {attempts: 2, on: [unavailable]}")
        config.append(f"        methods: [{{name: Get{i}, timeout: 2s}}]")
    (out / "istio-grpc.yaml").write_text("\n".join(config) + "\n")
    print(f"wrote {out / 'many.proto'} ({n} services) and {out / 'istio-grpc.yaml'}")

    if "--time" in sys.argv:
        binary = sys.argv[sys.argv.index("--time") + 1]
        runs = 10
        proto = [binary, "generate", "-I", str(out), str(out / "many.proto")]
        timed(proto + ["--config", str(out / "istio-grpc.yaml")], runs)
        timed(proto + ["--host", "grpc.example.com", "--service", "*=backend"], runs)


if __name__ == "__main__":
    main()
