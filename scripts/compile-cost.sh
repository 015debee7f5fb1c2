#!/usr/bin/env bash
# Compile cost of istio-grpc for a user, side by side with k8s-openapi alone (issue 12).
#
# Copies the checkout, makes two scratch user crates outside it, each its own workspace with its own
# empty target dir, sharing the cargo registry (fetched before any timing):
#   k8s-openapi   [dependencies] k8s-openapi (feature `latest`), one type used in main.rs
#   builder       [build-dependencies] istio-grpc-builder (path to the copy, default
#                 features unless BUILDER_FEATURES says otherwise) + k8s-openapi `latest`;
#                 build.rs builds a TLS ingress in Rust and writes its YAML to OUT_DIR, main.rs
#                 prints it
# and builds each clean, one after the other, in debug then release. Prints wall time and CPU
# time (user+sys of cargo and everything it ran), the ratio builder / k8s-openapi, and the load
# average before each build. On a shared machine CPU is the honest figure; wall is given too.
#
#   scripts/compile-cost.sh                     # both profiles
#   PROFILES=debug scripts/compile-cost.sh      # one profile
#   TIMINGS=1 scripts/compile-cost.sh           # also keep cargo's --timings HTML (copied to $OUT)
#   BUILDER_FEATURES='"config"' scripts/compile-cost.sh   # measure the builder with features
#
# Scratch dirs (crates, target dirs) are removed at exit; set KEEP=1 to keep them.
set -euo pipefail

CHECKOUT="$(cd "$(dirname "$0")/.." && pwd)"
SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/istio-grpc-compile-cost.XXXXXX")"
OUT="${OUT:-$CHECKOUT/target/compile-cost}"
PROFILES="${PROFILES:-debug release}"
BUILDER_FEATURES="${BUILDER_FEATURES:-}"
mkdir -p "$OUT"
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -rf "$SCRATCH"; }
trap cleanup EXIT

# The checkout's files as they are now (tracked and untracked, not ignored), copied so that
# edits during the run do not change what is measured.
REPO="$SCRATCH/istio-grpc"
mkdir -p "$REPO"
(cd "$CHECKOUT" && git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) |
  tar -xf - -C "$REPO"
echo "measuring $CHECKOUT at $(git -C "$CHECKOUT" rev-parse --short HEAD)$(git -C "$CHECKOUT" diff --quiet HEAD || echo ' + uncommitted changes')" >&2

K8S_OPENAPI='k8s-openapi = { version = "0.29", default-features = false, features = ["latest"] }'
if [ -n "$BUILDER_FEATURES" ]; then
  BUILDER="istio-grpc-builder = { path = \"$REPO/istio-grpc-builder\", features = [$BUILDER_FEATURES] }"
else
  BUILDER="istio-grpc-builder = { path = \"$REPO/istio-grpc-builder\" }"
fi

# --- the two user crates -------------------------------------------------------------------
mkdir -p "$SCRATCH/k8s-openapi/src" "$SCRATCH/builder/src"

cat >"$SCRATCH/k8s-openapi/Cargo.toml" <<EOF
[package]
name = "user-k8s-openapi"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
$K8S_OPENAPI

[workspace]
EOF
cat >"$SCRATCH/k8s-openapi/src/main.rs" <<'EOF'
use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};

fn main() {
    let service = Service {
        spec: Some(ServiceSpec {
            ports: Some(vec![ServicePort { port: 50051, app_protocol: Some("grpc".into()), ..Default::default() }]),
            ..Default::default()
        }),
        ..Default::default()
    };
    println!("{}", serde_json_len(&service));
}

fn serde_json_len(service: &Service) -> usize {
    format!("{service:?}").len()
}
EOF

cat >"$SCRATCH/builder/Cargo.toml" <<EOF
[package]
name = "user-builder"
version = "0.1.0"
edition = "2024"
publish = false

[build-dependencies]
$BUILDER
$K8S_OPENAPI

