//! IST0002 Deprecated, following Istio's `deprecation.FieldAnalyzer`: a VirtualService fault
//! delay given as `percent` (replaced by `percentage`), a Sidecar `outboundTrafficPolicy.egressProxy`
//! (ignored by current proxies).

use crate::model::{Model, diagnostic};
use crate::{Diagnostic, codes};

pub(crate) fn check(model: &Model<'_>, out: &mut Vec<Diagnostic>) {
    for (manifest, vs) in &model.virtual_services {
        // only a fault can hold the deprecated field
        if !vs.spec.http.iter().flatten().any(|r| r.fault.is_some()) {
            continue;
        }
        let Ok(json) = manifest.object.to_json() else {
            continue;
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
    for (manifest, _) in &model.sidecars {
        let Ok(json) = manifest.object.to_json() else {
            continue;
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
