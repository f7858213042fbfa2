//! `#[entity(...)]`.

use heck::{ToKebabCase, ToSnakeCase};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::parse::Parser;
use syn::{Fields, GenericArgument, Ident, ItemStruct, LitStr, PathArguments, Type};

use crate::sdk_path;

#[derive(Default)]
struct Args {
    module: Option<String>,
    table: Option<String>,
    prefix: Option<String>,
    name: Option<String>,
    words: Option<String>,
    link_column: Option<String>,
    searchable: Vec<String>,
    unique: Vec<Vec<String>>,
    soft_delete: bool,
    relations: Vec<Relation>,
    prepare: Option<syn::Path>,
    /// `store_scope(column = literal, ..)`: `(column, value in text form)`.
    store_scope: Vec<(String, String)>,
}

enum RelKind {
    HasMany {
        fk: String,
    },
    BelongsTo {
        fk: String,
    },
    ManyToMany {
        through: String,
        fk: String,
        other_fk: String,
    },
}

struct Relation {
    name: String,
    target: syn::Path,
    entity: Option<String>,
    kind: RelKind,
    cascade: bool,
    /// `order = "rank, -created_at"`.
    order: Vec<String>,
}

struct Field {
    ident: Ident,
    /// The declared type.
    ty: Type,
    /// `T` of `Option<T>`, or the type itself.
    inner: Type,
    nullable: bool,
    unique: bool,
    default_sql: Option<String>,
    has_default: bool,
    searchable: bool,
    /// `#[entity(immutable)]`: set at create, left out of `Update<T>`.
    immutable: bool,
}

fn lit(meta: &syn::meta::ParseNestedMeta) -> syn::Result<String> {
    Ok(meta.value()?.parse::<LitStr>()?.value())
}

fn idents(meta: &syn::meta::ParseNestedMeta) -> syn::Result<Vec<String>> {
    let mut out = Vec::new();
    meta.parse_nested_meta(|m| {
        out.push(
            m.path
                .get_ident()
                .ok_or_else(|| m.error("expected a field name"))?
                .to_string(),
        );
        Ok(())
    })?;
    Ok(out)
}

fn relation(meta: &syn::meta::ParseNestedMeta, which: &str) -> syn::Result<Relation> {
    let mut name = None;
    let mut target = None;
    let mut entity = None;
    let mut fk = None;
    let mut through = None;
    let mut other_fk = None;
    let mut cascade = false;
    let mut order = Vec::new();
    meta.parse_nested_meta(|m| {
        if m.path.is_ident("order") {
            order = lit(&m)?
                .split(',')
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect();
        } else if m.path.is_ident("fk") {
            fk = Some(lit(&m)?);
        } else if m.path.is_ident("through") {
            through = Some(lit(&m)?);
        } else if m.path.is_ident("other_fk") {
            other_fk = Some(lit(&m)?);
        } else if m.path.is_ident("entity") {
            entity = Some(lit(&m)?);
        } else if m.path.is_ident("cascade") {
            cascade = true;
        } else if let Some(ident) = m.path.get_ident() {
            if name.is_some() {
                return Err(m.error("one `name = Target` per relation"));
            }
            name = Some(ident.to_string());
            target = Some(m.value()?.parse::<syn::Path>()?);
        } else {
            return Err(
                m.error("expected `name = Target`, `fk = \"…\"`, `order = \"…\"` or `cascade`")
            );
        }
        Ok(())
    })?;
    let (Some(name), Some(target)) = (name, target) else {
        return Err(meta.error(format!("{which}(name = Target, fk = \"…\") expected")));
    };
    let need = |v: Option<String>, what: &str| {
        v.ok_or_else(|| meta.error(format!("{which} needs `{what} = \"…\"`")))
    };
    let kind = match which {
        "has_many" => RelKind::HasMany {
            fk: need(fk, "fk")?,
        },
        "belongs_to" => RelKind::BelongsTo {
            fk: need(fk, "fk")?,
        },
        _ => RelKind::ManyToMany {
            through: need(through, "through")?,
            fk: need(fk, "fk")?,
            other_fk: need(other_fk, "other_fk")?,
        },
    };
    if cascade && !matches!(kind, RelKind::HasMany { .. }) {
        return Err(meta.error("`cascade` applies to has_many relations"));
    }
    Ok(Relation {
        name,
        target,
        entity,
        kind,
        cascade,
        order,
    })
}

