//! Which protocol Istio gives a Service port: Istio's `ConvertProtocol`
//! (`pkg/config/kube/conversion.go`), from the port's name and `appProtocol`.
//!
//! ```
//! use istio_grpc_types::protocol::PortProtocol;
//!
//! assert!(PortProtocol::select(Some("grpc-api"), None, None).is_http2());
//! assert!(PortProtocol::select(Some("http"), Some("grpc"), None).is_http2()); // appProtocol wins
//! assert!(!PortProtocol::select(Some("http-api"), None, None).is_http2()); // the RST_STREAM case
//! assert!(!PortProtocol::select(None, None, None).is_http2()); // unnamed: gateways do not sniff
//! ```

/// The protocol Istio selects for a port from its name and `appProtocol`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PortProtocol {
    /// `grpc`, `grpc-*`, or `appProtocol: grpc`: HTTP/2 to the upstream.
    Grpc,
    /// `grpc-web*`: HTTP/2 upstream plus the grpc_web filter.
    GrpcWeb,
    /// `http2`, `http2-*`, `appProtocol: http2` or `kubernetes.io/h2c`: HTTP/2 to the upstream.
    Http2,
    /// `http`, `http-*`: HTTP/1.1 to the upstream.
    Http,
    /// `https`, `tls`: TLS passed through.
    Tls,
    /// `tcp`, `mongo`, `redis`, `mysql`, `udp`, `http_proxy`: not HTTP/2.
    Other(&'static str),
    /// No recognised name: sidecars sniff; gateways do not, and speak HTTP/1.1.
    Unnamed,
}

impl PortProtocol {
    /// Istio's selection: `appProtocol` replaces the name; `grpc-web` prefix first; then the
    /// text before the first `-`, case-insensitively.
    pub fn select(
        name: Option<&str>,
        app_protocol: Option<&str>,
        protocol: Option<&str>,
    ) -> PortProtocol {
        if protocol.is_some_and(|p| p.eq_ignore_ascii_case("UDP")) {
            return PortProtocol::Other("UDP");
        }
        let input = app_protocol
            .filter(|a| !a.is_empty())
            .or(name)
            .unwrap_or("");
        match input {
            "kubernetes.io/h2c" => return PortProtocol::Http2,
            "kubernetes.io/ws" => return PortProtocol::Http,
            "kubernetes.io/wss" => return PortProtocol::Tls,
            _ => {}
        }
        let lower = input.to_ascii_lowercase();
        if lower.starts_with("grpc-web") {
            return PortProtocol::GrpcWeb;
        }
        match lower.split('-').next().unwrap_or("") {
            "grpc" => PortProtocol::Grpc,
            "http2" => PortProtocol::Http2,
            "http" => PortProtocol::Http,
            "https" | "tls" => PortProtocol::Tls,
            "tcp" => PortProtocol::Other("TCP"),
            "udp" => PortProtocol::Other("UDP"),
            "mongo" => PortProtocol::Other("Mongo"),
            "redis" => PortProtocol::Other("Redis"),
            "mysql" => PortProtocol::Other("MySQL"),
            "http_proxy" => PortProtocol::Other("HTTP_PROXY"),
            _ => PortProtocol::Unnamed,
        }
    }

    /// Whether the gateway speaks HTTP/2 to this port, as gRPC needs.
    pub fn is_http2(self) -> bool {
        matches!(
            self,
            PortProtocol::Grpc | PortProtocol::GrpcWeb | PortProtocol::Http2
        )
    }

    /// How to say it in a message.
    pub fn describe(self) -> &'static str {
        match self {
            PortProtocol::Grpc => "gRPC (HTTP/2)",
            PortProtocol::GrpcWeb => "gRPC-Web (HTTP/2)",
            PortProtocol::Http2 => "HTTP/2",
            PortProtocol::Http => "HTTP/1.1",
            PortProtocol::Tls => "TLS (opaque to the gateway)",
            PortProtocol::Other(p) => p,
            PortProtocol::Unnamed => {
                "undeclared (the gateway does not sniff, so it speaks HTTP/1.1)"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PortProtocol::*;
    use super::*;

    /// Istio's own vectors (`pkg/config/kube/conversion_test.go`, REFERENCE §c).
    #[test]
    fn istio_vectors() {
        assert_eq!(PortProtocol::select(Some(""), None, None), Unnamed);
        assert_eq!(
            PortProtocol::select(Some("http-something"), None, None),
            Http
        );
        assert_eq!(
            PortProtocol::select(Some("http-something"), Some("https"), None),
            Tls
        );
        assert_eq!(
            PortProtocol::select(Some("something-httpx"), Some("https"), None),
            Tls
        );
        assert_eq!(
            PortProtocol::select(Some("grpc-web-x"), None, None),
            GrpcWeb
        );
        assert_eq!(PortProtocol::select(Some("grpcweb-x"), None, None), Unnamed);
        assert_eq!(
            PortProtocol::select(None, Some("kubernetes.io/h2c"), None),
            Http2
        );
        assert_eq!(PortProtocol::select(Some("grpc"), None, None), Grpc);
        assert_eq!(PortProtocol::select(Some("GRPC-api"), None, None), Grpc);
        assert_eq!(PortProtocol::select(Some("http"), Some("grpc"), None), Grpc);
        assert_eq!(PortProtocol::select(Some("h2c"), None, None), Unnamed);
        assert_eq!(PortProtocol::select(Some("grpc_api"), None, None), Unnamed);
        assert!(!PortProtocol::select(Some("http-api"), None, None).is_http2());
    }
}
