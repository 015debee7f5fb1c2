//! Errors of `build()` and of writing a mesh out.

use std::path::PathBuf;

/// Why `build()` refused a configuration. Each message names the offending part.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A host the gateway serves is not a fully qualified name or a `*.` wildcard.
    #[error("host {host:?}: {reason}")]
    Host {
        /// The host as given.
        host: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A Kubernetes name (gateway, secret, backend, namespace, subset…) is not valid.
    #[error("{what} {name:?}: {reason}")]
    Name {
        /// Which name (`gateway`, `backend`, `namespace`…).
        what: &'static str,
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Something about one backend is wrong.
    #[error("backend {backend:?}: {reason}")]
    Backend {
        /// The backend's Service name.
        backend: String,
        /// What is wrong, and how to fix it.
        reason: String,
    },
    /// Something about one route of a backend is wrong.
    #[error("backend {backend:?}: route {route}: {reason}")]
    Route {
        /// The backend's Service name.
        backend: String,
        /// The route (`/pkg.Service`, `/pkg.Service/Method` or `(all calls)`).
        route: String,
        /// What is wrong, and how to fix it.
        reason: String,
    },
    /// Two parts claim the same thing.
    #[error("duplicate {what}: {value}")]
    Duplicate {
        /// What is duplicated (`route`, `backend`…).
        what: &'static str,
        /// The duplicated value.
        value: String,
    },
    /// The TLS credential is not usable.
    #[error("tls credential {name:?}: {reason}")]
    Credential {
        /// The Secret name.
        name: String,
        /// What is wrong (never the key material itself).
        reason: String,
    },
    /// A CORS origin for gRPC-Web is not an origin.
    #[error("grpc-web origin {origin:?}: {reason}")]
    Origin {
        /// The origin as given.
        origin: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The mesh has nothing to route.
    #[error("no backend: add one with `.backend(Backend::service(..))`")]
    NoBackend,
    /// The objects could not be written as YAML.
    #[error("writing the manifests as YAML")]
    Yaml(#[source] istio_grpc_types::Error),
}

/// Why writing a mesh's manifests to a folder failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// A file or folder could not be written.
    #[error("writing {path}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An object could not be written as YAML.
    #[error("writing the manifests as YAML")]
    Yaml(#[source] istio_grpc_types::Error),
}
