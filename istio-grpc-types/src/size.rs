//! How many bytes an object (or a route) takes when written as JSON: what the Kubernetes API
//! server and etcd count against their size limits.
//!
//! The sizes are computed here, in non-generic functions, so that a crate asking for them does
//! not compile its own copy of the JSON writer for every generated struct.

use crate::Object;
use crate::virtual_service::HttpRoute;

fn json_len(value: Result<serde_json::Value, serde_json::Error>) -> usize {
    value
        .and_then(|v| serde_json::to_vec(&v))
        .map_or(0, |bytes| bytes.len())
}

impl Object {
    /// The length of the object's compact JSON, as the API server stores it.
    ///
    /// ```
    /// use istio_grpc_types::Object;
    ///
    /// let o: Object = serde_json::from_str(
    ///     r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}"#,
    /// )?;
    /// assert_eq!(o.json_len(), serde_json::to_vec(&o)?.len());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn json_len(&self) -> usize {
        json_len(self.to_json())
    }
}

impl HttpRoute {
    /// The length of the route's compact JSON, to share routes among objects by size.
    pub fn json_len(&self) -> usize {
        json_len(serde_json::to_value(self))
    }
}
