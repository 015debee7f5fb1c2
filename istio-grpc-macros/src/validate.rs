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

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::Span;
use syn::{
    FnArg, GenericArgument, Ident, ItemTrait, LitStr, Path, PathArguments, ReturnType, TraitItem,
    TraitItemFn, TraitItemType, Type, TypeParamBound, ext::IdentExt,
};

use crate::{
    errors::Errors,
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
    fn of(client_streams: bool, server_streams: bool) -> Self {
        match (client_streams, server_streams) {
            (false, false) => Kind::Unary,
            (true, false) => Kind::ClientStreaming,
            (false, true) => Kind::ServerStreaming,
            (true, true) => Kind::BidiStreaming,
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
}

/// Checks the trait against the arguments; every problem found is added to `errors`.
pub(crate) fn service(args: Args, item: ItemTrait, errors: &mut Errors) -> Service {
    let name = match args.service {
        Some(ServiceSource::Package { package, name }) => {
            check_package(&package, errors);
            let service = match name {
                Some(name) => {
                    check_ident(&name.value(), &name, "service name", errors);
                    name.value()
                }
                None => item.ident.unraw().to_string(),
            };
            let full = format!("{}.{service}", package.value());
            ServiceName::Literal(LitStr::new(&full, package.span()))
        }
        Some(ServiceSource::Literal(lit)) => {
            let full = lit.value();
            match full.rsplit_once('.') {
                Some((package, service)) => {
                    check_package(&LitStr::new(package, lit.span()), errors);
                    check_ident(service, &lit, "service name", errors);
                }
                None => check_ident(&full, &lit, "service name", errors),
            }
            ServiceName::Literal(lit)
        }
        Some(ServiceSource::Const(path)) => ServiceName::Const(path),
        None => {
            errors.push(syn::Error::new(
                args.span,
                format!(
                    "`#[routes]` needs the service's proto package, which a Rust trait does not carry: \
                     write `#[routes(package = \"my.package\")]`, or `#[routes(service = SERVICE_NAME)]` \
                     on a trait tonic generated (its module defines `SERVICE_NAME`) for `{}`",
                    item.ident
                ),
            ));
            ServiceName::Literal(LitStr::new("", args.span))
        }
    };

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
        check_ident(&lit.value(), lit, "method name", errors);
        if renames
            .insert(ident.unraw().to_string(), lit.value())
            .is_some()
        {
            errors.error(ident, format!("`{ident}` is renamed twice"));
        }
    }

    let mut methods = Vec::new();
    for it in &item.items {
        match it {
            TraitItem::Fn(f) => {
                if let Some(method) = method(f, &streams, &renames, errors) {
                    methods.push(method);
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

    Service {
        item,
        krate: args
            .krate
            .unwrap_or_else(|| syn::parse_quote!(::istio_grpc_builder)),
        name,
        methods,
    }
}

fn method(
    f: &TraitItemFn,
    streams: &BTreeMap<String, Option<bool>>,
    renames: &BTreeMap<String, String>,
    errors: &mut Errors,
) -> Option<Method> {
    let sig = &f.sig;
    let name = &sig.ident;
    let mut ok = true;
    let mut fail = |errors: &mut Errors, at: &dyn quote::ToTokens, msg: String| {
        errors.error(at, msg);
        ok = false;
    };

    if let Some(param) = sig.generics.type_params().next() {
        fail(
            errors,
            param,
            format!(
                "`{name}` is generic, so it is not a tonic method: a gRPC method has one request type and one response type"
            ),
        );
    }

    // Receiver: `&self` or `self: Arc<Self>`.
    match sig.receiver() {
        Some(r) if receiver_ok(r) => {}
        Some(r) => fail(
            errors,
            r,
            format!(
                "`{name}` is not a tonic method: tonic calls methods through `&self` or `self: Arc<Self>`"
            ),
        ),
        None => fail(
            errors,
            name,
            format!(
                "`{name}` is not a tonic method: it takes no `self`; tonic methods take `&self` or `self: Arc<Self>`"
            ),
        ),
    }

    // The one argument: `Request<T>` or `Request<Streaming<T>>`.
    let mut inputs = sig.inputs.iter().filter_map(|arg| match arg {
        FnArg::Typed(arg) => Some(arg),
        FnArg::Receiver(_) => None,
    });
    let mut client_streams = false;
    match inputs.next() {
        Some(arg) => match generic_of(&arg.ty, "Request") {
            Some(inner) => client_streams = generic_of(inner, "Streaming").is_some(),
            None => fail(
                errors,
                &arg.ty,
                format!(
                    "`{name}` is not a tonic method: its argument must be `tonic::Request<T>`, or `tonic::Request<tonic::Streaming<T>>` for a client stream"
                ),
            ),
        },
        None => fail(
            errors,
            sig,
            format!(
                "`{name}` is not a tonic method: it takes no request; tonic methods take `request: tonic::Request<T>`"
            ),
        ),
    }
    for extra in inputs {
        fail(
            errors,
            extra,
            format!(
                "`{name}` is not a tonic method: tonic methods take exactly one argument, the `tonic::Request`"
            ),
        );
    }

    // The output: `Result<Response<R>, Status>`, possibly inside a future.
    let returns = "returns `Result<tonic::Response<T>, tonic::Status>` from an `async fn`";
    let mut server_streams = false;
    let output = match &sig.output {
        ReturnType::Type(_, ty) if sig.asyncness.is_some() => Some(&**ty),
        ReturnType::Type(_, ty) => future_output(ty),
        ReturnType::Default => None,
    };
    let response = output
        .and_then(|ty| generic_of(ty, "Result"))
        .and_then(|ok| generic_of(ok, "Response"));
    match (output, response) {
        (_, Some(response)) => match self_assoc(response) {
            Some(assoc) => match streams.get(&assoc.to_string()) {
                Some(Some(streaming)) => server_streams = *streaming,
                Some(None) => fail(
                    errors,
                    response,
                    format!(
                        "`Self::{assoc}` has no bounds, so `#[routes]` cannot tell whether `{name}` streams: declare `type {assoc}: Stream<Item = Result<T, tonic::Status>> + Send + 'static`"
                    ),
                ),
                None => fail(
                    errors,
                    response,
                    format!(
                        "`Self::{assoc}` is not declared in this trait; declare it as `type {assoc}: Stream<Item = Result<T, tonic::Status>> + Send + 'static`"
                    ),
                ),
            },
            None => server_streams = is_stream_type(response),
        },
        (Some(output), None) => fail(
            errors,
            output,
            format!("`{name}` is not a tonic method: a tonic method {returns}"),
        ),
        (None, None) => {
            let at: &dyn quote::ToTokens = match &sig.output {
                ReturnType::Type(_, ty) => ty,
                ReturnType::Default => name,
            };
            fail(
                errors,
                at,
                format!("`{name}` is not a tonic method: a tonic method {returns}"),
            );
        }
    }

    if !ok {
        return None;
    }
    let rust_name = name.unraw().to_string();
    let proto_name = renames
        .get(&rust_name)
        .cloned()
        .or_else(|| stream_name(response?, &rust_name))
        .unwrap_or_else(|| rust_name.to_upper_camel_case());
    Some(Method {
        ident: name.clone(),
        proto_name,
        kind: Kind::of(client_streams, server_streams),
        span: name.span(),
    })
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
    (!proto.is_empty() && proto.to_snake_case() == rust_name).then_some(proto)
}

fn check_package(package: &LitStr, errors: &mut Errors) {
    let value = package.value();
    if value.is_empty() || value.split('.').any(|seg| !is_proto_ident(seg)) {
        errors.error(
            package,
            format!("`{value}` is not a proto package: expected dot-separated identifiers, such as `helloworld` or `grpc.health.v1`"),
        );
    }
}

fn check_ident(value: &str, at: &LitStr, what: &str, errors: &mut Errors) {
    if !is_proto_ident(value) {
        errors.error(
            at,
            format!("`{value}` is not a proto {what}: expected an identifier, such as `SayHello`"),
        );
    }
}

fn is_proto_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
