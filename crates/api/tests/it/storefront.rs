//! The storefront's catalog context: the publishable key (required, scoping
//! products by sales channel), regions and currencies, calculated prices
//! and stock.

use actix_web::test::TestRequest;
use serde_json::json;
use stheno::testing::TestApp;
use stheno_inventory::{CreateInventoryItemInput, InventoryModule};
use stheno_stock_location::{CreateStockLocationInput, StockLocationModule};

use crate::{assert_error, create_product};

const MISSING: &str = "Publishable API key required in the request header: x-publishable-api-key. You can manage your keys in settings in the dashboard.";
const INVALID: &str = "A valid publishable key is required to proceed with the request";

async fn region(app: &TestApp, name: &str, currency: &str, countries: &[&str]) -> String {
    let res = app
        .admin_post(
            "/admin/regions",
            json!({"name": name, "currency_code": currency, "countries": countries}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.body["region"]["id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn store_routes_require_a_valid_publishable_key() {
    let app = TestApp::new().await.unwrap();
    for path in ["/store/products", "/store/regions", "/store/currencies"] {
        let res = app.send(TestRequest::get().uri(path)).await;
        assert_error(&res, 400, "not_allowed", MISSING);
        let res = app
            .send(
                TestRequest::get()
                    .uri(path)
                    .insert_header(("x-publishable-api-key", "pk_nope")),
            )
            .await;
        assert_error(&res, 400, "not_allowed", INVALID);
        assert_eq!(app.get(path).await.status, 200);
    }
    // A revoked key is refused too.
    let res = app.admin_get("/admin/regions").await;
    assert_eq!(res.status, 200);
    let keys = app
        .container
        .module::<stheno_api_key::ApiKeyModule>()
        .unwrap();
    let key = app.publishable_key.clone().unwrap();
    let id = keys.publishable_key(&key).await.unwrap().unwrap().id;
    keys.revoke(&[id], "user_test", None).await.unwrap();
    let res = app.get("/store/products").await;
    assert_error(&res, 400, "not_allowed", INVALID);
}

#[tokio::test(flavor = "multi_thread")]
async fn regions_and_currencies_through_both_apis() {
    let app = TestApp::new().await.unwrap();
    let eu = region(&app, "Europe", "EUR", &["DK", "se"]).await;
    let res = app.get("/store/regions").await;
    assert_eq!(res.body["count"], 1, "{}", res.body);
    let store_region = &res.body["regions"][0];
    assert_eq!(store_region["currency_code"], "eur");
    let mut codes: Vec<&str> = store_region["countries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["iso_2"].as_str().unwrap())
        .collect();
    codes.sort();
    assert_eq!(codes, ["dk", "se"]);
    assert_eq!(
        crate::keys(&store_region["countries"][0]),
        [
            "created_at",
            "deleted_at",
            "display_name",
            "iso_2",
            "iso_3",
            "metadata",
            "name",
            "num_code",
            "region_id",
            "updated_at"
        ]
    );
    let res = app.get(&format!("/store/regions/{eu}")).await;
    assert_eq!(res.body["region"]["name"], "Europe");
    assert_error(
        &app.get("/store/regions/reg_nope").await,
        404,
        "not_found",
        "Region with id: reg_nope was not found",
    );

    // A country belongs to one region.
    let res = app
        .admin_post(
            "/admin/regions",
            json!({"name": "Nordics", "currency_code": "dkk", "countries": ["dk"]}),
        )
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Countries with codes: \"dk\" are already assigned to a region",
    );
    let res = app
        .admin_post(
            "/admin/regions",
            json!({"name": "X", "currency_code": "eur", "foo": 1}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    let res = app
        .admin_post(
            &format!("/admin/regions/{eu}"),
            json!({"countries": ["de"]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["region"]["countries"][0]["iso_2"], "de");
    assert_eq!(
        app.admin_post("/admin/regions/reg_nope", json!({}))
            .await
            .status,
        404
    );
    let res = app
        .request(actix_web::http::Method::GET, "/admin/regions", None, false)
        .await;
    assert_eq!(res.status, 401);

    let res = app.get("/store/currencies/eur").await;
    assert_eq!(
        res.body,
        json!({"currency": {"code": "eur", "name": "Euro", "symbol": "€", "symbol_native": "€",
                            "decimal_digits": 2, "rounding": 0}})
    );
    assert_error(
        &app.get("/store/currencies/xyz").await,
        404,
        "not_found",
        "Currency with code: xyz was not found",
    );
    let res = app
        .admin_get("/admin/currencies?code[]=usd&code[]=dkk")
        .await;
    assert_eq!(res.body["count"], 2, "{}", res.body);

    let res = app.admin_delete(&format!("/admin/regions/{eu}")).await;
    assert_eq!(
        res.body,
        json!({"id": eu, "object": "region", "deleted": true})
    );
    assert_eq!(app.get("/store/regions").await.body["count"], 0);

    // The store: its currencies replaced as a set.
    let res = app.admin_get("/admin/stores").await;
    let store = res.body["stores"][0]["id"].as_str().unwrap().to_string();
    let res = app
        .admin_post(
            &format!("/admin/stores/{store}"),
            json!({"supported_currencies": [{"currency_code": "dkk"}]}),
        )
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "There should be a default currency set for the store",
    );
    let res = app
        .admin_post(
            &format!("/admin/stores/{store}"),
            json!({"name": "Shop", "supported_currencies": [{"currency_code": "dkk", "is_default": true}]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["store"]["name"], "Shop");
    assert_eq!(
        res.body["store"]["supported_currencies"][0]["currency_code"],
        "dkk"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn products_outside_the_keys_channels_are_invisible() {
    let app = TestApp::new().await.unwrap();
    let res = app
        .admin_post("/admin/sales-channels", json!({"name": "Wholesale"}))
        .await;
    // Without the sales-channel routes, create the channel directly.
    let other = if res.status == 200 {
        res.body["sales_channel"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    } else {
        app.container
            .module::<stheno_sales_channel::SalesChannelModule>()
            .unwrap()
            .sales_channels()
            .create_one(stheno_sales_channel::CreateSalesChannel::new("Wholesale"))
            .await
            .unwrap()
            .id
    };
    let visible = create_product(&app, crate::shirt("visible")).await;
    let mut hidden_body = crate::shirt("hidden");
    hidden_body["sales_channels"] = json!([{"id": other}]);
    let hidden = create_product(&app, hidden_body).await;
    let res = app.get("/store/products").await;
    assert_eq!(res.body["count"], 1, "{}", res.body);
    assert_eq!(res.body["products"][0]["id"], visible["id"]);
    let res = app
        .get(&format!(
            "/store/products/{}",
            hidden["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    // The admin sees both.
    assert_eq!(app.admin_get("/admin/products").await.body["count"], 2);
}

fn priced(handle: &str, eur: f64, usd: f64) -> serde_json::Value {
    json!({
        "title": format!("Mug {handle}"),
        "handle": handle,
        "status": "published",
        "options": [{"title": "Size", "values": ["One"]}],
        "variants": [{
            "title": "One", "sku": handle, "options": {"Size": "One"},
            "prices": [{"amount": eur, "currency_code": "eur"}, {"amount": usd, "currency_code": "usd"}]
        }]
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn variants_carry_calculated_prices_and_stock() {
    let app = TestApp::new().await.unwrap();
    let eu = region(&app, "Europe", "eur", &["dk"]).await;
    let us = region(&app, "US", "usd", &["us"]).await;
    let product = create_product(&app, priced("mug", 15.0, 17.5)).await;
    let pid = product["id"].as_str().unwrap();

    let res = app.get(&format!("/store/products?region_id={eu}")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let price = &res.body["products"][0]["variants"][0]["calculated_price"];
    assert_eq!(price["calculated_amount"], 15, "{price}");
    assert_eq!(price["original_amount"], 15);
    assert_eq!(price["currency_code"], "eur");
    assert_eq!(price["is_calculated_price_price_list"], false);
    assert_eq!(
        price["raw_calculated_amount"],
        json!({"value": "15", "precision": 20})
    );
    let res = app
        .get(&format!(
            "/store/products/{pid}?region_id={us}&fields=*variants.calculated_price"
        ))
        .await;
    let price = &res.body["product"]["variants"][0]["calculated_price"];
    assert_eq!(price["calculated_amount"], 17.5, "{}", res.body);

    // Asked without a pricing context (the test store has no default
    // region); then with the store's default region; an unknown region.
    let res = app
        .get("/store/products?fields=*variants.calculated_price")
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Missing required pricing context to calculate prices - region_id",
    );
    let store = app.admin_get("/admin/stores").await.body["stores"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .admin_post(
            &format!("/admin/stores/{store}"),
            json!({"default_region_id": us}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let res = app
        .get("/store/products?fields=*variants.calculated_price")
        .await;
    assert_eq!(
        res.body["products"][0]["variants"][0]["calculated_price"]["currency_code"], "usd",
        "{}",
        res.body
    );
    let res = app.get("/store/products?region_id=reg_nope").await;
    assert_eq!(res.status, 400, "{}", res.body);
    let res = app.get("/store/products?currency_code=eur").await;
    assert_eq!(res.status, 400, "{}", res.body);

    // Stock at the key's channel's locations, per required quantity: a
    // variant naming its inventory item.
    let location = app
        .container
        .module::<StockLocationModule>()
        .unwrap()
        .create_stock_location(
            serde_json::from_value::<CreateStockLocationInput>(json!({"name": "Warehouse"}))
                .unwrap(),
        )
        .await
        .unwrap();
    let item = app
        .container
        .module::<InventoryModule>()
        .unwrap()
        .create_inventory_item(
            serde_json::from_value::<CreateInventoryItemInput>(json!({
                "sku": "mug-item",
                "location_levels": [{"location_id": location.id, "stocked_quantity": 7}]
            }))
            .unwrap(),
        )
        .await
        .unwrap();
    let links = app.container.links();
    links
        .create(
            "sales_channel",
            app.sales_channel_id.as_deref().unwrap(),
            "stock_location",
            std::slice::from_ref(&location.id),
        )
        .await
        .unwrap();
    let mut body = priced("cup", 5.0, 6.0);
    body["variants"][0]["inventory_items"] =
        json!([{"inventory_item_id": item.id, "required_quantity": 2}]);
    let cup = create_product(&app, body).await;
    let res = app
        .get(&format!(
            "/store/products/{}?fields=+variants.inventory_quantity",
            cup["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        res.body["product"]["variants"][0]["inventory_quantity"], 3,
        "{}",
        res.body
    );
    // The mug manages inventory and named no item: it got one of its own,
    // with no stock anywhere yet.
    let res = app
        .get(&format!(
            "/store/products/{pid}?fields=+variants.inventory_quantity"
        ))
        .await;
    assert_eq!(
        res.body["product"]["variants"][0]["inventory_quantity"], 0,
        "{}",
        res.body
    );
    let variant = res.body["product"]["variants"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let rows = links
        .list_rows(
            "product_variant",
            std::slice::from_ref(&variant),
            "inventory_item",
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let own = app
        .container
        .module::<InventoryModule>()
        .unwrap()
        .inventory_items()
        .retrieve(&rows[0].right_id)
        .await
        .unwrap();
    assert_eq!(own.sku.as_deref(), Some("mug"));
}

#[tokio::test(flavor = "multi_thread")]
async fn priced_product_lists_cost_the_same_statements_for_any_page() {
    let app = TestApp::new().await.unwrap();
    let eu = region(&app, "Europe", "eur", &["dk"]).await;
    let location = app
        .container
        .module::<StockLocationModule>()
        .unwrap()
        .create_stock_location(
            serde_json::from_value::<CreateStockLocationInput>(json!({"name": "Warehouse"}))
                .unwrap(),
        )
        .await
        .unwrap();
    app.container
        .links()
        .create(
            "sales_channel",
            app.sales_channel_id.as_deref().unwrap(),
            "stock_location",
            std::slice::from_ref(&location.id),
        )
        .await
        .unwrap();
    let create = |from: usize, to: usize| {
        let inputs: Vec<stheno::product::CreateProductInput> = (from..to)
            .map(|i| serde_json::from_value(priced(&format!("p{i}"), 10.0, 12.0)).unwrap())
            .collect();
        let engine = app.container.workflows().clone();
        async move {
            engine
                .run(&stheno::core_flows::product::create_products(), inputs)
                .await
                .result
                .unwrap();
        }
    };
    let path = |limit: usize| {
        format!(
            "/store/products?limit={limit}&region_id={eu}&fields=*variants.calculated_price,+variants.inventory_quantity"
        )
    };
    let mut counts = Vec::new();
    for (from, to) in [(0, 1), (1, 20), (20, 100)] {
        create(from, to).await;
        let res = app.get(&path(to)).await;
        assert_eq!(res.status, 200, "{}", res.body);
        let products = res.body["products"].as_array().unwrap();
        assert_eq!(products.len(), to);
        assert!(products.iter().all(|p| {
            p["variants"][0]["calculated_price"]["calculated_amount"] == 10
                && p["variants"][0]["inventory_quantity"] == 0
        }));
        counts.push(res.queries);
    }
    eprintln!("statements per priced list request (1, 20, 100 products): {counts:?}");
    assert_eq!(counts[0], counts[1], "{counts:?}");
    assert_eq!(counts[1], counts[2], "{counts:?}");
    // key + its channels, products + count, variants, options, values,
    // images, …, price-set links, prices, inventory links, locations,
    // quantities: a fixed number.
    assert!(counts[0] <= 16, "{counts:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn prices_are_shown_with_and_without_tax_for_a_country() {
    let app = TestApp::new().await.unwrap();
    let eu = region(&app, "Europe", "eur", &["dk", "de"]).await;
    let product = create_product(&app, priced("taxed", 15.0, 17.0)).await;
    let pid = product["id"].as_str().unwrap();
    let tax = app.container.module::<stheno_tax::TaxModule>().unwrap();
    tax.create_tax_region(
        serde_json::from_value(json!({
            "country_code": "DK",
            "default_tax_rate": {"rate": 25, "code": "dk-vat", "name": "Moms"}
        }))
        .unwrap(),
    )
    .await
    .unwrap();
    let price =
        |body: &serde_json::Value| body["product"]["variants"][0]["calculated_price"].clone();

    // Tax-exclusive price: 15 net, 18.75 gross in Denmark.
    let res = app
        .get(&format!(
            "/store/products/{pid}?region_id={eu}&country_code=dk"
        ))
        .await;
    let p = price(&res.body);
    assert_eq!(p["calculated_amount"], 15, "{}", res.body);
    assert_eq!(p["calculated_amount_with_tax"], 18.75);
    assert_eq!(p["calculated_amount_without_tax"], 15);
    assert_eq!(p["original_amount_with_tax"], 18.75);
    // Germany has no tax region: no tax.
    let res = app
        .get(&format!(
            "/store/products/{pid}?region_id={eu}&country_code=de"
        ))
        .await;
    assert_eq!(price(&res.body)["calculated_amount_with_tax"], 15);
    // Without a country: no tax fields.
    let res = app
        .get(&format!("/store/products/{pid}?region_id={eu}"))
        .await;
    assert!(price(&res.body).get("calculated_amount_with_tax").is_none());

    // Tax-inclusive eur prices (a currency preference): 15 gross, 12 net.
    app.container
        .module::<stheno_pricing::PricingModule>()
        .unwrap()
        .price_preferences()
        .create_one(stheno_pricing::CreatePricePreference {
            value: Some("eur".into()),
            is_tax_inclusive: Some(true),
            ..stheno_pricing::CreatePricePreference::new("currency_code")
        })
        .await
        .unwrap();
    let res = app
        .get(&format!(
            "/store/products/{pid}?region_id={eu}&country_code=dk"
        ))
        .await;
    let p = price(&res.body);
    assert_eq!(p["is_calculated_price_tax_inclusive"], true, "{}", res.body);
    assert_eq!(p["calculated_amount_with_tax"], 15);
    assert_eq!(p["calculated_amount_without_tax"], 12);
}

#[tokio::test(flavor = "multi_thread")]
async fn tax_inclusive_regions_and_currencies_are_price_preferences() {
    let app = TestApp::new().await.unwrap();
    let res = app
        .admin_post(
            "/admin/regions",
            json!({"name": "Europe", "currency_code": "eur", "countries": ["dk"], "is_tax_inclusive": true}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let eu = res.body["region"]["id"].as_str().unwrap().to_string();
    let pricing = app
        .container
        .module::<stheno_pricing::PricingModule>()
        .unwrap();
    let preferences = || async {
        let mut all: Vec<(String, String, bool)> = pricing
            .price_preferences()
            .list(&Default::default(), &Default::default())
            .await
            .unwrap()
            .into_iter()
            .map(|p| (p.attribute, p.value.unwrap_or_default(), p.is_tax_inclusive))
            .collect();
        all.sort();
        all
    };
    assert_eq!(
        preferences().await,
        [("region_id".into(), eu.clone(), true)]
    );
    let res = app
        .admin_post(
            &format!("/admin/regions/{eu}"),
            json!({"is_tax_inclusive": false}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        preferences().await,
        [("region_id".into(), eu.clone(), false)]
    );

    let store = app.admin_get("/admin/stores").await.body["stores"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .admin_post(
            &format!("/admin/stores/{store}"),
            json!({"supported_currencies": [{"currency_code": "eur", "is_default": true, "is_tax_inclusive": true}]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        preferences().await,
        [
            ("currency_code".into(), "eur".into(), true),
            ("region_id".into(), eu, false)
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn variant_prices_are_stored_shown_and_replaced() {
    let app = TestApp::new().await.unwrap();
    let product = create_product(&app, priced("vase", 30.0, 33.0)).await;
    let pid = product["id"].as_str().unwrap().to_string();
    let variant = &product["variants"][0];
    let vid = variant["id"].as_str().unwrap().to_string();
    let mut prices: Vec<(String, serde_json::Value)> = variant["prices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["currency_code"].as_str().unwrap().to_string(),
                p["amount"].clone(),
            )
        })
        .collect();
    prices.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        prices,
        [("eur".into(), json!(30)), ("usd".into(), json!(33))]
    );
    assert_eq!(variant["prices"][0]["variant_id"], vid.as_str());
    assert_eq!(variant["prices"][0]["rules"], json!({}));

    // Replaced through the variant route: a region price added, usd gone.
    let eu = region(&app, "Europe", "eur", &["dk"]).await;
    let res = app
        .admin_post(
            &format!("/admin/products/{pid}/variants/{vid}"),
            json!({"prices": [
                {"amount": 28, "currency_code": "eur"},
                {"amount": 25, "currency_code": "eur", "rules": {"region_id": eu}}
            ]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let res = app
        .admin_get(&format!("/admin/products/{pid}/variants/{vid}"))
        .await;
    let prices = res.body["variant"]["prices"].as_array().unwrap().clone();
    assert_eq!(prices.len(), 2, "{}", res.body);
    assert!(prices.iter().all(|p| p["currency_code"] == "eur"));
    assert!(
        prices
            .iter()
            .any(|p| p["rules"] == json!({"region_id": eu}) && p["amount"] == 25)
    );
    // The region price wins in that region.
    let res = app
        .get(&format!("/store/products/{pid}?region_id={eu}"))
        .await;
    assert_eq!(
        res.body["product"]["variants"][0]["calculated_price"]["calculated_amount"], 25,
        "{}",
        res.body
    );

    // A bad price is refused and nothing changes.
    let res = app
        .admin_post(
            &format!("/admin/products/{pid}/variants/{vid}"),
            json!({"prices": [{"currency_code": "eur"}]}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(
        res.body["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid request: prices, 0: missing field `amount`"),
        "{}",
        res.body
    );
    let res = app
        .admin_get(&format!("/admin/products/{pid}/variants/{vid}"))
        .await;
    assert_eq!(res.body["variant"]["prices"].as_array().unwrap().len(), 2);

    // A new variant with prices gets its own price set.
    let mut body = priced("jar", 5.0, 6.0);
    body["options"] = json!([{"title": "Size", "values": ["One", "Big"]}]);
    let jar = create_product(&app, body).await;
    let jar_id = jar["id"].as_str().unwrap();
    let res = app
        .admin_post(
            &format!("/admin/products/{jar_id}/variants"),
            json!({"title": "Big", "options": {"Size": "Big"}, "sku": "jar-big",
                   "prices": [{"amount": 50, "currency_code": "usd"}]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let big = res.body["product"]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["title"] == "Big")
        .unwrap()
        .clone();
    assert_eq!(big["prices"][0]["amount"], 50, "{big}");
    assert_eq!(big["prices"][0]["currency_code"], "usd");

    // Deleting the variant deletes its price set (the link cascades).
    let sets = app
        .container
        .links()
        .list("product_variant", std::slice::from_ref(&vid), "price_set")
        .await
        .unwrap();
    assert_eq!(sets.len(), 1);
    let res = app
        .admin_delete(&format!("/admin/products/{pid}/variants/{vid}"))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let pricing = app
        .container
        .module::<stheno_pricing::PricingModule>()
        .unwrap();
    assert!(pricing.price_sets().retrieve(&sets[0].1).await.is_err());
}
