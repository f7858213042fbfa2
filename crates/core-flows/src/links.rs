//! The links Medusa defines among the catalog modules (reference
//! `modules.md` §3.1), declared once: the framework creates their tables,
//! Query follows them both ways, and deletes cascade into them.
//!
//! | table | sides | fields |
//! |---|---|---|
//! | `product_sales_channel` | product ↔ sales channel (M:N) | `product.sales_channels`, `sales_channel.products` |
//! | `product_variant_price_set` | variant — price set (1:1, deleting the variant deletes its price set) | `variant.price_set`, `price_set.variant` |
//! | `product_variant_inventory_item` | variant ↔ inventory item (M:N, `required_quantity`) | `variant.inventory_items`, `inventory_item.variants` |
//! | `sales_channel_stock_location` | sales channel ↔ stock location (M:N) | `sales_channel.stock_locations`, `stock_location.sales_channels` |
//! | `publishable_api_key_sales_channel` | publishable key ↔ sales channel (M:N) | `api_key.sales_channels`, `sales_channel.publishable_api_keys` |
//!
//! Region ↔ payment provider and stock location ↔ fulfillment provider /
//! set wait for the payment and fulfillment modules.

use stheno_api_key::ApiKey;
use stheno_inventory::InventoryItem;
use stheno_module_sdk::define_link;
use stheno_module_sdk::entity::ColumnType;
use stheno_module_sdk::link::ExtraColumn;
use stheno_pricing::PriceSet;
use stheno_product::models::{Product, ProductVariant};
use stheno_sales_channel::SalesChannel;
use stheno_stock_location::StockLocation;

define_link!(Product => many, SalesChannel => many;
    table = "product_sales_channel", id_prefix = "prodsc");

define_link!(ProductVariant => one, PriceSet => one;
    table = "product_variant_price_set", id_prefix = "pvps",
    left_field = "variant", delete_cascade = right);

/// `required_quantity`: how many of the item one unit of the variant takes.
pub const REQUIRED_QUANTITY: &[ExtraColumn] = &[ExtraColumn {
    name: "required_quantity",
    ty: ColumnType::Numeric,
    nullable: false,
    default_sql: Some("1"),
}];

define_link!(ProductVariant => many, InventoryItem => many;
    table = "product_variant_inventory_item", id_prefix = "pvitem",
    left_field = "variants", right_field = "inventory_items",
    extra_columns = REQUIRED_QUANTITY);

define_link!(SalesChannel => many, StockLocation => many;
    table = "sales_channel_stock_location", id_prefix = "scloc");

define_link!(ApiKey => many, SalesChannel => many;
    table = "publishable_api_key_sales_channel", id_prefix = "pksc",
    left_field = "publishable_api_keys");
