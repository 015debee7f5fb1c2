//! GRPC015: a `uri.prefix` written as `/pkg.Svc`, without its trailing slash, that also takes
//! another gRPC service the analyzer can see (another route's service, a descriptor set's
//! service). Istio writes the prefix as a plain Envoy string prefix (`route/route.go`
//! `TranslateRouteMatch`), so `/pkg.Svc` takes `/pkg.SvcAdmin/Get` as well (ENVOY.md §2.2, lab g:
//! routed to the UserService backend, which answered `UNIMPLEMENTED`).

use std::collections::BTreeSet;

use istio_grpc_types::grpc;

use crate::model::{Model, diagnostic};
use crate::{Diagnostic, TextEdit, codes};

/// Every gRPC service the analyzer can see: the declared ones and those routes name.
fn seen_services(model: &Model) -> BTreeSet<&str> {
    let mut seen: BTreeSet<&str> = model.grpc_services.iter().map(String::as_str).collect();
    for (_, vs) in &model.virtual_services {
        for route in vs.http.iter() {
            seen.extend(route.services.iter().map(|s| &**s));
        }
    }
    seen
}

pub(crate) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    let seen = seen_services(model);
    for (manifest, vs) in &model.virtual_services {
        for (i, route) in vs.http.iter().enumerate() {
            for (k, prefix) in route.bare_prefixes.iter() {
                let Some((service, None)) = grpc::split_path(prefix) else {
                    continue;
                };
                // a service whose name goes on in the same identifier (`pkg.SvcAdmin` after
                // `pkg.Svc`); `/pkg` before `pkg.Svc` is a package-wide route, on purpose
                let captured: Vec<&str> = seen
                    .range(service..)
                    .copied()
                    .take_while(|other| other.starts_with(service))
                    .filter(|other| {
                        other.strip_prefix(service).is_some_and(|rest| {
                            rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                        })
                    })
                    .collect();
                if captured.is_empty() {
                    continue;
                }
                let list = captured
                    .iter()
                    .map(|s| grpc::service_prefix(s))
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut d = diagnostic(
                    manifest,
                    codes::PREFIX_CAPTURES_SERVICE,
                    format!("spec.http[{i}].match[{k}].uri.prefix"),
                    format!(
                        "prefix {prefix} also takes the calls of {} ({list}…): Istio writes it as a plain string prefix, so those calls reach this route's backend, which answers UNIMPLEMENTED",
                        captured.join(", ")
                    ),
                    Some(format!("prefix: {}", grpc::service_prefix(service))),
                );
                d.edit = Some(TextEdit {
                    old: prefix.to_string(),
                    new: grpc::service_prefix(service),
                });
                out.push(d);
            }
        }
    }
}
