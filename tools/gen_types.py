#!/usr/bin/env python3
"""Generates istio-grpc-types/src/{kind}.rs from Istio's field inventory.

Input:  ../shared/istio/api/field-inventory.json (derived from istio/api protos), plus the
        `crd_only` fields it lists (present in the CRD, newer than the proto snapshot).
Output: one Rust module per proto file. Hand-written pieces (Duration, StringMatch, the
        resource macro) live in their own modules and are only referenced from here.

Run:    python3 tools/gen_types.py [--check]
`--check` exits 1 when the committed files differ from what this script writes; CI runs it.
"""
import json
import keyword
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("ISTIO_GRPC_SHARED", os.path.join(ROOT, "..", "shared"))
INVENTORY = os.path.join(SHARED, "istio", "api", "field-inventory.json")
OUT = os.path.join(ROOT, "istio-grpc-types", "src")

# proto file -> (rust module, resource kind defined there or None)
FILES = {
    "networking/v1alpha3/virtual_service.proto": "virtual_service",
    "networking/v1alpha3/gateway.proto": "gateway",
    "networking/v1alpha3/destination_rule.proto": "destination_rule",
    "networking/v1alpha3/service_entry.proto": "service_entry",
    "networking/v1alpha3/sidecar.proto": "sidecar",
    "networking/v1alpha3/envoy_filter.proto": "envoy_filter",
    "networking/v1alpha3/workload_entry.proto": "workload_entry",
    "security/v1beta1/peer_authentication.proto": "peer_authentication",
    "type/v1beta1/selector.proto": "selector",
}

# Top-level messages that are the `spec` of a resource: message -> resource macro arguments.
RESOURCES = {
    "VirtualService": dict(group="networking.istio.io", plural="virtualservices", versions=["v1", "v1beta1", "v1alpha3"]),
    "Gateway": dict(group="networking.istio.io", plural="gateways", versions=["v1", "v1beta1", "v1alpha3"]),
    "DestinationRule": dict(group="networking.istio.io", plural="destinationrules", versions=["v1", "v1beta1", "v1alpha3"]),
    "ServiceEntry": dict(group="networking.istio.io", plural="serviceentries", versions=["v1", "v1beta1", "v1alpha3"]),
    "Sidecar": dict(group="networking.istio.io", plural="sidecars", versions=["v1", "v1beta1", "v1alpha3"]),
    "EnvoyFilter": dict(group="networking.istio.io", plural="envoyfilters", versions=["v1alpha3"]),
    "PeerAuthentication": dict(group="security.istio.io", plural="peerauthentications", versions=["v1", "v1beta1"]),
}

# Messages not generated: hand-written elsewhere, status-only, or duplicates.
SKIP = {
    ("networking/v1alpha3/virtual_service.proto", "StringMatch"),  # string_match.rs
    ("networking/v1alpha3/service_entry.proto", "ServiceEntryStatus"),  # status is kept as JSON
    ("networking/v1alpha3/service_entry.proto", "ServiceEntryAddress"),
    ("type/v1beta1/selector.proto", "PortSelector"),  # same shape as networking PortSelector
}

