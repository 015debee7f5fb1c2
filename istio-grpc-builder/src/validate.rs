//! Value checks run by `build()`: names, hosts, durations, origins.

use crate::error::{
    BuildError, DurationProblem, HostProblem, NameKind, NameProblem, OriginProblem,
};

fn label_problem(name: &str) -> Option<NameProblem> {
    if name.is_empty() {
        Some(NameProblem::Empty)
    } else if name.len() > 63 {
        Some(NameProblem::TooLong {
            len: name.len(),
            max: 63,
        })
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Some(NameProblem::Characters)
    } else if name.starts_with('-') || name.ends_with('-') {
        Some(NameProblem::Edges)
    } else {
        None
    }
}

/// A DNS-1123 label: what Kubernetes requires of Service and namespace names.
pub(crate) fn dns_label(kind: NameKind, name: &str) -> Result<(), BuildError> {
    match label_problem(name) {
        Some(problem) => Err(BuildError::Name {
            kind,
            name: name.to_owned(),
            problem,
        }),
        None => Ok(()),
    }
}

/// A DNS-1123 subdomain: what Kubernetes requires of most object names (Secrets, Istio kinds).
pub(crate) fn dns_subdomain(kind: NameKind, name: &str) -> Result<(), BuildError> {
    let problem = if name.is_empty() {
        Some(NameProblem::Empty)
    } else if name.len() > 253 {
        Some(NameProblem::TooLong {
            len: name.len(),
            max: 253,
        })
    } else if name.split('.').any(|l| label_problem(l).is_some()) {
        Some(NameProblem::NotSubdomain)
    } else {
        None
    };
    match problem {
        Some(problem) => Err(BuildError::Name {
            kind,
            name: name.to_owned(),
            problem,
        }),
        None => Ok(()),
    }
}

/// A host a Gateway server may carry: an FQDN, or a wildcard as the whole left-most label.
/// Short names are rejected by Istio
/// (<https://istio.io/latest/docs/reference/config/networking/gateway/#Server>).
pub(crate) fn gateway_host(host: &str) -> Result<(), BuildError> {
    let problem = if host.is_empty() {
        Some(HostProblem::Empty)
    } else if host == "*" {
        None
    } else {
        let rest = host.strip_prefix("*.").unwrap_or(host);
        if rest.contains('*') {
            Some(HostProblem::Wildcard)
        } else if !rest.contains('.') {
            Some(HostProblem::ShortName)
        } else if rest.to_ascii_lowercase() != rest {
            Some(HostProblem::NotLowerCase)
        } else if host.len() > 253 || rest.split('.').any(|l| label_problem(l).is_some()) {
            Some(HostProblem::NotDns)
        } else {
            None
        }
    };
    match problem {
        Some(problem) => Err(BuildError::Host {
            host: host.to_owned(),
            problem,
        }),
        None => Ok(()),
    }
}

/// A duration Istio accepts on a route (≥ 1 ms, whole milliseconds), as Istio's type.
pub(crate) fn duration(
    d: std::time::Duration,
) -> Result<istio_grpc_types::Duration, DurationProblem> {
    if d < std::time::Duration::from_millis(1) {
        return Err(DurationProblem::BelowMinimum(d));
    }
    if !d.subsec_nanos().is_multiple_of(1_000_000) {
        return Err(DurationProblem::NotWholeMilliseconds(d));
    }
    istio_grpc_types::Duration::try_from(d).map_err(|_| DurationProblem::TooLong(d))
}

/// A browser origin: `scheme://host[:port]`, no path.
pub(crate) fn origin(origin: &str) -> Result<(), BuildError> {
    let problem = match origin.split_once("://") {
        None => Some(OriginProblem::Shape),
        Some((scheme, _)) if scheme != "https" && scheme != "http" => Some(OriginProblem::Scheme),
        Some((_, rest)) => {
            let (host, port_ok) = match rest.rsplit_once(':') {
                Some((h, port)) => (h, port.parse::<u16>().is_ok_and(|p| p != 0)),
                None => (rest, true),
            };
            if !port_ok {
                Some(OriginProblem::Port)
            } else if host.is_empty()
                || host.contains('/')
                || host.contains('*')
                || host.contains(' ')
            {
                Some(OriginProblem::PathOrWildcard)
            } else {
                None
            }
        }
    };
    match problem {
        Some(problem) => Err(BuildError::Origin {
            origin: origin.to_owned(),
            problem,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        for good in [
            "https://myapp.example.com",
            "http://localhost:8080",
            "https://a.b.c",
        ] {
            assert!(origin(good).is_ok(), "{good}");
        }
        for (bad, problem) in [
            ("myapp.example.com", OriginProblem::Shape),
            ("ftp://myapp.example.com", OriginProblem::Scheme),
            ("https://myapp.example.com:0", OriginProblem::Port),
            ("https://myapp.example.com:x", OriginProblem::Port),
            ("https://*.example.com", OriginProblem::PathOrWildcard),
            (
                "https://myapp.example.com/app",
                OriginProblem::PathOrWildcard,
            ),
        ] {
            assert!(
                matches!(origin(bad), Err(BuildError::Origin { problem: p, .. }) if p == problem),
                "{bad}"
            );
        }
    }

    #[test]
    fn durations() {
        use std::time::Duration as D;
        assert!(duration(D::from_millis(1)).is_ok());
        assert_eq!(
            duration(D::from_micros(999)),
            Err(DurationProblem::BelowMinimum(D::from_micros(999)))
        );
        assert_eq!(
            duration(D::from_micros(1500)),
            Err(DurationProblem::NotWholeMilliseconds(D::from_micros(1500)))
        );
    }

    #[test]
    fn hosts() {
        assert!(gateway_host("*.example.com").is_ok());
        assert!(gateway_host("*").is_ok());
        for (bad, problem) in [
            ("", HostProblem::Empty),
            ("grpc", HostProblem::ShortName),
            ("a.*.example.com", HostProblem::Wildcard),
            ("GRPC.example.com", HostProblem::NotLowerCase),
            ("grpc_x.example.com", HostProblem::NotDns),
        ] {
            assert!(
                matches!(gateway_host(bad), Err(BuildError::Host { problem: p, .. }) if p == problem),
                "{bad}"
            );
        }
    }
}
