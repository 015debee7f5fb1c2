//! The manifests to analyze, with where each came from.

use std::path::{Path, PathBuf};

use istio_grpc_types::yaml::{self, SourceMap};
use istio_grpc_types::{Error, Location, Object, Strictness, UnknownField};

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
    /// The fields the types do not know (kept in the object, reported as findings), with their
    /// line and column when read from YAML.
    pub unknown_fields: Vec<UnknownField>,
    /// Position in [`Inputs::manifests`].
    pub(crate) id: usize,
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
            id: self.manifests.len(),
            unknown_fields: object.unknown_fields(),
            object,
            file: None,
            source: None,
        });
        self
    }

    /// Adds every document of a YAML stream; `file` is what diagnostics will name.
    ///
    /// Fields the types do not know do not stop a document from being checked: they are kept
    /// in the object and reported as findings ([`codes::INVALID_DOCUMENT`], with the line and
    /// the nearest known name), and every other check still runs on the object.
    pub fn add_yaml(&mut self, file: Option<&Path>, text: &str) -> &mut Self {
        self.add_shared(file, text.into())
    }

    /// [`Inputs::add_yaml`] on text the manifests keep a reference to, for their positions.
    fn add_shared(&mut self, file: Option<&Path>, text: std::sync::Arc<str>) -> &mut Self {
        // read on several threads, as `yaml::parse` did by itself before threads became the
        // caller's choice
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        let options = yaml::Options::default()
            .strictness(Strictness::Keep)
            .threads(threads);
        // each document goes straight into `manifests`: no second list of them all
        yaml::parse_each_shared(text, &options, |doc| {
            self.documents += 1;
            match doc {
                Ok(doc) => self.manifests.push(Manifest {
                    id: self.manifests.len(),
                    object: doc.object,
                    file: file.map(Path::to_path_buf),
                    source: Some(doc.source),
                    unknown_fields: doc.unknown_fields,
                }),
                Err(e) => self.problems.push(problem(file, &e)),
            }
        });
        self
    }

    /// Adds a file, or every `.yaml`/`.yml`/`.json` file under a folder (sorted, recursively).
    pub fn add_path(&mut self, path: &Path) -> &mut Self {
        match files(path) {
            Ok(files) => files.iter().for_each(|f| self.add_file(f)),
            Err(why) => self.problems.push(unusable(Some(path), why)),
        }
        self
    }

    fn add_file(&mut self, path: &Path) {
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => {
                    // the text once: the bytes read are dropped as they are shared
                    self.add_shared(Some(path), text.into());
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

/// The files a path names: itself, or the `.yaml`, `.yml` and `.json` files under a folder
/// (sorted, recursively); a folder without any is unusable input, and this says why.
pub(crate) fn files(path: &Path) -> Result<Vec<PathBuf>, String> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    collect(path, &mut files);
    if files.is_empty() {
        return Err(format!(
            "no .yaml, .yml or .json file in folder {}",
            path.display()
        ));
    }
    Ok(files)
}

/// The `.yaml`, `.yml` and `.json` files under `dir`, sorted, recursively.
pub(crate) fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
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

pub(crate) fn unusable(file: Option<&Path>, message: String) -> Diagnostic {
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
        pending: None,
    }
}

pub(crate) fn problem(file: Option<&Path>, e: &Error) -> Diagnostic {
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
        pending: None,
    }
}

/// Fills in the locations the checks left to look up: the positions of each document with
/// findings (recorded compactly as it was read, see `SourceMap`) are decoded once for all of
/// them, on up to `threads` threads; the locations do not depend on how many.
pub(crate) fn locate<'s>(
    source: impl Fn(usize) -> Option<&'s SourceMap> + Sync,
    threads: usize,
    out: &mut [Diagnostic],
) {
    let mut by_manifest: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (i, d) in out.iter().enumerate() {
        if let Some(pending) = d.pending {
            by_manifest.entry(pending.manifest).or_default().push(i);
        }
    }
    let jobs: Vec<(&SourceMap, Vec<usize>)> = by_manifest
        .into_iter()
        .filter_map(|(manifest, found)| Some((source(manifest)?, found)))
        .collect();
    let findings: &[Diagnostic] = out;
    let located = crate::parallel::map_chunks(&jobs, threads, LOCATE_PARALLEL_FROM, |some| {
        let mut located = Vec::new();
        for (source, found) in some {
            located.extend(
                found
                    .iter()
                    .copied()
                    .zip(locate_in(source, found.iter().map(|&i| &findings[i]))),
            );
        }
        located
    });
    for (i, at) in located.into_iter().flatten() {
        out[i].location = at;
    }
    for d in out.iter_mut() {
        d.pending = None;
    }
}

/// The locations of findings in one document.
fn locate_in<'d>(
    source: &SourceMap,
    found: impl Iterator<Item = &'d Diagnostic>,
) -> Vec<Option<Location>> {
    let paths: Vec<(&str, bool)> = found
        .map(|d| (d.path.as_str(), d.pending.is_some_and(|p| p.key)))
        .collect();
    source.locate_all(&paths)
}