# Rust names where the mechanical conversion reads badly or collides.
NAME_OVERRIDES = {
    ("type/v1beta1/selector.proto", "WorkloadSelector"): "MatchLabelsSelector",
    ("networking/v1alpha3/destination_rule.proto", "TrafficPolicy.ProxyProtocol.VERSION"): "ProxyProtocolVersion",
    ("networking/v1alpha3/destination_rule.proto", "ClientTLSSettings.TLSmode"): "ClientTlsMode",
    ("networking/v1alpha3/gateway.proto", "ServerTLSSettings.TLSmode"): "ServerTlsMode",
    ("networking/v1alpha3/gateway.proto", "ServerTLSSettings.TLSProtocol"): "TlsProtocol",
    ("networking/v1alpha3/gateway.proto", "ServerTLSSettings.TLSCertificate"): "TlsCertificate",
    ("security/v1beta1/peer_authentication.proto", "PeerAuthentication.MutualTLS.Mode"): "MutualTlsMode",
    ("networking/v1alpha3/service_entry.proto", "ServiceEntry.Location"): "ServiceEntryLocation",
    ("networking/v1alpha3/service_entry.proto", "ServiceEntry.Resolution"): "ServiceEntryResolution",
    ("networking/v1alpha3/sidecar.proto", "OutboundTrafficPolicy.Mode"): "OutboundTrafficPolicyMode",
    ("networking/v1alpha3/destination_rule.proto", "LocalityLoadBalancerSetting.Failover"): "LocalityFailover",
    ("networking/v1alpha3/destination_rule.proto", "ZoneAwareLoadBalancerSetting.Failover"): "ZoneAwareFailover",
    ("networking/v1alpha3/destination_rule.proto", "LocalityLoadBalancerSetting.Distribute"): "LocalityDistribute",
    ("networking/v1alpha3/destination_rule.proto", "ConnectionPoolSettings.TCPSettings"): "TcpSettings",
    ("networking/v1alpha3/destination_rule.proto", "ConnectionPoolSettings.HTTPSettings"): "HttpSettings",
    ("networking/v1alpha3/destination_rule.proto", "LoadBalancerSettings.ConsistentHashLB.HTTPCookie.Attribute"): "HttpCookieAttribute",
    ("networking/v1alpha3/envoy_filter.proto", "EnvoyFilter.RouteConfigurationMatch.RouteMatch"): "RouteConfigurationRouteMatch",
    ("networking/v1alpha3/envoy_filter.proto", "EnvoyFilter.RouteConfigurationMatch.RouteMatch.Action"): "RouteMatchAction",
    ("networking/v1alpha3/envoy_filter.proto", "EnvoyFilter.WaypointMatch.RouteMatch"): "WaypointRouteMatch",
    ("networking/v1alpha3/envoy_filter.proto", "EnvoyFilter.ListenerMatch.FilterMatch"): "ListenerFilterMatch",
    ("networking/v1alpha3/envoy_filter.proto", "EnvoyFilter.ListenerMatch.SubFilterMatch"): "ListenerSubFilterMatch",
    ("networking/v1alpha3/envoy_filter.proto", "EnvoyFilter.WaypointMatch.FilterMatch"): "WaypointFilterMatch",
    ("networking/v1alpha3/envoy_filter.proto", "EnvoyFilter.WaypointMatch.FilterMatch.SubFilterMatch"): "WaypointSubFilterMatch",
    ("networking/v1alpha3/envoy_filter.proto", "EnvoyFilter.Patch.Operation"): "PatchOperation",
    ("networking/v1alpha3/envoy_filter.proto", "EnvoyFilter.Patch.FilterClass"): "PatchFilterClass",
    ("networking/v1alpha3/envoy_filter.proto", "EnvoyFilter.Patch"): "Patch",
    ("networking/v1alpha3/virtual_service.proto", "Headers.HeaderOperations"): "HeaderOperations",
    ("networking/v1alpha3/virtual_service.proto", "HTTPFaultInjection.Delay"): "FaultDelay",
    ("networking/v1alpha3/virtual_service.proto", "HTTPFaultInjection.Abort"): "FaultAbort",
}

# Oneof variant enum names: (message, oneof) -> rust enum name.
ONEOF_NAMES = {
    ("LoadBalancerSettings", "lb_policy"): "LbPolicy",
    ("LoadBalancerSettings.ConsistentHashLB", "hash_key"): "HashKey",
    ("LoadBalancerSettings.ConsistentHashLB", "hash_algorithm"): "HashAlgorithm",
    ("EnvoyFilter.EnvoyConfigObjectMatch", "object_types"): "ObjectTypes",
    ("HTTPRedirect", "redirect_port"): "RedirectPort",
    ("HTTPBody", "specifier"): "BodySpecifier",
    ("HTTPFaultInjection.Delay", "http_delay_type"): "DelayType",
    ("HTTPFaultInjection.Abort", "error_type"): "AbortError",
}

