//! Validate: decide, for each method of the trait, whether it is a tonic method and of which
//! kind, and settle the service's full name and the methods' `.proto` names.
//!
//! The kind is read off the signature the way tonic writes it:
//!
//! | request argument                 | response                                        | kind             |
//! |----------------------------------|-------------------------------------------------|------------------|
//! | `Request<T>`                     | `Response<T>`                                   | unary            |
//! | `Request<Streaming<T>>`          | `Response<T>`                                   | client-streaming |
//! | `Request<T>`                     | `Response<Self::XStream>` / `Response<BoxStream<T>>` | server-streaming |
//! | `Request<Streaming<T>>`          | `Response<Self::XStream>` / `Response<BoxStream<T>>` | bidi             |
//!
//! Methods may be `async fn` (as tonic generates them, before `#[async_trait]` runs) or already
//! desugared (`-> Pin<Box<dyn Future<Output = ..>>>`, `-> impl Future<Output = ..>`), and take
//! `&self` or `self: Arc<Self>` (tonic's `use_arc_self`).

use std::{
    collections::{BTreeMap, BTreeSet},
    path::PathBuf,
};

use heck::{ToLowerCamelCase, ToUpperCamelCase};
use proc_macro2::Span;
use syn::{
    FnArg, GenericArgument, Ident, ItemTrait, LitStr, Path, PathArguments, ReturnType, Signature,
    TraitItem, TraitItemFn, TraitItemType, Type, TypeParamBound, ext::IdentExt,
};

use crate::{
    descriptor::{self, DescribedService, Descriptor},
    errors::Errors,
    grpc,
    parse::{Args, ServiceSource},
};

/// How a method exchanges messages; mirrors `istio_grpc_builder::service::MethodKind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Unary,
    ClientStreaming,
    ServerStreaming,
    BidiStreaming,
}

impl Kind {
    pub(crate) fn of(client_streams: bool, server_streams: bool) -> Self {
        match (client_streams, server_streams) {
            (false, false) => Kind::Unary,
            (true, false) => Kind::ClientStreaming,
            (false, true) => Kind::ServerStreaming,
            (true, true) => Kind::BidiStreaming,
        }
    }

    /// `unary`, `client-streaming`, ...: for messages.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Kind::Unary => "unary",
            Kind::ClientStreaming => "client-streaming",
            Kind::ServerStreaming => "server-streaming",
            Kind::BidiStreaming => "bidirectional streaming",
        }
    }
}

/// One validated method.
pub(crate) struct Method {
    /// The Rust method's name (`say_hello`), which also names its route function.
    pub(crate) ident: Ident,
    /// The `.proto` method name (`SayHello`).
    pub(crate) proto_name: String,
    pub(crate) kind: Kind,
    /// The method's signature, where generated code about it points.
    pub(crate) span: Span,
}

/// The service's full name.
pub(crate) enum ServiceName {
    /// Known to the macro: `helloworld.Greeter`.
    Literal(LitStr),
    /// A constant the compiler resolves (tonic's `SERVICE_NAME`).
    Const(Path),
}

/// Everything the expansion needs, checked.
pub(crate) struct Service {
    pub(crate) item: ItemTrait,
    pub(crate) krate: Path,
    pub(crate) name: ServiceName,
    pub(crate) methods: Vec<Method>,
    /// Valid tonic methods whose `.proto` name is not known (an error is reported for each),
    /// named by their Rust name: only the fallback uses them.
    pub(crate) unnamed: Vec<Method>,
    /// The descriptor set the names come from, for the expansion to `include_bytes!` (so rustc
    /// re-expands when it changes).
    pub(crate) descriptor: Option<PathBuf>,
    /// With `service = SERVICE_NAME` and a descriptor: the full name the descriptor gives the
    /// service, which the expansion asserts the constant equals.
    pub(crate) described_name: Option<String>,
}

