//! The macros of the Stheno module SDK. Use them through
//! `stheno_module_sdk` (or the `stheno` facade), which documents them.

mod entity;
mod module;

use proc_macro::TokenStream;

/// Declare an entity: see `stheno_module_sdk::entity`.
#[proc_macro_attribute]
pub fn entity(args: TokenStream, input: TokenStream) -> TokenStream {
    entity::expand(args.into(), input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Declare a module whose services are generated: see
/// `stheno_module_sdk::module`.
#[proc_macro_attribute]
pub fn module(args: TokenStream, input: TokenStream) -> TokenStream {
    module::expand(args.into(), input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// The path of the module SDK from the crate being compiled: the SDK
/// itself, or the `stheno` facade's `sdk`.
pub(crate) fn sdk_path() -> proc_macro2::TokenStream {
    use proc_macro_crate::{FoundCrate, crate_name};
    if let Ok(found) = crate_name("stheno-module-sdk") {
        return match found {
            // Inside the SDK (its tests and doctests included), which names
            // itself `stheno_module_sdk` too.
            FoundCrate::Itself => quote::quote!(::stheno_module_sdk),
            FoundCrate::Name(name) => {
                let ident = proc_macro2::Ident::new(&name, proc_macro2::Span::call_site());
                quote::quote!(::#ident)
            }
        };
    }
    match crate_name("stheno") {
        Ok(FoundCrate::Name(name)) => {
            let ident = proc_macro2::Ident::new(&name, proc_macro2::Span::call_site());
            quote::quote!(::#ident::sdk)
        }
        _ => quote::quote!(::stheno_module_sdk),
    }
}
