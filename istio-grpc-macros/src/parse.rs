//! Parse: turn the attribute's arguments and the annotated item into syntax, without judging
//! them yet. Every problem found here is collected, so the user sees all of them at once. The
//! arguments' grammar is darling's (typed keys, "did you mean" for a misspelt one).

use darling::{FromMeta, ast::NestedMeta};
use proc_macro2::{Span, TokenStream};
use syn::{Expr, ExprLit, Ident, Item, ItemTrait, Lit, LitStr, Meta, Path, spanned::Spanned};

use crate::errors::Errors;

/// Where the service's full name comes from.
pub(crate) enum ServiceSource {
    /// `package = "helloworld"` (and optionally `name = "Greeter"`): `<package>.<name>`, the
    /// name defaulting to the trait's.
    Package {
        package: LitStr,
        name: Option<LitStr>,
    },
    /// `service = "helloworld.Greeter"`: the full name, written out.
    Literal(LitStr),
    /// `service = SERVICE_NAME`: a `&'static str` constant, such as the one tonic generates
    /// next to the trait.
    Const(Path),
}

/// The attribute's arguments, as written.
pub(crate) struct Args {
    /// The full name's source; `None` when the user gave neither `package` nor `service`.
    pub(crate) service: Option<ServiceSource>,
    /// `rename(say_hello = "SayHello", ..)`: exact `.proto` method names by Rust method name.
    pub(crate) renames: Vec<(Ident, LitStr)>,
    /// `crate = path`: where the builder's runtime lives (default `::istio_grpc_builder`).
    pub(crate) krate: Option<Path>,
    /// `descriptor = "descriptor.bin"`: the compiled `FileDescriptorSet` that knows the exact
    /// `.proto` names (relative to `$OUT_DIR`, or absolute).
    pub(crate) descriptor: Option<LitStr>,
    /// The attribute's own span, for errors about what is missing.
    pub(crate) span: Span,
    /// The arguments did not parse (the error says why): what depends on them (the service's
    /// name, the methods' names) is not reported on top.
    pub(crate) failed: bool,
}

/// `RawArgs`'s keys.
const KEYS: [&str; 6] = [
    "package",
    "name",
    "service",
    "descriptor",
    "rename",
    "crate",
];

/// The arguments as darling reads them: typed keys, each at most once, unknown keys refused
/// with a "did you mean" suggestion.
#[derive(FromMeta)]
struct RawArgs {
    package: Option<Str>,
    name: Option<Str>,
    service: Option<AnyExpr>,
    descriptor: Option<Str>,
    rename: Option<Renames>,
    #[darling(rename = "crate")]
    krate: Option<Path>,
}

/// A string literal, refused in our words otherwise.
struct Str(LitStr);

impl FromMeta for Str {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        match expr {
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) => Ok(Str(lit.clone())),
            other => Err(darling::Error::custom(
                "expected a string literal, such as `\"helloworld\"`",
            )
            .with_span(other)),
        }
    }
}

/// Any expression, as written (darling would parse a string literal's contents as one).
struct AnyExpr(Expr);

impl FromMeta for AnyExpr {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        Ok(AnyExpr(expr.clone()))
    }
}

const RENAME_FORM: &str =
    "`rename` takes a list of exact `.proto` names: `rename(say_hello = \"SayHello\")`";

/// `rename(say_hello = "SayHello", ..)`, in the order written, with the user's spans.
struct Renames(Vec<(Ident, LitStr)>);

impl FromMeta for Renames {
    fn from_word() -> darling::Result<Self> {
        Err(darling::Error::custom(RENAME_FORM))
    }

    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        Err(darling::Error::custom(RENAME_FORM).with_span(expr))
    }

    fn from_list(items: &[NestedMeta]) -> darling::Result<Self> {
        let mut errors = darling::Error::accumulator();
        let mut pairs = Vec::new();
        for item in items {
            let pair = match item {
                NestedMeta::Meta(Meta::NameValue(nv)) => match (nv.path.get_ident(), &nv.value) {
                    (
                        Some(method),
                        Expr::Lit(ExprLit {
                            lit: Lit::Str(lit), ..
                        }),
                    ) => Some((method.clone(), lit.clone())),
                    _ => None,
                },
                _ => None,
            };
            match pair {
                Some(pair) => pairs.push(pair),
                None => errors.push(
                    darling::Error::custom(
                        "`rename` takes `rust_method = \"ProtoMethod\"` pairs, such as `rename(say_hello = \"SayHello\")`",
                    )
                    .with_span(item),
                ),
            }
        }
        errors.finish_with(Renames(pairs))
    }
}