/// Checks the trait against the arguments; every problem found is added to `errors`.
pub(crate) fn service(args: Args, item: ItemTrait, errors: &mut Errors) -> Service {
    let name = service_name(args.service, &item, args.span, args.failed, errors);
    let descriptor = args
        .descriptor
        .as_ref()
        .and_then(|lit| descriptor::load(lit, errors));
    let described = descriptor
        .as_ref()
        .and_then(|d| described_service(d, &name, &item, errors));

    // Associated types, by name: `Some(true)` if bounded by a `Stream`, `None` if unbounded.
    let streams: BTreeMap<String, Option<bool>> = item
        .items
        .iter()
        .filter_map(|it| match it {
            TraitItem::Type(ty) => Some((ty.ident.to_string(), stream_bound(ty))),
            _ => None,
        })
        .collect();

    let mut renames = BTreeMap::new();
    for (ident, lit) in &args.renames {
        if !grpc::is_method_name(&lit.value()) {
            not_an_identifier(&lit.value(), lit, "method name", errors);
        }
        if renames
            .insert(ident.unraw().to_string(), lit.clone())
            .is_some()
        {
            errors.error(ident, format!("`{ident}` is renamed twice"));
        }
    }

    let mut methods = Vec::new();
    let mut unnamed = Vec::new();
    for it in &item.items {
        match it {
            TraitItem::Fn(f) => {
                let signature = signature(f, &streams, errors);
                let naming = Naming {
                    renames: &renames,
                    described,
                    descriptor_given: args.descriptor.is_some(),
                    args_failed: args.failed,
                };
                let proto_name = naming.proto_name(f, signature.as_ref(), errors);
                if let Some((kind, _)) = signature {
                    let method = |proto_name| Method {
                        ident: f.sig.ident.clone(),
                        proto_name,
                        kind,
                        span: f.sig.ident.span(),
                    };
                    match proto_name {
                        Some(name) => methods.push(method(name)),
                        None => unnamed.push(method(f.sig.ident.unraw().to_string())),
                    }
                }
            }
            TraitItem::Type(_) => {}
            other => errors.error(
                other,
                "`#[routes]` expects only tonic methods (and their stream types) in the trait; this item is neither",
            ),
        }
    }

    let fn_names: BTreeSet<String> = item
        .items
        .iter()
        .filter_map(|it| match it {
            TraitItem::Fn(f) => Some(f.sig.ident.unraw().to_string()),
            _ => None,
        })
        .collect();
    for (ident, _) in &args.renames {
        if !fn_names.contains(&ident.unraw().to_string()) {
            errors.error(
                ident,
                format!(
                    "`rename` names `{ident}`, which is not a method of `{}`",
                    item.ident
                ),
            );
        }
    }
    if let Some(described) = described {
        missing_methods(described, &fn_names, &item, errors);
    }

    let mut seen = BTreeSet::new();
    for m in &methods {
        if !seen.insert(m.proto_name.clone()) {
            errors.push(syn::Error::new(
                m.span,
                format!(
                    "two methods map to the `.proto` name `{}`; give the exact names with `rename(..)`",
                    m.proto_name
                ),
            ));
        }
    }

    let described_name = match (&name, described) {
        (ServiceName::Const(_), Some(described)) => Some(described.full_name.clone()),
        _ => None,
    };
    Service {
        item,
        krate: args
            .krate
            .unwrap_or_else(|| syn::parse_quote!(::istio_grpc_builder)),
        name,
        methods,
        unnamed,
        descriptor: descriptor.map(|d| d.path),
        described_name,
    }
}

/// The service's full name from `package`/`name` or `service`, checked.
fn service_name(
    source: Option<ServiceSource>,
    item: &ItemTrait,
    span: Span,
    args_failed: bool,
    errors: &mut Errors,
) -> ServiceName {
    match source {
        Some(ServiceSource::Package { package, name }) => {
            check_package(&package, errors);
            let service = match name {
                Some(name) => {
                    if !grpc::is_identifier(&name.value()) {
                        not_an_identifier(&name.value(), &name, "service name", errors);
                    }
                    name.value()
                }
                None => item.ident.unraw().to_string(),
            };
            let full = format!("{}.{service}", package.value());
            ServiceName::Literal(LitStr::new(&full, package.span()))
        }
        Some(ServiceSource::Literal(lit)) => {
            let full = lit.value();
            if !grpc::is_service_name(&full) {
                let (package, service) = full.rsplit_once('.').unwrap_or(("", &full));
                if !package.is_empty() {
                    check_package(&LitStr::new(package, lit.span()), errors);
                }
                if !grpc::is_identifier(service) {
                    not_an_identifier(service, &lit, "service name", errors);
                }
            }
            ServiceName::Literal(lit)
        }
        Some(ServiceSource::Const(path)) => ServiceName::Const(path),
        None if args_failed => ServiceName::Literal(LitStr::new("", span)),
        None => {
            errors.push(syn::Error::new(
                span,
                format!(
                    "`#[routes]` needs the service's proto package, which a Rust trait does not carry: \
                     write `#[routes(package = \"my.package\")]`, or `#[routes(service = SERVICE_NAME)]` \
                     on a trait tonic generated (its module defines `SERVICE_NAME`) for `{}`",
                    item.ident
                ),
            ));
            ServiceName::Literal(LitStr::new("", span))
        }
    }
}

