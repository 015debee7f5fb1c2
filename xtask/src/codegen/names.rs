//! Proto names to Rust names.

/// Acronyms written as one capital and lower case in Rust type names, in replacement order
/// (`HTTP2` before `HTTP`).
const ACRONYMS: &[&str] = &[
    "HTTP2", "HTTP", "TLS", "TCP", "LB", "SNI", "URI", "IP", "VERSION",
];

/// Field names that get a trailing underscore: Rust keywords, plus `from`, kept for the
/// public field `from_` that earlier releases of the types had.
const RESERVED: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "from", "gen", "if",
    "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Proto message or enum name to a Rust type name: `HTTPRoute` → `HttpRoute`.
pub(crate) fn pascal(name: &str) -> String {
    let mut out = name.to_owned();
    for a in ACRONYMS {
        let (first, rest) = a.split_at(1);
        out = out.replace(a, &format!("{first}{}", rest.to_lowercase()));
    }
    upper_first(&out)
}

/// `name` with its first character in upper case.
pub(crate) fn upper_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// JSON name to a Rust field: `http2MaxRequests` → `http2_max_requests`,
/// `consecutive5xxErrors` → `consecutive_5xx_errors`; keywords get a trailing underscore
/// (`match_`, `type_`), as in k8s-openapi.
pub(crate) fn snake(json_name: &str) -> String {
    let s: Vec<char> = json_name.chars().collect();
    // `aB` → `a_B` (also `2B` → `2_B`)
    let s = insert_underscores(&s, |s, i| {
        let ok = (s[i].is_ascii_lowercase() || s[i].is_ascii_digit())
            && s.get(i + 1).is_some_and(char::is_ascii_uppercase);
        ok.then_some((1, 1))
    });
    // `HTTPRoute` → `HTTP_Route`: a run of capitals before a capital and a small letter
    let s = insert_underscores(&s, |s, i| {
        let run = s[i..].iter().take_while(|c| c.is_ascii_uppercase()).count();
        let ok = run >= 2 && s.get(i + run).is_some_and(char::is_ascii_lowercase);
        ok.then(|| (run - 1, 2))
    });
    // `a5xx` → `a_5xx`: a small letter before digits and a small letter
    let s = insert_underscores(&s, |s, i| {
        let digits = s[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        let ok = s[i].is_ascii_lowercase()
            && digits >= 1
            && s.get(i + 1 + digits).is_some_and(char::is_ascii_lowercase);
        ok.then_some((1, digits + 1))
    });
    let mut out: String = s.iter().collect::<String>().to_lowercase();
    if RESERVED.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// One left-to-right pass of a substitution `(first)(second)` → `first_second` that consumes
/// what it matched, like a regular expression's: where `groups(s, i)` is `Some((a, b))`, the
/// match is `s[i..i + a]` and `s[i + a..i + a + b]`.
fn insert_underscores(
    s: &[char],
    groups: impl Fn(&[char], usize) -> Option<(usize, usize)>,
) -> Vec<char> {
    let mut out = Vec::with_capacity(s.len() + 4);
    let mut i = 0;
    while i < s.len() {
        match groups(s, i) {
            Some((a, b)) => {
                out.extend_from_slice(&s[i..i + a]);
                out.push('_');
                out.extend_from_slice(&s[i + a..i + a + b]);
                i += a + b;
            }
            None => {
                out.push(s[i]);
                i += 1;
            }
        }
    }
    out
}

/// Enum value to a Rust variant: `ISTIO_MUTUAL` → `IstioMutual`; a part that starts with a
/// digit keeps an underscore after a letter (`HTTP_2` → `Http_2`) but not after a digit
/// (`TLSV1_2` → `Tlsv12`).
pub(crate) fn variant(enum_value: &str) -> String {
    let mut out = String::new();
    for p in enum_value.split('_') {
        let starts_with_digit = p.chars().next().is_some_and(|c| c.is_ascii_digit());
        let after_letter = out
            .chars()
            .last()
            .is_some_and(|c| !c.is_ascii_digit() && c != '_');
        if starts_with_digit && after_letter {
            out.push('_');
            out.push_str(&p.to_lowercase());
        } else {
            out.push_str(&upper_first(&p.to_lowercase()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_lowers_acronyms() {
        assert_eq!(pascal("HTTPRoute"), "HttpRoute");
        assert_eq!(pascal("HTTP2Settings"), "Http2Settings");
        assert_eq!(pascal("ClientTLSSettings"), "ClientTlsSettings");
        assert_eq!(pascal("ConsistentHashLB"), "ConsistentHashLb");
        assert_eq!(pascal("L4MatchAttributes"), "L4MatchAttributes");
    }

    #[test]
    fn snake_separates_words_digits_and_acronyms() {
        let cases = [
            ("host", "host"),
            ("http2MaxRequests", "http2_max_requests"),
            ("consecutive5xxErrors", "consecutive_5xx_errors"),
            ("consecutiveGatewayErrors", "consecutive_gateway_errors"),
            ("maxRequestsPerConnection", "max_requests_per_connection"),
            ("useSourceIP", "use_source_ip"),
            ("caCertificates", "ca_certificates"),
            ("subjectAltNames", "subject_alt_names"),
            ("h2UpgradePolicy", "h2_upgrade_policy"),
            ("idleTimeout", "idle_timeout"),
            ("HTTPRoute", "http_route"),
            ("mirror_percent", "mirror_percent"),
        ];
        for (json, rust) in cases {
            assert_eq!(snake(json), rust, "{json}");
        }
    }

    #[test]
    fn snake_escapes_keywords() {
        assert_eq!(snake("match"), "match_");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("from"), "from_");
        assert_eq!(snake("to"), "to");
    }

    #[test]
    fn variants_keep_version_digits_apart() {
        assert_eq!(variant("ISTIO_MUTUAL"), "IstioMutual");
        assert_eq!(variant("TLSV1_2"), "Tlsv12");
        assert_eq!(variant("HTTP_2"), "Http_2");
        assert_eq!(variant("HTTP_1_1"), "Http_11");
        assert_eq!(variant("TLS_AUTO"), "TlsAuto");
        assert_eq!(variant("V1"), "V1");
        assert_eq!(variant("UNSET"), "Unset");
        assert_eq!(variant("DO_NOT_UPGRADE"), "DoNotUpgrade");
    }
}