/// `store_scope(status = "published", is_active = true)`: each value a
/// string, boolean or integer literal, kept in PostgreSQL's text form.
fn scope(meta: &syn::meta::ParseNestedMeta) -> syn::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    meta.parse_nested_meta(|m| {
        let column = m
            .path
            .get_ident()
            .ok_or_else(|| m.error("expected `column = value`"))?
            .to_string();
        let value = match m.value()?.parse::<syn::Lit>()? {
            syn::Lit::Str(s) => s.value(),
            syn::Lit::Bool(b) => b.value.to_string(),
            syn::Lit::Int(i) => i.base10_digits().to_string(),
            other => {
                return Err(syn::Error::new_spanned(
                    other,
                    "expected a string, boolean or integer",
                ));
            }
        };
        out.push((column, value));
        Ok(())
    })?;
    Ok(out)
}

/// An identifier for `name`, raw where it is a keyword (`type` → `r#type`).
fn field_ident(name: &str) -> Ident {
    match syn::parse_str::<Ident>(name) {
        Ok(ident) => ident,
        Err(_) => Ident::new_raw(name, Span::call_site()),
    }
}

fn parse_args(tokens: TokenStream) -> syn::Result<Args> {
    let mut args = Args::default();
    let parser = syn::meta::parser(|meta| {
        let key = meta
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        match key.as_str() {
            "module" => args.module = Some(lit(&meta)?),
            "table" => args.table = Some(lit(&meta)?),
            "prefix" => args.prefix = Some(lit(&meta)?),
            "name" => args.name = Some(lit(&meta)?),
            "words" => args.words = Some(lit(&meta)?),
            "link_column" => args.link_column = Some(lit(&meta)?),
            "searchable" => args.searchable.extend(idents(&meta)?),
            "unique" => args.unique.push(idents(&meta)?),
            "soft_delete" => args.soft_delete = true,
            "prepare" => args.prepare = Some(meta.value()?.parse::<syn::Path>()?),
            "store_scope" => args.store_scope.extend(scope(&meta)?),
            "has_many" | "belongs_to" | "many_to_many" => {
                args.relations.push(relation(&meta, &key)?)
            }
            _ => {
                return Err(meta.error(
                    "expected one of: module, table, prefix, name, words, link_column, searchable(..), \
                     unique(..), soft_delete, prepare = path, store_scope(..), has_many(..), belongs_to(..), \
                     many_to_many(..)",
                ));
            }
        }
        Ok(())
    });
    parser.parse2(tokens)?;
    Ok(args)
}

