//! GRPC004: `retryOn` with HTTP-only conditions on a gRPC route (gRPC failures arrive with HTTP
//! status 200 and a `grpc-status` trailer, so `5xx` and friends never fire); GRPC005:
//! `resource-exhausted` (retrying an overloaded backend feeds a retry storm); GRPC006:
//! `perTryTimeout` above the route `timeout`; GRPC017: a `perTryTimeout` whose `retryOn` has no
//! condition that covers a timed-out attempt, so that attempt is not retried.

use istio_grpc_types::VirtualService;

use std::collections::BTreeSet;

use crate::checks::{grpc_match, route_is_grpc};
use crate::model::{Model, Subject, diagnostic};
use crate::{Diagnostic, Manifest, codes};

/// Envoy `x-envoy-retry-on` conditions about HTTP status codes (REFERENCE §e).
const HTTP_ONLY: &[&str] = &[
    "5xx",
    "gateway-error",
    "retriable-4xx",
    "retriable-status-codes",
    "retriable-headers",
    "envoy-ratelimited",
];

/// The `retryOn` conditions under which Envoy retries an attempt its per-try timeout ended: it
/// counts that as a reset (`router.cc` `onPerTryTimeout` → `RetryStateImpl::wouldRetryFromReset`:
/// `RETRY_ON_RESET`, or `RETRY_ON_5XX`/`RETRY_ON_GATEWAY_ERROR`, "we count an upstream reset as a
/// 5xx"). Live: ENVOY.md lab d″.
const COVER_PER_TRY_TIMEOUT: &[&str] = &["reset", "5xx", "gateway-error"];

/// What a timed-out attempt ends as, for the fix: Envoy's per-try timer (`reset`), or the
/// server's deadline, which Istio sends upstream as `grpc-timeout` (`max_grpc_timeout`): tonic
/// answers `cancelled`, grpc-go `deadline-exceeded` (measured in the lab, issue 8 point 4).
const PER_TRY_TIMEOUT_OUTCOMES: [&str; 3] = ["reset", "cancelled", "deadline-exceeded"];

/// `retry_on` with every condition of [`PER_TRY_TIMEOUT_OUTCOMES`] it lacks appended.
fn with_timeout_outcomes(retry_on: &str) -> String {
    let mut out = retry_on.to_owned();
    for outcome in PER_TRY_TIMEOUT_OUTCOMES {
        if !retry_on.split(',').any(|t| t.trim() == outcome) {
            out.push(',');
            out.push_str(outcome);
        }
    }
    out
}

/// Istio's `retry_on` when `retryOn` is empty or absent (`route/retry/retry.go`, ENVOY.md §2.4).
const ISTIO_DEFAULT_RETRY_ON: &str =
    "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

/// GRPC006 and GRPC017, which do not depend on the route carrying gRPC, and GRPC004 and GRPC005
/// on the routes whose own matches say they carry gRPC ([`crate::checks::grpc_match`]).
pub(crate) fn local(
    manifest: &Manifest,
    vs: &VirtualService,
    grpc_services: &BTreeSet<String>,
    out: &mut Vec<Diagnostic>,
) {
    {
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
            let retry_on = retries.retry_on.as_deref().filter(|r| !r.trim().is_empty());
            if let Some(per_try) = retries.per_try_timeout
                && !per_try.is_zero()
                && retries.attempts.is_none_or(|a| a > 0)
            {
                let effective = retry_on.unwrap_or(ISTIO_DEFAULT_RETRY_ON);
                if !effective
                    .split(',')
                    .any(|t| COVER_PER_TRY_TIMEOUT.contains(&t.trim()))
                {
                    let written = match retry_on {
                        Some(r) => format!("retryOn {r:?} has"),
                        None => format!(
                            "without retryOn, Istio's default {ISTIO_DEFAULT_RETRY_ON:?} has"
                        ),
                    };
                    out.push(diagnostic(
                        manifest,
                        codes::PER_TRY_TIMEOUT_NOT_RETRIED,
                        format!("spec.http[{i}].retries.perTryTimeout"),
                        format!("an attempt cut by perTryTimeout {per_try} is not retried: {written} none of reset, 5xx, gateway-error, the conditions under which Envoy retries a timed-out attempt; the call fails after {per_try} with UNAVAILABLE: upstream request timeout"),
                        Some(format!("retryOn: {}", with_timeout_outcomes(retry_on.unwrap_or(ISTIO_DEFAULT_RETRY_ON)))),
                    ));
                }
            }
            if grpc_match(grpc_services, route)
                && let Some(retry_on) = retry_on
            {
                on_grpc(manifest, i, retry_on, out);
            }
        }
    }
}

/// GRPC004 and GRPC005 on the routes that are not gRPC by their own matches (those were
/// checked with the object, [`local`]) but by what they are bound to or reach.
pub(crate) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    for (manifest, vs) in &model.virtual_services {
        for (i, route) in vs.http.iter().enumerate() {
            if route.grpc_match || !route_is_grpc(model, manifest, vs, route) {
                continue;
            }
            if let Some(retry_on) = route.retry_on.as_deref() {
                on_grpc(manifest, i, retry_on, out);
            }
        }
    }
}

/// GRPC004 and GRPC005 for `spec.http[i].retries.retryOn` of a route that carries gRPC.
fn on_grpc(manifest: &impl Subject, i: usize, retry_on: &str, out: &mut Vec<Diagnostic>) {
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
            format!("{http:?} retry on HTTP status, but gRPC errors arrive as HTTP 200 with a grpc-status trailer: these never fire on a gRPC error status (5xx and gateway-error fire only on resets and timed-out attempts, which reset covers alone)"),
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
