//! IST0130 VirtualServiceUnreachableRule and IST0131 VirtualServiceIneffectiveMatch, following
//! Istio's `pkg/config/validation` `analyzeUnreachableHTTPRules` (and its TCP and TLS twins),
//! which `istioctl analyze` reports through its schema-validation analyzer:
//! - a rule without matches after another rule without matches is unreachable;
//! - a match equal (ignoring its `name`) to one of an earlier rule is ineffective, and a rule
//!   whose every match is such a duplicate is unreachable;
//! - an HTTP match whose uri prefix starts with the uri prefix of an earlier match, with the same
//!   port and covering method, authority, headers, query params and withoutHeaders, is
//!   ineffective (`genMatchHTTPRoutes`, `coveredValidation`; no method counts as `GET`).
//!
//! What the user observes: the requests the rule was written for are served by the earlier rule.

use std::collections::{BTreeMap, HashMap};

use istio_grpc_types::StringMatch;
use istio_grpc_types::virtual_service::HttpMatchRequest;
use serde::Serialize;

use crate::Manifest;
use crate::model::diagnostic;
use istio_grpc_types::VirtualService;

use crate::{Diagnostic, codes};

/// Istio's `routeName`: `"name"` for a named HTTP rule, else `#index`.
fn rule_name(name: Option<&str>, index: usize) -> String {
    match name {
        Some(n) if !n.is_empty() => format!("{n:?}"),
        _ => format!("#{index}"),
    }
}

/// Istio's `asJSON`: the match without its name, as a comparison key.
fn key<T: Serialize>(m: &T) -> String {
    let mut v = serde_json::to_value(m).unwrap_or_default();
    if let Some(map) = v.as_object_mut() {
        map.remove("name");
    }
    v.to_string()
}

/// A finding to report: (rule index, code, message).
type Found = (usize, crate::Code, String);

/// Duplicates and rules without matches, for one list of rules (`names[i]`, `matches[i]`).
fn duplicates(names: &[String], matches: &[Vec<String>], found: &mut Vec<Found>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut empty_seen = false;
    for (rule, keys) in matches.iter().enumerate() {
        if keys.is_empty() {
            if empty_seen {
                found.push((
                    rule,
                    codes::UNREACHABLE_RULE,
                    format!(
                        "VirtualService rule {} not used (only the last rule can have no matches)",
                        names[rule]
                    ),
                ));
            }
            empty_seen = true;
            continue;
        }
        let mut dups = 0;
        for (n, k) in keys.iter().enumerate() {
            match seen.get(k.as_str()) {
                Some(&earlier) => {
                    dups += 1;
                    found.push((
                        rule,
                        codes::INEFFECTIVE_MATCH,
                        format!(
                            "VirtualService rule {} match #{n} is not used (duplicate/overlapping match in rule {})",
                            names[rule], names[earlier]
                        ),
                    ));
                }
                None => {
                    seen.insert(k, rule);
                }
            }
        }
        if dups == keys.len() {
            found.push((
                rule,
                codes::UNREACHABLE_RULE,
                format!(
                    "VirtualService rule {} not used (all matches used by prior rules)",
                    names[rule]
                ),
            ));
        }
    }
}

/// `exact:` + value or `prefix:` + value, else empty (Istio's `assignExactOrPrefix`).
fn exact_or_prefix(m: Option<&StringMatch>) -> String {
    match m {
        Some(StringMatch::Exact(v)) if !v.is_empty() => format!("exact:{v}"),
        Some(StringMatch::Prefix(v)) if !v.is_empty() => format!("prefix:{v}"),
        _ => String::new(),
    }
}

/// Istio's `OverlappingMatchValidationForHTTPRoute`, for matches on a uri prefix.
struct Prefixed {
    rule: usize,
    match_index: usize,
    prefix: String,
    port: Option<u32>,
    method: String,
    authority: String,
    headers: BTreeMap<String, String>,
    query: BTreeMap<String, String>,
    without: BTreeMap<String, String>,
}

fn prefixed(rule: usize, match_index: usize, m: &HttpMatchRequest) -> Option<Prefixed> {
    let Some(StringMatch::Prefix(prefix)) = &m.uri else {
        return None;
    };
    if prefix.is_empty() {
        return None;
    }
    let map = |h: &Option<BTreeMap<String, StringMatch>>| {
        h.iter()
            .flatten()
            .map(|(k, v)| (k.clone(), exact_or_prefix(Some(v))))
            .collect()
    };
    let method = match exact_or_prefix(m.method.as_ref()) {
        s if s.is_empty() => "exact:GET".to_owned(),
        s => s,
    };
    Some(Prefixed {
        rule,
        match_index,
        prefix: prefix.clone(),
        port: m.port.filter(|p| *p != 0),
        method,
        authority: exact_or_prefix(m.authority.as_ref()),
        headers: map(&m.headers),
        query: map(&m.query_params),
        without: map(&m.without_headers),
    })
}