/// Locates the findings about one manifest, all of them its own.
pub(crate) fn locate_one(manifest: &Manifest, out: &mut [Diagnostic]) {
    let pending: Vec<usize> = (0..out.len())
        .filter(|&i| out[i].pending.is_some())
        .collect();
    if let Some(source) = &manifest.source
        && !pending.is_empty()
    {
        let at = locate_in(source, pending.iter().map(|&i| &out[i]));
        for (i, at) in pending.into_iter().zip(at) {
            out[i].location = at;
        }
    }
    for d in out.iter_mut() {
        d.pending = None;
    }
}

/// Fewer documents to locate findings in are handled on the calling thread.
const LOCATE_PARALLEL_FROM: usize = 64;

/// GRPC012 for every field the types do not know: the document is still checked, the field is
/// kept as written, and the finding says where it is and which known name is nearest.
pub(crate) fn unknown_fields(manifest: &Manifest, out: &mut Vec<Diagnostic>) {
    {
        for field in &manifest.unknown_fields {
            let kind = manifest.object.kind();
            let mut d = crate::model::diagnostic(
                manifest,
                codes::INVALID_DOCUMENT,
                field.path.clone(),
                format!(
                    "{field}: {kind} has no such field in the API this analyzer knows; it is \
                     kept as written, and the API server refuses it under strict field \
                     validation (kubectl's default) or drops it"
                ),
                Some(match field.suggestion {
                    Some(known) => format!("rename `{}` to `{known}`", field.name),
                    None => "remove the field, or check against the CRDs of the release that \
                             defines it (--crds)"
                        .to_owned(),
                }),
            );
            // the key's own position: known already when read from YAML
            match field.location {
                Some(at) => {
                    d.location = Some(at);
                    d.pending = None;
                }
                None => {
                    d.pending = d
                        .pending
                        .map(|p| crate::diagnostic::Pending { key: true, ..p });
                }
            }
            out.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{CrdSet, Inputs, Options, analyze, codes};

    /// A route with a typo'd field and an HTTP-only retry condition: the typo is reported with
    /// its line and did-you-mean, and the object is still checked (the retry finding), once.
    const TYPO: &str = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: orders, namespace: shop}
spec:
  hosts: [orders]
  http:
  - match: [{uri: {prefix: /shop.Orders/}}]
    route: [{destination: {host: orders}}]
    timout: 5s
    retries: {attempts: 3, retryOn: '5xx,unavailable'}
";

    #[test]
    fn an_unknown_field_is_reported_and_the_object_still_checked() {
        let mut inputs = Inputs::new();
        inputs.add_yaml(Some(std::path::Path::new("vs.yaml")), TYPO);
        assert_eq!(inputs.manifests().len(), 1, "the document is read");
        let options = Options::default().crds(CrdSet::istio().expect("built-in CRDs"));
        let report = analyze(&inputs, &options);
        let d = report.diagnostics();
        let unknown: Vec<_> = d
            .iter()
            .filter(|d| d.path == "spec.http[0].timout")
            .collect();
        assert_eq!(
            unknown.len(),
            1,
            "reported once (not again by the CRD check): {d:#?}"
        );
        let unknown = unknown[0];
        assert_eq!(unknown.code, codes::INVALID_DOCUMENT);
        assert!(
            unknown.message.contains("did you mean `timeout`"),
            "{}",
            unknown.message
        );
        assert_eq!(unknown.fix.as_deref(), Some("rename `timout` to `timeout`"));
        let at = unknown.location.expect("a line and column");
        assert_eq!((at.line, at.column), (9, 5));
        assert_eq!(
            unknown.resource.as_ref().map(|r| r.name.as_str()),
            Some("orders")
        );
        // the same object went through the other checks
        assert!(
            d.iter().any(|d| d.code == codes::HTTP_RETRY_ON_GRPC
                && d.path == "spec.http[0].retries.retryOn"
                && d.resource.as_ref().is_some_and(|r| r.name == "orders")),
            "{d:#?}"
        );
        // the field is kept as written
        let written = inputs.manifests()[0].object.to_json().expect("json");
        assert_eq!(written["spec"]["http"][0]["timout"], "5s");
    }

    #[test]
    fn an_object_built_in_memory_reports_its_unknown_fields_too() {
        let object = istio_grpc_types::yaml::parse_with(
            TYPO,
            &istio_grpc_types::yaml::Options::default()
                .strictness(istio_grpc_types::Strictness::Keep),
        )
        .remove(0)
        .expect("reads")
        .object;
        let mut inputs = Inputs::new();
        inputs.add_object(object);
        let report = analyze(&inputs, &Options::default());
        let unknown = report
            .diagnostics()
            .iter()
            .find(|d| d.code == codes::INVALID_DOCUMENT)
            .expect("reported");
        assert_eq!(unknown.path, "spec.http[0].timout");
        assert!(unknown.location.is_none());
    }
}
