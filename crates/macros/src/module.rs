//! `#[module(...)]`.

use heck::ToSnakeCase;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::parse::Parser;
use syn::{Fields, ItemStruct, LitStr};

use crate::sdk_path;

fn plural(word: &str) -> String {
    if let Some(stem) = word.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    if let Some(stem) = word.strip_suffix("lf") {
        return format!("{stem}lves");
    }
    if word.ends_with('s') || word.ends_with('x') || word.ends_with("ch") || word.ends_with("sh") {
        return format!("{word}es");
    }
    format!("{word}s")
}

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> syn::Result<TokenStream> {
    let mut key = None;
    let mut migrations = None;
    let mut entities: Vec<syn::Path> = Vec::new();
    let mut depends_on: Vec<String> = Vec::new();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("key") {
            key = Some(meta.value()?.parse::<LitStr>()?.value());
        } else if meta.path.is_ident("migrations") {
            migrations = Some(meta.value()?.parse::<LitStr>()?);
        } else if meta.path.is_ident("entities") {
            meta.parse_nested_meta(|m| {
                entities.push(m.path.clone());
                Ok(())
            })?;
        } else if meta.path.is_ident("depends_on") {
            meta.parse_nested_meta(|m| {
                let ident = m
                    .path
                    .get_ident()
                    .ok_or_else(|| m.error("expected a module key"))?;
                depends_on.push(ident.to_string());
                Ok(())
            })?;
        } else {
            return Err(meta.error(
                "expected key = \"…\", entities(..), migrations = \"…\" or depends_on(..)",
            ));
        }
        Ok(())
    });
    parser.parse2(args)?;
    let item: ItemStruct = syn::parse2(input)?;
    if !matches!(item.fields, Fields::Unit) {
        return Err(syn::Error::new_spanned(
            &item,
            "#[module] takes a unit struct (`pub struct BrandModule;`); its fields are generated",
        ));
    }
    let key =
        key.ok_or_else(|| syn::Error::new(Span::call_site(), "#[module] needs key = \"…\""))?;
    let sdk = sdk_path();
    let ident = &item.ident;
    let vis = &item.vis;
    let attrs = &item.attrs;

    let names: Vec<String> = entities
        .iter()
        .map(|p| {
            p.segments
                .last()
                .map(|s| s.ident.to_string().to_snake_case())
                .unwrap_or_default()
        })
        .collect();
    let fields: Vec<_> = names.iter().map(|n| format_ident!("{}", n)).collect();
    let accessors: Vec<_> = names
        .iter()
        .map(|n| format_ident!("{}", plural(n)))
        .collect();
    let migrations = match migrations {
        Some(path) => quote!(::std::option::Option::Some({
            use #sdk::__private::diesel_migrations;
            diesel_migrations::embed_migrations!(#path)
        })),
        None => quote!(::std::option::Option::None),
    };
    let docs = entities.iter().map(|p| {
        let name = quote!(#p).to_string().replace(' ', "");
        format!("The generated service of [`{name}`].")
    });

    Ok(quote! {
        #(#attrs)*
        #[derive(Clone)]
        #vis struct #ident {
            context: #sdk::ModuleContext,
            #(#fields: #sdk::entity::EntityService<#entities>,)*
        }

        impl #ident {
            #(
                #[doc = #docs]
                pub fn #accessors(&self) -> &#sdk::entity::EntityService<#entities> {
                    &self.#fields
                }
            )*
            /// What the module was built with (pool, options, event bus, links).
            pub fn context(&self) -> &#sdk::ModuleContext {
                &self.context
            }
        }

        #(
            impl #sdk::entity::ServiceOf<#entities> for #ident {
                fn service(&self) -> &#sdk::entity::EntityService<#entities> {
                    &self.#fields
                }
            }
        )*

        #[#sdk::async_trait]
        impl #sdk::Module for #ident {
            const KEY: &'static str = #key;
            const DEPENDS_ON: &'static [&'static str] = &[#(#depends_on),*];
            const MIGRATIONS: ::std::option::Option<#sdk::Migrations> = #migrations;

            async fn build(ctx: &#sdk::ModuleContext) -> #sdk::Result<Self> {
                ::std::result::Result::Ok(Self {
                    context: ctx.clone(),
                    #(#fields: #sdk::entity::EntityService::new(ctx),)*
                })
            }

            fn entities() -> &'static [&'static #sdk::entity::EntityMeta] {
                const ENTITIES: &[&#sdk::entity::EntityMeta] =
                    &[#(<#entities as #sdk::entity::Entity>::META),*];
                ENTITIES
            }

            fn entity_sources(
                self: &::std::sync::Arc<Self>,
            ) -> ::std::vec::Vec<::std::sync::Arc<dyn #sdk::graph::EntitySource>> {
                ::std::vec![#(
                    ::std::sync::Arc::new(#sdk::entity::EntityGraph::new(
                        &self.#fields,
                        self.context.db().clone(),
                    )) as ::std::sync::Arc<dyn #sdk::graph::EntitySource>
                ),*]
            }
        }

        #sdk::register_module!(#ident);
    })
}
