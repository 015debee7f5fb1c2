//! The findings of an analysis, kept small: a [`Diagnostic`] owns its resource's three names, its
//! file's path, its message and its fix (900 bytes for a typical finding), and a mesh of 10,000
//! services can give 20,000 findings that say the same thing about different objects. Kept here,
//! a finding is a few indices into tables of the resources and files it names, and its message
//! and fix are shared with every finding that says the same: about 130 bytes. A [`Diagnostic`]
//! is made again when one is asked for.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use istio_grpc_types::Location;

use crate::chunked::Chunked;
use crate::{Diagnostic, Resource, Severity, TextEdit, codes};

/// Every finding of an analysis, in the order found or, once [`Findings::sort`]ed, reported.
#[derive(Clone, Debug, Default)]
pub(crate) struct Findings {
    items: Chunked<Item>,
    /// The findings reported, as indices into `items`: in the order found, then, once sorted, in
    /// the order reported, without repeats and without those [`Findings::retain`] dropped.
    order: Vec<u32>,
    /// The objects findings are about: one entry for consecutive findings about one object.
    resources: Vec<Named>,
    files: Vec<PathBuf>,
    file_ids: BTreeMap<PathBuf, u32>,
    /// Messages, fixes, kinds and namespaces, each kept once.
    texts: HashSet<Arc<str>>,
}

/// A [`Resource`], its kind and namespace shared.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Named {
    kind: Arc<str>,
    namespace: Arc<str>,
    name: Box<str>,
}

/// A finding as kept.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Item {
    /// Index into [`codes::ALL`].
    code: u8,
    severity: Severity,
    resource: Option<u32>,
    file: Option<u32>,
    /// Line and column.
    location: Option<(u32, u32)>,
    path: Box<str>,
    message: Arc<str>,
    fix: Option<Arc<str>>,
    edit: Option<Box<TextEdit>>,
}

impl Findings {
    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }

    fn items(&self) -> impl Iterator<Item = &Item> {
        self.order.iter().map(|&i| &self.items[i as usize])
    }

    fn text(&mut self, text: String) -> Arc<str> {
        if let Some(shared) = self.texts.get(text.as_str()) {
            return shared.clone();
        }
        let shared: Arc<str> = text.into();
        self.texts.insert(shared.clone());
        shared
    }

    /// Keeps a finding, located (its `pending` is dropped).
    pub(crate) fn push(&mut self, d: Diagnostic) {
        let code = codes::ALL
            .iter()
            .position(|c| c.id == d.code.id)
            .and_then(|i| u8::try_from(i).ok())
            .unwrap_or(u8::MAX);
        let resource = d.resource.map(|r| {
            let same = self.resources.last().is_some_and(|last| {
                *last.kind == r.kind && *last.namespace == r.namespace && *last.name == r.name
            });
            if !same {
                let named = Named {
                    kind: self.text(r.kind),
                    namespace: self.text(r.namespace),
                    name: r.name.into(),
                };
                self.resources.push(named);
            }
            (self.resources.len() - 1) as u32
        });
        let file = d.file.map(|f| match self.file_ids.get(&f) {
            Some(&id) => id,
            None => {
                let id = self.files.len() as u32;
                self.file_ids.insert(f.clone(), id);
                self.files.push(f);
                id
            }
        });
        let item = Item {
            code,
            severity: d.severity,
            resource,
            file,
            location: d.location.map(|l| (narrow(l.line), narrow(l.column))),
            path: d.path.into(),
            message: self.text(d.message),
            fix: d.fix.map(|f| self.text(f)),
            edit: d.edit.map(Box::new),
        };
        self.order.push(self.items.len() as u32);
        self.items.push(item);
    }

    fn make(&self, item: &Item) -> Diagnostic {
        Diagnostic {
            code: codes::ALL
                .get(usize::from(item.code))
                .copied()
                .unwrap_or(codes::UNUSABLE_INPUT),
            severity: item.severity,
            resource: item.resource.map(|r| {
                let named = &self.resources[r as usize];
                Resource {
                    kind: named.kind.to_string(),
                    namespace: named.namespace.to_string(),
                    name: named.name.to_string(),
                }
            }),
            path: item.path.to_string(),
            file: item.file.map(|f| self.files[f as usize].clone()),
            location: item.location.map(|(line, column)| Location {
                line: line as usize,
                column: column as usize,
            }),
            message: item.message.to_string(),
            fix: item.fix.as_deref().map(str::to_owned),
            edit: item.edit.as_deref().cloned(),
            pending: None,
        }
    }

    /// Every finding, made one at a time.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Diagnostic> + '_ {
        self.items().map(|item| self.make(item))
    }

    pub(crate) fn count(&self, severity: Severity) -> usize {
        self.items().filter(|i| i.severity == severity).count()
    }

    pub(crate) fn any_at_or_above(&self, threshold: Severity) -> bool {
        self.items().any(|i| i.severity <= threshold)
    }

    /// Orders the findings by file, line, column, code and path, stably (findings equal on
    /// those stay in the order found), and drops repeats.
    pub(crate) fn sort(&mut self) {
        // files in path order
        let mut order: Vec<u32> = (0..self.files.len() as u32).collect();
        order.sort_by(|&a, &b| self.files[a as usize].cmp(&self.files[b as usize]));
        let mut rank = vec![0u32; self.files.len()];
        for (r, &f) in order.iter().enumerate() {
            rank[f as usize] = r as u32;
        }
        let items = &self.items;
        self.order.sort_by(|&a, &b| {
            let (a, b) = (&items[a as usize], &items[b as usize]);
            let key = |i: &Item| {
                (
                    i.file.map(|f| rank[f as usize]),
                    i.location,
                    codes::ALL.get(usize::from(i.code)).map(|c| c.id),
                )
            };
            key(a).cmp(&key(b)).then_with(|| a.path.cmp(&b.path))
        });
        self.order
            .dedup_by(|&mut a, &mut b| items[a as usize] == items[b as usize]);
    }

    /// Keeps the findings `keep` says yes to, and says how many went.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&Diagnostic) -> bool) -> usize {
        let before = self.order.len();
        let kept: Vec<bool> = self.items().map(|i| keep(&self.make(i))).collect();
        let mut kept = kept.into_iter();
        self.order.retain(|_| kept.next().unwrap_or(true));
        before - self.order.len()
    }
}

/// A line or column as kept: files of more than 4 billion lines are beyond the reader's limits.
fn narrow(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
