//! Stheno's **store module** (key `store`): the store, its supported
//! currencies and locales, as in Medusa v2.
//!
//! | entity | table | id prefix | service |
//! |---|---|---|---|
//! | [`Store`] | `store` | `store` | [`StoreModule::stores`] |
//! | [`StoreCurrency`] | `store_currency` | `stocur` | [`StoreModule::store_currencies`] |
//! | [`StoreLocale`] | `store_locale` | `stloc` | [`StoreModule::store_locales`] |
//!
//! The store names its defaults (sales channel, region, stock location) by
//! id; those live in other modules. Written here is the currency rule:
//! [`StoreModule::create_stores`] and [`StoreModule::update_stores`] take
//! `supported_currencies` (`[{currency_code, is_default}]`), which replace
//! the store's set and must name each code once with exactly one default;
//! `supported_locales` replace the store's locales.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::entity::{Bind, Condition, Tx};
use stheno_module_sdk::{Error, Result, entity, module};

/// The store.
#[entity(
    module = "store",
    prefix = "store",
    searchable(name),
    soft_delete,
    has_many(supported_currencies = StoreCurrency, fk = "store_id", cascade),
    has_many(supported_locales = StoreLocale, fk = "store_id", cascade)
)]
pub struct Store {
    pub id: String,
    #[entity(default = "'Medusa Store'")]
    pub name: String,
    pub default_sales_channel_id: Option<String>,
    pub default_region_id: Option<String>,
    pub default_location_id: Option<String>,
    pub metadata: Option<Value>,
}

/// A currency the store sells in; one of them is the default.
#[entity(
    module = "store",
    prefix = "stocur",
    searchable(currency_code),
    soft_delete,
    belongs_to(store = Store, fk = "store_id")
)]
pub struct StoreCurrency {
    pub id: String,
    pub currency_code: String,
    #[entity(default = "false")]
    pub is_default: bool,
    pub store_id: Option<String>,
}

/// A locale the store offers (BCP 47, `en-US`).
#[entity(
    module = "store",
    prefix = "stloc",
    searchable(locale_code),
    soft_delete,
    belongs_to(store = Store, fk = "store_id")
)]
pub struct StoreLocale {
    pub id: String,
    pub locale_code: String,
    pub store_id: Option<String>,
}

/// The store module: the generated services of its entities and the
/// supported-currency rule.
#[module(
    key = "store",
    entities(Store, StoreCurrency, StoreLocale),
    migrations = "../../../migrations/store"
)]
pub struct StoreModule;

/// One supported currency in a create or update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupportedCurrency {
    pub currency_code: String,
    #[serde(default)]
    pub is_default: bool,
}

/// One supported locale in a create or update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupportedLocale {
    pub locale_code: String,
}

/// A store to create.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewStore {
    #[serde(flatten)]
    pub store: CreateStore,
    #[serde(default)]
    pub supported_currencies: Vec<SupportedCurrency>,
    #[serde(default)]
    pub supported_locales: Vec<SupportedLocale>,
}

/// Changes to one store; the sets, when given, replace the store's.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StoreChange {
    pub id: String,
    #[serde(flatten)]
    pub update: UpdateStore,
    #[serde(default)]
    pub supported_currencies: Option<Vec<SupportedCurrency>>,
    #[serde(default)]
    pub supported_locales: Option<Vec<SupportedLocale>>,
}

/// Medusa's rule: each code once (lower case), exactly one default when
/// any is given.
fn check_currencies(currencies: &mut [SupportedCurrency]) -> Result<()> {
    let mut seen = BTreeSet::new();
    let mut twice = Vec::new();
    for c in currencies.iter_mut() {
        c.currency_code = c.currency_code.trim().to_lowercase();
        if !seen.insert(c.currency_code.clone()) {
            twice.push(c.currency_code.clone());
        }
    }
    if !twice.is_empty() {
        return Err(Error::invalid_data(format!(
            "Duplicate currency codes: {}",
            twice.join(", ")
        )));
    }
    let defaults = currencies.iter().filter(|c| c.is_default).count();
    if !currencies.is_empty() && defaults == 0 {
        return Err(Error::invalid_data(
            "There should be a default currency set for the store",
        ));
    }
    if defaults > 1 {
        return Err(Error::invalid_data("Only one default currency is allowed"));
    }
    Ok(())
}

