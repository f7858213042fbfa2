//! The product module's admin mutations as workflows.
//!
//! | workflow | steps (⇐ compensation) | event |
//! |---|---|---|
//! | [`create_products`] | `create-products` ⇐ delete | `product.created`, `product-variant.created` |
//! | [`update_products`] | `update-products` ⇐ restore the product snapshot | `product.updated` |
//! | [`delete_products`] | `delete-products` (soft) ⇐ restore | `product.deleted` |
//! | [`batch_products`] | `create-products`, `update-products`, `delete-products` | as above |
//! | [`create_product_variants`] | `create-product-variants` ⇐ delete | `product-variant.created` |
//! | [`update_product_variants`] | `update-product-variants` ⇐ restore the variant snapshot | `product-variant.updated` |
//! | [`delete_product_variants`] | `delete-product-variants` (soft) ⇐ restore | `product-variant.deleted` |
//! | [`batch_product_variants`] | the three variant steps | as above |
//! | [`create_product_options`], [`update_product_options`], [`delete_product_options`] | `create-`/`update-`/`delete-product-options` | `product-option.*` |
//! | [`create_and_link_product_options_to_product`] | `add-product-options-to-product` ⇐ unlink, `remove-product-options-from-product` ⇐ relink | `product.updated` |
//! | [`create_collections`], [`update_collections`], [`delete_collections`] | `create-`/`update-`/`delete-collections` | `product-collection.*` |
//! | [`batch_link_products_to_collection`] | `batch-link-products-to-collection` ⇐ previous collections | — |
//! | [`create_product_categories`], [`update_product_categories`], [`delete_product_categories`] | `create-`/`update-`/`delete-product-categories` | `product-category.*` |
//! | [`batch_link_products_to_category`] | `batch-link-products-to-category` ⇐ previous links | — |
//! | [`create_product_tags`], [`update_product_tags`], [`delete_product_tags`] | `create-`/`update-`/`delete-product-tags` | `product-tag.*` |
//! | [`create_product_types`], [`update_product_types`], [`delete_product_types`] | `create-`/`update-`/`delete-product-types` | `product-type.*` |
//!
//! Tags, types, collections and option deletes run the generated service's
//! steps ([`crate::entity`]); products, variants, option writes and the
//! category tree are domain writes and run [`crate::domain`]'s steps.

mod catalog;
mod commerce;
mod links;
mod products;
mod variants;

pub use crate::domain::{CreateStep, DeleteStep, Entity, Update, UpdateStep};
pub use catalog::*;
pub use commerce::*;
pub use links::*;
pub use products::*;
pub use variants::*;
