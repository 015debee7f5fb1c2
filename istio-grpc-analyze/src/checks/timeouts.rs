//! GRPC002: a finite timeout on a route that serves a streaming method (when the methods are
//! known). GRPC003: a `0s` timeout, which Istio's CRD refuses (`duration(self) >= duration('1ms')`);
//! an absent timeout already means "disabled".

use istio_grpc_types::StringMatch;

use crate::Manifest;
use crate::checks::uri_only;
use crate::model::diagnostic;
use crate::{Diagnostic, Options, codes};
use istio_grpc_types::VirtualService;

pub(crate) fn check(
    manifest: &Manifest,
    vs: &VirtualService,
    options: &Options,
    out: &mut Vec<Diagnostic>,
) {
    for (i, route) in vs.spec.http.iter().flatten().enumerate() {
        let timeout = route.timeout;
        let per_try = route.retries.as_ref().and_then(|r| r.per_try_timeout);
        for (field, value) in [("timeout", timeout), ("retries.perTryTimeout", per_try)] {
            if value.is_some_and(|d| d.is_zero()) {
                out.push(diagnostic(
                    manifest,
                    codes::ZERO_TIMEOUT,
                    format!("spec.http[{i}].{field}"),
                    format!("{field}: 0s is refused by Istio's CRD (\"must be a valid duration greater than 1ms\")"),
                    Some(format!("remove {field}: a route without a timeout has none (Istio's default is disabled)")),
                ));
            }
        }
        let routes: Vec<_> = vs.spec.http.iter().flatten().collect();
        let streaming: Vec<&String> = options
            .streaming_methods
            .iter()
            .filter(|m| reaches(&routes, i, m))
            .collect();
        if streaming.is_empty() {
            continue;
        }
        for (field, value) in [("timeout", timeout), ("retries.perTryTimeout", per_try)] {
            if let Some(d) = value.filter(|d| !d.is_zero()) {
                out.push(diagnostic(
                    manifest,
                    codes::STREAMING_TIMEOUT,
                    format!("spec.http[{i}].{field}"),
                    format!("{field} {d} cuts the streaming method{} {} after {d}: clients see INTERNAL: stream terminated by RST_STREAM with error code: INTERNAL_ERROR (or DEADLINE_EXCEEDED when the forwarded deadline fires first at the server)", if streaming.len() > 1 { "s" } else { "" }, streaming.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")),
                    Some(format!("remove {field} from this route, or route the streaming methods by their own prefix to a route without one")),
                ));
            }
        }
    }
}

/// Whether requests for `method` can reach route `index`: it matches them, and no earlier route
/// takes all of them (a route whose matches only constrain the uri takes every request it
/// matches; one that also looks at headers lets some through).
fn reaches(
    routes: &[&istio_grpc_types::virtual_service::HttpRoute],
    index: usize,
    method: &str,
) -> bool {
    route_serves(routes[index].match_.as_deref(), method)
        && !routes[..index]
            .iter()
            .any(|r| captures(r.match_.as_deref(), method))
}

fn captures(
    matches: Option<&[istio_grpc_types::virtual_service::HttpMatchRequest]>,
    method: &str,
) -> bool {
    let Some(matches) = matches.filter(|m| !m.is_empty()) else {
        return true;
    };
    matches
        .iter()
        .any(|m| uri_only(m).is_some() && route_serves(Some(std::slice::from_ref(m)), method))
}

/// Whether a route with these matches takes requests for `method` (`/pkg.Service/Method`).
pub(crate) fn route_serves(
    matches: Option<&[istio_grpc_types::virtual_service::HttpMatchRequest]>,
    method: &str,
) -> bool {
    let Some(matches) = matches.filter(|m| !m.is_empty()) else {
        return true;
    };
    matches.iter().any(|m| match &m.uri {
        None => true,
        Some(StringMatch::Prefix(p)) => method.starts_with(p.as_str()),
        Some(StringMatch::Exact(e)) => method == e,
        Some(StringMatch::Present) => true,
        Some(StringMatch::Regex(_)) => false,
    })
}
