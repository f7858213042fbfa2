//! Stheno's **tax module** (key `tax`): tax regions, rates and their rules,
//! tax providers and the system provider, as in Medusa v2.
//!
//! | entity (Query name) | table | id | service |
//! |---|---|---|---|
//! | [`TaxRegion`] (`tax_region`) | `tax_region` | `txreg_…` | [`TaxModule::tax_regions`] |
//! | [`TaxRate`] (`tax_rate`) | `tax_rate` | `txr_…` | [`TaxModule::tax_rates`] |
//! | [`TaxRateRule`] (`tax_rate_rule`) | `tax_rate_rule` | `txrule_…` | [`TaxModule::tax_rate_rules`] |
//! | [`TaxProvider`] (`tax_provider`) | `tax_provider` | the provider key (`tp_system`) | [`TaxModule::tax_providers`] |
//!
//! The entities are declared in [`models`]; their services are generated
//! (list, retrieve, create, update, soft delete, restore, delete, with
//! Medusa's filters and messages). Relations (Query, one statement per
//! level): `tax_region.children` and `tax_region.tax_rates` (both cascade),
//! `tax_region.parent`, `tax_region.provider`, `tax_rate.rules` (cascade),
//! `tax_rate.tax_region`, `tax_rate_rule.tax_rate`, `tax_provider.regions`.
//!
//! # The region tree
//!
//! A country region (`province_code` null) names the provider that computes
//! its tax lines; its province regions (`parent_id` = the country region,
//! same country) use it. Codes are stored lower-case. One live region per
//! country and per (country, province); one live default rate per region;
//! one live rule per (rate, reference id). CHECKs keep a province region
//! without a provider and a region with a parent a province region.
//!
//! # Domain operations
//!
//! - [`TaxModule::create_tax_regions`]: regions with their default rate
//!   (`default_tax_rate`), the tree checked.
//! - [`TaxModule::create_tax_rates`] with their rules,
//!   [`TaxModule::create_tax_rate_rules`] (add) and
//!   [`TaxModule::set_tax_rate_rules`] (replace).
//! - [`TaxModule::get_tax_lines`]: the most specific rates of each line item
//!   and shipping method at an address, turned into tax lines by the
//!   region's provider. A bounded number of statements for any number of
//!   lines.
//!
//! # Providers
//!
//! [`TaxModuleProvider`] is the provider contract, a kind of the SDK's
//! provider registry: implementations register with
//! [`register_provider!`](stheno_module_sdk::register_provider)`(dyn
//! TaxModuleProvider, "tp_…", build)` and are built at start-up from
//! `[modules.tax.providers.<id>]`. The system provider
//! ([`SystemTaxProvider`], `tp_system`) is always on. At start-up the
//! `tax_provider` rows are synced with the built providers (enabled) and
//! the others disabled ([`TaxModule::sync_providers`]), so `GET
//! /admin/tax-providers` lists them.
//!
//! Events (after commit, payload `{id}`): `tax.tax-region.<action>`,
//! `tax.tax-rate.<action>`, `tax.tax-rate-rule.<action>`,
//! `tax.tax-provider.<action>` for `created`, `updated`, `deleted`,
//! `restored`.

use std::sync::Arc;

use serde::Deserialize;
use stheno_module_sdk::db::DbPool;
use stheno_module_sdk::entity::sql::DynSql;
use stheno_module_sdk::entity::{Entity, EntityGraph, EntityMeta, EntityService, ServiceOf};
use stheno_module_sdk::events::EventBus;
use stheno_module_sdk::graph::EntitySource;
use stheno_module_sdk::link::LinkDef;
use stheno_module_sdk::provider::{Providers, ProvidersConfig};
use stheno_module_sdk::{Migrations, Module, ModuleContext, Result, async_trait};

mod lines;
pub mod models;
pub mod provider;
mod rates;
mod regions;

pub use models::{
    CreateTaxProvider, CreateTaxRate, CreateTaxRateRule, CreateTaxRegion, RuleReference,
    TaxProvider, TaxProviderFilter, TaxRate, TaxRateFilter, TaxRateRule, TaxRateRuleFilter,
    TaxRegion, TaxRegionFilter, UpdateTaxProvider, UpdateTaxRate, UpdateTaxRateRule,
    UpdateTaxRegion,
};
pub use provider::{
    ItemTaxCalculationLine, SYSTEM_PROVIDER_ID, ShippingTaxCalculationLine, SystemTaxProvider,
    TaxAddress, TaxCalculationContext, TaxCustomer, TaxLine, TaxLineTarget, TaxModuleProvider,
    TaxableItem, TaxableShipping, rate_percent,
};
pub use rates::{CreateTaxRateInput, TaxRateRuleInput};
pub use regions::{CreateTaxRegionInput, DefaultTaxRateInput};

/// The module's SQL migrations (`migrations/tax`).
pub const MIGRATIONS: Migrations = diesel_migrations::embed_migrations!("../../../migrations/tax");

/// Module options (`[modules.tax]`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TaxOptions {
    /// Options per provider id (`[modules.tax.providers.tp_avalara]`).
    pub providers: ProvidersConfig,
}

/// The tax module's service: the generated services of its entities, the
/// built providers and the domain operations.
#[derive(Clone)]
pub struct TaxModule {
    db: DbPool,
    events: Arc<dyn EventBus>,
    regions: EntityService<TaxRegion>,
    rates: EntityService<TaxRate>,
    rules: EntityService<TaxRateRule>,
    provider_rows: EntityService<TaxProvider>,
    providers: Providers<dyn TaxModuleProvider>,
}

