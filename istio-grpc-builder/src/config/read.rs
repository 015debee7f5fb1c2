//! Reading a configuration from YAML (or JSON, which is YAML): strict, every error with its
//! path, line and column.

use istio_grpc_types::Location;

use super::GenerateConfig;
use super::error::{ConfigError, ConfigErrors, ConfigProblem, nearest};

/// The largest configuration read (a configuration for 10,000 services is about 1 MiB).
pub const MAX_CONFIG_BYTES: usize = 16 * 1024 * 1024;

impl GenerateConfig {
    /// Reads a configuration from YAML. Strict: an unknown key is an error naming it, its path,
    /// line and column, and the nearest valid key.
    ///
    /// ```
    /// use istio_grpc_builder::config::GenerateConfig;
    /// let err = GenerateConfig::from_yaml("apiVersion: istio-grpc/v1\nhosts: [grpc.example.com]\ntransprot: h2c\nbackends: []\n")
    ///     .unwrap_err()
    ///     .to_string();
    /// assert_eq!(err.lines().next(), Some("3:1: transprot: unknown key `transprot` (did you mean `transport`?); valid keys here: `apiVersion`, `hosts`, `transport`, `gateway`, `backends`"));
    /// ```
    ///
    /// # Errors
    /// If the text is not YAML, is not a configuration of this format, or leaves out hosts,
    /// backends or services.
    pub fn from_yaml(text: &str) -> Result<GenerateConfig, ConfigErrors> {
        if text.len() > MAX_CONFIG_BYTES {
            return Err(ConfigError {
                path: String::new(),
                location: None,
                problem: ConfigProblem::Invalid(format!(
                    "the configuration is {} bytes, above the {MAX_CONFIG_BYTES} bytes read",
                    text.len()
                )),
            }
            .into());
        }
        let mut options = serde_saphyr::Options::default();
        options.with_snippet = false;
        let mut path = String::new();
        let read = serde_saphyr::with_deserializer_from_str_with_options(text, options, |de| {
            serde_path_to_error::deserialize::<_, GenerateConfig>(de).map_err(|e| {
                path = e.path().to_string();
                e.into_inner()
            })
        });
        let config = read.map_err(|e| ConfigErrors::from(error(&e, path)))?;
        config.check_lists()?;
        Ok(config)
    }

    /// Lists that need an item.
    fn check_lists(&self) -> Result<(), ConfigErrors> {
        let mut errors = Vec::new();
        let mut empty = |path: String| {
            errors.push(ConfigError {
                path,
                location: None,
                problem: ConfigProblem::Empty,
            })
        };
        if self.hosts.is_empty() {
            empty("hosts".to_owned());
        }
        if self.backends.is_empty() {
            empty("backends".to_owned());
        }
        for (i, b) in self.backends.iter().enumerate() {
            if b.grpc_services.is_empty() {
                empty(format!("backends[{i}].grpcServices"));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ConfigErrors(errors))
        }
    }
}

fn location(e: &serde_saphyr::Error) -> Option<Location> {
    e.location().filter(|l| l.line() > 0).map(|l| Location {
        line: usize::try_from(l.line()).unwrap_or(usize::MAX),
        column: usize::try_from(l.column()).unwrap_or(usize::MAX),
    })
}

/// `path` is serde_path_to_error's, where `.` is the document itself.
fn error(e: &serde_saphyr::Error, path: String) -> ConfigError {
    let mut path = if path == "." { String::new() } else { path };
    // A `Located` value is read through serde-saphyr's `Spanned`, whose field is `value`.
    if let Some(p) = path.strip_suffix(".value") {
        path = p.to_owned();
    }
    let problem = match e {
        serde_saphyr::Error::SerdeUnknownField {
            field, expected, ..
        } => ConfigProblem::UnknownKey {
            key: field.clone(),
            suggestion: nearest(field, expected.iter().copied()),
            expected: expected.clone(),
        },
        serde_saphyr::Error::SerdeUnknownVariant {
            variant, expected, ..
        } => ConfigProblem::UnknownValue {
            value: variant.clone(),
            suggestion: nearest(variant, expected.iter().copied()),
            expected: expected.clone(),
        },
        serde_saphyr::Error::SerdeMissingField { field, .. } => {
            ConfigProblem::MissingKey((*field).to_owned())
        }
        other => ConfigProblem::Invalid(message(other)),
    };
    ConfigError {
        path,
        location: location(e),
        problem,
    }
}

