//! What can be wrong with a configuration, each problem with its path and, for YAML, its line
//! and column.

use std::fmt;
use std::path::PathBuf;

use istio_grpc_types::Location;

use crate::error::BuildErrors;
use crate::service::MethodKind;

/// Why a timeout is refused on a streaming route: the first sentence of the compile error the
/// builder's [`AcceptsTimeout`](crate::marker::AcceptsTimeout) bound gives in Rust.
pub const STREAMING_TIMEOUT: &str =
    "a streaming route cannot take a timeout: a finite timeout cuts long-lived gRPC streams";

/// Every problem found in a configuration (at least one), in the order of the file.
#[derive(Debug)]
pub struct ConfigErrors(pub(crate) Vec<ConfigError>);

impl ConfigErrors {
    /// The problems, in the order of the file.
    pub fn errors(&self) -> &[ConfigError] {
        &self.0
    }
}

impl std::ops::Deref for ConfigErrors {
    type Target = [ConfigError];
    fn deref(&self) -> &[ConfigError] {
        &self.0
    }
}

impl From<ConfigError> for ConfigErrors {
    fn from(e: ConfigError) -> Self {
        ConfigErrors(vec![e])
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// One problem, at one place of the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The path of the key or value at fault: `backends[0].grpcServices[1].timeout`; empty for
    /// the whole document.
    pub path: String,
    /// Its line and column, when the configuration was read from YAML.
    pub location: Option<Location>,
    /// What is wrong, and how to fix it.
    pub problem: ConfigProblem,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(at) = self.location {
            write!(f, "{}:{}: ", at.line, at.column)?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{}", self.problem)
    }
}

impl std::error::Error for ConfigError {}

fn did_you_mean(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

fn one_of(expected: &[&'static str]) -> String {
    expected
        .iter()
        .map(|e| format!("`{e}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn kind_name(kind: MethodKind) -> &'static str {
    match kind {
        MethodKind::Unary => "unary",
        MethodKind::ClientStreaming => "client-streaming",
        MethodKind::ServerStreaming => "server-streaming",
        MethodKind::BidiStreaming => "bidi-streaming",
    }
}

/// HTTP-status retry conditions people bring from HTTP routes.
fn is_http_condition(value: &str) -> bool {
    matches!(
        value,
        "5xx" | "gateway-error" | "retriable-4xx" | "retriable-status-codes" | "retriable-headers"
    ) || value.parse::<u16>().is_ok()
}

/// What is wrong with one part of a configuration.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigProblem {
    /// Not YAML.
    #[error("{0}")]
    Syntax(String),
    /// A key the format does not have.
    #[error("unknown key `{key}`{}; valid keys here: {}", did_you_mean(.suggestion), one_of(.expected))]
    UnknownKey {
        /// The key as written.
        key: String,
        /// The valid key nearest to it.
        suggestion: Option<String>,
        /// Every valid key of that mapping.
        expected: Vec<&'static str>,
    },
    /// A value that is not one of the allowed ones.
    #[error(
        "unknown value `{value}`{}; expected one of {}{}",
        did_you_mean(.suggestion),
        one_of(.expected),
        if is_http_condition(.value) { ". HTTP statuses never fire on gRPC routes: a gRPC server answers HTTP 200 and reports errors in `grpc-status`" } else { "" }
    )]
    UnknownValue {
        /// The value as written.
        value: String,
        /// The allowed value nearest to it.
        suggestion: Option<String>,
        /// Every allowed value.
        expected: Vec<&'static str>,
    },
    /// A required key is missing.
    #[error("missing key `{0}`")]
    MissingKey(String),
    /// A value of the wrong type or form.
    #[error("{0}")]
    Invalid(String),
    /// A list that needs at least one item is empty.
    #[error("at least one is needed")]
    Empty,
    /// A gRPC service the input (`.proto` files or descriptor set) does not define.
    #[error("the input defines no gRPC service `{service}`{}; it defines {}", did_you_mean(.suggestion), if .defined.is_empty() { "none".to_owned() } else { .defined.join(", ") })]
    UnknownService {
        /// The name as written.
        service: String,
        /// The defined service nearest to it.
        suggestion: Option<String>,
        /// The services the input defines.
        defined: Vec<String>,
    },
    /// A method the service does not have.
    #[error("gRPC service `{service}` has no method `{method}`{}; its methods: {}", did_you_mean(.suggestion), .defined.join(", "))]
    UnknownMethod {
        /// The service.
        service: String,
        /// The method as written.
        method: String,
        /// The method nearest to it.
        suggestion: Option<String>,
        /// The service's methods.
        defined: Vec<String>,
    },
    /// The same gRPC service (or method) named twice.
    #[error("`{name}` is already named at {first}: name it once")]
    Duplicate {
        /// The name.
        name: String,
        /// Where it was named first (path).
        first: String,
    },
    /// `*` left no service to route.
    #[error("`*` stands for every gRPC service not named elsewhere, and there is none left")]
    WildcardMatchesNothing,
    /// A timeout on a streaming method.
    #[error("{service}/{method} is {}: {STREAMING_TIMEOUT}; remove `{key}` here, so its streams live as long as they need", kind_name(*.kind))]
    StreamingMethodTimeout {
        /// The service.
        service: String,
        /// The method.
        method: String,
        /// How it streams.
        kind: MethodKind,
        /// The key at fault (`timeout` or `retries.perTryTimeout`).
        key: &'static str,
    },
    /// A timeout on a whole service, some of whose methods stream.
    #[error(
        "{service} has streaming methods ({}): {STREAMING_TIMEOUT}; remove `{key}` here and give its unary methods their own under `methods:`",
        .streaming.iter().map(|(m, k)| format!("{m} is {}", kind_name(*k))).collect::<Vec<_>>().join(", ")
    )]
    StreamingServiceTimeout {
        /// The service.
        service: String,
        /// Its streaming methods and their kinds.
        streaming: Vec<(String, MethodKind)>,
        /// The key at fault (`timeout` or `retries.perTryTimeout`).
        key: &'static str,
    },
}

