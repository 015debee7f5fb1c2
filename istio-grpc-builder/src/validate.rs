//! Value checks run by `build()`: names, hosts, durations, origins.

use crate::BuildError;

/// A DNS-1123 label: what Kubernetes requires of Service and namespace names.
pub(crate) fn dns_label(what: &'static str, name: &str) -> Result<(), BuildError> {
    let reason = if name.is_empty() {
        Some("must not be empty".to_owned())
    } else if name.len() > 63 {
        Some(format!(
            "is {} characters long; at most 63 are allowed",
            name.len()
        ))
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Some("may hold only lower-case letters, digits and '-' (a DNS-1123 label)".to_owned())
    } else if name.starts_with('-') || name.ends_with('-') {
        Some("must start and end with a letter or digit (a DNS-1123 label)".to_owned())
    } else {
        None
    };
    match reason {
        Some(reason) => Err(BuildError::Name {
            what,
            name: name.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// A DNS-1123 subdomain: what Kubernetes requires of most object names (Secrets, Istio kinds).
pub(crate) fn dns_subdomain(what: &'static str, name: &str) -> Result<(), BuildError> {
    if name.len() > 253 {
        return Err(BuildError::Name {
            what,
            name: name.to_owned(),
            reason: format!("is {} characters long; at most 253 are allowed", name.len()),
        });
    }
    for label in name.split('.') {
        dns_label(what, label).map_err(|_| BuildError::Name {
            what,
            name: name.to_owned(),
            reason: "must be lower-case labels of letters, digits and '-', joined by '.' (a DNS-1123 subdomain)"
                .to_owned(),
        })?;
    }
    Ok(())
}

/// A host a Gateway server may carry (REFERENCE §h): an FQDN, or a wildcard as the whole
/// left-most label. Short names are rejected by Istio.
pub(crate) fn gateway_host(host: &str) -> Result<(), BuildError> {
    let fail = |reason: &str| {
        Err(BuildError::Host {
            host: host.to_owned(),
            reason: reason.to_owned(),
        })
    };
    if host.is_empty() {
        return fail("must not be empty");
    }
    if host == "*" {
        return Ok(());
    }
    let rest = host.strip_prefix("*.").unwrap_or(host);
    if rest.contains('*') {
        return fail("a wildcard may only be the whole left-most label, as in \"*.example.com\"");
    }
    if !rest.contains('.') {
        return fail(
            "short names are not allowed on a gateway; use a fully qualified name such as \"grpc.example.com\"",
        );
    }
    let host_lower = rest.to_ascii_lowercase();
    if host_lower != rest {
        return fail("must be lower case");
    }
    if host.len() > 253 || rest.split('.').any(|l| dns_label("host", l).is_err()) {
        return fail("is not a DNS name: labels of letters, digits and '-', joined by '.'");
    }
    Ok(())
}

/// A duration Istio accepts on a route (≥ 1 ms, whole milliseconds), as Istio's type.
pub(crate) fn duration(d: std::time::Duration) -> Result<istio_grpc_types::Duration, String> {
    if d < std::time::Duration::from_millis(1) {
        return Err(format!("{d:?} is below Istio's minimum of 1ms"));
    }
    if !d.subsec_nanos().is_multiple_of(1_000_000) {
        return Err(format!(
            "{d:?} is not a whole number of milliseconds, which Istio requires"
        ));
    }
    istio_grpc_types::Duration::try_from(d).map_err(|e| format!("{d:?}: {e}"))
}

/// A browser origin: `scheme://host[:port]`, no path.
pub(crate) fn origin(origin: &str) -> Result<(), BuildError> {
    let fail = |reason: &str| {
        Err(BuildError::Origin {
            origin: origin.to_owned(),
            reason: reason.to_owned(),
        })
    };
    let Some((scheme, rest)) = origin.split_once("://") else {
        return fail("an origin is scheme://host[:port], as in \"https://myapp.example.com\"");
    };
    if scheme != "https" && scheme != "http" {
        return fail("the scheme must be https or http");
    }
    let host = match rest.rsplit_once(':') {
        Some((h, port)) => {
            if port.parse::<u16>().map_or(true, |p| p == 0) {
                return fail("the port must be a number from 1 to 65535");
            }
            h
        }
        None => rest,
    };
    if host.is_empty() || host.contains('/') || host.contains('*') || host.contains(' ') {
        return fail(
            "an origin has no path and no wildcard; for any origin use `Origins::any_explicitly()`",
        );
    }
    Ok(())
}
