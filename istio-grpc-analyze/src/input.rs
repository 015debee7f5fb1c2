//! The manifests to analyze, with where each came from.

use std::path::{Path, PathBuf};

use istio_grpc_types::yaml::{self, SourceMap};
use istio_grpc_types::{Error, Location, Object};

use crate::{Diagnostic, Resource, codes};

/// One object and where it came from.
#[derive(Clone, Debug)]
pub struct Manifest {
    /// The object.
    pub object: Object,
    /// The file it was read from (`None` for objects handed over in memory, or stdin).
    pub file: Option<PathBuf>,
    /// Positions of its fields, when it was read from YAML.
    pub source: Option<SourceMap>,
}

impl Manifest {
    /// `metadata.namespace`, or `default` as `kubectl apply` would use.
    pub fn namespace(&self) -> &str {
        self.object.namespace().unwrap_or("default")
    }

    /// The object's identity for diagnostics.
    pub fn resource(&self) -> Resource {
        Resource {
            kind: self.object.kind().to_owned(),
            namespace: self.namespace().to_owned(),
            name: self.object.name().unwrap_or("").to_owned(),
        }
    }

    /// Where `path` is in the source, or the document start when the path is not there.
    pub fn locate(&self, path: &str) -> Option<Location> {
        self.source.as_ref().and_then(|s| s.locate(path))
    }
}

/// Everything to analyze: objects, plus what could not be read (kept as diagnostics, so that
/// one bad file does not stop the others from being checked).
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    pub(crate) manifests: Vec<Manifest>,
    pub(crate) problems: Vec<Diagnostic>,
    pub(crate) documents: usize,
}

impl Inputs {
    /// No inputs yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The objects read so far.
    pub fn manifests(&self) -> &[Manifest] {
        &self.manifests
    }

    /// How many documents were seen, readable or not.
    pub fn documents(&self) -> usize {
        self.documents
    }

    /// Whether some input could not be used at all (unreadable path, not YAML, not an object).
    pub fn has_unusable_input(&self) -> bool {
        self.problems
            .iter()
            .any(|d| d.code == codes::UNUSABLE_INPUT)
    }

    /// Adds an object built in memory (the builder's output, say).
    pub fn add_object(&mut self, object: Object) -> &mut Self {
        self.documents += 1;
        self.manifests.push(Manifest {
            object,
            file: None,
            source: None,
        });
        self
    }

    /// Adds every document of a YAML stream; `file` is what diagnostics will name.
    pub fn add_yaml(&mut self, file: Option<&Path>, text: &str) -> &mut Self {
        // read on several threads, as `yaml::parse` did by itself before threads became the
        // caller's choice
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        for doc in yaml::parse_with(text, &yaml::Options::default().threads(threads)) {
            self.documents += 1;
            match doc {
                Ok(doc) => self.manifests.push(Manifest {
                    object: doc.object,
                    file: file.map(Path::to_path_buf),
                    source: Some(doc.source),
                }),
                Err(e) => self.problems.push(problem(file, &e)),
            }
        }
        self
    }

    /// Adds a file, or every `.yaml`/`.yml`/`.json` file under a folder (sorted, recursively).
    pub fn add_path(&mut self, path: &Path) -> &mut Self {
        if path.is_dir() {
            let mut files = Vec::new();
            collect(path, &mut files);
            if files.is_empty() {
                self.problems.push(unusable(
                    Some(path),
                    format!("no .yaml, .yml or .json file in folder {}", path.display()),
                ));
            }
            for f in files {
                self.add_file(&f);
            }
        } else {
            self.add_file(path);
        }
        self
    }

    fn add_file(&mut self, path: &Path) {
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => {
                    self.add_yaml(Some(path), &text);
                }
                Err(_) => self.problems.push(unusable(
                    Some(path),
                    "not a text file (not UTF-8): not YAML".to_owned(),
                )),
            },
            Err(e) => self
                .problems
                .push(unusable(Some(path), format!("cannot read: {e}"))),
        }
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            collect(&p, out);
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        {
            out.push(p);
        }
    }
}

fn unusable(file: Option<&Path>, message: String) -> Diagnostic {
    Diagnostic {
        code: codes::UNUSABLE_INPUT,
        severity: codes::UNUSABLE_INPUT.severity,
        resource: None,
        path: String::new(),
        file: file.map(Path::to_path_buf),
        location: None,
        message,
        fix: None,
        edit: None,
    }
}

fn problem(file: Option<&Path>, e: &Error) -> Diagnostic {
    let (code, path, message, fix) = match e {
        Error::Syntax {
            document, message, ..
        } => (
            codes::UNUSABLE_INPUT,
            String::new(),
            format!("document {document} is not YAML: {message}"),
            None,
        ),
        Error::Invalid {
            path,
            message,
            document,
            ..
        } if path == "." => (
            codes::UNUSABLE_INPUT,
            String::new(),
            format!("document {document}: {message}"),
            None,
        ),
        Error::Invalid {
            kind,
            path,
            message,
            document,
            ..
        } => (
            codes::INVALID_DOCUMENT,
            path.clone(),
            format!("document {document} ({kind}): {message}"),
            message
                .starts_with("unknown field")
                .then(|| "remove the field, or correct its name to one of those listed".to_owned()),
        ),
        other => (
            codes::UNUSABLE_INPUT,
            String::new(),
            other.to_string(),
            None,
        ),
    };
    Diagnostic {
        code,
        severity: code.severity,
        resource: None,
        path,
        file: file.map(Path::to_path_buf),
        location: e.location(),
        message,
        fix,
        edit: None,
    }
}