/// Why manifests could not be generated from a descriptor set and a configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// A file could not be read.
    #[error("reading {}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The descriptor set could not be read.
    #[error(transparent)]
    Descriptor(#[from] crate::descriptor::DescriptorError),
    /// The configuration is not valid, or does not fit the services.
    #[error("{}", render_config(.file, .errors))]
    Config {
        /// The configuration file, when read from one.
        file: Option<String>,
        /// Every problem.
        errors: ConfigErrors,
    },
    /// The manifests did not build.
    #[error(transparent)]
    Build(#[from] BuildErrors),
}

fn render_config(file: &Option<String>, errors: &ConfigErrors) -> String {
    let mut out = String::new();
    for (i, e) in errors.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if let Some(file) = file {
            out.push_str(file);
            out.push(':');
        }
        out.push_str(&e.to_string());
    }
    out
}

impl From<ConfigErrors> for GenerateError {
    fn from(errors: ConfigErrors) -> Self {
        GenerateError::Config { file: None, errors }
    }
}

/// The candidate nearest to `wanted`, if near enough to be a likely misspelling: at most a
/// third of its length in edits (at least 2), ignoring case.
pub(crate) fn nearest<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let folded = wanted.to_lowercase();
    let limit = (folded.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&folded, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message is the compile error's: the rule is one rule, in Rust and in YAML.
    #[test]
    fn the_streaming_timeout_message_is_the_compile_errors() {
        let stderr = include_str!("../../tests/ui/streaming_timeout.stderr");
        assert!(
            stderr.contains(&format!("error[E0277]: {STREAMING_TIMEOUT}")),
            "{stderr}"
        );
    }

    #[test]
    fn nearest_names_the_likely_one() {
        let keys = ["hosts", "transport", "gateway", "backends", "apiVersion"];
        assert_eq!(nearest("host", keys).as_deref(), Some("hosts"));
        assert_eq!(nearest("transprot", keys).as_deref(), Some("transport"));
        assert_eq!(nearest("apiversion", keys).as_deref(), Some("apiVersion"));
        assert_eq!(nearest("routes", keys), None);
    }

    #[test]
    fn http_statuses_are_explained() {
        let e = ConfigProblem::UnknownValue {
            value: "5xx".into(),
            suggestion: None,
            expected: vec!["unavailable"],
        };
        assert!(
            e.to_string()
                .contains("HTTP statuses never fire on gRPC routes"),
            "{e}"
        );
        let e = ConfigProblem::UnknownValue {
            value: "unavailble".into(),
            suggestion: Some("unavailable".into()),
            expected: vec!["unavailable"],
        };
        assert!(!e.to_string().contains("HTTP"), "{e}");
    }
}
