//! IST0002 Deprecated, following Istio's `deprecation.FieldAnalyzer`: a VirtualService fault
//! delay given as `percent` (replaced by `percentage`), a Sidecar `outboundTrafficPolicy.egressProxy`
//! (ignored by current proxies).

use crate::Manifest;
use crate::model::diagnostic;
use crate::{Diagnostic, codes};
use istio_grpc_types::VirtualService;

/// IST0002 on a VirtualService.
pub(crate) fn virtual_service(manifest: &Manifest, vs: &VirtualService, out: &mut Vec<Diagnostic>) {
    {
        // only a fault can hold the deprecated field
        if !vs.spec.http.iter().flatten().any(|r| r.fault.is_some()) {
            return;
        }
        let Ok(json) = manifest.object.to_json() else {
            return;
        };
        for (i, route) in json["spec"]["http"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            if route["fault"]["delay"]["percent"]
                .as_i64()
                .is_some_and(|p| p > 0)
            {
                out.push(diagnostic(
                    manifest,
                    codes::DEPRECATED,
                    format!("spec.http[{i}].fault.delay.percent"),
                    "Deprecated: HTTPRoute.fault.delay.percent is replaced by HTTPRoute.fault.delay.percentage",
                    Some("write percentage: {value: <percent>}".to_owned()),
                ));
            }
        }
    }
}

/// IST0105 on a Sidecar.
pub(crate) fn sidecar(manifest: &Manifest, out: &mut Vec<Diagnostic>) {
    {
        let Ok(json) = manifest.object.to_json() else {
            return;
        };
        if !json["spec"]["outboundTrafficPolicy"]["egressProxy"].is_null() {
            out.push(diagnostic(
                manifest,
                codes::DEPRECATED,
                "spec.outboundTrafficPolicy.egressProxy",
                "Deprecated: OutboundTrafficPolicy.EgressProxy is deprecated and ignored: traffic does not go to that proxy",
                Some("remove egressProxy; route egress through an egress gateway with a VirtualService".to_owned()),
            ));
        }
    }
}