impl std::fmt::Debug for TaxModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaxModule")
            .field("providers", &self.providers)
            .finish_non_exhaustive()
    }
}

impl TaxModule {
    /// The module over a pool and event bus with the application's links
    /// (soft deletes cascade into them) and the built providers. Does not
    /// touch the database; [`Module::build`] also runs
    /// [`sync_providers`](Self::sync_providers).
    pub fn new(
        db: DbPool,
        events: Arc<dyn EventBus>,
        links: Arc<[&'static LinkDef]>,
        providers: Providers<dyn TaxModuleProvider>,
    ) -> Self {
        Self {
            regions: EntityService::from_parts(db.clone(), events.clone(), links.clone()),
            rates: EntityService::from_parts(db.clone(), events.clone(), links.clone()),
            rules: EntityService::from_parts(db.clone(), events.clone(), links.clone()),
            provider_rows: EntityService::from_parts(db.clone(), events.clone(), links),
            providers,
            events,
            db,
        }
    }

    /// Tax regions: the generated service. Create them with
    /// [`create_tax_regions`](Self::create_tax_regions), which creates the
    /// default rate and checks the tree. Soft delete takes the province
    /// regions and the rates along.
    pub fn tax_regions(&self) -> &EntityService<TaxRegion> {
        &self.regions
    }

    /// Tax rates: the generated service. Create them with
    /// [`create_tax_rates`](Self::create_tax_rates) (rules included).
    pub fn tax_rates(&self) -> &EntityService<TaxRate> {
        &self.rates
    }

    /// Tax rate rules: the generated service, for reads and deletes
    /// (`DELETE /admin/tax-rates/:id/rules/:rule_id`).
    pub fn tax_rate_rules(&self) -> &EntityService<TaxRateRule> {
        &self.rules
    }

    /// Tax provider rows: the generated service (`GET /admin/tax-providers`).
    pub fn tax_providers(&self) -> &EntityService<TaxProvider> {
        &self.provider_rows
    }

    /// The built providers, by key.
    pub fn providers(&self) -> &Providers<dyn TaxModuleProvider> {
        &self.providers
    }

    /// Make the `tax_provider` rows match the built providers: each built
    /// one enabled (created, or revived if soft-deleted), every other row
    /// disabled. Two statements.
    pub async fn sync_providers(&self) -> Result<()> {
        let ids: Vec<String> = self.providers.ids().map(str::to_owned).collect();
        let mut conn = self.db.get().await?;
        if !ids.is_empty() {
            let mut upsert = DynSql::new(
                "INSERT INTO tax_provider (id, is_enabled) SELECT id, true FROM unnest(",
            );
            upsert.bind_array(ids.clone(), "text");
            upsert.push(
                ") AS p(id) ON CONFLICT (id) DO UPDATE SET is_enabled = true, deleted_at = NULL, \
                 updated_at = now() WHERE tax_provider.is_enabled = false \
                 OR tax_provider.deleted_at IS NOT NULL",
            );
            upsert.run(&mut conn).await?;
        }
        let mut disable = DynSql::new(
            "UPDATE tax_provider SET is_enabled = false, updated_at = now() \
             WHERE is_enabled AND NOT (id = ANY(",
        );
        disable.bind_array(ids, "text");
        disable.push("))");
        disable.run(&mut conn).await?;
        Ok(())
    }
}

impl ServiceOf<TaxRegion> for TaxModule {
    fn service(&self) -> &EntityService<TaxRegion> {
        &self.regions
    }
}

impl ServiceOf<TaxRate> for TaxModule {
    fn service(&self) -> &EntityService<TaxRate> {
        &self.rates
    }
}

impl ServiceOf<TaxRateRule> for TaxModule {
    fn service(&self) -> &EntityService<TaxRateRule> {
        &self.rules
    }
}

impl ServiceOf<TaxProvider> for TaxModule {
    fn service(&self) -> &EntityService<TaxProvider> {
        &self.provider_rows
    }
}

#[async_trait]
impl Module for TaxModule {
    const KEY: &'static str = "tax";
    const MIGRATIONS: Option<Migrations> = Some(MIGRATIONS);

    async fn build(ctx: &ModuleContext) -> Result<Self> {
        // Unknown options are refused; the providers read their own table.
        ctx.options::<TaxOptions>()?;
        let providers = Providers::<dyn TaxModuleProvider>::from_context(ctx)?;
        let module = TaxModule::new(
            ctx.db().clone(),
            ctx.events().clone(),
            ctx.links().into(),
            providers,
        );
        module.sync_providers().await?;
        Ok(module)
    }

    fn entity_sources(self: &Arc<Self>) -> Vec<Arc<dyn EntitySource>> {
        vec![
            Arc::new(EntityGraph::new(&self.regions, self.db.clone())),
            Arc::new(EntityGraph::new(&self.rates, self.db.clone())),
            Arc::new(EntityGraph::new(&self.rules, self.db.clone())),
            Arc::new(EntityGraph::new(&self.provider_rows, self.db.clone())),
        ]
    }

    fn entities() -> &'static [&'static EntityMeta] {
        const ENTITIES: &[&EntityMeta] = &[
            TaxProvider::META,
            TaxRegion::META,
            TaxRate::META,
            TaxRateRule::META,
        ];
        ENTITIES
    }
}

stheno_module_sdk::register_module!(TaxModule);
