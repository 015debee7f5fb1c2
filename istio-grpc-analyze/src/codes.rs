//! Every diagnostic code, in one place.
//!
//! Where `istioctl analyze` has a message for the same problem, its code is used (from Istio's
//! `pkg/config/analysis/msg/messages.yaml`); the others are ours, prefixed `GRPC`.
//!
//! | code | severity | what |
//! | --- | --- | --- |
//! | `IST0002` | warning | a deprecated field (Deprecated) |
//! | `IST0101` | error | a referenced Gateway or Secret is not in the input (ReferencedResourceNotFound) |
//! | `IST0106` | error | the object fails its CRD's structural schema or a CEL rule (SchemaValidationError) |
//! | `IST0109` | error | VirtualServices bound to the mesh define the same host: which one sidecars use is undefined (ConflictingMeshGatewayVirtualServiceHosts) |
//! | `IST0110` | error | several Sidecars select the same pod: which applies is undefined (ConflictingSidecarWorkloadSelectors) |
//! | `IST0111` | error | several Sidecars without selector in one namespace (MultipleSidecarsWithoutWorkloadSelectors) |
//! | `IST0116` | warning | Services selecting a Deployment use one port with different protocols (DeploymentAssociatedToMultipleServices) |
//! | `IST0118` | info | a Service port name naming no protocol Istio knows (PortNameIsNotUnderNamingConvention) |
//! | `IST0128` | warning | DestinationRule TLS `SIMPLE`/`MUTUAL` without `caCertificates`: the server is not verified (NoServerCertificateVerificationDestinationLevel) |
//! | `IST0129` | warning | the same, in a port-level setting (NoServerCertificateVerificationPortLevel) |
//! | `IST0130` | warning | a route can never match: an earlier, broader route takes its traffic (VirtualServiceUnreachableRule) |
//! | `IST0131` | info | a match an earlier rule's match already takes, the same or broader (VirtualServiceIneffectiveMatch) |
//! | `IST0132` | warning | a VirtualService host is not served by the Gateway it binds to (VirtualServiceHostNotFoundInGateway) |
//! | `IST0134` | warning | a ServiceEntry TCP port without addresses (ServiceEntryAddressesRequired) |
//! | `IST0137` | warning | Services selecting a Deployment send one targetPort from different ports (DeploymentConflictingPorts) |
//! | `IST0138` | warning | two Gateways on one workload serve the same certificate: HTTP/2 connection re-use gives 404s (GatewayDuplicateCertificate) |
//! | `IST0140` | warning | a gateway route to a host another VirtualService splits by subsets: the split does not apply (IngressRouteRulesNotAffected) |
//! | `IST0145` | error | two Gateways select the same workload and claim the same port and host (ConflictingGateways) |
//! | `IST0151` | warning | a relative EnvoyFilter patch without priority may not apply (EnvoyFilterUsesRelativeOperation) |
//! | `IST0153` | error | ADD on ROUTE_CONFIGURATION/HTTP_ROUTE is ignored (EnvoyFilterUsesAddOperationIncorrectly) |
//! | `IST0155` | warning | a relative patch without priority, on a filter patched under a proxyVersion match (EnvoyFilterUsesRelativeOperationWithProxyVersion) |
//! | `IST0161` | error | the gateway's TLS Secret lacks `tls.crt`/`tls.key` (InvalidGatewayCredential) |
//! | `IST0162` | warning | a Gateway port that no Service of its workload targets (GatewayPortNotDefinedOnService) |
//! | `IST0165` | warning | a VirtualService bound to a Gateway istiod generates (ReferencedInternalGateway) |
//! | `IST0171` | warning | a status condition the controller set negative: the object is not (fully) in effect (NegativeConditionStatus) |
//! | `IST0173` | error | a DestinationRule subset selecting no pod in the input: 503 UH (DestinationRuleSubsetNotSelectPods) |
//! | `IST0174` | warning | a DestinationRule host with no Service or ServiceEntry in the input (UnknownDestinationRuleHost) |
//! | `GRPC001` | error | a gRPC route reaches a Service port not declared HTTP/2: the gateway speaks HTTP/1.1 and calls fail with `UNAVAILABLE … reset reason: protocol error` |
//! | `GRPC002` | error | a finite timeout on a route that serves a streaming method cuts its streams (`INTERNAL … RST_STREAM`) |
//! | `GRPC003` | error | `timeout`/`perTryTimeout` of `0s`: the CRD requires at least 1ms (omit the timeout to disable it) |
//! | `GRPC004` | warning | `retryOn` names HTTP-only conditions on a gRPC route (gRPC failures arrive as HTTP 200) |
//! | `GRPC005` | warning | `retryOn` includes `resource-exhausted`: retrying an overloaded backend feeds a retry storm |
//! | `GRPC006` | warning | `perTryTimeout` is above the route's `timeout`: no retry ever gets its time |
//! | `GRPC007` | error | a gRPC-Web route with neither a `grpc_web` EnvoyFilter nor a GRPC-Web port |
//! | `GRPC008` | warning | a gRPC-Web CORS policy does not expose `grpc-status`/`grpc-message` to the browser |
//! | `GRPC009` | warning | a DestinationRule load balancer that proxyless gRPC ignores |
//! | `GRPC010` | warning | a DestinationRule TLS mode that proxyless gRPC ignores |
//! | `GRPC011` | warning | a PERMISSIVE PeerAuthentication for proxyless gRPC workloads (treated as DISABLE) |
//! | `GRPC012` | error | a document is not a valid object (unknown field, wrong type, bad enum or duration, wrong apiVersion) |
//! | `GRPC013` | error | the input is not YAML, or a path cannot be read |
//! | `GRPC014` | info | a document of a kind the analyzer does not check |
//! | `GRPC015` | warning | a `uri.prefix` without its trailing slash also takes another gRPC service (`/pkg.Svc` takes `/pkg.SvcAdmin/…`) |
//! | `GRPC016` | error | several VirtualServices on one gateway host each end in a catch-all route: only the oldest one's is reachable |
//! | `GRPC017` | warning | a `perTryTimeout` whose `retryOn` has none of `reset`, `5xx`, `gateway-error`: a timed-out attempt is not retried |
//! | `GRPC018` | error | a GRPCRoute backend Service port not declared HTTP/2: Istio speaks HTTP/1.1 to it (a GRPCRoute does not change that) |
//! | `GRPC019` | warning | an HTTPRoute and a GRPCRoute claim the same hostname on one Gateway listener: an implementation may accept only one |
//! | `GRPC020` | error | a GRPCRoute attached to a Gateway none of whose selected listeners admits it (`allowedRoutes` kinds or namespaces, protocol) |
//! | `GRPC021` | error | a Gateway API reference into another namespace (listener certificate Secret, GRPCRoute or HTTPRoute backend) that no ReferenceGrant allows |
//! | `GRPC022` | warning | an `outlierDetection` whose `maxEjectionPercent` (Istio's default 10 %) is below one pod of the backend: no pod is ever ejected |
//! | `GRPC023` | warning | `consecutiveGatewayErrors` at or above the effective `consecutive5xxErrors`: UNAVAILABLE counts as 5xx too, so the 5xx counter ejects first |

