//! The Gateway: one server, HTTPS on 443 (`tls.mode: SIMPLE`, `credentialName`) or h2c on 80.

use istio_grpc_types::Gateway;
use istio_grpc_types::gateway::{GatewaySpec, Port, Server, ServerTlsMode, ServerTlsSettings};

use super::check::Checked;

pub(super) fn write(c: &Checked<'_>) -> Gateway {
    let spec = c.spec;
    let (port, tls) = if c.tls {
        (
            Port {
                number: Some(443),
                name: Some("https".to_owned()),
                protocol: Some("HTTPS".to_owned()),
                ..Default::default()
            },
            Some(ServerTlsSettings {
                mode: Some(ServerTlsMode::Simple),
                credential_name: spec.credential.as_ref().map(|c| c.name.clone()),
                ..Default::default()
            }),
        )
    } else {
        (
            Port {
                number: Some(80),
                name: Some("grpc".to_owned()),
                protocol: Some("GRPC".to_owned()),
                ..Default::default()
            },
            None,
        )
    };
    let mut gateway = Gateway::new(
        spec.gateway.clone(),
        GatewaySpec {
            servers: Some(vec![Server {
                port: Some(port),
                hosts: Some(spec.hosts.clone()),
                tls,
                ..Default::default()
            }]),
            selector: Some(spec.selector.iter().cloned().collect()),
        },
    );
    gateway.metadata.namespace = spec.namespace.clone();
    gateway
}