/// The service of the descriptor set this trait serves: by full name when the macro knows it,
/// by tonic's trait name when the full name is a constant.
fn described_service<'d>(
    descriptor: &'d Descriptor,
    name: &ServiceName,
    item: &ItemTrait,
    errors: &mut Errors,
) -> Option<&'d DescribedService> {
    let listed = || {
        let names: Vec<&str> = descriptor
            .services
            .iter()
            .map(|s| s.full_name.as_str())
            .collect();
        if names.is_empty() {
            "it has no services".to_owned()
        } else {
            format!("it has `{}`", names.join("`, `"))
        }
    };
    match name {
        ServiceName::Literal(lit) => {
            let full = lit.value();
            let found = descriptor.services.iter().find(|s| s.full_name == full);
            if found.is_none() && !full.is_empty() {
                errors.error(
                    &descriptor.lit,
                    format!("the descriptor set has no service `{full}`: {}", listed()),
                );
            }
            found
        }
        ServiceName::Const(path) => {
            let trait_name = item.ident.unraw().to_string();
            let candidates: Vec<&DescribedService> = descriptor
                .services
                .iter()
                .filter(|s| grpc::rust_trait_name(&s.name) == trait_name)
                .collect();
            match candidates.as_slice() {
                [one] => Some(one),
                [] => {
                    errors.error(
                        &descriptor.lit,
                        format!(
                            "no service of the descriptor set is generated as `{trait_name}`: {}; \
                             name it with `service = \"<package>.<Service>\"`",
                            listed()
                        ),
                    );
                    None
                }
                many => {
                    let names: Vec<&str> = many.iter().map(|s| s.full_name.as_str()).collect();
                    errors.error(
                        path,
                        format!(
                            "the descriptor set has more than one service generated as `{trait_name}` (`{}`); \
                             name this one in full: `service = \"{}\"`",
                            names.join("`, `"),
                            names[0]
                        ),
                    );
                    None
                }
            }
        }
    }
}

/// The descriptor's methods the trait lacks: its routes would misreport the service.
fn missing_methods(
    described: &DescribedService,
    fn_names: &BTreeSet<String>,
    item: &ItemTrait,
    errors: &mut Errors,
) {
    let missing: Vec<String> = described
        .methods
        .iter()
        .filter(|m| !fn_names.contains(&grpc::rust_method_name(&m.name)))
        .map(|m| format!("`{}` (`{}`)", m.name, grpc::rust_method_name(&m.name)))
        .collect();
    if !missing.is_empty() {
        errors.error(
            &item.ident,
            format!(
                "`{}` in the descriptor set also has {}, which `{}` does not declare; \
                 declare them, or the routes would misreport the service",
                described.full_name,
                missing.join(", "),
                item.ident
            ),
        );
    }
}

/// Where a method's `.proto` name comes from.
struct Naming<'a> {
    renames: &'a BTreeMap<String, LitStr>,
    described: Option<&'a DescribedService>,
    /// `descriptor = ".."` was given: if `described` is `None` it failed, and that error is
    /// the one to fix (no error per method on top of it).
    descriptor_given: bool,
    /// The arguments did not parse: the renames may be lost, so no error per method either.
    args_failed: bool,
}

