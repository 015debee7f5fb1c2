//! gRPC names and the HTTP/2 paths they make: the one rule the builder, the analyzer and the
//! macro (through its test vectors) share.
//!
//! A gRPC call is a `POST` to `/<package>.<Service>/<Method>`, where `<package>.<Service>` is the
//! service's full protobuf name (the package may be empty: `/Greeter/SayHello`) and `<Method>` is
//! the method's name exactly as the `.proto` spells it.
//!
//! ```
//! use istio_grpc_types::grpc;
//!
//! assert!(grpc::is_service_name("grpc.health.v1.Health"));
//! assert!(grpc::is_service_name("Greeter")); // a .proto without a package
//! assert!(!grpc::is_service_name("pkg..Svc"));
//! assert_eq!(grpc::service_prefix("pkg.Svc"), "/pkg.Svc/");
//! assert_eq!(grpc::method_path("pkg.Svc", "Get"), "/pkg.Svc/Get");
//! assert_eq!(grpc::split_path("/pkg.Svc/Get"), Some(("pkg.Svc", Some("Get"))));
//! ```

/// Whether `s` is a protobuf identifier: a letter or `_`, then letters, digits or `_`.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `s` is a protobuf package: dot-separated identifiers (`helloworld`, `grpc.health.v1`).
pub fn is_package(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(is_identifier)
}

/// Whether `s` is a service's full name, `<package>.<Service>` or a bare `<Service>`.
pub fn is_service_name(s: &str) -> bool {
    is_package(s)
}

/// Whether `s` is a method name (one identifier, as the `.proto` spells it).
pub fn is_method_name(s: &str) -> bool {
    is_identifier(s)
}

/// The path prefix that matches every method of one service and nothing else:
/// `/<service>/`. (`/<service>` without the slash would also take `/<service>Admin/…`.)
pub fn service_prefix(service: &str) -> String {
    format!("/{service}/")
}

/// The path of one method: `/<service>/<method>`.
pub fn method_path(service: &str, method: &str) -> String {
    format!("/{service}/{method}")
}

/// Splits a gRPC path or prefix into the service and, if present, the method: `/pkg.Svc/Get` →
/// `("pkg.Svc", Some("Get"))`, `/pkg.Svc/` and `/pkg.Svc` → `("pkg.Svc", None)`. `None` when the
/// text is not of that shape.
pub fn split_path(path: &str) -> Option<(&str, Option<&str>)> {
    let rest = path.strip_prefix('/')?;
    let (service, method) = match rest.split_once('/') {
        Some((s, "")) => (s, None),
        Some((s, m)) => (s, Some(m)),
        None => (rest, None),
    };
    (is_service_name(service) && method.is_none_or(is_method_name)).then_some((service, method))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in [
            "Greeter",
            "helloworld.Greeter",
            "grpc.health.v1.Health",
            "_x.y_2.Z",
        ] {
            assert!(is_service_name(good), "{good}");
        }
        for bad in [
            "", ".Svc", "pkg.", "pkg..Svc", "1pkg.Svc", "pkg.S-v", "pkg/Svc", "pkg.Svc ",
        ] {
            assert!(!is_service_name(bad), "{bad:?}");
        }
        for good in [
            "Get",
            "GetHTTPStatus",
            "getLowerCamel",
            "Get_Snake_Case",
            "Sync2Way",
        ] {
            assert!(is_method_name(good), "{good}");
        }
        for bad in ["", "a.b", "2Way", "Get/X"] {
            assert!(!is_method_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn paths() {
        assert_eq!(split_path("/pkg.Svc"), Some(("pkg.Svc", None)));
        assert_eq!(split_path("/pkg.Svc/"), Some(("pkg.Svc", None)));
        assert_eq!(
            split_path("/Greeter/SayHello"),
            Some(("Greeter", Some("SayHello")))
        );
        assert_eq!(split_path("/"), None);
        assert_eq!(split_path("/api/v1/users"), None);
        assert_eq!(split_path("pkg.Svc/Get"), None);
        assert_eq!(split_path("/pkg.Svc/Get/x"), None);
    }
}
