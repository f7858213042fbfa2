//! Stheno's **pricing module** (key `pricing`): price sets, prices and their
//! rules, price lists, price preferences and the calculated price, as in
//! Medusa v2.
//!
//! | entity (Query name) | table | id prefix | service |
//! |---|---|---|---|
//! | [`PriceSet`] (`price_set`) | `price_set` | `pset` | [`PricingModule::price_sets`] |
//! | [`Price`] (`price`) | `price` | `price` | [`PricingModule::prices`] |
//! | [`PriceRule`] (`price_rule`) | `price_rule` | `prule` | [`PricingModule::price_rules`] |
//! | [`PriceList`] (`price_list`) | `price_list` | `plist` | [`PricingModule::price_lists`] |
//! | [`PriceListRule`] (`price_list_rule`) | `price_list_rule` | `prule` | [`PricingModule::price_list_rules`] |
//! | [`PricePreference`] (`price_preference`) | `price_preference` | `prpref` | [`PricingModule::price_preferences`] |
//!
//! The entities are declared in [`models`]; their services are generated
//! (list, retrieve, create, update, soft delete, restore, delete, with
//! Medusa's filters and messages). Relations (`price_set.prices`,
//! `price.price_rules`, `price_list.prices`, `price_list.price_list_rules`,
//! `price.price_set`, `price.price_list`, …) are Query relations; deleting
//! or soft-deleting a price set or a price list takes its prices and their
//! rules along (and the foreign keys cascade). Price preferences are plain
//! generated CRUD.
//!
//! Written here is the domain, each operation a fixed number of SQL
//! statements whatever the number of rows:
//!
//! - [`PricingModule::create_price_sets`]: price sets with their prices;
//!   a price's `rules` (`{"region_id": "reg_…"}`) become [`PriceRule`]s and
//!   its `rules_count`. [`PricingModule::add_prices`] adds prices to a set;
//!   [`PricingModule::set_price_set_prices`] makes a set's base prices
//!   exactly the ones given (update by id, create, delete the rest): what
//!   updating a variant's prices needs.
//! - Price lists: [`PricingModule::create_price_lists`] (with rules such as
//!   `{"customer.groups.id": ["cusgroup_…"]}` and prices for price sets),
//!   [`add_price_list_prices`](PricingModule::add_price_list_prices),
//!   [`update_price_list_prices`](PricingModule::update_price_list_prices),
//!   [`remove_price_list_prices`](PricingModule::remove_price_list_prices),
//!   [`set_price_list_rules`](PricingModule::set_price_list_rules),
//!   [`remove_price_list_rules`](PricingModule::remove_price_list_rules);
//!   list fields (title, status, dates, …) change through the generated
//!   update.
//! - [`PricingModule::calculate_prices`]: the [`CalculatedPrice`] of many
//!   price sets in a [`PricingContext`], in one statement (the rules are in
//!   [`calculate`]). It serialises as Medusa's `calculated_price`.
//!
//! Amounts are exact decimals ([`Amount`](stheno_module_sdk::money::Amount),
//! JSON numbers on the wire) with Medusa's `raw_*` twins, filled from the
//! amount on every create and by every write here. (A generated
//! `prices().update` that changes `amount` must set `raw_amount` too.)
//!
//! Events (after commit, payload `{id}`): `pricing.price-set.<action>`,
//! `pricing.price.<action>`, `pricing.price-rule.<action>`,
//! `pricing.price-list.<action>`, `pricing.price-list-rule.<action>`,
//! `pricing.price-preference.<action>` for `created`, `updated`,
//! `deleted`, `restored`.

pub mod calculate;
pub mod input;
pub mod models;
mod price_lists;
mod price_sets;
mod write;

pub use calculate::{CUSTOMER_GROUPS, CalculatedPrice, CalculatedPriceSource, PricingContext};
pub use input::{
    CreatePriceListInput, CreatePriceSetInput, PriceDetail, PriceInput, PriceListPriceInput,
    PriceSetDetail,
};
pub use models::{
    CreatePrice, CreatePriceList, CreatePriceListRule, CreatePricePreference, CreatePriceRule,
    CreatePriceSet, Price, PriceFilter, PriceList, PriceListFilter, PriceListRule,
    PriceListRuleFilter, PriceListStatus, PriceListType, PricePreference, PricePreferenceFilter,
    PriceRule, PriceRuleFilter, PriceSet, PriceSetFilter, RuleOperator, UpdatePrice,
    UpdatePriceList, UpdatePriceListRule, UpdatePricePreference, UpdatePriceRule, UpdatePriceSet,
};

use stheno_module_sdk::events::Event;

/// The pricing module's service: the generated services of its entities
/// ([`price_sets`](Self::price_sets), [`prices`](Self::prices),
/// [`price_rules`](Self::price_rules), [`price_lists`](Self::price_lists),
/// [`price_list_rules`](Self::price_list_rules),
/// [`price_preferences`](Self::price_preferences)) and the domain
/// operations beside them.
#[stheno_module_sdk::module(
    key = "pricing",
    entities(PriceSet, Price, PriceRule, PriceList, PriceListRule, PricePreference),
    migrations = "../../../migrations/pricing"
)]
pub struct PricingModule;

impl std::fmt::Debug for PricingModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PricingModule").finish_non_exhaustive()
    }
}

impl PricingModule {
    fn services(&self) -> write::Services {
        write::Services {
            sets: self.price_sets().clone(),
            prices: self.prices().clone(),
            rules: self.price_rules().clone(),
            lists: self.price_lists().clone(),
            list_rules: self.price_list_rules().clone(),
        }
    }

    /// Emit the events of hand-written statements, after their commit.
    async fn emit(&self, emitted: write::Emitted) {
        let events: Vec<Event> = emitted.0;
        if events.is_empty() {
            return;
        }
        if let Err(e) = self.context().events().emit(events).await {
            tracing::warn!(error = %e, "pricing module: emitting events failed");
        }
    }
}