fn option_inner(ty: &Type) -> Option<Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    }
}

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> syn::Result<TokenStream> {
    let args = parse_args(args)?;
    let mut item: ItemStruct = syn::parse2(input)?;
    let sdk = sdk_path();
    let span = Span::call_site();
    let ident = item.ident.clone();
    let vis = item.vis.clone();
    let type_name = ident.to_string();

    let module = args
        .module
        .clone()
        .ok_or_else(|| syn::Error::new(span, "#[entity] needs `module = \"<module key>\"`"))?;
    let prefix = args.prefix.clone().unwrap_or_default();
    let table = args
        .table
        .clone()
        .unwrap_or_else(|| type_name.to_snake_case());
    let entity_name = args.name.clone().unwrap_or_else(|| table.clone());
    let words = args.words.clone().unwrap_or_else(|| {
        let w = type_name.to_snake_case().replace('_', " ");
        let mut c = w.chars();
        match c.next() {
            Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
            None => w,
        }
    });
    let event_name = type_name.to_kebab_case();

    let Fields::Named(named) = &mut item.fields else {
        return Err(syn::Error::new(
            span,
            "#[entity] needs a struct with named fields",
        ));
    };
    let mut fields = Vec::new();
    let mut has_id = false;
    // A field marked `#[entity(primary_key)]` replaces `id` as the key.
    let mut primary: Option<Ident> = None;
    for f in named.named.iter_mut() {
        let fident = f.ident.clone().expect("named field");
        let fname = fident.unraw().to_string();
        if ["created_at", "updated_at", "deleted_at"].contains(&fname.as_str()) {
            return Err(syn::Error::new_spanned(
                &fident,
                "timestamps are added by #[entity]; do not declare them",
            ));
        }
        let mut unique = false;
        let mut default_sql = None;
        let mut has_default = false;
        let mut searchable = args.searchable.contains(&fname);
        let mut immutable = false;
        let mut is_primary = false;
        let mut keep = Vec::new();
        for attr in f.attrs.drain(..) {
            if !attr.path().is_ident("entity") {
                keep.push(attr);
                continue;
            }
            attr.parse_nested_meta(|m| {
                if m.path.is_ident("unique") {
                    unique = true;
                } else if m.path.is_ident("searchable") {
                    searchable = true;
                } else if m.path.is_ident("immutable") {
                    immutable = true;
                } else if m.path.is_ident("primary_key") {
                    is_primary = true;
                } else if m.path.is_ident("default") {
                    has_default = true;
                    if m.input.peek(syn::Token![=]) {
                        default_sql = Some(lit(&m)?);
                    }
                } else {
                    return Err(m.error(
                        "expected `unique`, `searchable`, `immutable`, `primary_key` or `default [= \"sql\"]`",
                    ));
                }
                Ok(())
            })?;
        }
        f.attrs = keep;
        if is_primary {
            if primary.is_some() {
                return Err(syn::Error::new_spanned(
                    &fident,
                    "one `primary_key` per entity",
                ));
            }
            primary = Some(fident.clone());
            continue;
        }
        if fname == "id" {
            has_id = true;
            continue;
        }
        let (inner, nullable) = match option_inner(&f.ty) {
            Some(t) => (t, true),
            None => (f.ty.clone(), false),
        };
        fields.push(Field {
            ident: fident,
            ty: f.ty.clone(),
            inner,
            nullable,
            unique,
            default_sql,
            has_default,
            searchable,
            immutable,
        });
    }
    match (&primary, has_id) {
        (None, false) => {
            return Err(syn::Error::new(
                span,
                "an entity needs `pub id: String` (or a field marked `#[entity(primary_key)]`)",
            ));
        }
        (Some(p), true) => {
            return Err(syn::Error::new_spanned(
                p,
                "an entity with a `primary_key` field has no `id` field",
            ));
        }
        _ => {}
    }
    if primary.is_none() && args.prefix.is_none() {
        return Err(syn::Error::new(
            span,
            "#[entity] needs `prefix = \"<id prefix>\"`",
        ));
    }
    // The key column: `id`, generated from the prefix unless given, or the
    // declared primary key, always given by the caller.
    let key_ident = primary.clone().unwrap_or_else(|| format_ident!("id"));
    let key_name = key_ident.to_string();
    for (column, _) in &args.store_scope {
        if !fields.iter().any(|f| f.ident == column) {
            return Err(syn::Error::new(
                span,
                format!("store_scope column `{column}` is not a field"),
            ));
        }
    }
    for s in &args.searchable {
        if !fields.iter().any(|f| f.ident == s) && primary.as_ref().is_none_or(|p| p != s) {
            return Err(syn::Error::new(
                span,
                format!("searchable field `{s}` is not a field"),
            ));
        }
    }

    // The struct, with timestamps and serde.
    let serde_crate = LitStr::new(&format!("{sdk}::__private::serde").replace(' ', ""), span);
    let iso = LitStr::new(&format!("{sdk}::time::iso").replace(' ', ""), span);
    let iso_opt = LitStr::new(&format!("{sdk}::time::iso_opt").replace(' ', ""), span);
    let nullable_de = LitStr::new(&format!("{sdk}::input::nullable").replace(' ', ""), span);
    let chrono = quote!(#sdk::__private::chrono);
    named.named.push(syn::parse_quote! {
        #[serde(serialize_with = #iso)]
        pub created_at: #chrono::DateTime<#chrono::Utc>
    });
    named.named.push(syn::parse_quote! {
        #[serde(serialize_with = #iso)]
        pub updated_at: #chrono::DateTime<#chrono::Utc>
    });
    if args.soft_delete {
        named.named.push(syn::parse_quote! {
            #[serde(serialize_with = #iso_opt, default)]
            pub deleted_at: ::std::option::Option<#chrono::DateTime<#chrono::Utc>>
        });
    }
    let attrs = &item.attrs;
    let generics = &item.generics;
    let struct_fields = &item.fields;
    let item_tokens = quote! {
        #(#attrs)*
        #[derive(Debug, Clone, PartialEq, #sdk::__private::serde::Serialize, #sdk::__private::serde::Deserialize)]
        #[serde(crate = #serde_crate)]
        #vis struct #ident #generics #struct_fields
    };

    // Create / update / filter types.
    let create = format_ident!("Create{}", ident);
    let update = format_ident!("Update{}", ident);
    let filter = format_ident!("{}Filter", ident);

    let create_fields = fields.iter().map(|f| {
        let (i, ty, inner) = (&f.ident, &f.ty, &f.inner);
        if f.nullable {
            quote!(#[serde(default, skip_serializing_if = "Option::is_none")] pub #i: #ty)
        } else if f.has_default {
            quote!(#[serde(default, skip_serializing_if = "Option::is_none")] pub #i: ::std::option::Option<#inner>)
        } else {
            quote!(pub #i: #ty)
        }
    });
    let insert_values = fields.iter().map(|f| {
        let i = &f.ident;
        let name = i.unraw().to_string();
        if f.has_default && !f.nullable {
            quote!((#name, match &self.#i {
                ::std::option::Option::Some(v) => #sdk::entity::SqlValue::to_bind(v),
                ::std::option::Option::None => #sdk::entity::Bind::Default,
            }))
        } else {
            quote!((#name, #sdk::entity::SqlValue::to_bind(&self.#i)))
        }
    });
    let required: Vec<&Field> = fields
        .iter()
        .filter(|f| !f.nullable && !f.has_default)
        .collect();
    let new_args = required.iter().map(|f| {
        let (i, ty) = (&f.ident, &f.ty);
        quote!(#i: impl ::std::convert::Into<#ty>)
    });
    let new_inits = fields.iter().map(|f| {
        let i = &f.ident;
        if !f.nullable && !f.has_default {
            quote!(#i: #i.into())
        } else {
            quote!(#i: ::std::option::Option::None)
        }
    });
    // Immutable fields are set at create only: `Update<T>` does not have them.
    let updatable: Vec<&Field> = fields.iter().filter(|f| !f.immutable).collect();
    let update_fields = updatable.iter().map(|f| {
        let (i, ty, inner) = (&f.ident, &f.ty, &f.inner);
        if f.nullable {
            quote!(#[serde(default, deserialize_with = #nullable_de, skip_serializing_if = "Option::is_none")]
                   pub #i: ::std::option::Option<#ty>)
        } else {
            quote!(#[serde(default, skip_serializing_if = "Option::is_none")] pub #i: ::std::option::Option<#inner>)
        }
    });
    let update_changes = updatable.iter().map(|f| {
        let i = &f.ident;
        let name = i.unraw().to_string();
        quote!(if let ::std::option::Option::Some(v) = &self.#i {
            out.push((#name, #sdk::entity::SqlValue::to_bind(v)));
        })
    });

    let dt = quote!(#chrono::DateTime<#chrono::Utc>);
    let mut filter_cols: Vec<(Ident, TokenStream)> =
        vec![(key_ident.clone(), quote!(::std::string::String))];
    for f in &fields {
        let inner = &f.inner;
        filter_cols.push((f.ident.clone(), quote!(#inner)));
    }
    filter_cols.push((format_ident!("created_at"), dt.clone()));
    filter_cols.push((format_ident!("updated_at"), dt.clone()));
    if args.soft_delete {
        filter_cols.push((format_ident!("deleted_at"), dt.clone()));
    }
    let present = LitStr::new(
        &format!("{sdk}::entity::filter::present").replace(' ', ""),
        span,
    );
    let filter_fields = filter_cols.iter().map(|(i, ty)| {
        quote!(#[serde(default, deserialize_with = #present, skip_serializing_if = "Option::is_none")]
               pub #i: ::std::option::Option<#sdk::entity::FieldFilter<#ty>>)
    });
    let filter_conditions = filter_cols.iter().map(|(i, _)| {
        let name = i.unraw().to_string();
        quote!(if let ::std::option::Option::Some(f) = &self.#i {
            all.push(f.condition(#name));
        })
    });
    // One filter per relation, on the related rows' ids
    // (`groups=cusgroup_1`: rows with a live related row of that id).
    for r in &args.relations {
        if filter_cols.iter().any(|(i, _)| i == &r.name) {
            return Err(syn::Error::new(
                span,
                format!("relation `{}` has the name of a field", r.name),
            ));
        }
    }
    let relation_idents: Vec<Ident> = args
        .relations
        .iter()
        .map(|r| field_ident(&r.name))
        .collect();
    let relation_filter_fields = relation_idents.iter().map(|i| {
        let doc = format!("Rows with a live related `{}` whose id matches.", i.unraw());
        quote!(#[doc = #doc]
               #[serde(default, deserialize_with = #present, skip_serializing_if = "Option::is_none")]
               pub #i: ::std::option::Option<#sdk::entity::FieldFilter<::std::string::String>>)
    });
    let relation_filter_conditions = relation_idents.iter().map(|i| {
        let name = i.unraw().to_string();
        quote!(if let ::std::option::Option::Some(f) = &self.#i {
            all.push(#sdk::entity::Condition::Related {
                relation: #name,
                condition: ::std::boxed::Box::new(f.condition("id")),
            });
        })
    });

    // Metadata.
    let columns = fields.iter().map(|f| {
        let name = f.ident.unraw().to_string();
        let ty = &f.ty;
        let unique = f.unique;
        let has_default = f.has_default;
        let immutable = f.immutable;
        let default_sql = match &f.default_sql {
            Some(d) => quote!(::std::option::Option::Some(#d)),
            None => quote!(::std::option::Option::None),
        };
        quote!(#sdk::entity::ColumnMeta {
            name: #name,
            ty: <#ty as #sdk::entity::SqlValue>::TYPE,
            nullable: <#ty as #sdk::entity::SqlValue>::NULLABLE,
            unique: #unique,
            has_default: #has_default,
            default_sql: #default_sql,
            immutable: #immutable,
        })
    });
    let searchable: Vec<String> = primary
        .iter()
        .filter(|p| args.searchable.iter().any(|s| p == &s))
        .map(|p| p.to_string())
        .chain(
            fields
                .iter()
                .filter(|f| f.searchable)
                .map(|f| f.ident.unraw().to_string()),
        )
        .collect();
    let unique_together = args.unique.iter().map(|cols| quote!(&[#(#cols),*]));
    let relations = args.relations.iter().map(|r| {
        let name = &r.name;
        let target = &r.target;
        let cascade = r.cascade;
        let order = &r.order;
        let kind = match &r.kind {
            RelKind::HasMany { fk } => quote!(#sdk::entity::RelationKind::HasMany { fk: #fk }),
            RelKind::BelongsTo { fk } => quote!(#sdk::entity::RelationKind::BelongsTo { fk: #fk }),
            RelKind::ManyToMany { through, fk, other_fk } => quote!(
                #sdk::entity::RelationKind::ManyToMany { through: #through, fk: #fk, other_fk: #other_fk }
            ),
        };
        quote!(#sdk::entity::RelationMeta {
            name: #name,
            target: || <#target as #sdk::entity::Entity>::META,
            kind: #kind,
            cascade: #cascade,
            order: &[#(#order),*],
        })
    });
    let graph_relations = args.relations.iter().map(|r| {
        let name = &r.name;
        let target_entity = r.entity.clone().unwrap_or_else(|| {
            r.target
                .segments
                .last()
                .map(|s| s.ident.to_string().to_snake_case())
                .unwrap_or_default()
        });
        match r.kind {
            RelKind::BelongsTo { .. } => {
                quote!(#sdk::graph::RelationDef::one(#name, #target_entity))
            }
            _ => quote!(#sdk::graph::RelationDef::many(#name, #target_entity)),
        }
    });
    let scope_columns = args.store_scope.iter().map(|(c, _)| c);
    let scope_values = args.store_scope.iter().map(|(_, v)| v);
    let prepare_fn = match &args.prepare {
        Some(path) => quote!(
            fn prepare(input: &mut #create) -> #sdk::Result<()> {
                #path(input)
            }
        ),
        None => quote!(),
    };
    let column_names: Vec<String> = fields.iter().map(|f| f.ident.unraw().to_string()).collect();
    let column_idents: Vec<&Ident> = fields.iter().map(|f| &f.ident).collect();
    let soft_delete = args.soft_delete;
    let link_column = args
        .link_column
        .clone()
        .unwrap_or_else(|| format!("{entity_name}_id"));
    let (create_key_field, new_key_arg, new_key_init, given_id) = match &primary {
        None => (
            quote!(#[serde(default, skip_serializing_if = "Option::is_none")]
                   pub id: ::std::option::Option<::std::string::String>,),
            quote!(),
            quote!(id: ::std::option::Option::None,),
            quote!(self.id.as_deref()),
        ),
        Some(k) => (
            quote!(pub #k: ::std::string::String,),
            quote!(#k: impl ::std::convert::Into<::std::string::String>,),
            quote!(#k: #k.into(),),
            quote!(::std::option::Option::Some(self.#k.as_str())),
        ),
    };
    let doc_create = format!(
        "Input of `create` for [`{type_name}`]: required fields are required, `id` is generated unless given."
    );
    let doc_update = format!(
        "Input of `update` for [`{type_name}`]: only the fields given change; `null` clears a nullable field."
    );
    let doc_filter =
        format!("Filters of [`{type_name}`]: Medusa's operators per column, `q`, `$and`, `$or`.");

    Ok(quote! {
        #item_tokens

        #[doc = #doc_create]
        #[derive(Debug, Clone, PartialEq, #sdk::__private::serde::Serialize, #sdk::__private::serde::Deserialize)]
        #[serde(crate = #serde_crate, deny_unknown_fields)]
        #vis struct #create {
            #create_key_field
            #(#create_fields,)*
        }

        impl #create {
            /// The input with its required fields; the others unset.
            #[allow(clippy::too_many_arguments)]
            pub fn new(#new_key_arg #(#new_args),*) -> Self {
                Self { #new_key_init #(#new_inits,)* }
            }
        }

        impl #sdk::entity::InsertValues for #create {
            fn given_id(&self) -> ::std::option::Option<&str> {
                #given_id
            }
            fn values(&self) -> ::std::vec::Vec<(&'static str, #sdk::entity::Bind)> {
                ::std::vec![#(#insert_values),*]
            }
        }

        #[doc = #doc_update]
        #[derive(Debug, Clone, Default, PartialEq, #sdk::__private::serde::Serialize, #sdk::__private::serde::Deserialize)]
        #[serde(crate = #serde_crate, deny_unknown_fields)]
        #vis struct #update {
            #(#update_fields,)*
        }

        impl #sdk::entity::UpdateValues for #update {
            fn changes(&self) -> ::std::vec::Vec<(&'static str, #sdk::entity::Bind)> {
                let mut out = ::std::vec::Vec::new();
                #(#update_changes)*
                out
            }
        }

        #[doc = #doc_filter]
        #[derive(Debug, Clone, Default, PartialEq, #sdk::__private::serde::Serialize, #sdk::__private::serde::Deserialize)]
        #[serde(crate = #serde_crate, deny_unknown_fields)]
        #vis struct #filter {
            /// Case-insensitive text search over the searchable fields.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub q: ::std::option::Option<::std::string::String>,
            #(#filter_fields,)*
            #(#relation_filter_fields,)*
            /// Every one of these holds.
            #[serde(rename = "$and", default, skip_serializing_if = "Vec::is_empty")]
            pub and: ::std::vec::Vec<#filter>,
            /// At least one of these holds.
            #[serde(rename = "$or", default, skip_serializing_if = "Vec::is_empty")]
            pub or: ::std::vec::Vec<#filter>,
        }

        impl #sdk::entity::EntityFilter for #filter {
            fn condition(&self) -> #sdk::entity::Condition {
                let mut all = ::std::vec::Vec::new();
                if let ::std::option::Option::Some(q) = &self.q {
                    all.push(#sdk::entity::Condition::Search(q.clone()));
                }
                #(#filter_conditions)*
                #(#relation_filter_conditions)*
                for f in &self.and {
                    all.push(#sdk::entity::EntityFilter::condition(f));
                }
                if !self.or.is_empty() {
                    all.push(#sdk::entity::Condition::Any(
                        self.or.iter().map(#sdk::entity::EntityFilter::condition).collect(),
                    ));
                }
                #sdk::entity::Condition::All(all)
            }
        }

        impl #sdk::entity::Entity for #ident {
            const META: &'static #sdk::entity::EntityMeta = &#sdk::entity::EntityMeta {
                module: #module,
                name: #type_name,
                entity: #entity_name,
                table: #table,
                prefix: #prefix,
                pk: #key_name,
                words: #words,
                event_name: #event_name,
                columns: &[#(#columns),*],
                searchable: &[#(#searchable),*],
                unique_together: &[#(#unique_together),*],
                soft_delete: #soft_delete,
                relations: &[#(#relations),*],
                graph_relations: &[#(#graph_relations),*],
                store_scope: &[#((#scope_columns, #scope_values)),*],
            };
            type Create = #create;
            type Update = #update;
            type Filter = #filter;
            fn id(&self) -> &str {
                &self.#key_ident
            }
            #prepare_fn
            fn column_values(&self) -> ::std::vec::Vec<(&'static str, #sdk::entity::Bind)> {
                ::std::vec![#((#column_names, #sdk::entity::SqlValue::to_bind(&self.#column_idents))),*]
            }
        }

        impl #sdk::entity::Linkable for #ident {
            const MODULE: &'static str = #module;
            const ENTITY: &'static str = #entity_name;
            const TABLE: &'static str = #table;
            const SOFT_DELETE: bool = #soft_delete;
            const LINK_COLUMN: &'static str = #link_column;
            const META: ::std::option::Option<&'static #sdk::entity::EntityMeta> =
                ::std::option::Option::Some(<Self as #sdk::entity::Entity>::META);
        }
    })
}
