//! `/admin/tax-regions`, `/admin/tax-rates` (with their rules) and
//! `/admin/tax-providers`, over the tax module.
//!
//! Through the route kit: the lists (generated filters: `country_code`,
//! `province_code`, `parent_id`, `tax_region_id`, `q`, …), the retrieves
//! (`fields=*tax_rates,*children,*parent`, `fields=*rules`), the region
//! update and both deletes. Written here: the creates (the admin is
//! `created_by`; a region comes with its default rate, a rate with its
//! rules), the rate update (`rules` replaces the set) and the rule routes.
//! Every mutation runs a workflow of `stheno_core_flows::tax`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;
use stheno_core_flows::entity::Update;
use stheno_core_flows::tax::{self, TaxRateChange, TaxRateRules};
use stheno_framework::Container;
use stheno_http::openapi::{Doc, RouteSet, deleted_with_parent_schema, reference};
use stheno_http::{ApiResult, Authenticated, Body, RetrieveQuery, response};
use stheno_module_sdk::entity::Entity as _;
use stheno_module_sdk::graph::{FieldsConfig, QueryContext};
use stheno_module_sdk::{Error, Result};
use stheno_tax::{
    CreateTaxRateInput, CreateTaxRegionInput, DefaultTaxRateInput, TaxModule, TaxProvider, TaxRate,
    TaxRateRule, TaxRateRuleInput, TaxRegion, UpdateTaxRate, UpdateTaxRegion,
};

use crate::crud::{self, AdminRoutes, CrudResource};
use crate::{respond, workflow};

pub(super) fn configure(r: &mut RouteSet) {
    r.post(
        "/tax-regions",
        create_region,
        Doc::new("Create a tax region")
            .tag("Tax Regions")
            .fields()
            .body_of::<CreateTaxRegionBody>()
            .record("tax_region", TaxRegion::META),
    )
    .post(
        "/tax-rates",
        create_rate,
        Doc::new("Create a tax rate")
            .tag("Tax Rates")
            .fields()
            .body_of::<CreateTaxRateBody>()
            .record("tax_rate", TaxRate::META),
    )
    .post(
        "/tax-rates/{id}",
        update_rate,
        Doc::new("Update a tax rate")
            .tag("Tax Rates")
            .fields()
            .body_of::<UpdateTaxRateBody>()
            .record("tax_rate", TaxRate::META),
    )
    .post(
        "/tax-rates/{id}/rules",
        create_rule,
        Doc::new("Add a rule to a tax rate")
            .tag("Tax Rates")
            .fields()
            .body_of::<TaxRateRuleInput>()
            .record("tax_rate", TaxRate::META),
    )
    .delete(
        "/tax-rates/{id}/rules/{rule_id}",
        delete_rule,
        Doc::new("Remove a rule from a tax rate")
            .tag("Tax Rates")
            .fields()
            .uses(TaxRate::META)
            .response(
                200,
                "Deleted, with the tax rate",
                deleted_with_parent_schema(reference("tax_rate")),
            ),
    );
    crud::admin::<TaxRegions>(r, "/tax-regions");
    crud::admin::<TaxRates>(r, "/tax-rates");
    crud::admin::<TaxProviders>(r, "/tax-providers");
}

fn one<T>(mut rows: Vec<T>) -> Result<T> {
    rows.pop()
        .ok_or_else(|| Error::unexpected_state("nothing was written"))
}

// ---- tax regions -------------------------------------------------------------

/// Tax regions through the route kit: list, retrieve, update
/// (`update-tax-regions`, `province_code` lower-cased) and delete
/// (`delete-tax-regions`, with the province regions and rates).
struct TaxRegions;