/// Istio's `coveredValidation`: whether `a` (earlier) takes every request `b` matches.
fn covered(a: &Prefixed, b: &Prefixed) -> bool {
    let maps = |x: &BTreeMap<String, String>, y: &BTreeMap<String, String>| {
        x.len() == y.len()
            && x.iter().all(|(k, v)| {
                y.get(k)
                    .is_some_and(|w| v == w || v.starts_with(w.as_str()))
            })
    };
    b.prefix.starts_with(&a.prefix)
        && a.port == b.port
        && (a.method == b.method || a.method.starts_with(&b.method))
        && (a.authority == b.authority || a.authority.starts_with(&b.authority))
        && maps(&a.headers, &b.headers)
        && maps(&a.query, &b.query)
        && maps(&a.without, &b.without)
}

pub(crate) fn check(manifest: &Manifest, vs: &VirtualService, out: &mut Vec<Diagnostic>) {
    let mut sections: Vec<(&str, Vec<Found>)> = Vec::new();
    // http
    let http: Vec<_> = vs.spec.http.iter().flatten().collect();
    let names: Vec<String> = http
        .iter()
        .enumerate()
        .map(|(i, r)| rule_name(r.name.as_deref(), i))
        .collect();
    let keys: Vec<Vec<String>> = http
        .iter()
        .map(|r| r.match_.iter().flatten().map(key).collect())
        .collect();
    let mut found = Vec::new();
    duplicates(&names, &keys, &mut found);
    let mut seen = std::collections::HashSet::new();
    let mut with_prefix = Vec::new();
    for (i, r) in http.iter().enumerate() {
        for (n, m) in r.match_.iter().flatten().enumerate() {
            if seen.insert(key(m)) {
                with_prefix.extend(prefixed(i, n, m));
            }
        }
    }
    // Istio compares every earlier prefixed match with every later one; only an earlier
    // match whose prefix starts the later one's can cover it, so look those up by prefix
    // (linear in the number of matches, not quadratic, for VirtualServices of 10,000 routes)
    let mut by_prefix: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in with_prefix.iter().enumerate() {
        by_prefix.entry(p.prefix.as_str()).or_default().push(i);
    }
    for (b_index, b) in with_prefix.iter().enumerate() {
        let earlier = b
            .prefix
            .char_indices()
            .map(|(at, _)| &b.prefix[..at])
            .filter(|p| !p.is_empty())
            .filter_map(|p| by_prefix.get(p))
            .flatten()
            .copied()
            .filter(|&a_index| a_index < b_index);
        let mut covering: Vec<usize> = earlier.collect();
        covering.sort_unstable();
        for a in covering.into_iter().map(|i| &with_prefix[i]) {
            if b.prefix != a.prefix && covered(a, b) {
                found.push((
                    b.rule,
                    codes::INEFFECTIVE_MATCH,
                    format!(
                        "VirtualService rule {} match #{} of prefix {} is not used (duplicate/overlapping match in rule #{} of prefix {} on {})",
                        names[b.rule], b.match_index, b.prefix, a.match_index, a.prefix, names[a.rule]
                    ),
                ));
            }
        }
    }
    sections.push(("http", found));
    // tcp and tls: duplicates only
    for (section, keys) in [
        (
            "tcp",
            vs.spec
                .tcp
                .iter()
                .flatten()
                .map(|r| r.match_.iter().flatten().map(key).collect())
                .collect::<Vec<Vec<String>>>(),
        ),
        (
            "tls",
            vs.spec
                .tls
                .iter()
                .flatten()
                .map(|r| r.match_.iter().flatten().map(key).collect())
                .collect(),
        ),
    ] {
        let names: Vec<String> = (0..keys.len()).map(|i| format!("#{i}")).collect();
        let mut found = Vec::new();
        duplicates(&names, &keys, &mut found);
        sections.push((section, found));
    }
    for (section, found) in sections {
        for (rule, code, message) in found {
            let path = format!("spec.{section}[{rule}]");
            // our broader-prefix shadowing check may have said it already
            if out.iter().any(|d| {
                d.code == code
                    && d.path == path
                    && d.resource.as_ref() == Some(&manifest.resource())
                    && d.file == manifest.file
            }) {
                continue;
            }
            out.push(diagnostic(
                manifest,
                code,
                path,
                format!("{message}: its requests are served by the earlier rule"),
                Some(if code == codes::UNREACHABLE_RULE {
                    "remove the rule, or give it a match no earlier rule takes".to_owned()
                } else {
                    "remove the match, or move it above the rule that takes its requests".to_owned()
                }),
            ));
        }
    }
}
