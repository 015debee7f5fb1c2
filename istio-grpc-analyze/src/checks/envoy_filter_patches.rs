//! EnvoyFilter patch operations, following Istio's `envoyfilter.EnvoyPatchAnalyzer`:
//! - IST0153: `ADD` on `ROUTE_CONFIGURATION` or `HTTP_ROUTE`, which Istio ignores (the patch
//!   does nothing);
//! - IST0151: a relative operation (`INSERT_BEFORE`/`AFTER`, `REPLACE`, `MERGE`, `REMOVE`)
//!   without `priority`: the order EnvoyFilters apply in can leave the patch without its anchor,
//!   and then it is not applied (for a gRPC-Web filter inserted before the router: gRPC-Web calls
//!   fail); IST0155 instead when an earlier EnvoyFilter patched the same filter name with a
//!   `proxyVersion` match, so an upgrade can drop it.

use serde_json::Value;

use crate::model::{Model, diagnostic};
use crate::{Code, Diagnostic, codes};

pub(crate) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    // filter names patched under a proxyVersion match, by the EnvoyFilters seen so far
    let mut versioned: Vec<String> = Vec::new();
    for (manifest, ef) in &model.envoy_filters {
        let Ok(json) = serde_json::to_value(&**ef) else {
            continue;
        };
        let priority = ef.spec.priority.unwrap_or(0);
        for (i, patch) in json["spec"]["configPatches"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            if patch["patch"].is_null() {
                break;
            }
            let name = match &patch["patch"]["value"]["name"] {
                Value::Null => patch["match"]["listener"]["filterChain"]["filter"]["name"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
                v => v.to_string(),
            };
            let operation = patch["patch"]["operation"].as_str().unwrap_or("");
            let apply_to = patch["applyTo"].as_str().unwrap_or("");
            let route_level = matches!(apply_to, "ROUTE_CONFIGURATION" | "HTTP_ROUTE");
            let mut report = |code: Code, message: String, fix: &str| {
                out.push(diagnostic(
                    manifest,
                    code,
                    format!("spec.configPatches[{i}]"),
                    message,
                    Some(fix.to_owned()),
                ));
            };
            let relative = match operation {
                "ADD" if route_level => {
                    report(
                        codes::ENVOY_FILTER_ADD_INCORRECT,
                        format!(
                            "The ADD operation will be ignored when applyTo is set to ROUTE_CONFIGURATION, or HTTP_ROUTE (here {apply_to}): this patch changes nothing"
                        ),
                        "use MERGE to change the route configuration, or apply ADD to a cluster, listener or filter chain",
                    );
                    false
                }
                "REMOVE" | "REPLACE" | "INSERT_BEFORE" | "INSERT_AFTER" | "MERGE" => true,
                _ => false,
            };
            if relative && priority == 0 {
                if versioned.contains(&name) {
                    report(codes::ENVOY_FILTER_RELATIVE_WITH_PROXY_VERSION, "This EnvoyFilter does not have a priority and has a relative patch operation (INSERT_BEFORE/AFTER, REPLACE, MERGE, DELETE) and proxyVersion set which can cause the EnvoyFilter not to be applied during an upgrade".to_owned(), "set spec.priority, or use INSERT_FIRST or ADD");
                } else {
                    report(
                        codes::ENVOY_FILTER_RELATIVE_OPERATION,
                        format!(
                            "This EnvoyFilter does not have a priority and has a relative patch operation ({operation}) which can cause the EnvoyFilter not to be applied: its anchor may not be there yet when it applies"
                        ),
                        "set spec.priority, or use INSERT_FIRST or ADD",
                    );
                }
            }
            if patch["match"]["proxy"]["proxyVersion"]
                .as_str()
                .is_some_and(|v| !v.is_empty())
            {
                versioned.push(name);
            }
        }
    }
}

// Not reported: IST0152 (REPLACE outside HTTP/network filters) and IST0154 (REMOVE on routes).
// Some versions of the analyzer have them, but Istio's own test data at the commit the reference
// data comes from (`envoy-filter-patch-operation.yaml`, REPLACE on a CLUSTER) expects no finding.
