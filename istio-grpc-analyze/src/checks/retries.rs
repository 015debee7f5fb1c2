//! GRPC004: `retryOn` with HTTP-only conditions on a gRPC route (gRPC failures arrive with HTTP
//! status 200 and a `grpc-status` trailer, so `5xx` and friends never fire); GRPC005:
//! `resource-exhausted` (retrying an overloaded backend feeds a retry storm); GRPC006:
//! `perTryTimeout` above the route `timeout`.

use crate::checks::route_is_grpc;
use crate::model::{Model, diagnostic};
use crate::{Diagnostic, codes};

/// Envoy `x-envoy-retry-on` conditions about HTTP status codes (REFERENCE §e).
const HTTP_ONLY: &[&str] = &[
    "5xx",
    "gateway-error",
    "retriable-4xx",
    "retriable-status-codes",
    "retriable-headers",
    "envoy-ratelimited",
];

pub(crate) fn check(model: &Model<'_>, out: &mut Vec<Diagnostic>) {
    for (manifest, vs) in &model.virtual_services {
        for (i, route) in vs.spec.http.iter().flatten().enumerate() {
            let Some(retries) = &route.retries else {
                continue;
            };
            if let (Some(per_try), Some(timeout)) = (retries.per_try_timeout, route.timeout)
                && !timeout.is_zero()
                && per_try > timeout
            {
                out.push(diagnostic(
                    manifest,
                    codes::PER_TRY_ABOVE_TIMEOUT,
                    format!("spec.http[{i}].retries.perTryTimeout"),
                    format!("perTryTimeout {per_try} is above the route timeout {timeout}: the first try uses all of it and no retry ever runs"),
                    Some(format!("make perTryTimeout at most {timeout} (timeout / (attempts + 1) gives every attempt its share)")),
                ));
            }
            if !route_is_grpc(model, manifest, vs, route) {
                continue;
            }
            let Some(retry_on) = retries.retry_on.as_deref() else {
                continue;
            };
            let tokens: Vec<&str> = retry_on.split(',').map(str::trim).collect();
            let http: Vec<&str> = tokens
                .iter()
                .copied()
                .filter(|t| HTTP_ONLY.contains(t) || t.parse::<u16>().is_ok())
                .collect();
            if !http.is_empty() {
                out.push(diagnostic(
                    manifest,
                    codes::HTTP_RETRY_ON_GRPC,
                    format!("spec.http[{i}].retries.retryOn"),
                    format!("{http:?} retry on HTTP status, but gRPC errors arrive as HTTP 200 with a grpc-status trailer: these never fire on this gRPC route"),
                    Some("retry on gRPC codes (unavailable, cancelled, deadline-exceeded, internal) and transport conditions (connect-failure, refused-stream, reset)".to_owned()),
                ));
            }
            if tokens.contains(&"resource-exhausted") {
                out.push(diagnostic(
                    manifest,
                    codes::RETRY_STORM,
                    format!("spec.http[{i}].retries.retryOn"),
                    "resource-exhausted means the backend is overloaded or a quota is spent: retrying multiplies its load (a retry storm)",
                    Some("drop resource-exhausted from retryOn, or cap retries with a DestinationRule retryBudget".to_owned()),
                ));
            }
        }
    }
}