impl Naming<'_> {
    /// The exact `.proto` name of `f`, or an error on `f` saying why it is not known and how to
    /// give it. `signature` is the method's kind and response type, when they are valid.
    fn proto_name(
        &self,
        f: &TraitItemFn,
        signature: Option<&(Kind, Option<Type>)>,
        errors: &mut Errors,
    ) -> Option<String> {
        let ident = &f.sig.ident;
        let rust_name = ident.unraw().to_string();
        let renamed = self.renames.get(&rust_name);
        if let Some(described) = self.described {
            let found = described
                .methods
                .iter()
                .find(|m| grpc::rust_method_name(&m.name) == rust_name);
            let Some(found) = found else {
                let names: Vec<&str> = described.methods.iter().map(|m| m.name.as_str()).collect();
                errors.error(
                    ident,
                    format!(
                        "`{ident}` is not a method of `{}` in the descriptor set (its methods are `{}`, \
                         which tonic names in snake_case: `rpc GetHTTPStatus` is `get_http_status`)",
                        described.full_name,
                        names.join("`, `"),
                    ),
                );
                return None;
            };
            if let Some(lit) = renamed.filter(|lit| lit.value() != found.name) {
                errors.error(
                    lit,
                    format!(
                        "the descriptor set names `{ident}` `{}`; drop this `rename`",
                        found.name
                    ),
                );
            }
            if let Some((kind, _)) = signature.filter(|(kind, _)| *kind != found.kind) {
                errors.error(
                    ident,
                    format!(
                        "`{ident}` is {} here, but the descriptor set says `{}` is {}: regenerate the \
                         trait from the `.proto`, or point `descriptor` at the set it was generated from",
                        kind.describe(),
                        found.name,
                        found.kind.describe()
                    ),
                );
            }
            return Some(found.name.clone());
        }
        if let Some(lit) = renamed {
            return Some(lit.value());
        }
        let response = signature.and_then(|(_, response)| response.as_ref());
        if let Some(name) = response.and_then(|r| stream_name(r, &rust_name)) {
            return Some(name);
        }
        if signature.is_some() && !self.descriptor_given && !self.args_failed {
            let candidates = proto_candidates(&rust_name);
            let likeliest = candidates
                .first()
                .map_or(rust_name.as_str(), String::as_str);
            errors.error(
                ident,
                format!(
                    "`#[routes]` cannot know the exact `.proto` name of `{ident}`: `{rust_name}` \
                     is tonic's name for {}, and a route with the wrong name matches nothing; \
                     point `#[routes]` at the descriptor set the build script writes \
                     (`descriptor = \"descriptor.bin\"`, read from `$OUT_DIR`), or name it: \
                     `rename({ident} = \"{likeliest}\")`",
                    either(&candidates),
                ),
            );
        }
        None
    }
}

/// `` `rpc A`, `rpc B` and `rpc C` alike ``.
fn either(names: &[String]) -> String {
    let names: Vec<String> = names.iter().map(|n| format!("`rpc {n}`")).collect();
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last} alike", rest.join(", ")),
        None => String::new(),
    }
}

/// Some `.proto` names tonic gives the Rust name `rust_name`, the likeliest first:
/// `say_hello` ← `SayHello`, `sayHello`, `Say_Hello`.
fn proto_candidates(rust_name: &str) -> Vec<String> {
    let words: Vec<&str> = rust_name.split('_').filter(|w| !w.is_empty()).collect();
    let title = |w: &&str| w.to_upper_camel_case();
    let mut out: Vec<String> = Vec::new();
    for candidate in [
        rust_name.to_upper_camel_case(),
        rust_name.to_lower_camel_case(),
        words.iter().map(title).collect::<Vec<_>>().join("_"),
        rust_name.to_ascii_uppercase(),
    ] {
        if !candidate.is_empty()
            && grpc::rust_method_name(&candidate) == rust_name
            && !out.contains(&candidate)
        {
            out.push(candidate);
        }
    }
    if out.is_empty() {
        out.push(rust_name.to_owned());
    }
    out.truncate(3);
    out
}

/// The method's kind and, when valid, its response type (`T` in `Response<T>`): `None` (with
/// errors pushed) when `f` is not a tonic method.
fn signature(
    f: &TraitItemFn,
    streams: &BTreeMap<String, Option<bool>>,
    errors: &mut Errors,
) -> Option<(Kind, Option<Type>)> {
    let sig = &f.sig;
    let generics = check_generics(sig, errors);
    let receiver = check_receiver(sig, errors);
    let client_streams = request_kind(sig, errors);
    let response = response_kind(sig, streams, errors);
    let (server_streams, response) = response?;
    (generics && receiver)
        .then_some(())
        .and(client_streams)
        .map(|client_streams| (Kind::of(client_streams, server_streams), response))
}

