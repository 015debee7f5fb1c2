//! What the macro emits when the trait has errors: besides the errors, `<Trait>Routes` with
//! what did parse (the service's name if known, no `METHODS`, one function per valid method),
//! so code that uses `GreeterRoutes::say_hello()` elsewhere adds no "cannot find type" errors
//! to the ones that matter. (thiserror does the same: `impl/src/fallback.rs`.)

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::{
    expand::{route_fns, service_name_tokens},
    validate::Service,
};

/// The stand-in `<Trait>Routes` for a trait with errors.
pub(crate) fn emit(service: &Service) -> TokenStream {
    let private = {
        let krate = &service.krate;
        quote!(#krate::__private)
    };
    let vis = &service.item.vis;
    let routes = format_ident!("{}Routes", service.item.ident);
    let (service_name, _) = service_name_tokens(&service.name);
    let fns = route_fns(
        service,
        service.methods.iter().chain(&service.unnamed),
        &private,
    );
    quote! {
        #[doc(hidden)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #vis struct #routes;

        impl #private::GrpcService for #routes {
            const SERVICE_NAME: &'static str = #service_name;
            const METHODS: &'static [#private::MethodInfo] = &[];
        }

        impl #routes {
            #(#fns)*
        }
    }
}
