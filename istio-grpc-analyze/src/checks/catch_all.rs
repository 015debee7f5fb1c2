//! GRPC016: several VirtualServices bound to one Gateway for one host, each with a catch-all
//! route. istiod appends the routes of every such VirtualService into the host's route table,
//! oldest first (`core/gateway.go` `buildGatewayHTTPRouteConfig`, VirtualServices in the order of
//! `sortConfigByCreationTime`: creation time, then name, then namespace), then moves every
//! catch-all route to the end keeping their order (`route/route.go` `SortVHostRoutes`,
//! `IsCatchAllRoute`). Only the first catch-all can ever match (ENVOY.md §2.1).
//!
//! An error, not a warning: which catch-all serves depends on when each object was created, so
//! the same files route differently on two clusters, and requests meant for the hidden route
//! reach another backend. Objects without `metadata.creationTimestamp` (files not yet applied)
//! are taken as created together, after those that have one: name, then namespace, decides.

use std::collections::BTreeMap;

use crate::lean::VirtualService;
use crate::model::{Head, Model, diagnostic};
use crate::{Diagnostic, codes};

/// Istio's order: creation time (absent: created now, so last), name, namespace.
fn age_key<'a>(manifest: &'a Head, vs: &'a VirtualService) -> (&'a str, &'a str, &'a str) {
    (
        vs.created.as_deref().unwrap_or("~"),
        manifest.name(),
        manifest.namespace(),
    )
}

pub(crate) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    // (gateway namespace/name, host) -> VirtualServices with a catch-all
    let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (index, (manifest, vs)) in model.virtual_services.iter().enumerate() {
        if vs.catch_all().is_none() {
            continue;
        }
        let ns = manifest.namespace();
        for reference in vs.gateways.iter().map(|g| &**g) {
            if reference == "mesh" {
                continue;
            }
            let gateway = match reference.split_once('/') {
                Some((gw_ns, name)) => format!("{gw_ns}/{name}"),
                None => format!("{ns}/{reference}"),
            };
            for host in vs.hosts.iter() {
                let entry = groups
                    .entry((gateway.clone(), host.to_ascii_lowercase()))
                    .or_default();
                if !entry.contains(&index) {
                    entry.push(index);
                }
            }
        }
    }
    // losing VirtualService -> (gateway, host, winner)
    let mut hidden: BTreeMap<usize, Vec<(String, String, usize)>> = BTreeMap::new();
    for ((gateway, host), mut members) in groups {
        if members.len() < 2 {
            continue;
        }
        members.sort_by(|&a, &b| {
            let (ma, va) = &model.virtual_services[a];
            let (mb, vb) = &model.virtual_services[b];
            age_key(ma, va).cmp(&age_key(mb, vb))
        });
        let winner = members[0];
        for &loser in &members[1..] {
            hidden
                .entry(loser)
                .or_default()
                .push((gateway.clone(), host.clone(), winner));
        }
    }
    for (loser, places) in hidden {
        let (manifest, vs) = &model.virtual_services[loser];
        let Some(route) = vs.catch_all() else {
            continue;
        };
        let name = |i: usize| {
            let (m, v) = &model.virtual_services[i];
            format!(
                "{}/{} (spec.http[{}])",
                m.namespace(),
                m.name(),
                v.catch_all().unwrap_or(0)
            )
        };
        let detail = places
            .iter()
            .map(|(gateway, host, winner)| {
                format!(
                    "host {host} on Gateway {gateway}: VirtualService {} wins",
                    name(*winner)
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        out.push(diagnostic(
            manifest,
            codes::UNREACHABLE_CATCH_ALL,
            format!("spec.http[{route}]"),
            format!(
                "this catch-all route is never reached: Istio merges the VirtualServices of one gateway host oldest first and keeps only the first catch-all ({detail}); requests no other route matches go to the winner's backend"
            ),
            Some("keep one catch-all per gateway host: give this route a match (uri prefix /<package>.<Service>/), or move the routes into one VirtualService".to_owned()),
        ));
    }
}