/// A gRPC method has one request type and one response type: no type parameters.
fn check_generics(sig: &Signature, errors: &mut Errors) -> bool {
    let name = &sig.ident;
    let Some(param) = sig.generics.type_params().next() else {
        return true;
    };
    errors.error(
        param,
        format!(
            "`{name}` is generic, so it is not a tonic method: a gRPC method has one request type and one response type"
        ),
    );
    false
}

/// The receiver: `&self` or `self: Arc<Self>`.
fn check_receiver(sig: &Signature, errors: &mut Errors) -> bool {
    let name = &sig.ident;
    match sig.receiver() {
        Some(r) if receiver_ok(r) => return true,
        Some(r) => errors.error(
            r,
            format!(
                "`{name}` is not a tonic method: tonic calls methods through `&self` or `self: Arc<Self>`"
            ),
        ),
        None => errors.error(
            name,
            format!(
                "`{name}` is not a tonic method: it takes no `self`; tonic methods take `&self` or `self: Arc<Self>`"
            ),
        ),
    }
    false
}

/// The one argument, `Request<T>` or `Request<Streaming<T>>`: whether the client streams.
fn request_kind(sig: &Signature, errors: &mut Errors) -> Option<bool> {
    let name = &sig.ident;
    let mut inputs = sig.inputs.iter().filter_map(|arg| match arg {
        FnArg::Typed(arg) => Some(arg),
        FnArg::Receiver(_) => None,
    });
    let client_streams = match inputs.next() {
        Some(arg) => match generic_of(&arg.ty, "Request") {
            Some(inner) => Some(generic_of(inner, "Streaming").is_some()),
            None => {
                errors.error(
                    &arg.ty,
                    format!(
                        "`{name}` is not a tonic method: its argument must be `tonic::Request<T>`, or `tonic::Request<tonic::Streaming<T>>` for a client stream"
                    ),
                );
                None
            }
        },
        None => {
            errors.error(
                sig,
                format!(
                    "`{name}` is not a tonic method: it takes no request; tonic methods take `request: tonic::Request<T>`"
                ),
            );
            None
        }
    };
    let mut extra_args = false;
    for extra in inputs {
        extra_args = true;
        errors.error(
            extra,
            format!(
                "`{name}` is not a tonic method: tonic methods take exactly one argument, the `tonic::Request`"
            ),
        );
    }
    client_streams.filter(|_| !extra_args)
}

/// The output, `Result<Response<R>, Status>` (possibly inside a future): whether the server
/// streams, and `R`.
fn response_kind(
    sig: &Signature,
    streams: &BTreeMap<String, Option<bool>>,
    errors: &mut Errors,
) -> Option<(bool, Option<Type>)> {
    let name = &sig.ident;
    let returns = "returns `Result<tonic::Response<T>, tonic::Status>` from an `async fn`";
    let output = match &sig.output {
        ReturnType::Type(_, ty) if sig.asyncness.is_some() => Some(&**ty),
        ReturnType::Type(_, ty) => future_output(ty),
        ReturnType::Default => None,
    };
    let response = output
        .and_then(|ty| generic_of(ty, "Result"))
        .and_then(|ok| generic_of(ok, "Response"));
    let Some(response) = response else {
        let at: &dyn quote::ToTokens = match (output, &sig.output) {
            (Some(output), _) => output,
            (None, ReturnType::Type(_, ty)) => ty,
            (None, ReturnType::Default) => name,
        };
        errors.error(
            at,
            format!("`{name}` is not a tonic method: a tonic method {returns}"),
        );
        return None;
    };
    let Some(assoc) = self_assoc(response) else {
        return Some((is_stream_type(response), Some(response.clone())));
    };
    match streams.get(&assoc.to_string()) {
        Some(Some(streaming)) => Some((*streaming, Some(response.clone()))),
        Some(None) => {
            errors.error(
                response,
                format!(
                    "`Self::{assoc}` has no bounds, so `#[routes]` cannot tell whether `{name}` streams: declare `type {assoc}: Stream<Item = Result<T, tonic::Status>> + Send + 'static`"
                ),
            );
            None
        }
        None => {
            errors.error(
                response,
                format!(
                    "`Self::{assoc}` is not declared in this trait; declare it as `type {assoc}: Stream<Item = Result<T, tonic::Status>> + Send + 'static`"
                ),
            );
            None
        }
    }
}

