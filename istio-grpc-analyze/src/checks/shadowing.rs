//! IST0130: a route that can never match, because an earlier route with a broader uri match
//! (or no match at all) takes all of its traffic.

use istio_grpc_types::StringMatch;
use istio_grpc_types::virtual_service::HttpMatchRequest;

use crate::Manifest;
use crate::checks::uri_only;
use crate::model::diagnostic;
use crate::{Diagnostic, codes};
use istio_grpc_types::VirtualService;

fn covers(earlier: Option<&StringMatch>, later: Option<&StringMatch>) -> bool {
    match (earlier, later) {
        (None | Some(StringMatch::Present), _) => true,
        (Some(StringMatch::Prefix(p)), Some(StringMatch::Prefix(q) | StringMatch::Exact(q))) => {
            q.starts_with(p.as_str())
        }
        (Some(StringMatch::Exact(e)), Some(StringMatch::Exact(f))) => e == f,
        _ => false,
    }
}

pub(crate) fn check(manifest: &Manifest, vs: &VirtualService, out: &mut Vec<Diagnostic>) {
    let routes: Vec<_> = vs.spec.http.iter().flatten().collect();
    for (j, later) in routes.iter().enumerate() {
        let later_matches: Vec<&HttpMatchRequest> = later.match_.iter().flatten().collect();
        let shadow = routes[..j].iter().enumerate().find_map(|(i, earlier)| {
            let earlier_matches: Vec<&HttpMatchRequest> = earlier.match_.iter().flatten().collect();
            let catch_all = earlier_matches.is_empty();
            let covered = |m: &&HttpMatchRequest| {
                earlier_matches
                    .iter()
                    .filter_map(|e| uri_only(e))
                    .any(|e| covers(e, m.uri.as_ref()))
            };
            let all_covered =
                catch_all || (!later_matches.is_empty() && later_matches.iter().all(covered));
            all_covered.then_some(i)
        });
        if let Some(i) = shadow {
            let what = match routes[i].match_.as_deref() {
                None | Some([]) => "has no match, so it takes every request".to_owned(),
                Some(_) => "matches a broader uri".to_owned(),
            };
            out.push(diagnostic(
                manifest,
                codes::UNREACHABLE_RULE,
                format!("spec.http[{j}]"),
                format!(
                    "this route can never match: route {i}{} {what}",
                    routes[i]
                        .name
                        .as_deref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default()
                ),
                Some(format!(
                    "move it above route {i}, or make route {i}'s match narrower"
                )),
            ));
        }
    }
}
