//! IST0134 ServiceEntryAddressesRequired, following Istio's
//! `serviceentry.ProtocolAddressesAnalyzer`: a ServiceEntry without `addresses` (and none
//! allocated in its status) with a TCP port (protocol `TCP` or unset). TCP traffic is matched by
//! destination address, so without one every ServiceEntry of that port shares a `0.0.0.0`
//! listener and the traffic goes to whichever wins. Assumes the mesh does not auto-allocate
//! addresses (`ISTIO_META_DNS_AUTO_ALLOCATE`, Istio's default): that setting is not in the
//! manifests.

use crate::Manifest;
use crate::model::diagnostic;
use crate::{Diagnostic, codes};
use istio_grpc_types::ServiceEntry;

pub(crate) fn check(manifest: &Manifest, se: &ServiceEntry, out: &mut Vec<Diagnostic>) {
    if se.spec.addresses.is_some() {
        return;
    }
    let allocated = manifest.source.as_ref().is_some_and(|s| {
        s.json()["status"]["addresses"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    });
    if allocated {
        return;
    }
    for (i, port) in se.spec.ports.iter().flatten().enumerate() {
        let tcp = port
            .protocol
            .as_deref()
            .is_none_or(|p| p.is_empty() || p.eq_ignore_ascii_case("TCP"));
        if tcp {
            out.push(diagnostic(
                manifest,
                codes::SERVICE_ENTRY_ADDRESSES_REQUIRED,
                format!("spec.ports[{i}]"),
                "ServiceEntry addresses are required for this protocol: TCP is routed by destination address, so without one this port shares a catch-all listener with every other such ServiceEntry",
                Some("add spec.addresses (a virtual IP or CIDR), or declare the port's real protocol (HTTP, HTTP2, GRPC, TLS)".to_owned()),
            ));
        }
    }
}