impl CrudResource for TaxRegions {
    type Module = TaxModule;
    type Entity = TaxRegion;
    const FIELDS: FieldsConfig<'static> = FieldsConfig {
        defaults: &[
            "id",
            "country_code",
            "province_code",
            "parent_id",
            "provider_id",
            "created_by",
            "created_at",
            "updated_at",
            "deleted_at",
            "metadata",
        ],
        allowed: None,
        max_depth: None,
    };
    const DEFAULT_LIMIT: i64 = 20;
    const ADMIN_ROUTES: AdminRoutes = AdminRoutes {
        create: false,
        ..AdminRoutes::ALL
    };

    async fn update_one(c: &Container, id: &str, input: UpdateTaxRegion) -> Result<TaxRegion> {
        one(workflow::run(c, tax::update_tax_regions(), vec![Update::new(id, input)]).await?)
    }

    async fn delete_one(c: &Container, id: &str) -> Result<()> {
        workflow::run(c, tax::delete_tax_regions(), vec![id.to_string()]).await?;
        Ok(())
    }
}

/// `POST /admin/tax-regions`: a country region (no `province_code`, no
/// `parent_id`) or a province region under its country's region; codes
/// are stored lower-case. Regions without a provider use `tp_system`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateTaxRegionBody {
    /// ISO 3166-1 alpha-2 (`us`).
    country_code: String,
    /// ISO 3166-2 subdivision (`ca`); province regions only.
    province_code: Option<String>,
    /// The country region of a province region.
    parent_id: Option<String>,
    /// A tax provider key (`tp_system`); country regions only.
    provider_id: Option<String>,
    /// Created with the region as its default rate.
    default_tax_rate: Option<DefaultTaxRateInput>,
    #[schema(value_type = Option<Object>)]
    metadata: Option<Value>,
}

async fn create_region(
    c: web::Data<Container>,
    auth: Authenticated,
    q: RetrieveQuery,
    body: Body<CreateTaxRegionBody>,
) -> ApiResult<HttpResponse> {
    // Checked before anything is written.
    q.selection(TaxRegions::FIELDS)?;
    let b = body.0;
    let input = CreateTaxRegionInput {
        country_code: b.country_code,
        province_code: b.province_code,
        parent_id: b.parent_id,
        provider_id: b.provider_id,
        default_tax_rate: b.default_tax_rate,
        metadata: b.metadata,
        created_by: Some(auth.0.actor_id),
    };
    let region = one(workflow::run(&c, tax::create_tax_regions(), vec![input]).await?)?;
    crud::respond_one::<TaxRegions>(&c, &region.id, q).await
}

// ---- tax rates ---------------------------------------------------------------

/// Tax rates through the route kit: list, retrieve and delete
/// (`delete-tax-rates`, with the rules).
struct TaxRates;

impl CrudResource for TaxRates {
    type Module = TaxModule;
    type Entity = TaxRate;
    const FIELDS: FieldsConfig<'static> = FieldsConfig {
        defaults: &[
            "id",
            "name",
            "code",
            "rate",
            "tax_region_id",
            "is_default",
            "is_combinable",
            "created_by",
            "created_at",
            "updated_at",
            "deleted_at",
            "metadata",
        ],
        allowed: None,
        max_depth: None,
    };
    const DEFAULT_LIMIT: i64 = 20;
    const ADMIN_ROUTES: AdminRoutes = AdminRoutes {
        create: false,
        update: false,
        ..AdminRoutes::ALL
    };

    async fn delete_one(c: &Container, id: &str) -> Result<()> {
        workflow::run(c, tax::delete_tax_rates(), vec![id.to_string()]).await?;
        Ok(())
    }
}

/// `POST /admin/tax-rates`: a rate of a live region, with its rules.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateTaxRateBody {
    tax_region_id: String,
    name: String,
    code: String,
    /// Percent (`8.25`).
    rate: Option<f32>,
    /// At most one default rate per region.
    is_default: Option<bool>,
    is_combinable: Option<bool>,
    /// The products, product types or shipping options the rate applies to.
    #[serde(default)]
    rules: Vec<TaxRateRuleInput>,
    #[schema(value_type = Option<Object>)]
    metadata: Option<Value>,
}

async fn create_rate(
    c: web::Data<Container>,
    auth: Authenticated,
    q: RetrieveQuery,
    body: Body<CreateTaxRateBody>,
) -> ApiResult<HttpResponse> {
    q.selection(TaxRates::FIELDS)?;
    let b = body.0;
    let input = CreateTaxRateInput {
        tax_region_id: b.tax_region_id,
        rate: b.rate,
        code: b.code,
        name: b.name,
        is_default: b.is_default,
        is_combinable: b.is_combinable,
        rules: b.rules,
        metadata: b.metadata,
        created_by: Some(auth.0.actor_id),
    };
    let rate = one(workflow::run(&c, tax::create_tax_rates(), vec![input]).await?)?;
    crud::respond_one::<TaxRates>(&c, &rate.id, q).await
}

