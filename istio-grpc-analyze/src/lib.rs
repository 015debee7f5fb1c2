//! Offline analysis of Istio manifests for the misconfigurations that break gRPC.
//!
//! It finds before deploy what the troubleshooting of the gRPC-through-Istio guide describes — a
//! gRPC route to a backend port not declared HTTP/2, which clients see as `UNAVAILABLE: upstream
//! connect error or disconnect/reset before headers. reset reason: protocol error` (the guide says
//! RST_STREAM; live traffic shows that only for a timeout cutting a stream) — and the other ways gRPC
//! breaks behind Istio: gateways and secrets that are not there, timeouts that cut streams,
//! retries that never fire or storm, gRPC-Web nobody translates, proxyless workloads given
//! settings they ignore, routes that can never match, gateways that fight over a host. Every
//! finding has a stable code ([`codes`]), a severity, the resource, the field path, the file and
//! line, a message and, where there is one, the fix.
//!
//! ```
//! use istio_grpc_analyze::{Inputs, Options, analyze, codes};
//!
//! let mut inputs = Inputs::new();
//! inputs.add_yaml(None, r#"
//! apiVersion: v1
//! kind: Service
//! metadata: {name: order-grpc-service, namespace: shop}
//! spec:
//!   selector: {app: order}
//!   ports: [{name: http-api, port: 50051}]
//! ---
//! apiVersion: networking.istio.io/v1
//! kind: VirtualService
//! metadata: {name: grpc-routing, namespace: shop}
//! spec:
//!   hosts: [grpc.example.com]
//!   http:
//!   - match: [{uri: {prefix: /mypackage.OrderService}}]
//!     route: [{destination: {host: order-grpc-service, port: {number: 50051}}}]
//! "#);
//! let report = analyze(&inputs, &Options::default());
//! let finding = &report.diagnostics()[0];
//! assert_eq!(finding.code, codes::BACKEND_NOT_HTTP2);
//! assert_eq!(finding.path, "spec.http[0].route[0].destination");
//! assert!(finding.message.contains("reset reason: protocol error"));
//! ```
//!
//! Two ways in. [`Inputs`] holds every object typed, for a caller that wants them (and
//! [`analyze`] checks them); [`Analysis`] checks each document as it is read and keeps only
//! what the checks across objects read of it, so that checking a large mesh takes memory in
//! proportion to its text, not to its typed objects: `istio-grpc check` reads that way. Both
//! give the same findings in the same order. How it is split:
//!
//! - the checks that read one object alone run on the thread that read it: the CRD schema and
//!   CEL rules, the fields the types do not know, and each rule that needs nothing else (a
//!   timeout, a retry policy, duplicate matches, port names, …); their findings are located
//!   there, from the positions recorded in the read;
//! - what the rules across objects read is kept small (the crate's `lean` module: a Service's
//!   ports and selector, a VirtualService's hosts, bindings and destinations, …), the kinds few
//!   manifests hold many of (Gateways, Secrets, EnvoyFilters, …) whole;
//! - findings are kept small too ([`Report::iter`] makes them one at a time);
//! - a file is read as it goes ([`istio_grpc_types::yaml::parse_map_read`]), never held whole:
//!   the positions of a document with a finding across objects are read again from the file
//!   (from the bytes where it was, checked unchanged).

mod analysis;
mod checks;
mod chunked;
pub mod codes;
mod crd;
mod diagnostic;
mod findings;
mod input;
mod lean;
mod local;
mod model;
pub mod output;
mod parallel;
mod suppress;
pub use istio_grpc_types::protocol;

use std::collections::BTreeSet;

pub use analysis::Analysis;
pub use codes::Code;
pub use crd::{CrdError, CrdSet, Findings, GATEWAY_API_CRDS, ISTIO_CRDS};
pub use diagnostic::{Diagnostic, Resource, Severity, TextEdit};
pub use input::{Inputs, Manifest};
pub use suppress::{Baseline, BaselineEntry, SUPPRESS_ANNOTATION, Suppression};

/// What the analyzer knows beyond the manifests.
#[derive(Debug, Default)]
pub struct Options {
    /// CRDs to check objects against (structural schema and CEL rules).
    pub crds: Option<CrdSet>,
    /// Full paths (`/<package>.<Service>/<Method>`) of methods that stream, to find routes
    /// whose timeout would cut them.
    pub streaming_methods: BTreeSet<String>,
    /// Full names (`<package>.<Service>`) of the gRPC services behind the routes (from a
    /// descriptor set): routes to them are gRPC routes, and a prefix that captures one of them
    /// by accident is reported.
    pub grpc_services: BTreeSet<String>,
    /// Codes not to report on some resources (`--suppress CODE=RESOURCE`). The
    /// [`SUPPRESS_ANNOTATION`] on an object is always honoured.
    pub suppressions: Vec<Suppression>,
    /// How many threads the CRD checks (schema and CEL, per document, beside the rules) and
    /// the locating of findings may use: `0`, the
    /// default, is what `std::thread::available_parallelism` reports, at most 8; `1` keeps
    /// everything on the calling thread. The findings are the same either way.
    pub threads: usize,
}