# Fields in the CRD that the proto snapshot lacks (inventory `crd_only`), added by hand here with
# their real types. BackendUtilization is a third member of the lb_policy oneof.
CRD_ONLY_MESSAGES = [
    {
        "proto": "networking/v1alpha3/destination_rule.proto",
        "name": "LoadBalancerSettings.BackendUtilization",
        "doc": "Utilization-based load balancing that uses backend-reported ORCA metrics to weight endpoints by their current load (CRD only, Istio >= 1.31).",
        "oneofs": {},
        "fields": [
            {"json": "errorUtilizationPenaltyPercent", "type": "uint32", "repeated": False, "oneof": None, "doc": "Penalty applied to endpoints that report errors, as a percentage."},
            {"json": "metricNamesForComputingUtilization", "type": "string", "repeated": True, "oneof": None, "doc": "ORCA metric names used to compute utilization."},
            {"json": "weightExpirationPeriod", "type": "google.protobuf.Duration", "repeated": False, "oneof": None, "doc": "How long a weight stays valid without a fresh report."},
            {"json": "weightStabilizationPeriod", "type": "google.protobuf.Duration", "repeated": False, "oneof": None, "doc": "How long to wait before a new weight takes effect."},
            {"json": "weightUpdatePeriod", "type": "google.protobuf.Duration", "repeated": False, "oneof": None, "doc": "How often weights are recomputed."},
        ],
    }
]
CRD_ONLY_FIELDS = {
    "LoadBalancerSettings": [
        {"json": "backendUtilization", "type": "BackendUtilization", "repeated": False, "oneof": "lb_policy", "doc": "Utilization-based load balancing from backend-reported ORCA metrics (CRD only, Istio >= 1.31)."},
    ],
    "ServerTLSSettings": [
        {"json": "ecdhCurves", "type": "string", "repeated": True, "oneof": None, "doc": "Optional: If specified, only support the specified ecdh curves (CRD only, Istio >= 1.31)."},
    ],
    "EnvoyFilter.ListenerMatch.FilterChainMatch": [
        {"json": "transportSocket", "type": "string", "repeated": False, "oneof": None, "doc": "If non-empty, the name of the transport socket the filter chain is configured with (CRD only)."},
    ],
}
# Keys the CRD accepts besides the camelCase names: (message, wire key, rust field, type, doc).
CRD_ALIASES = {
    "HTTPRoute": [("mirror_percent", "mirror_percent_alias", "google.protobuf.UInt32Value",
                   "The CRD's alternative spelling of `mirrorPercent` (kubebuilder altName); kept as written. Deprecated.")],
}

SCALARS = {
    "string": "String",
    "bool": "bool",
    "int32": "i32",
    "uint32": "u32",
    "int64": "i64",
    "uint64": "u64",
    "double": "f64",
    "float": "f32",
    "bytes": "String",
    "google.protobuf.BoolValue": "bool",
    "google.protobuf.UInt32Value": "u32",
    "google.protobuf.UInt64Value": "u64",
    "google.protobuf.DoubleValue": "f64",
    "google.protobuf.Duration": "crate::Duration",
    "google.protobuf.Struct": "serde_json::Map<String, serde_json::Value>",
}
EXTERNAL = {"StringMatch": "crate::StringMatch"}

ACRONYMS = ["HTTP2", "HTTP", "TLS", "TCP", "LB", "SNI", "URI", "IP", "VERSION"]


def pascal(name):
    """Proto message/enum name -> Rust type name (HTTPRoute -> HttpRoute)."""
    out = name
    for a in ACRONYMS:
        out = out.replace(a, a[0] + a[1:].lower())
    return out[0].upper() + out[1:]


