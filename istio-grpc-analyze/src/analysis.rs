//! An analysis fed one document at a time: what [`crate::analyze`] does over [`crate::Inputs`],
//! without holding the objects.
//!
//! Each document is checked as it is read, on the thread that read it ([`crate::local`]): the CRD
//! schema and CEL rules, the fields the types do not know, the rules that read one object. Their
//! findings are located there and then. What the rules across objects read of it is kept
//! ([`crate::lean`]), with where it is (not its positions) when it may get a finding of its own
//! later; the typed object is dropped. A file is read as it goes, not held. When every input is
//! in, [`Analysis::finish`] runs the rules across objects over what was kept, and reads again
//! the positions of the documents they found something in.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use istio_grpc_types::Strictness;
use istio_grpc_types::yaml::{self, SourceMap};

use crate::chunked::Chunked;
use crate::crd::CelMemo;
use crate::findings::Findings;
use crate::input::{Manifest, problem, unusable};
use crate::lean::Interner;
use crate::model::{Entry, Model};
use crate::{Diagnostic, Options, Report, Resource, SUPPRESS_ANNOTATION, checks, codes, suppress};

/// An analysis in progress: add files, folders or YAML text, then [`Analysis::finish`].
///
/// ```
/// use istio_grpc_analyze::{Analysis, Options, codes};
///
/// let options = Options::default();
/// let mut analysis = Analysis::new(&options);
/// analysis.add_yaml(None, "apiVersion: v1\nkind: Service\nmetadata: {name: orders}\nspec:\n  ports: [{name: http, port: 50051}]\n");
/// analysis.add_yaml(None, "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: orders}\nspec:\n  hosts: [orders]\n  http:\n  - match: [{uri: {prefix: /shop.Orders/}}]\n    route: [{destination: {host: orders, port: {number: 50051}}}]\n");
/// let report = analysis.finish();
/// assert_eq!(report.diagnostics()[0].code, codes::BACKEND_NOT_HTTP2);
/// ```
pub struct Analysis<'o> {
    options: &'o Options,
    threads: usize,
    model: Model,
    found: Findings,
    /// Where the documents the rules across objects may report on are, by document, in input
    /// order: their positions are read again for the few that get a finding.
    sources: Chunked<(usize, Source)>,
    /// The texts read whole (stdin, text handed over), which `sources` point into.
    texts: Vec<Arc<str>>,
    /// The files read as they went, which `sources` point into.
    files: Vec<Arc<Path>>,
    /// Codes the [`SUPPRESS_ANNOTATION`] of an object suppresses, by object.
    annotated: BTreeMap<Resource, BTreeSet<String>>,
    documents: usize,
    unusable: bool,
}

/// Where a document is, to locate findings in it after it was dropped.
enum Source {
    /// Its map, as [`crate::Inputs`] holds it.
    Map(Box<SourceMap>),
    /// Where it is in one of [`Analysis::texts`].
    Span(usize, yaml::Span),
    /// Where it is in one of [`Analysis::files`], and a hash of its text there, to know it
    /// was not changed since.
    File(usize, yaml::Span, u64),
}

