//! Stheno's **sales-channel module** (key `sales_channel`), as in Medusa v2:
//! the channels a store sells through (web shop, POS, marketplace, …).
//!
//! | entity | table | id prefix | service |
//! |---|---|---|---|
//! | [`SalesChannel`] | `sales_channel` | `sc` | [`SalesChannelModule::sales_channels`] |
//!
//! The module is its generated service: list (with `q` over `name` and
//! `description`), retrieve, create, update, soft delete, restore and
//! delete, with Medusa's filters and messages. Medusa's sales-channel
//! service adds nothing beyond CRUD (and upsert), so there is no
//! hand-written domain logic here.
//!
//! What other modules relate to a channel — products, stock locations,
//! publishable API keys, carts, orders — are links, defined by the
//! application; soft-deleting a channel through its service dismisses
//! those link rows with it.
//!
//! Events (after commit, payload `{id}`):
//! `sales_channel.sales-channel.created|updated|deleted|restored`.

use serde_json::Value;
use stheno_module_sdk::{entity, module};

/// A sales channel (`sc_…`). `is_disabled` channels stay linked to their
/// products and keys; the storefront routes decide what a disabled
/// channel means.
#[entity(
    module = "sales_channel",
    prefix = "sc",
    searchable(name, description),
    soft_delete
)]
pub struct SalesChannel {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    #[entity(default = "false")]
    pub is_disabled: bool,
    pub metadata: Option<Value>,
}

/// The sales-channel module: [`SalesChannelModule::sales_channels`] is the
/// generated service of [`SalesChannel`].
#[module(
    key = "sales_channel",
    entities(SalesChannel),
    migrations = "../../../migrations/sales_channel"
)]
pub struct SalesChannelModule;
