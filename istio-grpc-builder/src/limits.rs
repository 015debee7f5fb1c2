//! The object sizes Kubernetes accepts, which `build()` keeps every object under.
//!
//! * **etcd's request limit, 1.5 MiB.** The API server stores each object in one etcd
//!   request, and etcd refuses requests above `--max-request-bytes`, 1.5 MiB by default
//!   (<https://etcd.io/docs/v3.5/dev-guide/limit/>).
//! * **Client-side `kubectl apply`, 256 KiB.** It stores the whole object as JSON in the
//!   `kubectl.kubernetes.io/last-applied-configuration` annotation, and the API server refuses
//!   an object whose annotations together exceed 256 KiB (`TotalAnnotationSizeLimitB` in
//!   Kubernetes' `apimachinery/pkg/api/validation/objectmeta.go`;
//!   <https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/>).
//!
//! The second is the tighter, so an object's JSON must stay under [`MAX_OBJECT_JSON_BYTES`]
//! (256 KiB, less room for the annotation's key and other annotations). The builder splits
//! its routes over several VirtualServices of at most [`VIRTUAL_SERVICE_TARGET_BYTES`] each;
//! `build()` refuses, naming the object, anything that would still exceed the limit.

/// The largest JSON an object may have: 256 KiB of annotations, less 4 KiB for the
/// annotation's key and any other annotations.
pub const MAX_OBJECT_JSON_BYTES: usize = 256 * 1024 - 4 * 1024;

/// Where the builder starts a new VirtualService: half the limit, so that a user's later
/// additions (labels, annotations) leave the object well under it.
pub const VIRTUAL_SERVICE_TARGET_BYTES: usize = 128 * 1024;

/// Which limit [`MAX_OBJECT_JSON_BYTES`] is.
pub(crate) const WHY: &str =
    "kubectl apply's last-applied annotation is capped at 256 KiB of annotations";