[workspace]
EOF
cat >"$SCRATCH/builder/build.rs" <<'EOF'
use std::time::Duration;
use istio_grpc_builder::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mesh = Ingress::new("grpc.example.com")
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .backend(Backend::service("user-grpc-service")
            .route(ServiceRoute::unary("mypackage.UserService")
                .timeout(Duration::from_secs(60))
                .retries(3, [RetryOn::Unavailable, RetryOn::Internal]))
            .route(ServiceRoute::health()))
        .backend(Backend::service("streaming-service")
            .route(ServiceRoute::streaming("mypackage.FeedService")))
        .build()?;
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("mesh.yaml"), mesh.yaml())?;
    println!("cargo::rerun-if-changed=build.rs");
    Ok(())
}
EOF
cat >"$SCRATCH/builder/src/main.rs" <<'EOF'
fn main() {
    print!("{}", include_str!(concat!(env!("OUT_DIR"), "/mesh.yaml")));
}
EOF

# Same dependency versions as the repository's own lock file; fetched once, before timing.
for c in k8s-openapi builder; do
  cp "$REPO/Cargo.lock" "$SCRATCH/$c/Cargo.lock"
  (cd "$SCRATCH/$c" && cargo fetch -q)
done

# --- clean builds, one after the other ----------------------------------------------------
load() { cut -d' ' -f1-3 /proc/loadavg; }
declare -A WALL CPU LOAD
for profile in $PROFILES; do
  flag=""; [ "$profile" = release ] && flag="--release"
  for c in k8s-openapi builder; do
    target="$SCRATCH/target-$c-$profile"
    rm -rf "$target"
    LOAD[$c,$profile]="$(load)"
    timings=""; [ "${TIMINGS:-0}" = 1 ] && timings="--timings"
    /usr/bin/time -f '%e %U %S' -o "$SCRATCH/time" \
      env CARGO_TARGET_DIR="$target" CARGO_INCREMENTAL=0 \
      cargo build -q $flag $timings --manifest-path "$SCRATCH/$c/Cargo.toml"
    read -r wall user sys <"$SCRATCH/time"
    WALL[$c,$profile]="$wall"
    CPU[$c,$profile]="$(echo "$user + $sys" | bc)"
    # The build script ran and wrote what main.rs prints.
    if [ "$c" = builder ]; then
      "$target/$profile/user-builder" | grep -q 'kind: VirtualService'
    fi
    if [ "${TIMINGS:-0}" = 1 ]; then
      cp "$target/cargo-timings/cargo-timing.html" "$OUT/timings-$c-$profile.html"
    fi
    rm -rf "$target"
    printf '%-8s %-12s wall %6.1f s  cpu %6.1f s  (load before: %s)\n' \
      "$profile" "$c" "${WALL[$c,$profile]}" "${CPU[$c,$profile]}" "${LOAD[$c,$profile]}" >&2
  done
done

# --- side by side -------------------------------------------------------------------------
echo
echo "istio-grpc compile cost, clean builds, $(nproc) cores, rustc $(rustc --version | cut -d' ' -f2)"
echo "builder features: ${BUILDER_FEATURES:-default}"
printf '%-8s | %-25s | %-25s | %-13s\n' profile "k8s-openapi alone" "builder from build.rs" "ratio"
printf '%-8s | %-12s %-12s | %-12s %-12s | %-6s %-6s\n' "" "wall s" "cpu s" "wall s" "cpu s" wall cpu
for profile in $PROFILES; do
  kw=${WALL[k8s-openapi,$profile]}; kc=${CPU[k8s-openapi,$profile]}
  bw=${WALL[builder,$profile]}; bc=${CPU[builder,$profile]}
  printf '%-8s | %-12.1f %-12.1f | %-12.1f %-12.1f | %-6.2f %-6.2f\n' "$profile" "$kw" "$kc" "$bw" "$bc" \
    "$(echo "$bw / $kw" | bc -l)" "$(echo "$bc / $kc" | bc -l)"
done
echo "load average before each build (1/5/15 min):"
for profile in $PROFILES; do
  echo "  $profile: k8s-openapi ${LOAD[k8s-openapi,$profile]}; builder ${LOAD[builder,$profile]}"
done