def snake(json_name):
    """JSON name -> Rust field (http2MaxRequests -> http2_max_requests, consecutive5xxErrors ->
    consecutive_5xx_errors); `match`/`type` get a trailing underscore as in k8s-openapi."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", json_name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    s = re.sub(r"([a-z])([0-9]+[a-z])", r"\1_\2", s)
    s = s.lower()
    if s in ("match", "type", "ref", "mod", "override", "use") or keyword.iskeyword(s):
        s += "_"
    return s


def variant(enum_value):
    """Enum value name -> Rust variant (ISTIO_MUTUAL -> IstioMutual, TLSV1_2 -> Tlsv1_2)."""
    parts = enum_value.split("_")
    out = ""
    for i, p in enumerate(parts):
        if p and p[0].isdigit() and out and out[-1].isdigit() is False and out[-1] != "_":
            out += "_" + p.lower()
        else:
            out += p[:1].upper() + p[1:].lower()
    return out


def doc_escape(text):
    """Proto doc text as rustdoc: markdown links become `text (<url>)`, bare URLs `<url>`, and
    the brackets and angle brackets left over are escaped (they are not links or HTML)."""
    text = text.replace("\u2063", "").strip()
    urls = []

    def keep(url):
        urls.append(url)
        return f"\x00{len(urls) - 1}\x00"

    text = re.sub(r"\[([^\]]*)\]\((https?://[^)\s]+)\)", lambda m: f"{m.group(1)} ({keep(m.group(2))})", text)
    text = re.sub(r"https?://[^\s)>\]]*[^\s)>\].,;:]", lambda m: keep(m.group(0)), text)
    text = text.replace("[", "\\[").replace("]", "\\]").replace("<", "\\<").replace(">", "\\>")
    return re.sub("\x00(\\d+)\x00", lambda m: f"<{urls[int(m.group(1))]}>", text)


def main():
    check = "--check" in sys.argv
    if not os.path.exists(INVENTORY):
        sys.exit(f"gen_types: {INVENTORY} not found (set ISTIO_GRPC_SHARED to the shared/ folder)")
    inv = json.load(open(INVENTORY))
    messages = [m for m in inv["messages"] if (m["proto"], m["name"]) not in SKIP] + CRD_ONLY_MESSAGES
    enums = inv["enums"]
    for m in messages:
        m["fields"] = list(m["fields"]) + CRD_ONLY_FIELDS.get(m["name"], [])
        if m["name"] == "LoadBalancerSettings":
            m["oneofs"] = dict(m["oneofs"])
            m["oneofs"]["lb_policy"] = m["oneofs"]["lb_policy"] + ["backendUtilization"]

    # Rust names
    names = {}
    for kind, items in (("msg", messages), ("enum", enums)):
        for it in items:
            key = (it["proto"], it["name"])
            if key in NAME_OVERRIDES:
                names[key] = NAME_OVERRIDES[key]
            elif it["name"] in RESOURCES:
                names[key] = pascal(it["name"]) + "Spec"
            else:
                names[key] = pascal(it["name"].split(".")[-1])
    seen = {}
    for key, n in names.items():
        if n in seen:
            sys.exit(f"gen_types: name collision {n}: {seen[n]} and {key}")
        seen[n] = key

    by_file_msgs = {}
    for m in messages:
        by_file_msgs.setdefault(m["proto"], {})[m["name"]] = m
    by_file_enums = {}
    for e in enums:
        by_file_enums.setdefault(e["proto"], {})[e["name"]] = e

    def module_of(proto):
        return FILES[proto]

    def resolve(proto, scope, tname):
        """Proto name resolution: innermost scope outward, then other files."""
        if tname in SCALARS:
            return SCALARS[tname]
        if tname in EXTERNAL:
            return EXTERNAL[tname]
        if tname == "istio.type.v1beta1.WorkloadSelector":
            return "crate::selector::MatchLabelsSelector"
        if tname == "istio.type.v1beta1.PolicyTargetReference":
            return "crate::selector::PolicyTargetReference"
        parts = scope.split(".")
        for i in range(len(parts), -1, -1):
            cand = ".".join(parts[:i] + [tname])
            for table in (by_file_msgs, by_file_enums):
                if cand in table.get(proto, {}):
                    rust = names[(proto, cand)]
                    return rust
        # other networking files
        for p in FILES:
            if p.startswith("networking/"):
                for table in (by_file_msgs, by_file_enums):
                    if tname in table.get(p, {}):
                        return f"crate::{module_of(p)}::{names[(p, tname)]}"
        sys.exit(f"gen_types: cannot resolve {tname} in {proto} {scope}")

    files = {}
    for proto, mod in FILES.items():
        lines = []
        w = lines.append
        w(f"//! Types of `{proto}` (generated by `tools/gen_types.py` from Istio's field inventory; do not edit).")
        w("")
        w("#![allow(clippy::doc_markdown, clippy::large_enum_variant)] // proto doc text is kept verbatim")
        w("")
        w("use serde::{Deserialize, Serialize};")
        w("#[allow(unused_imports)]")
        w("use std::collections::BTreeMap;")
        w("")
        for m in sorted(by_file_msgs.get(proto, {}).values(), key=lambda m: m["name"]):
            rust = names[(proto, m["name"])]
            emit_message(w, proto, m, rust, resolve)
        for e in sorted(by_file_enums.get(proto, {}).values(), key=lambda e: e["name"]):
            emit_enum(w, e, names[(proto, e["name"])])
        for m in sorted(by_file_msgs.get(proto, {}).values(), key=lambda m: m["name"]):
            if m["name"] in RESOURCES:
                r = RESOURCES[m["name"]]
                versions = ", ".join({"v1": "V1", "v1beta1": "V1beta1", "v1alpha3": "V1alpha3"}[v] for v in r["versions"])
                w("crate::resource::istio_resource! {")
                w(f"    /// `{m['name']}` ({r['group']}): {doc_escape(m['doc'])}")
                w(f"    kind: {m['name']},")
                w(f"    spec: {names[(proto, m['name'])]},")
                w(f"    group: \"{r['group']}\",")
                w(f"    plural: \"{r['plural']}\",")
                w(f"    versions: [{versions}],")
                w("}")
                w("")
        text = "\n".join(lines).rstrip() + "\n"
        files[os.path.join(OUT, mod + ".rs")] = rustfmt(text)

    stale = []
    for path, text in files.items():
        old = open(path).read() if os.path.exists(path) else None
        if old != text:
            stale.append(path)
            if not check:
                open(path, "w").write(text)
    if check and stale:
        sys.exit("gen_types: generated files are stale: " + ", ".join(os.path.relpath(p, ROOT) for p in stale) + " (run python3 tools/gen_types.py)")
    print(f"gen_types: {len(files)} modules, {len(messages)} messages, {len(enums)} enums" + (" (up to date)" if check else ""))


def rustfmt(text):
    """Formats like `cargo fmt` does for this workspace (rustfmt.toml at the root)."""
    import subprocess
    out = subprocess.run(
        ["rustfmt", "--edition", "2024", "--emit", "stdout", "-q"],
        input=text, capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        sys.exit("gen_types: rustfmt failed: " + out.stderr)
    return out.stdout


def field_type(proto, m, f, resolve):
    t = f["type"]
    mm = re.match(r"map<(\w+),([\w.]+)>", t)
    if mm:
        k, v = mm.groups()
        key = "String" if k == "string" else "String"  # map<uint32,..> keys are decimal strings in JSON
        return f"BTreeMap<{key}, {resolve(proto, m['name'], v)}>", "map"
    inner = resolve(proto, m["name"], t)
    if f.get("repeated"):
        return f"Vec<{inner}>", "vec"
    return inner, "one"


def emit_fields(w, proto, m, fields, resolve, indent="    ", public=True):
    for f in fields:
        rust_t, shape = field_type(proto, m, f, resolve)
        w(f"{indent}/// {doc_escape(f.get('doc') or '') or '`' + f['json'] + '` (no description in the API).'}")
        if f.get("deprecated"):
            w(f"{indent}///")
            w(f"{indent}/// Deprecated in Istio's API.")
        attrs = [f'rename = "{f["json"]}"', 'default', 'skip_serializing_if = "Option::is_none"']
        if shape == "vec" and rust_t == "Vec<String>":
            attrs.append('deserialize_with = "crate::serde_helpers::string_list"')
        w(f"{indent}#[serde({', '.join(attrs)})]")
        vis = "pub " if public else ""
        w(f"{indent}{vis}{snake(f['json'])}: Option<{rust_t}>,")


def emit_message(w, proto, m, rust, resolve):
    oneofs = m.get("oneofs") or {}
    plain = [f for f in m["fields"] if not f.get("oneof")]
    aliases = CRD_ALIASES.get(m["name"], [])
    doc = doc_escape(m.get("doc") or "")
    if doc:
        w(f"/// {doc}")
        w("///")
    w(f"/// Istio: `{m['name']}` in `{proto}`.")
    w("#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]")
    if oneofs:
        w(f'#[serde(try_from = "{rust}Wire", into = "{rust}Wire")]')
    else:
        w("#[serde(deny_unknown_fields)]")
    w(f"pub struct {rust} {{")
    emit_fields(w, proto, m, plain, resolve)
    for key, field, t, doc_a in aliases:
        w(f"    /// {doc_a}")
        w(f'    #[serde(rename = "{key}", default, skip_serializing_if = "Option::is_none")]')
        w(f"    pub {field}: Option<{SCALARS[t]}>,")
    for oneof, members in oneofs.items():
        en = ONEOF_NAMES[(m["name"], oneof)]
        w(f"    /// The `{oneof}` oneof: at most one of {', '.join('`' + x + '`' for x in members)}.")
        if oneofs:
            w("    #[serde(skip)]")
        w(f"    pub {snake(oneof)}: Option<{en}>,")
    w("}")
    w("")
    if not oneofs:
        return
    byjson = {f["json"]: f for f in m["fields"]}
    for oneof, members in oneofs.items():
        en = ONEOF_NAMES[(m["name"], oneof)]
        w(f"/// The `{oneof}` oneof of [`{rust}`]: Istio accepts at most one of these keys.")
        w("#[derive(Clone, Debug, PartialEq)]")
        w(f"pub enum {en} {{")
        for j in members:
            f = byjson[j]
            t, _ = field_type(proto, m, f, resolve)
            w(f"    /// `{j}`: {doc_escape(f.get('doc') or '') or '(no description in the API)'}")
            w(f"    {pascal(j[0].upper() + j[1:])}({t}),")
        w("}")
        w("")
    # wire struct: every key flat, as Istio's JSON has it
    w(f"/// Wire form of [`{rust}`]: oneof members are sibling keys.")
    w("#[derive(Clone, Default, Serialize, Deserialize)]")
    w("#[serde(deny_unknown_fields)]")
    w("#[doc(hidden)]")
    w(f"pub struct {rust}Wire {{")
    emit_fields(w, proto, m, m["fields"], resolve, public=False)
    for key, field, t, _ in aliases:
        w(f'    #[serde(rename = "{key}", default, skip_serializing_if = "Option::is_none")]')
        w(f"    {field}: Option<{SCALARS[t]}>,")
    w("}")
    w("")
    w(f"impl TryFrom<{rust}Wire> for {rust} {{")
    w("    type Error = String;")
    w(f"    fn try_from(wire: {rust}Wire) -> Result<Self, String> {{")
    for oneof, members in oneofs.items():
        en = ONEOF_NAMES[(m["name"], oneof)]
        keys = ", ".join(f"`{j}`" for j in members)
        w(f"        let mut {snake(oneof)}: Vec<(&'static str, {en})> = Vec::new();")
        for j in members:
            w(f"        if let Some(v) = wire.{snake(j)} {{")
            w(f"            {snake(oneof)}.push((\"{j}\", {en}::{pascal(j[0].upper() + j[1:])}(v)));")
            w("        }")
        w(f"        if {snake(oneof)}.len() > 1 {{")
        w(f"            let set: Vec<&str> = {snake(oneof)}.iter().map(|(k, _)| *k).collect();")
        w(f"            return Err(format!(\"only one of {keys} may be set (Istio oneof `{oneof}`), found {{}}\", set.join(\" and \")));")
        w("        }")
    w("        Ok(Self {")
    for f in plain:
        w(f"            {snake(f['json'])}: wire.{snake(f['json'])},")
    for key, field, t, _ in aliases:
        w(f"            {field}: wire.{field},")
    for oneof in oneofs:
        w(f"            {snake(oneof)}: {snake(oneof)}.pop().map(|(_, v)| v),")
    w("        })")
    w("    }")
    w("}")
    w("")
    w(f"impl From<{rust}> for {rust}Wire {{")
    w(f"    fn from(v: {rust}) -> Self {{")
    w("        let mut wire = Self {")
    for f in plain:
        w(f"            {snake(f['json'])}: v.{snake(f['json'])},")
    for key, field, t, _ in aliases:
        w(f"            {field}: v.{field},")
    w("            ..Self::default()")
    w("        };")
    for oneof, members in oneofs.items():
        en = ONEOF_NAMES[(m["name"], oneof)]
        w(f"        match v.{snake(oneof)} {{")
        for j in members:
            w(f"            Some({en}::{pascal(j[0].upper() + j[1:])}(x)) => wire.{snake(j)} = Some(x),")
        w("            None => {}")
        w("        }")
    w("        wire")
    w("    }")
    w("}")
    w("")


def emit_enum(w, e, rust):
    w(f"/// Istio enum `{e['name']}`; the first variant is the proto zero value (Istio's default).")
    w("#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]")
    w(f"pub enum {rust} {{")
    for i, v in enumerate(e["values"]):
        w(f"    /// {doc_escape(v.get('doc') or '') or '`' + v['name'] + '`.'}")
        if v.get("deprecated"):
            w("    /// Deprecated in Istio's API.")
        if i == 0:
            w("    #[default]")
        w(f'    #[serde(rename = "{v["name"]}")]')
        w(f"    {variant(v['name'])},")
    w("}")
    w("")
    w(f"impl {rust} {{")
    w("    /// The value's name as Istio writes it.")
    w("    pub const fn as_str(self) -> &'static str {")
    w("        match self {")
    for v in e["values"]:
        w(f"            Self::{variant(v['name'])} => \"{v['name']}\",")
    w("        }")
    w("    }")
    w("}")
    w("")


if __name__ == "__main__":
    main()
