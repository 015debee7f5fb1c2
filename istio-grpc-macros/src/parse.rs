//! Parse: turn the attribute's arguments and the annotated item into syntax, without judging
//! them yet. Every problem found here is collected, so the user sees all of them at once.

use proc_macro2::{Span, TokenStream};
use syn::{
    Expr, ExprLit, Ident, Item, ItemTrait, Lit, LitStr, Meta, MetaNameValue, Path, Token,
    parse::Parser, punctuated::Punctuated, spanned::Spanned,
};

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
}

const KNOWN: &str = "expected `package`, `name`, `service`, `descriptor`, `rename` or `crate`";

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
    };
    let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(attr) {
        Ok(metas) => metas,
        Err(err) => {
            errors.push(err);
            return args;
        }
    };

    let mut package: Option<LitStr> = None;
    let mut name: Option<LitStr> = None;
    let mut service: Option<(Path, Expr)> = None;
    for meta in metas {
        let key = meta.path();
        let Some(ident) = key.get_ident().map(ToString::to_string) else {
            errors.error(key, format!("unknown argument: {KNOWN}"));
            continue;
        };
        match (ident.as_str(), meta) {
            ("package", Meta::NameValue(nv)) => set_once(&mut package, string(&nv, errors), &nv, errors),
            ("name", Meta::NameValue(nv)) => set_once(&mut name, string(&nv, errors), &nv, errors),
            ("descriptor", Meta::NameValue(nv)) => {
                set_once(&mut args.descriptor, string(&nv, errors), &nv, errors);
            }
            ("service", Meta::NameValue(nv)) => {
                let value = Some((nv.path.clone(), nv.value.clone()));
                set_once(&mut service, value, &nv, errors);
            }
            ("crate", Meta::NameValue(nv)) => match nv.value {
                Expr::Path(ref p) if p.qself.is_none() => {
                    let value = Some(p.path.clone());
                    set_once(&mut args.krate, value, &nv, errors);
                }
                ref other => errors.error(
                    other,
                    "`crate` takes a path to the crate that re-exports istio-grpc-builder, such as `crate = ::istio_grpc`",
                ),
            },
            ("rename", Meta::List(list)) => {
                match Punctuated::<MetaNameValue, Token![,]>::parse_terminated
                    .parse2(list.tokens.clone())
                {
                    Ok(pairs) => {
                        for nv in pairs {
                            let Some(method) = nv.path.get_ident().cloned() else {
                                errors.error(&nv.path, "`rename` takes `rust_method = \"ProtoMethod\"` pairs");
                                continue;
                            };
                            if let Some(lit) = string(&nv, errors) {
                                args.renames.push((method, lit));
                            }
                        }
                    }
                    Err(err) => errors.push(err),
                }
            }
            ("package" | "name" | "service" | "descriptor" | "crate", meta) => {
                errors.error(meta, format!("`{ident}` takes a value: `{ident} = ..`"));
            }
            ("rename", meta) => errors.error(
                meta,
                "`rename` takes a list of exact `.proto` names: `rename(say_hello = \"SayHello\")`",
            ),
            (_, meta) => errors.error(meta.path(), format!("unknown argument `{ident}`: {KNOWN}")),
        }
    }

    args.service = match (package, service) {
        (Some(package), None) => Some(ServiceSource::Package { package, name }),
        (None, Some((key, value))) => {
            if let Some(name) = &name {
                errors.error(
                    name,
                    "`name` goes with `package`; `service` already names the service in full",
                );
            }
            service_value(value, errors).or_else(|| {
                // Keep going as if a literal were given so the other errors still show.
                Some(ServiceSource::Literal(LitStr::new("invalid", key.span())))
            })
        }
        (Some(package), Some((key, _))) => {
            errors.error(
                &key,
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

fn string(nv: &MetaNameValue, errors: &mut Errors) -> Option<LitStr> {
    match &nv.value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Some(lit.clone()),
        other => {
            errors.error(other, "expected a string literal, such as `\"helloworld\"`");
            None
        }
    }
}

fn set_once<T>(slot: &mut Option<T>, value: Option<T>, at: &MetaNameValue, errors: &mut Errors) {
    let Some(value) = value else { return };
    if slot.is_some() {
        let key = at
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        errors.error(&at.path, format!("`{key}` is given twice"));
    } else {
        *slot = Some(value);
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