fn by_store(ids: &[String]) -> Condition {
    Condition::In {
        column: "store_id",
        values: ids.iter().cloned().map(Bind::Text).collect(),
        negated: false,
    }
}

impl StoreModule {
    /// Create stores with their currencies and locales, in one
    /// transaction.
    pub async fn create_stores(&self, mut inputs: Vec<NewStore>) -> Result<Vec<Store>> {
        for input in &mut inputs {
            check_currencies(&mut input.supported_currencies)?;
        }
        let this = self.clone();
        self.stores()
            .transaction(move |tx| {
                Box::pin(async move {
                    let (stores, sets): (Vec<_>, Vec<_>) = inputs
                        .into_iter()
                        .map(|i| (i.store, (i.supported_currencies, i.supported_locales)))
                        .unzip();
                    let created = this.stores().create_in(tx, stores).await?;
                    for (store, (currencies, locales)) in created.iter().zip(sets) {
                        this.add_sets(tx, &store.id, Some(currencies), Some(locales))
                            .await?;
                    }
                    Ok(created)
                })
            })
            .await
    }

    /// Update stores; given sets replace the store's. One transaction.
    pub async fn update_stores(&self, mut changes: Vec<StoreChange>) -> Result<Vec<Store>> {
        for change in &mut changes {
            if let Some(currencies) = &mut change.supported_currencies {
                check_currencies(currencies)?;
            }
        }
        let this = self.clone();
        self.stores()
            .transaction(move |tx| {
                Box::pin(async move {
                    let mut out = Vec::with_capacity(changes.len());
                    for change in changes {
                        let mut store = this.stores().retrieve_for_update(tx, &change.id).await?;
                        let id = std::slice::from_ref(&change.id);
                        if change.supported_currencies.is_some() {
                            let old = this
                                .store_currencies()
                                .list_where_in(tx, &by_store(id), &Default::default())
                                .await?;
                            let old: Vec<String> = old.into_iter().map(|c| c.id).collect();
                            this.store_currencies().delete_in(tx, &old).await?;
                        }
                        if change.supported_locales.is_some() {
                            let old = this
                                .store_locales()
                                .list_where_in(tx, &by_store(id), &Default::default())
                                .await?;
                            let old: Vec<String> = old.into_iter().map(|c| c.id).collect();
                            this.store_locales().delete_in(tx, &old).await?;
                        }
                        this.add_sets(
                            tx,
                            &change.id,
                            change.supported_currencies,
                            change.supported_locales,
                        )
                        .await?;
                        if change.update != UpdateStore::default() {
                            let which = Condition::In {
                                column: "id",
                                values: vec![Bind::Text(change.id.clone())],
                                negated: false,
                            };
                            if let Some(updated) = this
                                .stores()
                                .update_where_in(tx, &which, &change.update)
                                .await?
                                .pop()
                            {
                                store = updated;
                            }
                        }
                        out.push(store);
                    }
                    Ok(out)
                })
            })
            .await
    }

    async fn add_sets(
        &self,
        tx: &mut Tx<'_>,
        store: &str,
        currencies: Option<Vec<SupportedCurrency>>,
        locales: Option<Vec<SupportedLocale>>,
    ) -> Result<()> {
        let currencies: Vec<CreateStoreCurrency> = currencies
            .unwrap_or_default()
            .into_iter()
            .map(|c| CreateStoreCurrency {
                is_default: Some(c.is_default),
                store_id: Some(store.to_string()),
                ..CreateStoreCurrency::new(c.currency_code)
            })
            .collect();
        self.store_currencies().create_in(tx, currencies).await?;
        let locales: Vec<CreateStoreLocale> = locales
            .unwrap_or_default()
            .into_iter()
            .map(|l| CreateStoreLocale {
                store_id: Some(store.to_string()),
                ..CreateStoreLocale::new(l.locale_code)
            })
            .collect();
        self.store_locales().create_in(tx, locales).await?;
        Ok(())
    }
}
