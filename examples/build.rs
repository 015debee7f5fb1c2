//! Generates manifests at build time: the mesh below is written to `$OUT_DIR/istio/`, one file
//! per object, and the `manifests` binary embeds them. A change here is a change in the files.

use istio_grpc_builder::{Backend, Ingress, ServiceRoute, TlsCredential};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR")?).join("istio");
    let mesh = Ingress::new("grpc.example.com")
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .backend(
            Backend::service("user-grpc-service")
                .route(ServiceRoute::unary("mypackage.UserService"))
                .route(ServiceRoute::health()),
        )
        .build()?;
    mesh.write_dir(&out)?;
    // One stream too, for `include_str!`.
    std::fs::write(out.join("all.yaml.txt"), mesh.to_yaml())?;
    Ok(())
}
