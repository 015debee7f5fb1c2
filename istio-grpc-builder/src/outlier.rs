//! Ejecting a pod that keeps failing calls: Istio's `outlierDetection`, Envoy's passive health
//! checking, counted in gRPC status codes.

use std::time::Duration;

/// Which failed calls count towards ejecting a pod, and for how long it is ejected
/// ([`Backend::outlier_detection`](crate::Backend::outlier_detection)).
///
/// Envoy counts HTTP statuses, not gRPC ones: it maps a call's `grpc-status` to one first
/// (Envoy's `Grpc::Utility::grpcToHttpStatus`) and counts that. So:
///
/// | gRPC status | counted as | [`unavailable`](Self::unavailable) | [`server_errors`](Self::server_errors) |
/// |---|---|---|---|
/// | `UNAVAILABLE` | 503 | yes | yes |
/// | `DEADLINE_EXCEEDED` | 504 | yes | yes |
/// | `INTERNAL`, `UNKNOWN`, `DATA_LOSS` | 500 | no | yes |
/// | `UNIMPLEMENTED` | 501 | no | yes |
/// | every other status (`NOT_FOUND`, `RESOURCE_EXHAUSTED`, …) | 4xx | no | no |
///
/// Connection failures and resets count in both. Each constructor writes both counters, so
/// that Envoy's default (eject after 5 consecutive 5xx) does not also apply unasked: the other
/// counter is written as `0`, which turns it off. The deprecated `consecutiveErrors` is never
/// written.
///
/// At most half of the pods are ejected at once unless [`max_ejection_percent`](Self::max_ejection_percent)
/// says otherwise; the builder always writes `maxEjectionPercent`. Istio's default, 10 %, ejects
/// nothing on a backend of fewer than 10 pods: Envoy ejects a pod only while the ejected pods,
/// that one included, stay within the share (`100 × (ejected + 1) / pods`), so one failing pod
/// of three stays in (33 % > 10 %). At 50 %, one pod of two or three can go, and the last pod of
/// a backend is never ejected. Seen on live Envoy: with one pod, 50 % keeps it and 100 % ejects
/// it.
///
/// When every pod is ejected, calls fail with `UNAVAILABLE: no healthy upstream` until the
/// ejection time is over: Istio turns Envoy's panic mode off (`minHealthPercent` 0), so the
/// gateway does not fall back to the ejected pods. Unset, the ejection analysis runs every
/// 10 s and a pod is ejected for 30 s, times the number of times it was ejected (Envoy's
/// defaults).
///
/// ```
/// use std::time::Duration;
/// use istio_grpc_builder::{Backend, Ingress, OutlierDetection};
///
/// let b = Backend::service("greeter").outlier_detection(
///     OutlierDetection::unavailable(3)
///         .interval(Duration::from_secs(5))
///         .ejection_time(Duration::from_secs(60)),
/// );
/// let mesh = Ingress::new("grpc.example.com").h2c().backend(b).build()?;
/// assert!(mesh.yaml().contains("consecutiveGatewayErrors: 3"), "{}", mesh.yaml());
/// assert!(mesh.yaml().contains("consecutive5xxErrors: 0"), "{}", mesh.yaml());
/// assert!(mesh.yaml().contains("maxEjectionPercent: 50"), "{}", mesh.yaml());
/// assert!(mesh.yaml().contains("baseEjectionTime: 60s"), "{}", mesh.yaml());
/// # Ok::<(), istio_grpc_builder::BuildErrors>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct OutlierDetection {
    pub(crate) counted: Counted,
    pub(crate) consecutive: u32,
    pub(crate) interval: Option<Duration>,
    pub(crate) ejection_time: Option<Duration>,
    pub(crate) max_ejection_percent: Option<u8>,
}

/// Which statuses a pod's consecutive failures are counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Counted {
    /// `consecutiveGatewayErrors`: 502, 503, 504 (`UNAVAILABLE`, `DEADLINE_EXCEEDED`).
    Unavailable,
    /// `consecutive5xxErrors`: every 5xx.
    ServerErrors,
}

impl OutlierDetection {
    /// Eject a pod after `consecutive` calls in a row ended `UNAVAILABLE` or
    /// `DEADLINE_EXCEEDED` (or failed to connect): Istio's `consecutiveGatewayErrors`, with
    /// `consecutive5xxErrors: 0`. A pod whose calls fail with `INTERNAL` (a bug in a handler,
    /// say) is not ejected. `consecutive` must be at least 1 (checked by `build()`).
    pub fn unavailable(consecutive: u32) -> Self {
        Self::new(Counted::Unavailable, consecutive)
    }

    /// Eject a pod after `consecutive` calls in a row ended with any status Envoy counts as a
    /// server error: `UNAVAILABLE`, `DEADLINE_EXCEEDED`, `INTERNAL`, `UNKNOWN`, `DATA_LOSS`,
    /// `UNIMPLEMENTED` (or failed to connect): Istio's `consecutive5xxErrors`, with
    /// `consecutiveGatewayErrors: 0`. `consecutive` must be at least 1 (checked by `build()`).
    pub fn server_errors(consecutive: u32) -> Self {
        Self::new(Counted::ServerErrors, consecutive)
    }

    fn new(counted: Counted, consecutive: u32) -> Self {
        OutlierDetection {
            counted,
            consecutive,
            interval: None,
            ejection_time: None,
            max_ejection_percent: None,
        }
    }

    /// How often pods are looked at to eject or bring back (`interval`; Envoy's default 10 s).
    /// At least 1 ms, in whole milliseconds (checked by `build()`).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = Some(interval);
        self
    }

    /// How long a pod stays ejected the first time; each further ejection multiplies it
    /// (`baseEjectionTime`; Envoy's default 30 s). At least 1 ms, in whole milliseconds
    /// (checked by `build()`).
    pub fn ejection_time(mut self, time: Duration) -> Self {
        self.ejection_time = Some(time);
        self
    }

    /// At most this share of the pods is ejected at once, the pod about to be ejected included
    /// (`maxEjectionPercent`; 50 unless given). 100 lets every pod go, the last one too. At
    /// most 100 (checked by `build()`).
    pub fn max_ejection_percent(mut self, percent: u8) -> Self {
        self.max_ejection_percent = Some(percent);
        self
    }
}