/// `POST /admin/tax-rates/:id`: given fields change (`rate: null`
/// clears); `rules` replaces the rate's set (`[]` removes them all).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateTaxRateBody {
    name: Option<String>,
    code: Option<String>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    #[schema(value_type = Option<f32>)]
    rate: Option<Option<f32>>,
    is_default: Option<bool>,
    is_combinable: Option<bool>,
    rules: Option<Vec<TaxRateRuleInput>>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    #[schema(value_type = Option<Object>)]
    metadata: Option<Option<Value>>,
}

async fn update_rate(
    c: web::Data<Container>,
    auth: Authenticated,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<UpdateTaxRateBody>,
) -> ApiResult<HttpResponse> {
    q.selection(TaxRates::FIELDS)?;
    c.require::<TaxModule>()?.tax_rates().retrieve(&id).await?;
    let b = body.0;
    let change = TaxRateChange {
        id: id.to_string(),
        update: UpdateTaxRate {
            name: b.name,
            code: b.code,
            rate: b.rate,
            is_default: b.is_default,
            is_combinable: b.is_combinable,
            metadata: b.metadata,
        },
        rules: b.rules,
        created_by: Some(auth.0.actor_id),
    };
    workflow::run(&c, tax::update_tax_rates(), vec![change]).await?;
    crud::respond_one::<TaxRates>(&c, &id, q).await
}

/// `POST /admin/tax-rates/:id/rules {reference, reference_id}` →
/// `{tax_rate}`.
async fn create_rule(
    c: web::Data<Container>,
    auth: Authenticated,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<TaxRateRuleInput>,
) -> ApiResult<HttpResponse> {
    q.selection(TaxRates::FIELDS)?;
    c.require::<TaxModule>()?.tax_rates().retrieve(&id).await?;
    let rules = TaxRateRules {
        tax_rate_id: id.to_string(),
        rules: vec![body.0],
        created_by: Some(auth.0.actor_id),
    };
    workflow::run(&c, tax::create_tax_rate_rules(), rules).await?;
    crud::respond_one::<TaxRates>(&c, &id, q).await
}

/// `DELETE /admin/tax-rates/:id/rules/:rule_id` →
/// `{id, object: "tax_rate_rule", deleted: true, parent: <tax rate>}`. A
/// rule of another rate is not found.
async fn delete_rule(
    c: web::Data<Container>,
    path: web::Path<(String, String)>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let (id, rule_id) = path.into_inner();
    let selection = q.selection(TaxRates::FIELDS)?;
    let m = c.require::<TaxModule>()?;
    m.tax_rates().retrieve(&id).await?;
    let rule = m.tax_rate_rules().retrieve(&rule_id).await?;
    if rule.tax_rate_id != id {
        return Err(TaxRateRule::META.not_found(&rule_id).into());
    }
    workflow::run(&c, tax::delete_tax_rate_rules(), vec![rule_id.clone()]).await?;
    let rate = m.tax_rates().retrieve(&id).await?;
    let parent =
        respond::expand_one(&c, "tax_rate", &rate, &selection, QueryContext::ADMIN).await?;
    Ok(response::deleted_with_parent(
        &rule_id,
        "tax_rate_rule",
        parent,
    ))
}

// ---- tax providers -----------------------------------------------------------

/// Tax providers: listed only (rows follow the built providers at
/// start-up).
struct TaxProviders;

impl CrudResource for TaxProviders {
    type Module = TaxModule;
    type Entity = TaxProvider;
    const FIELDS: FieldsConfig<'static> = FieldsConfig {
        defaults: &["id", "is_enabled"],
        allowed: None,
        max_depth: None,
    };
    const DEFAULT_LIMIT: i64 = 20;
    const ADMIN_ROUTES: AdminRoutes = AdminRoutes {
        list: true,
        create: false,
        retrieve: false,
        update: false,
        delete: false,
    };
}