/// Parses `package = "..", name = "..", service = .., descriptor = "..", rename(..), crate = ..`.
pub(crate) fn args(attr: TokenStream, errors: &mut Errors) -> Args {
    let span = if attr.is_empty() {
        Span::call_site()
    } else {
        attr.span()
    };
    let mut args = Args {
        service: None,
        renames: Vec::new(),
        krate: None,
        descriptor: None,
        span,
        failed: false,
    };
    let items = match NestedMeta::parse_meta_list(attr) {
        Ok(items) => items,
        Err(err) => {
            errors.push(err);
            args.failed = true;
            return args;
        }
    };
    // An unknown key would make darling drop every other argument: each is reported on its
    // own (darling's message, with its "did you mean"), and the others are still read.
    let (known, unknown): (Vec<NestedMeta>, Vec<NestedMeta>) =
        items.into_iter().partition(|item| match item {
            NestedMeta::Meta(meta) => KEYS.iter().any(|key| meta.path().is_ident(key)),
            NestedMeta::Lit(_) => true,
        });
    for item in unknown {
        if let Err(err) = RawArgs::from_list(&[item]) {
            errors.push(err.into());
        }
    }
    let raw = match RawArgs::from_list(&known) {
        Ok(raw) => raw,
        Err(err) => {
            errors.push(err.into());
            args.failed = true;
            return args;
        }
    };
    args.renames = raw.rename.map(|r| r.0).unwrap_or_default();
    args.krate = raw.krate;
    args.descriptor = raw.descriptor.map(|s| s.0);
    let name = raw.name.map(|s| s.0);
    let package = raw.package.map(|s| s.0);
    args.service = match (package, raw.service.map(|e| e.0)) {
        (Some(package), None) => Some(ServiceSource::Package { package, name }),
        (None, Some(value)) => {
            if let Some(name) = &name {
                errors.error(
                    name,
                    "`name` goes with `package`; `service` already names the service in full",
                );
            }
            let at = value.span();
            service_value(value, errors).or_else(|| {
                // Keep going as if a literal were given so the other errors still show.
                Some(ServiceSource::Literal(LitStr::new("invalid", at)))
            })
        }
        (Some(package), Some(value)) => {
            errors.error(
                &value,
                "give either `package` or `service`, not both: `service` is the full name `<package>.<Service>`",
            );
            Some(ServiceSource::Package { package, name })
        }
        (None, None) => None,
    };
    args
}

fn service_value(value: Expr, errors: &mut Errors) -> Option<ServiceSource> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Some(ServiceSource::Literal(lit)),
        Expr::Path(p) if p.qself.is_none() => Some(ServiceSource::Const(p.path)),
        other => {
            errors.error(
                other,
                "`service` takes the full name as a string (`service = \"helloworld.Greeter\"`) or a `&str` constant (`service = SERVICE_NAME`)",
            );
            None
        }
    }
}

/// Parses the annotated item, which must be a trait.
pub(crate) fn item(item: TokenStream) -> syn::Result<ItemTrait> {
    match syn::parse2::<Item>(item)? {
        Item::Trait(item) => Ok(item),
        other => {
            let (what, at): (&str, &dyn quote::ToTokens) = match &other {
                Item::Struct(i) => ("a struct", &i.ident),
                Item::Enum(i) => ("an enum", &i.ident),
                Item::Fn(i) => ("a function", &i.sig.ident),
                Item::Impl(i) => ("an impl block", &i.impl_token),
                Item::Mod(i) => ("a module", &i.ident),
                Item::Type(i) => ("a type alias", &i.ident),
                Item::Union(i) => ("a union", &i.ident),
                Item::Const(i) => ("a const", &i.ident),
                Item::Static(i) => ("a static", &i.ident),
                Item::TraitAlias(i) => ("a trait alias", &i.ident),
                _ => ("this item", &other),
            };
            Err(syn::Error::new_spanned(
                at,
                format!(
                    "`#[routes]` goes on a tonic server trait (`trait Greeter {{ async fn say_hello(..) }}`), not on {what}"
                ),
            ))
        }
    }
}
