//! IST0145: two Gateways that select the same workload claim the same port and an overlapping
//! host; which one wins is undefined.

use crate::model::{Model, diagnostic, host_covers};
use crate::{Diagnostic, codes};

pub(crate) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    let gws = &model.gateways;
    for (a, (ma, ga)) in gws.iter().enumerate() {
        let mut conflicts = Vec::new();
        for (b, (mb, gb)) in gws.iter().enumerate() {
            let (sel_a, sel_b) = (
                ga.spec.selector.clone().unwrap_or_default(),
                gb.spec.selector.clone().unwrap_or_default(),
            );
            let subset = |x: &std::collections::BTreeMap<String, String>,
                          y: &std::collections::BTreeMap<String, String>| {
                x.iter().all(|(k, v)| y.get(k) == Some(v))
            };
            // the same workload is selected when the selectors are equal or one narrows the other
            if a == b || !(subset(&sel_a, &sel_b) || subset(&sel_b, &sel_a)) {
                continue;
            }
            for sa in ga.spec.servers.iter().flatten() {
                for sb in gb.spec.servers.iter().flatten() {
                    let port_a = sa.port.as_ref().and_then(|p| p.number);
                    let port_b = sb.port.as_ref().and_then(|p| p.number);
                    if port_a.is_none() || port_a != port_b {
                        continue;
                    }
                    let strip = |h: &str| h.split_once('/').map_or(h, |(_, h)| h).to_owned();
                    let overlap = sa.hosts.iter().flatten().map(|h| strip(h)).find(|ha| {
                        sb.hosts
                            .iter()
                            .flatten()
                            .map(|h| strip(h))
                            .any(|hb| host_covers(ha, &hb) || host_covers(&hb, ha))
                    });
                    if let (Some(host), Some(port)) = (overlap, port_a) {
                        conflicts.push(format!(
                            "{}/{} (port {port}, host {host})",
                            mb.namespace(),
                            gb.metadata.name.as_deref().unwrap_or("")
                        ));
                    }
                }
            }
        }
        if !conflicts.is_empty() {
            conflicts.dedup();
            out.push(diagnostic(
                ma,
                codes::CONFLICTING_GATEWAYS,
                "spec.servers",
                format!("Conflict with gateways {} (their selectors pick the same workload as {:?})", conflicts.join(", "), ga.spec.selector.clone().unwrap_or_default()),
                Some("serve each host and port from one Gateway, or give the Gateways different selectors".into()),
            ));
        }
    }
}