fn receiver_ok(r: &syn::Receiver) -> bool {
    if r.mutability.is_some() {
        return false;
    }
    if r.colon_token.is_none() {
        return r.reference.is_some();
    }
    // `self: Arc<Self>` (tonic's `use_arc_self`) or `self: &Self`.
    match &*r.ty {
        Type::Reference(reference) => reference.mutability.is_none() && is_self(&reference.elem),
        ty => generic_of(ty, "Arc").is_some_and(is_self),
    }
}

fn is_self(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident("Self"))
}

/// For `a::b::Name<T, ..>`, the first type argument `T`.
fn generic_of<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

/// `Pin<Box<dyn Future<Output = X> + ..>>` or `impl Future<Output = X> + ..`: `X`.
fn future_output(ty: &Type) -> Option<&Type> {
    let bounds = match ty {
        Type::ImplTrait(t) => &t.bounds,
        _ => match generic_of(generic_of(ty, "Pin")?, "Box")? {
            Type::TraitObject(t) => &t.bounds,
            _ => return None,
        },
    };
    bounds.iter().find_map(|bound| {
        let TypeParamBound::Trait(t) = bound else {
            return None;
        };
        let last = t.path.segments.last()?;
        if last.ident != "Future" {
            return None;
        }
        let PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            GenericArgument::AssocType(a) if a.ident == "Output" => Some(&a.ty),
            _ => None,
        })
    })
}

/// `Self::X`: `X`.
fn self_assoc(ty: &Type) -> Option<&Ident> {
    let Type::Path(p) = ty else { return None };
    let segs = &p.path.segments;
    (p.qself.is_none() && segs.len() == 2 && segs[0].ident == "Self").then(|| &segs[1].ident)
}

/// tonic's default stubs answer `BoxStream<T>`; hand-written code may spell it out as
/// `Pin<Box<dyn Stream<Item = ..> + Send>>`.
fn is_stream_type(ty: &Type) -> bool {
    if let Type::Path(p) = ty
        && p.path
            .segments
            .last()
            .is_some_and(|s| s.ident == "BoxStream")
    {
        return true;
    }
    match generic_of(ty, "Pin").and_then(|b| generic_of(b, "Box")) {
        Some(Type::TraitObject(t)) => t.bounds.iter().any(is_stream_bound),
        _ => false,
    }
}

fn is_stream_bound(bound: &TypeParamBound) -> bool {
    matches!(bound, TypeParamBound::Trait(t)
        if t.path.segments.last().is_some_and(|s| s.ident == "Stream" || s.ident == "TryStream"))
}

fn stream_bound(ty: &TraitItemType) -> Option<bool> {
    (!ty.bounds.is_empty()).then(|| ty.bounds.iter().any(is_stream_bound))
}

/// tonic names a streaming method's response type after the `.proto` method: `LotsOfReplies`
/// gets `LotsOfRepliesStream`. When that name agrees with the Rust method's, it is the exact
/// `.proto` name (no case guessing).
fn stream_name(response: &Type, rust_name: &str) -> Option<String> {
    let proto = self_assoc(response)?
        .to_string()
        .strip_suffix("Stream")?
        .to_owned();
    (!proto.is_empty() && grpc::rust_method_name(&proto) == rust_name).then_some(proto)
}

fn check_package(package: &LitStr, errors: &mut Errors) {
    let value = package.value();
    if !grpc::is_package(&value) {
        errors.error(
            package,
            format!("`{value}` is not a proto package: expected dot-separated identifiers, such as `helloworld` or `grpc.health.v1`"),
        );
    }
}

fn not_an_identifier(value: &str, at: &LitStr, what: &str, errors: &mut Errors) {
    errors.error(
        at,
        format!("`{value}` is not a proto {what}: expected an identifier, such as `SayHello`"),
    );
}