impl Options {
    /// Adds methods that stream, as `/<package>.<Service>/<Method>`.
    pub fn streaming_methods<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        methods: I,
    ) -> Self {
        self.streaming_methods
            .extend(methods.into_iter().map(Into::into));
        self
    }

    /// Adds gRPC services, as `<package>.<Service>`.
    pub fn grpc_services<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        services: I,
    ) -> Self {
        self.grpc_services
            .extend(services.into_iter().map(Into::into));
        self
    }

    /// Adds suppressions.
    pub fn suppress(mut self, suppressions: impl IntoIterator<Item = Suppression>) -> Self {
        self.suppressions.extend(suppressions);
        self
    }

    /// How many threads the CRD checks may use ([`Options::threads`]).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Adds CRDs to check objects against.
    pub fn crds(mut self, crds: CrdSet) -> Self {
        self.crds = Some(crds);
        self
    }
}

/// The result of an analysis.
#[derive(Clone, Debug, Default)]
pub struct Report {
    findings: findings::Findings,
    /// [`Report::diagnostics`], made on first use.
    made: std::sync::OnceLock<Vec<Diagnostic>>,
    documents: usize,
    unusable: bool,
    suppressed: usize,
    accepted: usize,
}

impl Report {
    /// Every finding, ordered by file, line, then code.
    ///
    /// The findings are kept small (see [`Report::iter`]); this makes them all once, on first
    /// use.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        self.made.get_or_init(|| self.findings.iter().collect())
    }

    /// Every finding, in the order of [`Report::diagnostics`], made one at a time: writing a
    /// large report this way never holds it whole.
    pub fn iter(&self) -> impl Iterator<Item = Diagnostic> + '_ {
        self.findings.iter()
    }

    /// How many findings there are.
    pub fn len(&self) -> usize {
        self.findings.len()
    }

    /// Whether there is no finding.
    pub fn is_empty(&self) -> bool {
        self.findings.len() == 0
    }

    /// How many documents were read.
    pub fn documents(&self) -> usize {
        self.documents
    }

    /// Findings of a severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings.count(severity)
    }

    /// Whether some input could not be used (unreadable, not YAML, not an object, or nothing).
    pub fn has_unusable_input(&self) -> bool {
        self.unusable
    }

    /// `0` clean, `1` errors found, `2` unusable input: the CLI's exit status.
    pub fn exit_code(&self) -> i32 {
        self.exit_code_at(Severity::Error)
    }

    /// `0` clean, `1` a finding at `threshold` or worse (`Warning`: warnings and errors), `2`
    /// unusable input.
    pub fn exit_code_at(&self, threshold: Severity) -> i32 {
        if self.unusable {
            2
        } else if self.findings.any_at_or_above(threshold) {
            1
        } else {
            0
        }
    }

    /// How many findings a suppression (annotation or [`Options::suppressions`]) removed.
    pub fn suppressed(&self) -> usize {
        self.suppressed
    }

    /// How many findings a baseline accepted ([`Report::accept`]).
    pub fn accepted(&self) -> usize {
        self.accepted
    }

    /// Removes the findings the baseline accepts (a finding about unusable input stays).
    pub fn accept(&mut self, baseline: &Baseline) {
        self.accepted += self
            .findings
            .retain(|d| d.code == codes::UNUSABLE_INPUT || !baseline.accepts(d));
        self.made = std::sync::OnceLock::new();
    }

    /// `N errors, M warnings in K documents`.
    pub fn summary(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut out = format!(
            "{}, {} in {}",
            plural(self.count(Severity::Error), "error"),
            plural(self.count(Severity::Warning), "warning"),
            plural(self.documents, "document")
        );
        if self.suppressed > 0 {
            out.push_str(&format!(" ({} suppressed)", self.suppressed));
        }
        if self.accepted > 0 {
            out.push_str(&format!(" ({} accepted by the baseline)", self.accepted));
        }
        out
    }
}

/// Runs every check over the inputs.
///
/// The checks that read one object alone (the CRD schema and CEL rules among them) run on up to
/// [`Options::threads`] threads, then the rules across objects on the calling thread; the
/// findings are the same, in the same order, whatever the threads. [`Analysis`] does the same
/// reading files as it goes, without holding the objects.
pub fn analyze(inputs: &Inputs, options: &Options) -> Report {
    let mut analysis = Analysis::new(options);
    analysis.add_inputs(inputs);
    analysis.finish()
}