use std::fmt;

use serde::Serialize;

use crate::Severity;

/// A diagnostic code: its identifier, its default severity and a one-line title.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code {
    /// `IST0101`, `GRPC001`, …
    pub id: &'static str,
    /// The severity it is reported with.
    pub severity: Severity,
    /// Short name (Istio's message name for IST codes).
    pub name: &'static str,
    /// One sentence on what it finds (its line in the table above).
    pub title: &'static str,
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id)
    }
}

macro_rules! codes {
    ($(#[doc = $title:literal] $const:ident = ($id:literal, $sev:ident, $name:literal);)*) => {
        $(#[doc = $title] pub const $const: Code = Code { id: $id, severity: Severity::$sev, name: $name, title: $title.trim_ascii() };)*
        /// Every code, in the order of the table above.
        pub const ALL: &[Code] = &[$($const),*];
    };
}

codes! {
    /// A deprecated field.
    DEPRECATED = ("IST0002", Warning, "Deprecated");
    /// A referenced Gateway or Secret is not in the input.
    REFERENCED_RESOURCE_NOT_FOUND = ("IST0101", Error, "ReferencedResourceNotFound");
    /// CRD structural schema or CEL rule violation.
    SCHEMA_VALIDATION_ERROR = ("IST0106", Error, "SchemaValidationError");
    /// Mesh VirtualServices defining the same host.
    CONFLICTING_MESH_GATEWAY_HOSTS = ("IST0109", Error, "ConflictingMeshGatewayVirtualServiceHosts");
    /// Several Sidecars selecting one pod.
    CONFLICTING_SIDECAR_SELECTORS = ("IST0110", Error, "ConflictingSidecarWorkloadSelectors");
    /// Several Sidecars without selector in one namespace.
    MULTIPLE_SIDECARS_WITHOUT_SELECTOR = ("IST0111", Error, "MultipleSidecarsWithoutWorkloadSelectors");
    /// One port, several protocols, for one Deployment.
    DEPLOYMENT_MULTIPLE_SERVICES = ("IST0116", Warning, "DeploymentAssociatedToMultipleServices");
    /// A port name outside Istio's naming convention.
    PORT_NAME_CONVENTION = ("IST0118", Info, "PortNameIsNotUnderNamingConvention");
    /// DestinationRule TLS without caCertificates.
    NO_CERT_VERIFICATION_DESTINATION = ("IST0128", Warning, "NoServerCertificateVerificationDestinationLevel");
    /// Port-level DestinationRule TLS without caCertificates.
    NO_CERT_VERIFICATION_PORT = ("IST0129", Warning, "NoServerCertificateVerificationPortLevel");
    /// A route can never match.
    UNREACHABLE_RULE = ("IST0130", Warning, "VirtualServiceUnreachableRule");
    /// A match an earlier rule's match already takes.
    INEFFECTIVE_MATCH = ("IST0131", Info, "VirtualServiceIneffectiveMatch");
    /// A VirtualService host not served by its Gateway.
    HOST_NOT_FOUND_IN_GATEWAY = ("IST0132", Warning, "VirtualServiceHostNotFoundInGateway");
    /// A ServiceEntry TCP port without addresses.
    SERVICE_ENTRY_ADDRESSES_REQUIRED = ("IST0134", Warning, "ServiceEntryAddressesRequired");
    /// One targetPort, several ports, for one Deployment.
    DEPLOYMENT_CONFLICTING_PORTS = ("IST0137", Warning, "DeploymentConflictingPorts");
    /// Two Gateways on one workload with the same certificate.
    GATEWAY_DUPLICATE_CERTIFICATE = ("IST0138", Warning, "GatewayDuplicateCertificate");
    /// A gateway route that bypasses another VirtualService's subsets.
    INGRESS_ROUTE_RULES_NOT_AFFECTED = ("IST0140", Warning, "IngressRouteRulesNotAffected");
    /// Two Gateways claim the same workload, port and host.
    CONFLICTING_GATEWAYS = ("IST0145", Error, "ConflictingGateways");
    /// A relative EnvoyFilter patch without priority.
    ENVOY_FILTER_RELATIVE_OPERATION = ("IST0151", Warning, "EnvoyFilterUsesRelativeOperation");
    /// ADD where Istio ignores it.
    ENVOY_FILTER_ADD_INCORRECT = ("IST0153", Error, "EnvoyFilterUsesAddOperationIncorrectly");
    /// A relative patch without priority next to a proxyVersion match.
    ENVOY_FILTER_RELATIVE_WITH_PROXY_VERSION = ("IST0155", Warning, "EnvoyFilterUsesRelativeOperationWithProxyVersion");
    /// A gateway TLS Secret without `tls.crt`/`tls.key`.
    INVALID_GATEWAY_CREDENTIAL = ("IST0161", Error, "InvalidGatewayCredential");
    /// A Gateway port no Service of its workload targets.
    GATEWAY_PORT_NOT_ON_SERVICE = ("IST0162", Warning, "GatewayPortNotDefinedOnService");
    /// A reference to an implementation-generated Gateway.
    REFERENCED_INTERNAL_GATEWAY = ("IST0165", Warning, "ReferencedInternalGateway");
    /// A negative status condition.
    NEGATIVE_CONDITION = ("IST0171", Warning, "NegativeConditionStatus");
    /// A DestinationRule subset that selects no pod.
    SUBSET_SELECTS_NO_POD = ("IST0173", Error, "DestinationRuleSubsetNotSelectPods");
    /// A DestinationRule host nothing in the input defines.
    UNKNOWN_DESTINATION_RULE_HOST = ("IST0174", Warning, "UnknownDestinationRuleHost");
    /// A gRPC route to a port not declared HTTP/2 (`UNAVAILABLE … protocol error`).
    BACKEND_NOT_HTTP2 = ("GRPC001", Error, "GrpcBackendPortNotHttp2");
    /// A finite timeout on a streaming route.
    STREAMING_TIMEOUT = ("GRPC002", Error, "GrpcStreamingRouteTimeout");
    /// A `0s` timeout, which the CRD refuses.
    ZERO_TIMEOUT = ("GRPC003", Error, "ZeroDurationTimeout");
    /// HTTP-only retry conditions on a gRPC route.
    HTTP_RETRY_ON_GRPC = ("GRPC004", Warning, "HttpRetryConditionOnGrpcRoute");
    /// `resource-exhausted` in retryOn.
    RETRY_STORM = ("GRPC005", Warning, "RetryOnResourceExhausted");
    /// perTryTimeout above the route timeout.
    PER_TRY_ABOVE_TIMEOUT = ("GRPC006", Warning, "PerTryTimeoutAboveTimeout");
    /// gRPC-Web route without the filter or port that translates it.
    GRPC_WEB_NOT_ENABLED = ("GRPC007", Error, "GrpcWebNotEnabled");
    /// gRPC-Web CORS without the exposed gRPC headers.
    GRPC_WEB_CORS_HEADERS = ("GRPC008", Warning, "GrpcWebCorsMissingExposeHeaders");
    /// A load balancer proxyless gRPC ignores.
    PROXYLESS_LOAD_BALANCER = ("GRPC009", Warning, "ProxylessUnsupportedLoadBalancer");
    /// A TLS mode proxyless gRPC ignores.
    PROXYLESS_TLS_MODE = ("GRPC010", Warning, "ProxylessUnsupportedTlsMode");
    /// PERMISSIVE mTLS for proxyless workloads.
    PROXYLESS_PERMISSIVE = ("GRPC011", Warning, "ProxylessPermissiveMtls");
    /// A document that is not a valid object.
    INVALID_DOCUMENT = ("GRPC012", Error, "InvalidDocument");
    /// Input that is not YAML or cannot be read.
    UNUSABLE_INPUT = ("GRPC013", Error, "UnusableInput");
    /// A kind the analyzer does not check.
    UNCHECKED_KIND = ("GRPC014", Info, "UncheckedKind");
    /// A service prefix without its trailing slash that captures another service.
    PREFIX_CAPTURES_SERVICE = ("GRPC015", Warning, "GrpcPrefixCapturesOtherService");
    /// A catch-all route that another VirtualService's catch-all on the same gateway host hides.
    UNREACHABLE_CATCH_ALL = ("GRPC016", Error, "GatewayHostCatchAllUnreachable");
    /// A per-try timeout whose timed-out attempts are not retried.
    PER_TRY_TIMEOUT_NOT_RETRIED = ("GRPC017", Warning, "PerTryTimeoutNotRetried");
    /// A GRPCRoute backend port not declared HTTP/2.
    GRPCROUTE_BACKEND_NOT_HTTP2 = ("GRPC018", Error, "GrpcRouteBackendPortNotHttp2");
    /// An HTTPRoute and a GRPCRoute on the same hostname and listener.
    GRPCROUTE_HTTPROUTE_SAME_HOSTNAME = ("GRPC019", Warning, "GrpcRouteAndHttpRouteShareHostname");
    /// A GRPCRoute no selected listener admits.
    GRPCROUTE_NOT_ALLOWED_BY_LISTENER = ("GRPC020", Error, "GrpcRouteNotAllowedByListeners");
    /// A cross-namespace Gateway API reference without a ReferenceGrant.
    REF_NOT_PERMITTED = ("GRPC021", Error, "RefNotPermitted");
    /// Outlier detection that can eject no pod.
    OUTLIER_EJECTS_NOTHING = ("GRPC022", Warning, "OutlierDetectionEjectsNoPod");
    /// `consecutiveGatewayErrors` that the 5xx counter always beats.
    OUTLIER_GATEWAY_NEVER_ACTS = ("GRPC023", Warning, "ConsecutiveGatewayErrorsNeverAct");
}
