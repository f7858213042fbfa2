//! Regions, currencies and stores as both namespaces serve them, on the
//! route kit: regions with bodies of their own (countries travel with the
//! region), currencies read-only, the store updated with its currency and
//! locale sets. `admin::geo` and `store::geo` register them.

use serde::Deserialize;
use serde_json::Value;
use stheno_core_flows::{region, store};
use stheno_currency::{Currency, CurrencyModule};
use stheno_framework::Container;
use stheno_module_sdk::Result;
use stheno_module_sdk::graph::FieldsConfig;
use stheno_region::{CreateRegion, NewRegion, Region, RegionChange, RegionModule, UpdateRegion};
use stheno_store::{
    Store, StoreChange, StoreModule, SupportedCurrency, SupportedLocale, UpdateStore,
};
use stheno_workflow_sdk::Workflow;

use crate::crud::{AdminRoutes, CrudResource, CustomBodies};
use crate::workflow::run;

fn one<T>(mut rows: Vec<T>) -> Result<T> {
    rows.pop()
        .ok_or_else(|| stheno_module_sdk::Error::unexpected_state("nothing was written"))
}

// ---- regions ---------------------------------------------------------------

const REGION_DEFAULTS: &[&str] = &[
    "id",
    "name",
    "currency_code",
    "created_at",
    "updated_at",
    "deleted_at",
    "metadata",
    "*countries",
];

/// Regions: the route kit for reads and deletes, the region workflows for
/// writes (countries are validated and move with the region).
pub(crate) struct Regions;

impl CrudResource for Regions {
    type Module = RegionModule;
    type Entity = Region;
    const FIELDS: FieldsConfig<'static> = FieldsConfig {
        defaults: &[
            "id",
            "name",
            "currency_code",
            "automatic_taxes",
            "created_at",
            "updated_at",
            "deleted_at",
            "metadata",
            "*countries",
        ],
        allowed: None,
        max_depth: None,
    };
    const STORE_FIELDS: FieldsConfig<'static> = FieldsConfig {
        defaults: REGION_DEFAULTS,
        allowed: Some(&[
            "automatic_taxes",
            "countries.iso_2",
            "countries.iso_3",
            "countries.num_code",
            "countries.name",
            "countries.display_name",
        ]),
        max_depth: Some(3),
    };
    fn delete() -> Workflow<Vec<String>, Vec<String>> {
        region::delete_regions()
    }
}

/// `POST /admin/regions`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateRegionBody {
    pub name: String,
    pub currency_code: String,
    /// ISO 3166-1 alpha-2 codes; each may belong to one region only.
    #[serde(default)]
    pub countries: Vec<String>,
    pub automatic_taxes: Option<bool>,
    /// Prices with this region's rule include tax (a price preference).
    pub is_tax_inclusive: Option<bool>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

/// `POST /admin/regions/:id`: given fields change; `countries` replaces
/// the set.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateRegionBody {
    pub name: Option<String>,
    pub currency_code: Option<String>,
    pub countries: Option<Vec<String>>,
    pub automatic_taxes: Option<bool>,
    pub is_tax_inclusive: Option<bool>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
}

impl CustomBodies for Regions {
    type CreateBody = CreateRegionBody;
    type UpdateBody = UpdateRegionBody;
    async fn create_from(c: &Container, body: CreateRegionBody) -> Result<Region> {
        let input = region::CreateRegionInput {
            region: NewRegion {
                region: CreateRegion {
                    automatic_taxes: body.automatic_taxes,
                    metadata: body.metadata,
                    ..CreateRegion::new(body.name, body.currency_code.to_lowercase())
                },
                countries: body.countries,
            },
            is_tax_inclusive: body.is_tax_inclusive,
        };
        one(run(c, region::create_regions(), vec![input]).await?)
    }
    async fn update_from(c: &Container, id: &str, body: UpdateRegionBody) -> Result<Region> {
        let change = region::UpdateRegionInput {
            change: RegionChange {
                id: id.to_string(),
                update: UpdateRegion {
                    name: body.name,
                    currency_code: body.currency_code.map(|c| c.to_lowercase()),
                    automatic_taxes: body.automatic_taxes,
                    metadata: body.metadata,
                },
                countries: body.countries,
            },
            is_tax_inclusive: body.is_tax_inclusive,
        };
        one(run(c, region::update_regions(), vec![change]).await?)
    }
}

