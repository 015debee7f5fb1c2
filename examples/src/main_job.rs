//! The main job: everything the seed article configures, printed so that it applies as is
//! (`cargo run -p istio-grpc-examples --bin seed | kubectl apply -f -`).
//!
//! **Its certificate is real, made at run time.** The article's gateway terminates TLS with
//! a Secret the reader is told to create from files they may not have. A command that promises
//! to apply as printed cannot leave that step out, and must not fill it with placeholder bytes
//! (Istio would load them and every handshake would fail). So the main job makes a private
//! CA and a certificate for the host, signed by it, with rcgen: the certificate and its key go
//! into the Secret `istio-system/grpc-tls-credential`; the CA certificate goes to a file
//! (`grpc.example.com-ca.crt` by default) for clients: `grpcurl -cacert <file> -authority
//! grpc.example.com $GATEWAY_IP:443 …` (with TLS, `-authority` is also the name grpcurl
//! sends as SNI and checks the certificate against). The CA's key is never written: that CA
//! can sign nothing else. With a certificate of your own, use
//! [`TlsCredential::secret`](istio_grpc_builder::TlsCredential::secret) and create the Secret
//! with `kubectl create secret tls` (the `tls_gateway` example does that).
//!
//! **The proxyless part is appliable too.** The article's proxyless server is a pod-template
//! annotation and a DestinationRule; an annotation only exists on a pod template, so the main
//! job writes the proxyless server's Deployments (one per DestinationRule subset) with the
//! annotations from [`Mesh::pod_annotations`], running Istio's own xDS-enabled echo server
//! (the image of Istio's `samples/grpc-echo`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use istio_grpc_builder::istio_grpc_types::Object;
use istio_grpc_builder::k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use istio_grpc_builder::k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvVar, EnvVarSource, HTTPGetAction, ObjectFieldSelector, PodSpec,
    PodTemplateSpec, Probe,
};
use istio_grpc_builder::k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector, ObjectMeta,
};
use istio_grpc_builder::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use istio_grpc_builder::prelude::*;

/// The host the main job serves.
pub const HOST: &str = crate::HOST;
/// The gateway's TLS Secret (in `istio-system`, where the ingress gateway reads it).
pub const CREDENTIAL: &str = "grpc-tls-credential";
/// The proxyless gRPC server's Service.
pub const PROXYLESS_SERVICE: &str = "echo";
/// The proxyless server's gRPC service, routed through the gateway too.
pub const PROXYLESS_GRPC_SERVICE: &str = "proto.EchoTestService";
/// Istio's echo test server, as in Istio's `samples/grpc-echo/grpc-echo.yaml`: with
/// `--xds-grpc-server` it serves gRPC through xDS, the way the article's Go server does.
pub const ECHO_IMAGE: &str = "registry.istio.io/testing/app:latest";
/// The subsets of the proxyless server's DestinationRule, by their `version` label.
pub const PROXYLESS_VERSIONS: [&str; 2] = ["v1", "v2"];

/// A certificate for one host, signed by a private CA made with it.
///
/// The private key is held for the Secret only: it never appears in `Debug` output.
pub struct HostCertificate {
    host: String,
    ca_pem: String,
    cert_pem: String,
    key_pem: String,
}

impl fmt::Debug for HostCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostCertificate")
            .field("host", &self.host)
            .field("ca_pem", &self.ca_pem)
            .field("cert_pem", &self.cert_pem)
            .finish_non_exhaustive()
    }
}

impl HostCertificate {
    /// Makes a CA and a server certificate for `host` (its subjectAltName, for TLS server
    /// authentication), signed by it. The CA's key is dropped here: the CA signs nothing else.
    ///
    /// # Errors
    /// When rcgen refuses the host name (for instance one with a space).
    pub fn self_signed(host: &str) -> Result<Self, rcgen::Error> {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
            KeyPair, KeyUsagePurpose,
        };
        let ca_key = KeyPair::generate()?;
        let mut ca = CertificateParams::new(Vec::<String>::new())?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        ca.distinguished_name
            .push(DnType::CommonName, format!("istio-grpc CA for {host}"));
        let ca_cert = ca.self_signed(&ca_key)?;
        let issuer = Issuer::from_params(&ca, &ca_key);