/// A document's text, hashed the same on every run.
fn hash(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// What checking one document gives.
struct Checked {
    found: Vec<Diagnostic>,
    entry: Option<Entry>,
    source: Option<Source>,
    suppress: Option<(Resource, String)>,
    unusable: bool,
}

impl<'o> Analysis<'o> {
    /// An analysis with these options.
    pub fn new(options: &'o Options) -> Self {
        Analysis {
            options,
            threads: match options.threads {
                0 => std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
                n => n,
            },
            model: Model::new(options.grpc_services.clone()),
            found: Findings::default(),
            sources: Chunked::default(),
            texts: Vec::new(),
            files: Vec::new(),
            annotated: BTreeMap::new(),
            documents: 0,
            unusable: false,
        }
    }

    /// Checks one object read whole, and keeps what the checks across objects read of it.
    ///
    /// `source` says how to find the object's positions again, for an object the checks
    /// across objects keep.
    fn check<'c>(
        manifest: &Manifest,
        file: Option<&Arc<Path>>,
        options: &'c Options,
        (memo, shared): &mut (CelMemo<'c>, Interner),
        source: impl FnOnce(&SourceMap) -> Source,
    ) -> Checked {
        let mut found = Vec::new();
        crate::local::check(manifest, options, memo, &mut found);
        let entry = Entry::of(manifest, file.cloned(), &options.grpc_services, shared);
        let suppress = manifest
            .object
            .metadata()
            .and_then(|m| m.annotations.as_ref())
            .and_then(|a| a.get(SUPPRESS_ANNOTATION))
            .map(|codes| (manifest.resource(), codes.clone()));
        Checked {
            found,
            source: entry.as_ref().and(manifest.source.as_ref()).map(source),
            entry,
            suppress,
            unusable: false,
        }
    }

    fn take(&mut self, id: usize, checked: Checked) {
        self.documents += 1;
        self.unusable |= checked.unusable;
        for d in checked.found {
            self.found.push(d);
        }
        if let Some(mut entry) = checked.entry {
            entry.head_mut().id = id;
            self.model.add(entry);
        }
        if let Some(source) = checked.source {
            self.sources.push((id, source));
        }
        if let Some((resource, codes)) = checked.suppress {
            self.annotated
                .entry(resource)
                .or_default()
                .extend(codes.split(',').map(|c| c.trim().to_owned()));
        }
    }

    /// Checks every document of a YAML stream; `file` is what findings will name.
    pub fn add_yaml(&mut self, file: Option<&Path>, text: &str) -> &mut Self {
        self.add_shared(file, text.into())
    }

    fn add_shared(&mut self, file: Option<&Path>, text: Arc<str>) -> &mut Self {
        let text_index = self.texts.len();
        self.texts.push(text.clone());
        let options = self.reading();
        let mut next = self.documents;
        let (analysis, shared) = (self.options, file.map(Arc::from));
        yaml::parse_map_each(
            text,
            &options,
            || (CelMemo::new(), Interner::default()),
            |state, doc| {
                Self::check_read(doc, shared.as_ref(), analysis, state, |span, _| {
                    Source::Span(text_index, span)
                })
            },
            |checked| {
                let id = next;
                next += 1;
                self.take(id, checked);
            },
        );
        self
    }

    /// How documents are read: keeping the fields the types do not know, on the analysis's
    /// threads.
    fn reading(&self) -> yaml::Options {
        yaml::Options::default()
            .strictness(Strictness::Keep)
            .threads(self.threads)
    }

    /// Checks a document read from YAML (or says why it could not be read): `place` says where
    /// it is, to find its positions again.
    fn check_read<'c>(
        doc: Result<yaml::Document, istio_grpc_types::Error>,
        file: Option<&Arc<Path>>,
        options: &'c Options,
        state: &mut (CelMemo<'c>, Interner),
        place: impl Fn(yaml::Span, &str) -> Source,
    ) -> Checked {
        match doc {
            Ok(doc) => {
                let manifest = Manifest {
                    id: 0,
                    object: doc.object,
                    file: file.map(|f| f.to_path_buf()),
                    source: Some(doc.source),
                    unknown_fields: doc.unknown_fields,
                };
                // where it is, not its positions: read again for the few that need them
                // (a `List`'s items have no place of their own in the text: kept as read)
                Self::check(&manifest, file, options, state, |map| {
                    match (map.span(), map.text()) {
                        (Some(span), Some(text)) => place(span, text),
                        _ => Source::Map(Box::new(map.clone())),
                    }
                })
            }
            Err(e) => {
                let found = problem(file.map(|f| &**f), &e);
                Checked {
                    unusable: found.code == codes::UNUSABLE_INPUT,
                    found: vec![found],
                    entry: None,
                    source: None,
                    suppress: None,
                }
            }
        }
    }

    /// Checks a file, or every `.yaml`/`.yml`/`.json` file under a folder (sorted,
    /// recursively).
    pub fn add_path(&mut self, path: &Path) -> &mut Self {
        match crate::input::files(path) {
            Ok(files) => files.iter().for_each(|f| self.add_file(f)),
            Err(why) => {
                self.unusable = true;
                self.found.push(unusable(Some(path), why));
            }
        }
        self
    }

    /// Reads a file as it goes: its text is not held, only where each document that may get
    /// a finding across objects is in it.
    fn add_file(&mut self, path: &Path) {
        let file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(e) => {
                self.unusable = true;
                self.found
                    .push(unusable(Some(path), format!("cannot read: {e}")));
                return;
            }
        };
        let file_index = self.files.len();
        let shared: Arc<Path> = Arc::from(path);
        self.files.push(shared.clone());
        let options = self.reading();
        let mut next = self.documents;
        let analysis = self.options;
        let read = yaml::parse_map_read(
            file,
            &options,
            || (CelMemo::new(), Interner::default()),
            |state, doc| {
                Self::check_read(doc, Some(&shared), analysis, state, |span, text| {
                    Source::File(file_index, span, hash(text))
                })
            },
            |checked| {
                let id = next;
                next += 1;
                self.take(id, checked);
            },
        );
        if let Err(e) = read {
            self.unusable = true;
            let message = if e.kind() == std::io::ErrorKind::InvalidData {
                format!("{e}: not YAML")
            } else {
                format!("cannot read: {e}")
            };
            self.found.push(unusable(Some(path), message));
        }
    }

    /// Adds what [`crate::Inputs`] read, checking its objects on up to [`Options::threads`]
    /// threads.
    pub(crate) fn add_inputs(&mut self, inputs: &crate::Inputs) {
        for d in &inputs.problems {
            self.found.push(d.clone());
        }
        self.unusable |= inputs.has_unusable_input();
        let options = self.options;
        let files: BTreeMap<&Path, Arc<Path>> = inputs
            .manifests
            .iter()
            .filter_map(|m| m.file.as_deref())
            .map(|f| (f, Arc::from(f)))
            .collect();
        let checked =
            crate::parallel::map_chunks(&inputs.manifests, self.threads, PARALLEL_FROM, |some| {
                let mut state = (CelMemo::new(), Interner::default());
                some.iter()
                    .map(|m| {
                        let file = m.file.as_deref().and_then(|f| files.get(f));
                        (
                            m.id,
                            Self::check(m, file, options, &mut state, |map| {
                                Source::Map(Box::new(map.clone()))
                            }),
                        )
                    })
                    .collect::<Vec<_>>()
            });
        for (id, checked) in checked.into_iter().flatten() {
            self.take(id, checked);
        }
        // documents that gave no object (their problems are above) count too
        self.documents += inputs.documents - inputs.manifests.len();
    }

    /// Runs the rules across objects, and gives every finding, ordered by file, line, then code.
    pub fn finish(mut self) -> Report {
        let model = &self.model;
        let mut out = Vec::new();
        checks::backend_protocol::check(model, &mut out);
        checks::gateway_binding::check(model, &mut out);
        checks::credentials::check(model, &mut out);
        checks::retries::check(model, &mut out);
        checks::grpc_web::check(model, &mut out);
        checks::proxyless::check(model, &mut out);
        checks::prefixes::check(model, &mut out);
        checks::catch_all::check(model, &mut out);
        checks::mesh_hosts::check(model, &mut out);
        checks::sidecar_selector::check(model, &mut out);
        checks::gateway_certs::check(model, &mut out);
        checks::gateway_ports::check(model, &mut out);
        checks::subsets::check(model, &mut out);
        checks::envoy_filter_patches::check(model, &mut out);
        checks::destination_hosts::check(model, &mut out);
        checks::deployment_services::check(model, &mut out);
        checks::ingress_subsets::check(model, &mut out);
        checks::gateway_conflicts::check(model, &mut out);
        checks::outlier::check(model, &mut out);
        checks::gateway_api::check(model, &mut out);
        // the positions of the documents these findings are about, read again
        let maps: BTreeMap<usize, SourceMap> = {
            let wanted: BTreeSet<usize> = out
                .iter()
                .filter_map(|d| d.pending.map(|p| p.manifest))
                .collect();
            self.sources
                .iter()
                .filter(|(id, _)| wanted.contains(id))
                .filter_map(|(id, source)| {
                    let map = match source {
                        Source::Map(map) => Some((**map).clone()),
                        Source::Span(text, span) => Some(SourceMap::reread(
                            self.texts[*text].clone(),
                            *span,
                            yaml::Limits::default(),
                        )),
                        Source::File(file, span, hash) => reread(&self.files[*file], span, *hash),
                    };
                    Some((*id, map?))
                })
                .collect()
        };
        crate::input::locate(|id| maps.get(&id), self.threads, &mut out);
        for d in out {
            self.found.push(d);
        }
        self.found.sort();
        let suppressed =
            suppress::apply(&mut self.found, &self.annotated, &self.options.suppressions);
        let unusable = self.unusable || self.documents == 0;
        if self.documents == 0 && !self.unusable {
            self.found.push(Diagnostic {
                code: codes::UNUSABLE_INPUT,
                severity: crate::Severity::Error,
                resource: None,
                path: String::new(),
                file: None,
                location: None,
                message: "no documents found in the input".into(),
                fix: Some(
                    "pass files or folders holding Kubernetes manifests, or - for stdin".into(),
                ),
                edit: None,
                pending: None,
            });
        }
        Report {
            findings: self.found,
            made: Default::default(),
            documents: self.documents,
            unusable,
            suppressed,
            accepted: 0,
        }
    }
}

/// The map of a document of a file read as it went, read again from the file: `None` (its
/// findings then have no line) when the file cannot be read or its text there changed.
fn reread(file: &Path, span: &yaml::Span, expected: u64) -> Option<SourceMap> {
    use std::io::{Read, Seek, SeekFrom};
    let range = span.range();
    let mut f = std::fs::File::open(file).ok()?;
    f.seek(SeekFrom::Start(range.start as u64)).ok()?;
    let mut bytes = vec![0; range.len()];
    f.read_exact(&mut bytes).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    (hash(&text) == expected).then(|| span.reread(text.into(), yaml::Limits::default()))
}

/// Fewer objects are checked on the calling thread.
const PARALLEL_FROM: usize = 256;