/// serde-saphyr's message without its own "at line …" suffix (the location is shown once,
/// in front).
fn message(e: &serde_saphyr::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(yaml: &str) -> ConfigErrors {
        match GenerateConfig::from_yaml(yaml) {
            Ok(c) => panic!("read: {c:?}"),
            Err(e) => e,
        }
    }

    const HEAD: &str = "apiVersion: istio-grpc/v1\nhosts: [grpc.example.com]\n";

    #[test]
    fn a_typo_deep_inside_names_key_path_line_and_the_nearest_key() {
        let yaml = format!(
            "{HEAD}backends:\n  - service: greeter\n    grpcServices:\n      - name: helloworld.Greeter\n        retries:\n          attempts: 2\n          perTryTimout: 1s\n"
        );
        let e = &err(&yaml)[0];
        assert_eq!(e.path, "backends[0].grpcServices[0].retries.perTryTimout");
        assert_eq!(e.location.map(|l| (l.line, l.column)), Some((9, 11)));
        assert!(
            matches!(&e.problem, ConfigProblem::UnknownKey { key, suggestion: Some(s), .. } if key == "perTryTimout" && s == "perTryTimeout"),
            "{e}"
        );
    }

    #[test]
    fn an_unknown_value_names_the_nearest_and_explains_http_statuses() {
        let yaml = format!(
            "{HEAD}backends:\n  - service: greeter\n    grpcServices:\n      - name: a.B\n        retries: {{attempts: 2, on: [unavailble, 5xx]}}\n"
        );
        let e = &err(&yaml)[0];
        assert_eq!(e.path, "backends[0].grpcServices[0].retries.on[0]");
        assert!(
            matches!(&e.problem, ConfigProblem::UnknownValue { suggestion: Some(s), .. } if s == "unavailable"),
            "{e}"
        );
        let yaml = format!(
            "{HEAD}backends:\n  - service: greeter\n    grpcServices:\n      - name: a.B\n        retries: {{attempts: 2, on: [5xx]}}\n"
        );
        assert!(err(&yaml).to_string().contains("HTTP statuses never fire"));
    }

    #[test]
    fn version_transport_durations_and_empty_lists() {
        let e = err("apiVersion: istio-grpc/v2\nhosts: [a.example.com]\nbackends: []\n");
        assert!(
            e.to_string()
                .starts_with("1:13: apiVersion: unknown value `istio-grpc/v2`"),
            "{e}"
        );

        let e = err(&format!("{HEAD}transport: plaintext\nbackends: []\n"));
        assert!(
            e.to_string().contains("expected one of `tls`, `h2c`"),
            "{e}"
        );

        let e = err(&format!(
            "{HEAD}backends:\n  - service: greeter\n    grpcServices:\n      - name: a.B\n        timeout: 10\n"
        ));
        assert_eq!(e[0].path, "backends[0].grpcServices[0].timeout");
        assert!(e.to_string().contains("write a duration as Go does"), "{e}");

        let e = err(&format!("{HEAD}backends: []\n"));
        assert_eq!(e[0].path, "backends");
        assert_eq!(e[0].problem, ConfigProblem::Empty);

        let e = err("hosts: [a.example.com]\nbackends: []\n");
        assert!(
            matches!(&e[0].problem, ConfigProblem::MissingKey(k) if k == "apiVersion"),
            "{e}"
        );

        let e = err("hosts: [a.example.com\n");
        assert!(matches!(&e[0].problem, ConfigProblem::Invalid(_)), "{e}");
        assert!(e[0].location.is_some(), "{e}");
    }

    #[test]
    fn defaults() -> Result<(), ConfigErrors> {
        let c = GenerateConfig::from_yaml(&format!(
            "{HEAD}backends:\n  - service: greeter\n    grpcServices: [{{name: '*'}}]\n"
        ))?;
        assert_eq!(
            c.transport,
            super::super::GatewayTransport::Tls {
                secret: "grpc-tls-credential".into()
            }
        );
        assert_eq!(c.backends[0].port, 50051);
        assert_eq!(
            c.backends[0].grpc_services[0].name.location.map(|l| l.line),
            Some(5)
        );
        Ok(())
    }
}
