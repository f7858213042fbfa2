//! `/admin/tax-regions`, `/admin/tax-rates` (and their rules) and
//! `/admin/tax-providers`; the tax workflows' compensation.

use actix_web::http::Method;
use serde_json::{Value, json};
use stheno::core_flows::entity::Update;
use stheno::core_flows::tax::{TaxRateChange, delete_tax_regions, update_tax_rates};
use stheno::sdk::Error;
use stheno::tax::{RuleReference, TaxModule, TaxRate, TaxRateRuleInput, UpdateTaxRate};
use stheno::testing::{TestApp, TestResponse};
use stheno::workflows::{Step, StepContext, StepError, StepResponse, Workflow, async_trait};

use crate::{assert_error, keys};

async fn ok(res: TestResponse) -> Value {
    assert_eq!(res.status, 200, "{}", res.body);
    res.body
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

/// A country region `US` with its default rate, and its province `CA`.
async fn us_and_california(app: &TestApp) -> (String, String) {
    let body = ok(app
        .admin_post(
            "/admin/tax-regions",
            json!({
                "country_code": "US",
                "provider_id": "tp_system",
                "default_tax_rate": {"rate": 5, "code": "US-DEF", "name": "US default"},
                "metadata": {"k": "v"}
            }),
        )
        .await)
    .await;
    let us = id_of(&body["tax_region"]);
    let body = ok(app
        .admin_post(
            "/admin/tax-regions",
            json!({"country_code": "us", "province_code": "CA", "parent_id": us}),
        )
        .await)
    .await;
    (us, id_of(&body["tax_region"]))
}

/// The `reference_id`s of a rate's live rules, sorted.
fn rule_refs(rate: &Value) -> Vec<String> {
    let mut refs: Vec<String> = rate["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["reference_id"].as_str().unwrap().to_string())
        .collect();
    refs.sort();
    refs
}

#[tokio::test(flavor = "multi_thread")]
async fn tax_region_create_stores_lower_case_codes_default_rate_and_creator() {
    let app = TestApp::new().await.unwrap();
    let res = app
        .admin_post(
            "/admin/tax-regions",
            json!({
                "country_code": "US",
                "provider_id": "tp_system",
                "default_tax_rate": {"rate": 5.5, "code": "US-DEF", "name": "US default"}
            }),
        )
        .await;
    let region = &ok(res).await["tax_region"];
    assert!(region["id"].as_str().unwrap().starts_with("txreg_"));
    assert_eq!(
        keys(region),
        [
            "country_code",
            "created_at",
            "created_by",
            "deleted_at",
            "id",
            "metadata",
            "parent_id",
            "provider_id",
            "province_code",
            "updated_at"
        ]
    );
    assert_eq!(region["country_code"], "us");
    assert_eq!(region["province_code"], Value::Null);
    assert_eq!(region["provider_id"], "tp_system");
    assert!(
        region["created_by"].as_str().unwrap().starts_with("user_"),
        "{region}"
    );

    let id = id_of(region);
    let body = ok(app
        .admin_get(&format!("/admin/tax-regions/{id}?fields=id,*tax_rates"))
        .await)
    .await;
    let rates = body["tax_region"]["tax_rates"].as_array().unwrap();
    assert_eq!(rates.len(), 1);
    assert_eq!(rates[0]["code"], "US-DEF");
    assert_eq!(rates[0]["rate"], 5.5);
    assert_eq!(rates[0]["is_default"], true);
    assert_eq!(rates[0]["created_by"], region["created_by"]);

    // A second region for the country is a duplicate.
    let res = app
        .admin_post("/admin/tax-regions", json!({"country_code": "us"}))
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert_eq!(res.body["type"], "duplicate_error");
}

#[tokio::test(flavor = "multi_thread")]
async fn province_region_sits_under_its_country_region() {
    let app = TestApp::new().await.unwrap();
    let (us, ca) = us_and_california(&app).await;

    let body = ok(app
        .admin_get(&format!("/admin/tax-regions/{ca}?fields=*parent"))
        .await)
    .await;
    let province = &body["tax_region"];
    assert_eq!(province["province_code"], "ca");
    assert_eq!(province["country_code"], "us");
    assert_eq!(province["parent_id"], us.as_str());
    assert_eq!(province["provider_id"], Value::Null);
    assert_eq!(province["parent"]["id"], us.as_str());
    assert_eq!(province["parent"]["metadata"], json!({"k": "v"}));

    let body = ok(app
        .admin_get(&format!(
            "/admin/tax-regions/{us}?fields=id,*children,*tax_rates,*parent"
        ))
        .await)
    .await;
    let country = &body["tax_region"];
    let children: Vec<&str> = country["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(children, [ca.as_str()]);
    assert_eq!(country["tax_rates"].as_array().unwrap().len(), 1);
    assert_eq!(country["parent"], Value::Null);

    // Filters.
    let body = ok(app.admin_get("/admin/tax-regions?country_code=us").await).await;
    assert_eq!(
        (body["count"].clone(), body["limit"].clone()),
        (json!(2), json!(20))
    );
    let body = ok(app
        .admin_get(&format!("/admin/tax-regions?parent_id={us}"))
        .await)
    .await;
    assert_eq!(body["count"], 1);
    assert_eq!(body["tax_regions"][0]["id"], ca.as_str());
    let body = ok(app.admin_get("/admin/tax-regions?province_code=ca").await).await;
    assert_eq!(body["tax_regions"][0]["id"], ca.as_str());
    let body = ok(app.admin_get("/admin/tax-regions?q=ca").await).await;
    assert_eq!(body["count"], 1);

    // A province region needs a parent of its own country.
    let res = app
        .admin_post(
            "/admin/tax-regions",
            json!({"country_code": "us", "province_code": "ny"}),
        )
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Province region must belong to a parent region. You are trying to create a province \
         region with (country: us, province: ny) but parent does not exist",
    );
    let body = ok(app
        .admin_post("/admin/tax-regions", json!({"country_code": "ca"}))
        .await)
    .await;
    let canada = id_of(&body["tax_region"]);
    let res = app
        .admin_post(
            "/admin/tax-regions",
            json!({"country_code": "us", "province_code": "ny", "parent_id": canada}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.body["type"], "invalid_data");
}

#[tokio::test(flavor = "multi_thread")]
async fn tax_region_update_lower_cases_the_province_and_keeps_the_tree() {
    let app = TestApp::new().await.unwrap();
    let (us, ca) = us_and_california(&app).await;

    let body = ok(app
        .admin_post(
            &format!("/admin/tax-regions/{ca}"),
            json!({"province_code": " NV ", "metadata": {"x": 1}}),
        )
        .await)
    .await;
    assert_eq!(body["tax_region"]["province_code"], "nv");
    assert_eq!(body["tax_region"]["metadata"], json!({"x": 1}));
    let body = ok(app.admin_get("/admin/tax-regions?province_code=nv").await).await;
    assert_eq!(body["count"], 1);

    // A province region has no provider of its own; a country region no
    // province; an unknown provider is not found.
    let res = app
        .admin_post(
            &format!("/admin/tax-regions/{ca}"),
            json!({"provider_id": "tp_system"}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(
        res.body["message"]
            .as_str()
            .unwrap()
            .starts_with("A province region uses its parent's tax provider"),
        "{}",
        res.body
    );
    let res = app
        .admin_post(
            &format!("/admin/tax-regions/{us}"),
            json!({"province_code": "tx"}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    let res = app
        .admin_post(
            &format!("/admin/tax-regions/{us}"),
            json!({"provider_id": "tp_nope"}),
        )
        .await;
    assert_error(
        &res,
        404,
        "not_found",
        "TaxProvider with id: tp_nope was not found",
    );
    // Nothing changed by the refused updates.
    let body = ok(app.admin_get(&format!("/admin/tax-regions/{us}")).await).await;
    assert_eq!(body["tax_region"]["provider_id"], "tp_system");
    assert_eq!(body["tax_region"]["province_code"], Value::Null);

    // country_code and parent_id are not updatable.
    let res = app
        .admin_post(
            &format!("/admin/tax-regions/{ca}"),
            json!({"country_code": "de"}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.body["type"], "invalid_data");
}

#[tokio::test(flavor = "multi_thread")]
async fn tax_region_delete_takes_province_regions_and_rates_along() {
    let app = TestApp::new().await.unwrap();
    let (us, ca) = us_and_california(&app).await;
    let res = app.admin_delete(&format!("/admin/tax-regions/{us}")).await;
    assert_eq!(
        ok(res).await,
        json!({"id": us, "object": "tax_region", "deleted": true})
    );
    for id in [&us, &ca] {
        assert_error(
            &app.admin_get(&format!("/admin/tax-regions/{id}")).await,
            404,
            "not_found",
            &format!("TaxRegion with id: {id} was not found"),
        );
    }
    let body = ok(app
        .admin_get(&format!("/admin/tax-rates?tax_region_id={us}"))
        .await)
    .await;
    assert_eq!(body["count"], 0);
    // The country is free again.
    ok(app
        .admin_post("/admin/tax-regions", json!({"country_code": "us"}))
        .await)
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tax_region_routes_need_an_admin_a_valid_body_and_a_known_id() {
    let app = TestApp::new().await.unwrap();
    for (method, path) in [
        (Method::GET, "/admin/tax-regions"),
        (Method::POST, "/admin/tax-regions"),
        (Method::GET, "/admin/tax-regions/txreg_nope"),
        (Method::DELETE, "/admin/tax-regions/txreg_nope"),
    ] {
        let body = (method == Method::POST).then(|| json!({"country_code": "us"}));
        let res = app.request(method, path, body, false).await;
        assert_eq!(res.status, 401, "{path}: {}", res.body);
        assert_eq!(res.body, json!({"message": "Unauthorized"}));
    }

    let res = app.admin_post("/admin/tax-regions", json!({})).await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Field 'country_code' is required",
    );
    let res = app
        .admin_post(
            "/admin/tax-regions",
            json!({"country_code": "us", "created_by": "someone"}),
        )
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Unrecognized fields: 'created_by'",
    );
    let res = app
        .admin_post(
            "/admin/tax-regions",
            json!({"country_code": "us", "default_tax_rate": {"rate": 5}}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.body["type"], "invalid_data");
    let body = ok(app.admin_get("/admin/tax-regions").await).await;
    assert_eq!(body["count"], 0, "nothing was created");

    for res in [
        app.admin_get("/admin/tax-regions/txreg_nope").await,
        app.admin_post("/admin/tax-regions/txreg_nope", json!({}))
            .await,
        app.admin_delete("/admin/tax-regions/txreg_nope").await,
    ] {
        assert_error(
            &res,
            404,
            "not_found",
            "TaxRegion with id: txreg_nope was not found",
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tax_rate_is_created_with_rules_and_update_replaces_them() {
    let app = TestApp::new().await.unwrap();
    let (us, _) = us_and_california(&app).await;
    let body = ok(app
        .admin_post(
            "/admin/tax-rates?fields=*rules",
            json!({
                "tax_region_id": us,
                "name": "Books",
                "code": "BOOKS",
                "rate": 2.5,
                "is_combinable": true,
                "rules": [
                    {"reference": "product", "reference_id": "prod_1"},
                    {"reference": "product_type", "reference_id": "ptyp_1"}
                ]
            }),
        )
        .await)
    .await;
    let rate = &body["tax_rate"];
    let id = id_of(rate);
    assert!(id.starts_with("txr_"));
    assert_eq!(rate["rate"], 2.5);
    assert_eq!(rate["is_default"], false);
    assert_eq!(rate["is_combinable"], true);
    assert_eq!(rate["tax_region_id"], us.as_str());
    assert!(rate["created_by"].as_str().unwrap().starts_with("user_"));
    assert_eq!(rule_refs(rate), ["prod_1", "ptyp_1"]);
    let prod_1 = rate["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reference_id"] == "prod_1")
        .unwrap()["id"]
        .clone();

    // List filters.
    let body = ok(app
        .admin_get(&format!("/admin/tax-rates?tax_region_id={us}"))
        .await)
    .await;
    assert_eq!(body["count"], 2, "the default rate and Books");
    let body = ok(app.admin_get("/admin/tax-rates?q=book").await).await;
    assert_eq!(body["count"], 1);
    assert_eq!(body["tax_rates"][0]["id"], id.as_str());

    // Update: columns change, `rules` replaces the set (prod_1 kept as is).
    let body = ok(app
        .admin_post(
            &format!("/admin/tax-rates/{id}?fields=id,name,rate,*rules"),
            json!({
                "name": "Books & papers",
                "rate": null,
                "rules": [
                    {"reference": "product", "reference_id": "prod_2"},
                    {"reference": "product", "reference_id": "prod_1"}
                ]
            }),
        )
        .await)
    .await;
    let rate = &body["tax_rate"];
    assert_eq!(rate["name"], "Books & papers");
    assert_eq!(rate["rate"], Value::Null);
    assert_eq!(rule_refs(rate), ["prod_1", "prod_2"]);
    let kept = rate["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reference_id"] == "prod_1")
        .unwrap();
    assert_eq!(kept["id"], prod_1);

    // Without `rules` the set stays; `[]` empties it.
    let body = ok(app
        .admin_post(
            &format!("/admin/tax-rates/{id}?fields=*rules"),
            json!({"code": "BKS"}),
        )
        .await)
    .await;
    assert_eq!(body["tax_rate"]["code"], "BKS");
    assert_eq!(rule_refs(&body["tax_rate"]), ["prod_1", "prod_2"]);
    let body = ok(app
        .admin_post(
            &format!("/admin/tax-rates/{id}?fields=*rules"),
            json!({"rules": []}),
        )
        .await)
    .await;
    assert_eq!(body["tax_rate"]["rules"], json!([]));
    assert_eq!(body["tax_rate"]["name"], "Books & papers");
}

#[tokio::test(flavor = "multi_thread")]
async fn tax_rate_rules_are_added_and_removed_one_by_one() {
    let app = TestApp::new().await.unwrap();
    let (us, _) = us_and_california(&app).await;
    let body = ok(app
        .admin_post(
            "/admin/tax-rates",
            json!({"tax_region_id": us, "name": "Ship", "code": "SHIP", "rate": 1}),
        )
        .await)
    .await;
    let id = id_of(&body["tax_rate"]);

    let body = ok(app
        .admin_post(
            &format!("/admin/tax-rates/{id}/rules?fields=id,*rules"),
            json!({"reference": "shipping_option", "reference_id": "so_1"}),
        )
        .await)
    .await;
    let rules = body["tax_rate"]["rules"].as_array().unwrap().clone();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["reference"], "shipping_option");
    assert_eq!(rules[0]["reference_id"], "so_1");
    assert!(
        rules[0]["created_by"]
            .as_str()
            .unwrap()
            .starts_with("user_")
    );
    let rule = id_of(&rules[0]);
    assert!(rule.starts_with("txrule_"));

    let res = app
        .admin_post(
            &format!("/admin/tax-rates/{id}/rules"),
            json!({"reference": "shipping_option", "reference_id": "so_1"}),
        )
        .await;
    assert_error(
        &res,
        422,
        "duplicate_error",
        &format!("Tax rate rule with tax_rate_id: {id}, reference_id: so_1, already exists."),
    );
    let res = app
        .admin_post(
            &format!("/admin/tax-rates/{id}/rules"),
            json!({"reference": "customer", "reference_id": "cus_1"}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.body["type"], "invalid_data");
    let res = app
        .admin_post(
            &format!("/admin/tax-rates/{id}/rules"),
            json!({"reference": "product"}),
        )
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Field 'reference_id' is required",
    );

    // A rule of another rate, an unknown rule or rate: not found.
    let other = ok(app
        .admin_get(&format!(
            "/admin/tax-rates?tax_region_id={us}&is_default=true"
        ))
        .await)
    .await;
    let other = id_of(&other["tax_rates"][0]);
    assert_error(
        &app.admin_delete(&format!("/admin/tax-rates/{other}/rules/{rule}"))
            .await,
        404,
        "not_found",
        &format!("TaxRateRule with id: {rule} was not found"),
    );
    assert_error(
        &app.admin_delete(&format!("/admin/tax-rates/{id}/rules/txrule_nope"))
            .await,
        404,
        "not_found",
        "TaxRateRule with id: txrule_nope was not found",
    );
    assert_error(
        &app.admin_post(
            "/admin/tax-rates/txr_nope/rules",
            json!({"reference": "product", "reference_id": "prod_1"}),
        )
        .await,
        404,
        "not_found",
        "TaxRate with id: txr_nope was not found",
    );

    let body = ok(app
        .admin_delete(&format!(
            "/admin/tax-rates/{id}/rules/{rule}?fields=id,code,*rules"
        ))
        .await)
    .await;
    assert_eq!(body["id"], rule.as_str());
    assert_eq!(body["object"], "tax_rate_rule");
    assert_eq!(body["deleted"], true);
    assert_eq!(body["parent"]["id"], id.as_str());
    assert_eq!(body["parent"]["code"], "SHIP");
    assert_eq!(body["parent"]["rules"], json!([]));
    assert_error(
        &app.admin_delete(&format!("/admin/tax-rates/{id}/rules/{rule}"))
            .await,
        404,
        "not_found",
        &format!("TaxRateRule with id: {rule} was not found"),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tax_rate_delete_and_errors() {
    let app = TestApp::new().await.unwrap();
    let (us, _) = us_and_california(&app).await;
    for (method, path) in [
        (Method::GET, "/admin/tax-rates"),
        (Method::POST, "/admin/tax-rates"),
        (Method::POST, "/admin/tax-rates/txr_nope/rules"),
        (
            Method::DELETE,
            "/admin/tax-rates/txr_nope/rules/txrule_nope",
        ),
        (Method::GET, "/admin/tax-providers"),
    ] {
        let res = app.request(method, path, None, false).await;
        assert_eq!(res.status, 401, "{path}: {}", res.body);
    }

    let res = app
        .admin_post(
            "/admin/tax-rates",
            json!({"tax_region_id": us, "name": "X", "code": "X", "rate": "ten"}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.body["type"], "invalid_data");
    let res = app
        .admin_post(
            "/admin/tax-rates",
            json!({"tax_region_id": us, "name": "X"}),
        )
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Field 'code' is required",
    );
    let res = app
        .admin_post(
            "/admin/tax-rates",
            json!({"tax_region_id": "txreg_nope", "name": "X", "code": "X"}),
        )
        .await;
    assert_error(
        &res,
        404,
        "not_found",
        "TaxRegion with id: txreg_nope was not found",
    );
    // A second default rate for the region is a duplicate.
    let res = app
        .admin_post(
            "/admin/tax-rates",
            json!({"tax_region_id": us, "name": "X", "code": "X", "is_default": true}),
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.body);

    let body = ok(app
        .admin_post(
            "/admin/tax-rates",
            json!({
                "tax_region_id": us, "name": "Food", "code": "FOOD",
                "rules": [{"reference": "product", "reference_id": "prod_1"}]
            }),
        )
        .await)
    .await;
    let id = id_of(&body["tax_rate"]);
    let res = app
        .admin_post(&format!("/admin/tax-rates/{id}"), json!({"nope": 1}))
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Unrecognized fields: 'nope'",
    );
    for res in [
        app.admin_get("/admin/tax-rates/txr_nope").await,
        app.admin_post("/admin/tax-rates/txr_nope", json!({"name": "Y"}))
            .await,
        app.admin_delete("/admin/tax-rates/txr_nope").await,
    ] {
        assert_error(
            &res,
            404,
            "not_found",
            "TaxRate with id: txr_nope was not found",
        );
    }

    assert_eq!(
        ok(app.admin_delete(&format!("/admin/tax-rates/{id}")).await).await,
        json!({"id": id, "object": "tax_rate", "deleted": true})
    );
    assert_eq!(
        app.admin_get(&format!("/admin/tax-rates/{id}"))
            .await
            .status,
        404
    );
    let m = app.container.module::<TaxModule>().unwrap();
    let rules = m
        .tax_rate_rules()
        .list(&Default::default(), &Default::default())
        .await
        .unwrap();
    assert_eq!(rules, [], "the rate's rules went with it");
}

#[tokio::test(flavor = "multi_thread")]
async fn tax_providers_list_the_system_provider() {
    let app = TestApp::new().await.unwrap();
    let body = ok(app.admin_get("/admin/tax-providers").await).await;
    assert_eq!(
        body,
        json!({
            "tax_providers": [{"id": "tp_system", "is_enabled": true}],
            "count": 1,
            "offset": 0,
            "limit": 20
        })
    );
    let body = ok(app.admin_get("/admin/tax-providers?is_enabled=false").await).await;
    assert_eq!(body["count"], 0);
}

/// Fails, so the steps before it are compensated.
struct Fail;

#[async_trait]
impl Step for Fail {
    type Input = Vec<TaxRate>;
    type Output = ();
    type CompensateInput = ();
    fn name(&self) -> &str {
        "fail"
    }
    async fn invoke(
        &self,
        _: Vec<TaxRate>,
        _: &StepContext,
    ) -> Result<StepResponse<()>, StepError> {
        Err(StepError::permanent(Error::invalid_data(
            "later step failed",
        )))
    }
}

/// Fails after a delete.
struct FailAfterDelete;

#[async_trait]
impl Step for FailAfterDelete {
    type Input = Vec<String>;
    type Output = ();
    type CompensateInput = ();
    fn name(&self) -> &str {
        "fail"
    }
    async fn invoke(&self, _: Vec<String>, _: &StepContext) -> Result<StepResponse<()>, StepError> {
        Err(StepError::permanent(Error::invalid_data(
            "later step failed",
        )))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_rate_update_puts_columns_and_rules_back() {
    let app = TestApp::new().await.unwrap();
    let (us, _) = us_and_california(&app).await;
    let body = ok(app
        .admin_post(
            "/admin/tax-rates?fields=*rules",
            json!({
                "tax_region_id": us, "name": "Books", "code": "BOOKS", "rate": 2,
                "rules": [
                    {"reference": "product", "reference_id": "prod_1"},
                    {"reference": "product", "reference_id": "prod_2"}
                ]
            }),
        )
        .await)
    .await;
    let before = body["tax_rate"].clone();
    let id = id_of(&before);

    let change = TaxRateChange {
        id: id.clone(),
        update: UpdateTaxRate {
            name: Some("Renamed".into()),
            ..Default::default()
        },
        rules: Some(vec![
            TaxRateRuleInput::new(RuleReference::Product, "prod_2"),
            TaxRateRuleInput::new(RuleReference::ProductType, "ptyp_9"),
        ]),
        created_by: None,
    };
    let wf = Workflow::<Vec<TaxRateChange>>::new("test-update-tax-rates-then-fail")
        .then_workflow(&update_tax_rates())
        .then(Fail);
    let run = app.container.workflows().run(&wf, vec![change]).await;
    let err = run.result.unwrap_err();
    assert_eq!(err.error().message(), "later step failed");

    let body = ok(app
        .admin_get(&format!("/admin/tax-rates/{id}?fields=*rules"))
        .await)
    .await;
    let after = &body["tax_rate"];
    assert_eq!(after["name"], "Books");
    assert_eq!(rule_refs(after), ["prod_1", "prod_2"]);
    let ids = |rate: &Value| {
        let mut ids: Vec<String> = rate["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(id_of)
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(after), ids(&before), "the same rule rows are back");
    let m = app.container.module::<TaxModule>().unwrap();
    let all = m
        .tax_rate_rules()
        .list_and_count_where(
            &stheno::sdk::entity::Condition::All(vec![]),
            &stheno::sdk::entity::ListConfig {
                with_deleted: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        all.1, 2,
        "the rule created by the failed run is gone for good"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_region_delete_restores_region_provinces_and_rates() {
    let app = TestApp::new().await.unwrap();
    let (us, ca) = us_and_california(&app).await;
    let wf = Workflow::<Vec<String>>::new("test-delete-tax-regions-then-fail")
        .then_workflow(&delete_tax_regions())
        .then(FailAfterDelete);
    let run = app.container.workflows().run(&wf, vec![us.clone()]).await;
    assert!(run.result.is_err());

    let body = ok(app
        .admin_get(&format!(
            "/admin/tax-regions/{us}?fields=id,*children,*tax_rates"
        ))
        .await)
    .await;
    assert_eq!(body["tax_region"]["children"][0]["id"], ca.as_str());
    assert_eq!(body["tax_region"]["tax_rates"].as_array().unwrap().len(), 1);

    // And the region update workflow on its own: an unknown id fails first.
    let wf = stheno::core_flows::tax::update_tax_regions();
    let run = app
        .container
        .workflows()
        .run(&wf, vec![Update::new("txreg_nope", Default::default())])
        .await;
    assert_eq!(
        run.result.unwrap_err().error().message(),
        "TaxRegion with id: txreg_nope was not found"
    );
}
