//! IST0101 for a gateway `credentialName` whose Secret is not in the gateway workload's
//! namespace (checked when Secrets are in the input); IST0161 for a Secret without
//! `tls.crt`/`tls.key` (or `cert`/`key`).

use std::collections::BTreeSet;

use crate::model::{Model, diagnostic};
use crate::{Diagnostic, codes};

pub(crate) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    if model.secrets.is_empty() {
        return;
    }
    for (manifest, gw) in &model.gateways {
        let selector = gw.spec.selector.clone().unwrap_or_default();
        // the Secret lives with the gateway pods: where the selected workloads are, else the
        // Gateway's namespace (and istio-system for the default ingress gateway selector)
        let mut namespaces: BTreeSet<String> = model
            .workloads_selected(selector.iter().map(|(k, v)| (k.as_str(), v.as_str())), None)
            .iter()
            .map(|w| w.head.namespace().to_owned())
            .collect();
        if namespaces.is_empty() {
            namespaces.insert(manifest.namespace().to_owned());
            if selector.get("istio").is_some_and(|v| v == "ingressgateway") {
                namespaces.insert("istio-system".to_owned());
            }
        }
        for (i, server) in gw.spec.servers.iter().flatten().enumerate() {
            let Some(tls) = &server.tls else { continue };
            let names = tls
                .credential_name
                .iter()
                .map(|n| (format!("spec.servers[{i}].tls.credentialName"), n.clone()))
                .chain(
                    tls.credential_names
                        .iter()
                        .flatten()
                        .enumerate()
                        .map(|(k, n)| {
                            (
                                format!("spec.servers[{i}].tls.credentialNames[{k}]"),
                                n.clone(),
                            )
                        }),
                );
            for (path, raw) in names {
                if raw.starts_with("builtin://") || raw.starts_with("configmap://") {
                    continue;
                }
                let plain = raw
                    .trim_start_matches("kubernetes-gateway://")
                    .trim_start_matches("kubernetes://");
                let (candidates, name): (BTreeSet<String>, &str) = match plain.split_once('/') {
                    Some((ns, name)) => ([ns.to_owned()].into(), name),
                    None => (namespaces.clone(), plain),
                };
                let found = model.secrets.iter().find(|(m, s)| {
                    s.metadata.name.as_deref() == Some(name) && candidates.contains(m.namespace())
                });
                match found {
                    None => out.push(diagnostic(
                        manifest,
                        codes::REFERENCED_RESOURCE_NOT_FOUND,
                        path,
                        format!("Referenced credentialName not found: {name:?} in namespace {}", candidates.iter().cloned().collect::<Vec<_>>().join(" or ")),
                        Some(format!(
                            "create it where the gateway pods run: kubectl create secret tls {name} --cert=<cert.pem> --key=<key.pem> -n {}",
                            candidates.iter().next().map(String::as_str).unwrap_or("istio-system")
                        )),
                    )),
                    Some((secret_manifest, secret)) => {
                        let keys: BTreeSet<&str> = secret.data.iter().flat_map(|d| d.keys()).chain(secret.string_data.iter().flat_map(|d| d.keys())).map(String::as_str).collect();
                        let tls_pair = keys.contains("tls.crt") && keys.contains("tls.key");
                        let generic_pair = keys.contains("cert") && keys.contains("key");
                        if !tls_pair && !generic_pair {
                            out.push(diagnostic(
                                secret_manifest,
                                codes::INVALID_GATEWAY_CREDENTIAL,
                                "data",
                                format!(
                                    "Secret {}/{name} is the credential of Gateway {}/{} but holds {:?}, not tls.crt and tls.key",
                                    secret_manifest.namespace(),
                                    manifest.namespace(),
                                    gw.metadata.name.as_deref().unwrap_or(""),
                                    keys
                                ),
                                Some("recreate it with kubectl create secret tls (type kubernetes.io/tls, keys tls.crt and tls.key)".to_owned()),
                            ))
                        }
                    }
                }
            }
        }
    }
}