        let key = KeyPair::generate()?;
        let mut leaf = CertificateParams::new(vec![host.to_owned()])?;
        leaf.distinguished_name.push(DnType::CommonName, host);
        leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = leaf.signed_by(&key, &issuer)?;
        Ok(HostCertificate {
            host: host.to_owned(),
            ca_pem: ca_cert.pem(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// The host the certificate is for.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The CA certificate (PEM): what clients trust (`grpcurl -cacert`).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The server certificate (PEM), as the Secret's `tls.crt`.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The credential for the gateway: a Secret named `name` holding the certificate and key.
    pub fn credential(&self, name: &str) -> TlsCredential {
        TlsCredential::from_pem(name, self.cert_pem.clone(), self.key_pem.clone())
    }
}

/// Everything the article configures, as one mesh behind one TLS gateway: the Secret from
/// `certificate`, prefix routes per service and health, server reflection (so that the printed
/// grpcurl checks run), a streaming service without
/// timeout, the proxyless server with its DestinationRule (`ROUND_ROBIN`, `ISTIO_MUTUAL`,
/// subsets `v1`/`v2`), and the resilient catch-all reached from browsers through gRPC-Web.
///
/// # Errors
/// The builder's checks (none fail for this setup; a test holds that).
pub fn mesh(certificate: &HostCertificate) -> Result<Mesh, BuildErrors> {
    let mut echo = Backend::service(PROXYLESS_SERVICE)
        .route(ServiceRoute::unary(PROXYLESS_GRPC_SERVICE))
        .proxyless(ProxylessRole::Server)
        .load_balancer(lb::RoundRobin)
        .upstream_tls(upstream_tls::IstioMutual);
    for version in PROXYLESS_VERSIONS {
        echo = echo.subset(version, [("version", version)]);
    }
    crate::article_backends_with_reflection(
        Ingress::new(certificate.host()).tls(certificate.credential(CREDENTIAL)),
    )
    .backend(echo)
    .build()
}

/// The proxyless server's Deployments, one per subset (`echo-v1`, `echo-v2`): labels
/// `app: echo` (the Service's selector) and `version` (the subset's), the pod-template
/// annotations the mesh gives the backend (`inject.istio.io/templates: grpc-agent`,
/// `holdApplicationUntilProxyStarts`), `sidecar.istio.io/inject: "true"` so the injector
/// runs in a namespace without `istio-injection=enabled`, and `security.istio.io/tlsMode:
/// istio`, without which a proxyless server treats the default PERMISSIVE mode as DISABLE
/// and refuses the gateway's `ISTIO_MUTUAL` connections (Istio's `grpcgen/lds.go`).
pub fn proxyless_deployments(mesh: &Mesh) -> Vec<Deployment> {
    let annotations = mesh
        .pod_annotations(PROXYLESS_SERVICE)
        .cloned()
        .unwrap_or_default();
    let port = i32::from(istio_grpc_builder::DEFAULT_GRPC_PORT);
    PROXYLESS_VERSIONS
        .iter()
        .map(|version| {
            let selector: BTreeMap<String, String> = [
                ("app".to_owned(), PROXYLESS_SERVICE.to_owned()),
                ("version".to_owned(), (*version).to_owned()),
            ]
            .into();
            let mut labels = selector.clone();
            labels.insert("sidecar.istio.io/inject".into(), "true".into());
            labels.insert("security.istio.io/tlsMode".into(), "istio".into());
            let args = [
                format!("--xds-grpc-server={port}"),
                "--grpc".into(),
                port.to_string(),
                "--port".into(),
                "8080".into(),
                "--version".into(),
                (*version).to_owned(),
            ];
            Deployment {
                metadata: ObjectMeta {
                    name: Some(format!("{PROXYLESS_SERVICE}-{version}")),
                    ..ObjectMeta::default()
                },
                spec: DeploymentSpec {
                    replicas: Some(1),
                    selector: LabelSelector {
                        match_labels: Some(selector),
                        ..LabelSelector::default()
                    },
                    template: PodTemplateSpec {
                        metadata: Some(ObjectMeta {
                            annotations: Some(annotations.clone()),
                            labels: Some(labels),
                            ..ObjectMeta::default()
                        }),
                        spec: Some(PodSpec {
                            containers: vec![Container {
                                name: "app".into(),
                                image: Some(ECHO_IMAGE.into()),
                                args: Some(args.into()),
                                env: Some(vec![EnvVar {
                                    name: "INSTANCE_IP".into(),
                                    value_from: Some(EnvVarSource {
                                        field_ref: Some(ObjectFieldSelector {
                                            field_path: "status.podIP".into(),
                                            ..ObjectFieldSelector::default()
                                        }),
                                        ..EnvVarSource::default()
                                    }),
                                    ..EnvVar::default()
                                }]),
                                ports: Some(vec![
                                    ContainerPort {
                                        container_port: port,
                                        name: Some("grpc".into()),
                                        ..ContainerPort::default()
                                    },
                                    ContainerPort {
                                        container_port: 8080,
                                        name: Some("http".into()),
                                        ..ContainerPort::default()
                                    },
                                ]),
                                readiness_probe: Some(Probe {
                                    http_get: Some(HTTPGetAction {
                                        path: Some("/".into()),
                                        port: IntOrString::Int(8080),
                                        ..HTTPGetAction::default()
                                    }),
                                    period_seconds: Some(2),
                                    ..Probe::default()
                                }),
                                ..Container::default()
                            }],
                            ..PodSpec::default()
                        }),
                    },
                    ..DeploymentSpec::default()
                },
                ..Deployment::default()
            }
        })
        .collect()
}

/// What the main job prints: the mesh, then the proxyless Deployments, as one
/// multi-document YAML stream; comments say where the CA is (`ca_file`) and how to check.
pub struct MainJob {
    /// The built mesh.
    pub mesh: Mesh,
    /// Every object printed, in order: the mesh's, then the Deployments.
    pub objects: Vec<Object>,
}

impl MainJob {
    /// Builds the article's setup around `certificate`.
    ///
    /// # Errors
    /// The builder's checks.
    pub fn new(certificate: &HostCertificate) -> Result<Self, BuildErrors> {
        let mesh = mesh(certificate)?;
        let mut objects = mesh.objects().to_vec();
        objects.extend(proxyless_deployments(&mesh).into_iter().map(Object::from));
        Ok(MainJob { mesh, objects })
    }

    /// The printed text: a comment header, every object, the checks. `ca_file` is where the
    /// caller wrote the CA certificate (as the user should type it).
    ///
    /// # Errors
    /// When an object cannot be written as YAML.
    pub fn to_text(
        &self,
        ca_file: &Path,
    ) -> Result<String, istio_grpc_builder::istio_grpc_types::Error> {
        let ca = shell_word(&ca_file.display().to_string());
        let mut out = format!(
            "# The seed article's gRPC setup through an Istio ingress gateway. Apply as printed:\n\
             #   cargo run -p istio-grpc-examples --bin seed | kubectl apply -f -\n\
             #\n\
             # TLS: the Secret istio-system/{CREDENTIAL} holds a certificate for {HOST} made just now,\n\
             # signed by a private CA whose certificate is in {ca} (its key was discarded).\n\
             # Clients trust that file: grpcurl -cacert {ca} -authority {HOST} ...\n\
             # (Made here so that this output applies as printed, with no certificate files to find first.)\n\
             # To serve a certificate of your own instead, leave the Secret out and run\n\
             #   kubectl create secret tls {CREDENTIAL} --cert={HOST}.crt --key={HOST}.key -n istio-system\n\
             #\n\
             # Backends: the Services select pods labelled app=<service name>, serving gRPC on port 50051;\n\
             # deploy your servers with that label. Server reflection is routed to user-grpc-service (which\n\
             # serves health too): the grpcurl checks below need it there.\n\
             # The proxyless server (Deployments {PROXYLESS_SERVICE}-v1, -v2) is\n\
             # Istio's echo server; proxyless clients reach it at xds:///{PROXYLESS_SERVICE}.<namespace>.svc.cluster.local:50051.\n"
        );
        out.push_str(&istio_grpc_builder::istio_grpc_types::yaml::to_string(
            &self.objects,
        )?);
        out.push_str("# Check through the gateway:\n");
        out.push_str(&format!("# {}\n", self.mesh.gateway_ip_command()));
        for check in self.mesh.grpcurl_checks() {
            out.push_str(&format!("# {}\n", with_ca(&check.to_string(), &ca)));
        }
        for unchecked in self.mesh.unchecked_routes() {
            out.push_str(&format!("# {unchecked}\n"));
        }
        Ok(out)
    }
}

/// `word` as the shell reads it back: quoted when it holds anything but letters, digits and
/// `/._-`.
fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A grpcurl command line with `-cacert <ca>` after `grpcurl`.
fn with_ca(command: &str, ca: &str) -> String {
    match command.strip_prefix("grpcurl ") {
        Some(rest) => format!("grpcurl -cacert {ca} {rest}"),
        None => command.to_owned(),
    }
}