// ---- currencies ------------------------------------------------------------

/// Currencies: read-only (seeded by the currency module's migration).
pub(crate) struct Currencies;

impl CrudResource for Currencies {
    type Module = CurrencyModule;
    type Entity = Currency;
    const FIELDS: FieldsConfig<'static> = FieldsConfig {
        defaults: &[
            "code",
            "name",
            "symbol",
            "symbol_native",
            "decimal_digits",
            "rounding",
            "created_at",
            "updated_at",
            "deleted_at",
        ],
        allowed: None,
        max_depth: None,
    };
    const STORE_FIELDS: FieldsConfig<'static> = FieldsConfig {
        defaults: &[
            "code",
            "name",
            "symbol",
            "symbol_native",
            "decimal_digits",
            "rounding",
        ],
        allowed: Some(&["created_at", "updated_at", "deleted_at"]),
        max_depth: Some(1),
    };
    const ADMIN_ROUTES: AdminRoutes = AdminRoutes {
        list: true,
        create: false,
        retrieve: true,
        update: false,
        delete: false,
    };
}

// ---- stores ----------------------------------------------------------------

/// Stores: listed, read and updated (a store is created by the seed or at
/// installation, not through the API).
pub(crate) struct Stores;

impl CrudResource for Stores {
    type Module = StoreModule;
    type Entity = Store;
    const FIELDS: FieldsConfig<'static> = FieldsConfig {
        defaults: &[
            "id",
            "name",
            "default_sales_channel_id",
            "default_region_id",
            "default_location_id",
            "metadata",
            "created_at",
            "updated_at",
            "*supported_currencies",
            "*supported_locales",
        ],
        allowed: None,
        max_depth: None,
    };
    const ADMIN_ROUTES: AdminRoutes = AdminRoutes {
        list: true,
        create: false,
        retrieve: true,
        update: true,
        delete: false,
    };
}

/// Unused: stores are not created through the API.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoBody {}

/// `POST /admin/stores/:id`: given fields change; the sets replace the
/// store's.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateStoreBody {
    pub name: Option<String>,
    pub supported_currencies: Option<Vec<CurrencyEntry>>,
    pub supported_locales: Option<Vec<LocaleEntry>>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    pub default_sales_channel_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    pub default_region_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    pub default_location_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
}

/// One supported currency.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CurrencyEntry {
    pub currency_code: String,
    #[serde(default)]
    pub is_default: bool,
    /// Prices in this currency include tax (a price preference).
    pub is_tax_inclusive: Option<bool>,
}

/// One supported locale.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LocaleEntry {
    pub locale_code: String,
}

impl CustomBodies for Stores {
    type CreateBody = NoBody;
    type UpdateBody = UpdateStoreBody;
    async fn create_from(_: &Container, _: NoBody) -> Result<Store> {
        Err(stheno_module_sdk::Error::not_allowed(
            "Stores are not created through the API",
        ))
    }
    async fn update_from(c: &Container, id: &str, body: UpdateStoreBody) -> Result<Store> {
        let currency_preferences = body
            .supported_currencies
            .iter()
            .flatten()
            .filter_map(|c| {
                Some(region::Preference {
                    attribute: "currency_code".into(),
                    value: c.currency_code.to_lowercase(),
                    is_tax_inclusive: c.is_tax_inclusive?,
                })
            })
            .collect();
        let change = StoreChange {
            id: id.to_string(),
            update: UpdateStore {
                name: body.name,
                default_sales_channel_id: body.default_sales_channel_id,
                default_region_id: body.default_region_id,
                default_location_id: body.default_location_id,
                metadata: body.metadata,
            },
            supported_currencies: body.supported_currencies.map(|v| {
                v.into_iter()
                    .map(|c| SupportedCurrency {
                        currency_code: c.currency_code,
                        is_default: c.is_default,
                    })
                    .collect()
            }),
            supported_locales: body.supported_locales.map(|v| {
                v.into_iter()
                    .map(|l| SupportedLocale {
                        locale_code: l.locale_code,
                    })
                    .collect()
            }),
        };
        let input = store::UpdateStoreInput {
            change,
            currency_preferences,
        };
        one(run(c, store::update_stores(), vec![input]).await?)
    }
}
