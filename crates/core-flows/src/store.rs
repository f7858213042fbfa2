//! Store workflows: `create-stores` (what the seed and a new installation
//! run) and `update-stores` (`POST /admin/stores/:id`), supported
//! currencies and locales replaced as sets.

use serde::{Deserialize, Serialize};
use serde_json::json;
use stheno_module_sdk::events::Event;
use stheno_store::{
    NewStore, Store, StoreChange, StoreCurrencyFilter, StoreLocaleFilter, StoreModule,
    SupportedCurrency, SupportedLocale,
};
use stheno_workflow_sdk::{Step, StepContext, StepError, StepResponse, Workflow, async_trait};

fn events(name: &str, ids: impl IntoIterator<Item = String>) -> Vec<Event> {
    ids.into_iter()
        .map(|id| Event::new(name, json!({ "id": id })))
        .collect()
}

/// `create-stores` (⇐ deleted for good with their sets), raising
/// `store.created`.
#[derive(Debug, Default)]
pub struct CreateStoresStep;

#[async_trait]
impl Step for CreateStoresStep {
    type Input = Vec<NewStore>;
    type Output = Vec<Store>;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        "create-stores"
    }

    async fn invoke(
        &self,
        input: Vec<NewStore>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<Store>, Vec<String>>, StepError> {
        let created = ctx.module::<StoreModule>()?.create_stores(input).await?;
        let ids: Vec<String> = created.iter().map(|s| s.id.clone()).collect();
        for event in events("store.created", ids.clone()) {
            ctx.emit(event);
        }
        Ok(StepResponse::with_compensation(created, ids))
    }

    async fn compensate(&self, ids: Vec<String>, ctx: &StepContext) -> Result<(), StepError> {
        ctx.module::<StoreModule>()?.stores().delete(&ids).await?;
        Ok(())
    }
}

/// One store as it was before an update.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoreBefore {
    pub row: Store,
    pub currencies: Vec<SupportedCurrency>,
    pub locales: Vec<SupportedLocale>,
}

/// `update-stores` (⇐ the previous rows and sets written back), raising
/// `store.updated`.
#[derive(Debug, Default)]
pub struct UpdateStoresStep;

#[async_trait]
impl Step for UpdateStoresStep {
    type Input = Vec<StoreChange>;
    type Output = Vec<Store>;
    type CompensateInput = Vec<StoreBefore>;

    fn name(&self) -> &str {
        "update-stores"
    }

    async fn invoke(
        &self,
        changes: Vec<StoreChange>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<Store>, Vec<StoreBefore>>, StepError> {
        let m = ctx.module::<StoreModule>()?;
        let ids: Vec<String> = changes.iter().map(|c| c.id.clone()).collect();
        let rows = m.stores().list_by_ids(&ids).await?;
        let by_store = json!({ "store_id": ids });
        let currencies = m
            .store_currencies()
            .list(
                &serde_json::from_value::<StoreCurrencyFilter>(by_store.clone())
                    .map_err(stheno_module_sdk::Error::from)?,
                &Default::default(),
            )
            .await?;
        let locales = m
            .store_locales()
            .list(
                &serde_json::from_value::<StoreLocaleFilter>(by_store)
                    .map_err(stheno_module_sdk::Error::from)?,
                &Default::default(),
            )
            .await?;
        let before = rows
            .into_iter()
            .map(|row| StoreBefore {
                currencies: currencies
                    .iter()
                    .filter(|c| c.store_id.as_deref() == Some(&row.id))
                    .map(|c| SupportedCurrency {
                        currency_code: c.currency_code.clone(),
                        is_default: c.is_default,
                    })
                    .collect(),
                locales: locales
                    .iter()
                    .filter(|l| l.store_id.as_deref() == Some(&row.id))
                    .map(|l| SupportedLocale {
                        locale_code: l.locale_code.clone(),
                    })
                    .collect(),
                row,
            })
            .collect();
        let updated = m.update_stores(changes).await?;
        for event in events("store.updated", ids) {
            ctx.emit(event);
        }
        Ok(StepResponse::with_compensation(updated, before))
    }

    async fn compensate(
        &self,
        before: Vec<StoreBefore>,
        ctx: &StepContext,
    ) -> Result<(), StepError> {
        let m = ctx.module::<StoreModule>()?;
        let rows: Vec<Store> = before.iter().map(|b| b.row.clone()).collect();
        m.stores().overwrite(&rows).await?;
        let sets = before
            .into_iter()
            .map(|b| StoreChange {
                id: b.row.id,
                supported_currencies: Some(b.currencies),
                supported_locales: Some(b.locales),
                ..Default::default()
            })
            .collect();
        m.update_stores(sets).await?;
        Ok(())
    }
}

/// `create-stores`.
pub fn create_stores() -> Workflow<Vec<NewStore>, Vec<Store>> {
    Workflow::<Vec<NewStore>>::new("create-stores").then(CreateStoresStep)
}

/// Changes to a store, with the tax inclusivity of its currencies
/// (`supported_currencies[].is_tax_inclusive`: price preferences on
/// `currency_code`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UpdateStoreInput {
    #[serde(flatten)]
    pub change: StoreChange,
    #[serde(default)]
    pub currency_preferences: Vec<crate::region::Preference>,
}

/// `update-stores` (`POST /admin/stores/:id`): the stores, then the
/// currencies' price preferences.
pub fn update_stores() -> Workflow<Vec<UpdateStoreInput>, Vec<Store>> {
    Workflow::<Vec<UpdateStoreInput>>::new("update-stores")
        .then_with(
            |inputs: &Vec<UpdateStoreInput>| inputs.iter().map(|i| i.change.clone()).collect(),
            UpdateStoresStep,
            |inputs, stores| (inputs, stores),
        )
        .then_with(
            |(inputs, _): &(Vec<UpdateStoreInput>, Vec<Store>)| {
                inputs
                    .iter()
                    .flat_map(|i| i.currency_preferences.iter().cloned())
                    .collect()
            },
            crate::region::UpsertPricePreferencesStep,
            |(_, stores), ()| stores,
        )
}
