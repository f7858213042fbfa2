//! Integration tests of the tax module against a real PostgreSQL.

use std::sync::Arc;

use serde_json::{Value, json};
use stheno_framework::testing::TestDb;
use stheno_module_sdk::db::QueryCounter;
use stheno_module_sdk::entity::{FieldFilter, ListConfig};
use stheno_module_sdk::events::RecordingEventBus;
use stheno_module_sdk::provider::Providers;
use stheno_module_sdk::{ErrorKind, Module, ModuleContext, Result, async_trait};
use stheno_tax::{
    CreateTaxProvider, CreateTaxRateInput, CreateTaxRegionInput, DefaultTaxRateInput,
    ItemTaxCalculationLine, RuleReference, ShippingTaxCalculationLine, TaxCalculationContext,
    TaxLine, TaxLineTarget, TaxModule, TaxModuleProvider, TaxRateFilter, TaxRateRuleFilter,
    TaxRateRuleInput, TaxRegion, TaxRegionFilter, TaxableItem, TaxableShipping,
};

/// A provider of this test binary, on only when configured: one 1 % line
/// per item, whatever the rates.
struct Flat;

#[async_trait]
impl TaxModuleProvider for Flat {
    fn identifier(&self) -> &str {
        "flat"
    }
    async fn get_tax_lines(
        &self,
        items: &[ItemTaxCalculationLine],
        _shipping: &[ShippingTaxCalculationLine],
        context: &TaxCalculationContext,
    ) -> Result<Vec<TaxLine>> {
        Ok(items
            .iter()
            .map(|l| TaxLine {
                target: TaxLineTarget::LineItem {
                    line_item_id: l.line_item.id.clone(),
                },
                rate_id: None,
                rate: 1.into(),
                code: format!("FLAT-{}", context.address.country_code),
                name: format!("{} rates seen", l.rates.len()),
                provider_id: self.identifier().to_string(),
            })
            .collect())
    }
}
stheno_module_sdk::register_provider!(dyn TaxModuleProvider, "tp_flat", |options| {
    Ok(options
        .is_configured()
        .then(|| Arc::new(Flat) as Arc<dyn TaxModuleProvider>))
});

async fn build(db: &TestDb, options: Value) -> TaxModule {
    let events = Arc::new(RecordingEventBus::default());
    let ctx = ModuleContext::new("tax", db.pool().clone(), options, events);
    TaxModule::build(&ctx).await.expect("the tax module builds")
}

async fn env() -> (TestDb, TaxModule) {
    let db = TestDb::new().await.expect("test database");
    let m = build(&db, Value::Null).await;
    (db, m)
}

fn at(country: &str, province: Option<&str>) -> TaxCalculationContext {
    TaxCalculationContext::for_address(country, province)
}

fn item(id: &str, product: &str) -> TaxableItem {
    TaxableItem::new(id, product)
}

/// `(target id, rate, code)` of each line, in order.
fn summary(lines: &[TaxLine]) -> Vec<(String, String, String)> {
    lines
        .iter()
        .map(|l| {
            let target = l
                .line_item_id()
                .or(l.shipping_line_id())
                .unwrap_or_default()
                .to_string();
            (target, l.rate.to_string(), l.code.clone())
        })
        .collect()
}

fn line(target: &str, rate: &str, code: &str) -> (String, String, String) {
    (target.into(), rate.into(), code.into())
}

async fn country(m: &TaxModule, code: &str, rate: f32, rate_code: &str) -> TaxRegion {
    m.create_tax_region(
        CreateTaxRegionInput::country(code)
            .with_default_rate(DefaultTaxRateInput::new(rate, rate_code, rate_code)),
    )
    .await
    .unwrap()
}

async fn province(
    m: &TaxModule,
    parent: &TaxRegion,
    code: &str,
    rate: DefaultTaxRateInput,
) -> TaxRegion {
    m.create_tax_region(
        CreateTaxRegionInput::province(&parent.country_code, code, &parent.id)
            .with_default_rate(rate),
    )
    .await
    .unwrap()
}

async fn rate_with_rule(
    m: &TaxModule,
    region: &TaxRegion,
    rate: f32,
    code: &str,
    reference: RuleReference,
    reference_id: &str,
) {
    m.create_tax_rate(
        CreateTaxRateInput::new(&region.id, rate, code, code).with_rule(reference, reference_id),
    )
    .await
    .unwrap();
}

#[test]
fn registrations_are_visible() {
    assert!(stheno_module_sdk::module::registered_modules().any(|m| m.key == "tax"));
    let ids: Vec<_> = Providers::<dyn TaxModuleProvider>::registered()
        .map(|r| r.id)
        .collect();
    assert!(ids.contains(&"tp_system"), "{ids:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn region_with_default_rate() {
    let (_db, m) = env().await;
    let region = m
        .create_tax_region(CreateTaxRegionInput {
            metadata: Some(json!({"note": "vat"})),
            created_by: Some("user_1".into()),
            ..CreateTaxRegionInput::country("DK")
                .with_default_rate(DefaultTaxRateInput::new(25.0, "DK25", "Moms"))
        })
        .await
        .unwrap();
    assert!(region.id.starts_with("txreg_"));
    assert_eq!(
        (
            region.country_code.as_str(),
            region.province_code.as_deref()
        ),
        ("dk", None)
    );
    assert_eq!(region.metadata, Some(json!({"note": "vat"})));

    let rates = m
        .tax_rates()
        .list(
            &TaxRateFilter {
                tax_region_id: Some(FieldFilter::Eq(region.id.clone())),
                ..Default::default()
            },
            &ListConfig::default(),
        )
        .await
        .unwrap();
    assert_eq!(rates.len(), 1);
    let rate = &rates[0];
    assert!(rate.id.starts_with("txr_"));
    assert_eq!(
        (rate.rate, rate.code.as_str(), rate.name.as_str()),
        (Some(25.0), "DK25", "Moms")
    );
    assert!(rate.is_default && !rate.is_combinable);
    assert_eq!(rate.created_by.as_deref(), Some("user_1"));

    let lines = m
        .get_tax_lines(&[item("cali_1", "prod_1")], &[], &at("dk", None))
        .await
        .unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(
        serde_json::to_value(&lines[0]).unwrap(),
        json!({
            "line_item_id": "cali_1", "rate_id": rate.id, "rate": 25.0,
            "code": "DK25", "name": "Moms", "provider_id": "system"
        })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn province_sub_region_rate_is_used_for_that_province() {
    let (_db, m) = env().await;
    let us = country(&m, "US", 5.0, "US").await;
    let ca = province(
        &m,
        &us,
        "CA",
        DefaultTaxRateInput::new(8.25, "CA", "California"),
    )
    .await;
    assert_eq!(
        (
            ca.province_code.as_deref(),
            ca.parent_id.as_deref(),
            ca.provider_id.as_deref()
        ),
        (Some("ca"), Some(us.id.as_str()), None)
    );
    let items = [item("cali_1", "prod_1")];
    for (province, expected) in [
        (Some("CA"), line("cali_1", "8.25", "CA")),
        (Some("ca"), line("cali_1", "8.25", "CA")),
        (Some("NY"), line("cali_1", "5", "US")),
        (None, line("cali_1", "5", "US")),
    ] {
        let lines = m
            .get_tax_lines(&items, &[], &at("us", province))
            .await
            .unwrap();
        assert_eq!(summary(&lines), [expected], "province {province:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn product_and_product_type_rules_beat_the_default() {
    let (_db, m) = env().await;
    let de = country(&m, "de", 19.0, "DE19").await;
    rate_with_rule(
        &m,
        &de,
        7.0,
        "DE7",
        RuleReference::ProductType,
        "ptyp_books",
    )
    .await;
    rate_with_rule(&m, &de, 0.0, "DE0", RuleReference::Product, "prod_special").await;
    let items = [
        item("plain", "prod_plain"),
        item("book", "prod_novel").with_product_type("ptyp_books"),
        item("special", "prod_special").with_product_type("ptyp_books"),
        item("other_type", "prod_x").with_product_type("ptyp_toys"),
    ];
    let lines = m.get_tax_lines(&items, &[], &at("DE", None)).await.unwrap();
    assert_eq!(
        summary(&lines),
        [
            line("plain", "19", "DE19"),
            line("book", "7", "DE7"),
            line("special", "0", "DE0"),
            line("other_type", "19", "DE19"),
        ]
    );

    // A province rate comes before any country rate, a country product
    // rule included.
    let us = country(&m, "us", 2.0, "US").await;
    rate_with_rule(&m, &us, 1.0, "US-X", RuleReference::Product, "prod_x").await;
    let ca = province(&m, &us, "ca", DefaultTaxRateInput::new(8.0, "CA", "CA")).await;
    rate_with_rule(
        &m,
        &ca,
        3.0,
        "CA-TYPE",
        RuleReference::ProductType,
        "ptyp_books",
    )
    .await;
    let items = [
        item("x", "prod_x"),
        item("book", "prod_novel").with_product_type("ptyp_books"),
    ];
    let lines = m
        .get_tax_lines(&items, &[], &at("us", Some("ca")))
        .await
        .unwrap();
    assert_eq!(
        summary(&lines),
        [line("x", "8", "CA"), line("book", "3", "CA-TYPE")]
    );
    let lines = m.get_tax_lines(&items, &[], &at("us", None)).await.unwrap();
    assert_eq!(
        summary(&lines),
        [line("x", "1", "US-X"), line("book", "2", "US")]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn combinable_province_rate_adds_to_the_parents_most_specific_rate() {
    let (_db, m) = env().await;
    let ca = country(&m, "ca", 5.0, "GST").await;
    rate_with_rule(
        &m,
        &ca,
        0.0,
        "GST-FOOD",
        RuleReference::Product,
        "prod_food",
    )
    .await;
    province(
        &m,
        &ca,
        "qc",
        DefaultTaxRateInput::new(9.975, "QST", "QST").combinable(),
    )
    .await;
    province(&m, &ca, "on", DefaultTaxRateInput::new(13.0, "HST", "HST")).await;
    let items = [item("food", "prod_food"), item("shoe", "prod_shoe")];

    let lines = m
        .get_tax_lines(&items, &[], &at("CA", Some("QC")))
        .await
        .unwrap();
    assert_eq!(
        summary(&lines),
        [
            line("food", "9.975", "QST"),
            line("food", "0", "GST-FOOD"),
            line("shoe", "9.975", "QST"),
            line("shoe", "5", "GST"),
        ]
    );
    // Not combinable: the province rate alone.
    let lines = m
        .get_tax_lines(&items, &[], &at("CA", Some("ON")))
        .await
        .unwrap();
    assert_eq!(
        summary(&lines),
        [line("food", "13", "HST"), line("shoe", "13", "HST")]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_tax_region_no_lines() {
    let (_db, m) = env().await;
    country(&m, "us", 5.0, "US").await;
    let (lines, statements) = QueryCounter::scope(m.get_tax_lines(
        &[item("cali_1", "prod_1")],
        &[TaxableShipping::new("casm_1", "so_1")],
        &at("fr", Some("idf")),
    ))
    .await;
    assert_eq!(lines.unwrap(), []);
    assert_eq!(statements, 1, "only the regions are read");
    // Nothing to tax: nothing read.
    let (lines, statements) = QueryCounter::scope(m.get_tax_lines(&[], &[], &at("us", None))).await;
    assert_eq!((lines.unwrap(), statements), (vec![], 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn shipping_tax_lines_follow_shipping_option_rules() {
    let (_db, m) = env().await;
    let gb = country(&m, "gb", 20.0, "VAT").await;
    rate_with_rule(
        &m,
        &gb,
        0.0,
        "FREE-SHIP",
        RuleReference::ShippingOption,
        "so_free",
    )
    .await;
    // A product rule on the same id does not apply to shipping.
    rate_with_rule(&m, &gb, 5.0, "PROD", RuleReference::Product, "so_std").await;
    let lines = m
        .get_tax_lines(
            &[item("cali_1", "prod_1")],
            &[
                TaxableShipping::new("casm_free", "so_free"),
                TaxableShipping::new("casm_std", "so_std"),
            ],
            &at("gb", None),
        )
        .await
        .unwrap();
    assert_eq!(
        summary(&lines),
        [
            line("cali_1", "20", "VAT"),
            line("casm_free", "0", "FREE-SHIP"),
            line("casm_std", "20", "VAT"),
        ]
    );
    let json = serde_json::to_value(&lines[1]).unwrap();
    assert_eq!(json["shipping_line_id"], "casm_free");
    assert!(json.get("line_item_id").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn one_default_rate_per_region() {
    let (_db, m) = env().await;
    let us = country(&m, "us", 5.0, "US").await;
    let err = m
        .create_tax_rate(CreateTaxRateInput {
            is_default: Some(true),
            ..CreateTaxRateInput::new(&us.id, 8.0, "US8", "Another default")
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DuplicateError);
    assert_eq!(
        err.message(),
        format!("Tax rate with tax_region_id: {}, already exists.", us.id)
    );
    // A non-default rate is fine; an unknown region is not.
    m.create_tax_rate(CreateTaxRateInput::new(&us.id, 8.0, "US8", "Reduced"))
        .await
        .unwrap();
    let err = m
        .create_tax_rate(CreateTaxRateInput::new("txreg_nope", 8.0, "X", "X"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.message(), "TaxRegion with id: txreg_nope was not found");
}

#[tokio::test(flavor = "multi_thread")]
async fn region_tree_is_checked() {
    let (_db, m) = env().await;
    let check = async |input: CreateTaxRegionInput, kind: ErrorKind, message: &str| {
        let err = m.create_tax_region(input).await.unwrap_err();
        assert_eq!((err.kind(), err.message()), (kind, message));
    };
    let province_alone = CreateTaxRegionInput {
        province_code: Some("QC".into()),
        ..CreateTaxRegionInput::country("CA")
    };
    check(
        province_alone,
        ErrorKind::InvalidData,
        "Province region must belong to a parent region. You are trying to create a province \
         region with (country: ca, province: qc) but parent does not exist",
    )
    .await;
    check(
        CreateTaxRegionInput::province("ca", "qc", "txreg_nope"),
        ErrorKind::InvalidData,
        "Province region must belong to a parent region. You are trying to create a province \
         region with (country: ca, province: qc) but parent does not exist",
    )
    .await;

    let ca = country(&m, "ca", 5.0, "GST").await;
    check(
        CreateTaxRegionInput::province("US", "QC", &ca.id),
        ErrorKind::InvalidData,
        "Province region must belong to a parent region with the same country code. You are \
         trying to create a province region with (country: us, province: qc) but parent \
         expects (country: ca)",
    )
    .await;
    check(
        CreateTaxRegionInput {
            provider_id: Some("tp_system".into()),
            ..CreateTaxRegionInput::province("ca", "qc", &ca.id)
        },
        ErrorKind::InvalidData,
        "A province region uses its parent's tax provider: remove provider_id from the region \
         (country: ca, province: qc)",
    )
    .await;
    check(
        CreateTaxRegionInput {
            parent_id: Some(ca.id.clone()),
            ..CreateTaxRegionInput::country("ca")
        },
        ErrorKind::InvalidData,
        &format!(
            "A tax region with a parent is a province region: give a province_code for the \
             region of country ca under parent {}",
            ca.id
        ),
    )
    .await;
    check(
        CreateTaxRegionInput::country("CA"),
        ErrorKind::DuplicateError,
        "Tax region with country_code: ca, already exists.",
    )
    .await;
    check(
        CreateTaxRegionInput {
            provider_id: Some("tp_nope".into()),
            ..CreateTaxRegionInput::country("fr")
        },
        ErrorKind::NotFound,
        "TaxProvider with id: tp_nope was not found",
    )
    .await;

    let qc = province(&m, &ca, "QC", DefaultTaxRateInput::new(9.975, "QST", "QST")).await;
    check(
        CreateTaxRegionInput::province("ca", "qc", &ca.id),
        ErrorKind::DuplicateError,
        "Tax region with country_code: ca, province_code: qc, already exists.",
    )
    .await;
    check(
        CreateTaxRegionInput::province("ca", "mtl", &qc.id),
        ErrorKind::InvalidData,
        &format!(
            "Province region must belong to a country region. You are trying to create a \
             province region with (country: ca, province: mtl) under {}, the region of province qc",
            qc.id
        ),
    )
    .await;
    // A failed batch creates nothing, its default rates included.
    let err = m
        .create_tax_regions(vec![
            CreateTaxRegionInput::country("de")
                .with_default_rate(DefaultTaxRateInput::new(19.0, "DE", "DE")),
            CreateTaxRegionInput::country("DE"),
        ])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DuplicateError);
    let de = m
        .tax_regions()
        .list(
            &TaxRegionFilter {
                country_code: Some(FieldFilter::Eq("de".into())),
                ..Default::default()
            },
            &ListConfig::default(),
        )
        .await
        .unwrap();
    assert_eq!(de, []);
    let (rates, count) = m
        .tax_rates()
        .list_and_count(&TaxRateFilter::default(), &ListConfig::default())
        .await
        .unwrap();
    assert_eq!((rates.len(), count), (2, 2), "GST and QST only");

    // Soft-deleting the country takes its province regions and rates along.
    let deleted = m
        .tax_regions()
        .soft_delete(std::slice::from_ref(&ca.id))
        .await
        .unwrap();
    assert_eq!(deleted["tax_region"].len(), 2);
    assert_eq!(deleted["tax_rate"].len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn system_provider_row_exists_after_module_build() {
    let (db, m) = env().await;
    let rows = m
        .tax_providers()
        .list(&Default::default(), &ListConfig::default())
        .await
        .unwrap();
    let rows: Vec<_> = rows.iter().map(|p| (p.id.as_str(), p.is_enabled)).collect();
    assert_eq!(rows, [("tp_system", true)]);
    assert_eq!(
        m.providers().ids().collect::<Vec<_>>(),
        ["tp_system"],
        "tp_flat needs options"
    );

    // A configured provider gets its row; rows of providers no longer
    // built are disabled; building again changes nothing.
    m.tax_providers()
        .create_one(CreateTaxProvider {
            id: Some("tp_gone".into()),
            ..CreateTaxProvider::new()
        })
        .await
        .unwrap();
    let options = json!({"providers": {"tp_flat": {}}});
    build(&db, options.clone()).await;
    let m = build(&db, options).await;
    let rows = m
        .tax_providers()
        .list(&Default::default(), &ListConfig::default())
        .await
        .unwrap();
    let mut rows: Vec<_> = rows.iter().map(|p| (p.id.clone(), p.is_enabled)).collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            ("tp_flat".to_string(), true),
            ("tp_gone".to_string(), false),
            ("tp_system".to_string(), true),
        ]
    );

    // A region on the configured provider gets its lines.
    let us = m
        .create_tax_region(
            CreateTaxRegionInput {
                provider_id: Some("tp_flat".into()),
                ..CreateTaxRegionInput::country("us")
            }
            .with_default_rate(DefaultTaxRateInput::new(5.0, "US", "US")),
        )
        .await
        .unwrap();
    assert_eq!(us.provider_id.as_deref(), Some("tp_flat"));
    let lines = m
        .get_tax_lines(&[item("cali_1", "prod_1")], &[], &at("US", None))
        .await
        .unwrap();
    assert_eq!(summary(&lines), [line("cali_1", "1", "FLAT-us")]);
    assert_eq!(
        (lines[0].name.as_str(), lines[0].provider_id.as_str()),
        ("1 rates seen", "flat")
    );

    // A region on a provider that is not built cannot be taxed.
    m.create_tax_region(CreateTaxRegionInput {
        provider_id: Some("tp_gone".into()),
        ..CreateTaxRegionInput::country("fr")
    })
    .await
    .unwrap();
    let err = m
        .get_tax_lines(&[item("cali_1", "prod_1")], &[], &at("fr", None))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        err.message(),
        "Failed to resolve Tax Provider with id: tp_gone. Make sure it's installed and \
         configured in the Tax Module's options."
    );

    // Unknown options are refused.
    let events = Arc::new(RecordingEventBus::default());
    let ctx = ModuleContext::new("tax", db.pool().clone(), json!({"nope": 1}), events);
    let err = TaxModule::build(&ctx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
}

#[tokio::test(flavor = "multi_thread")]
async fn statements_do_not_grow_with_the_lines() {
    let (_db, m) = env().await;
    let us = country(&m, "us", 5.0, "US").await;
    let ca = province(
        &m,
        &us,
        "ca",
        DefaultTaxRateInput::new(1.0, "CA", "CA").combinable(),
    )
    .await;
    for i in 0..10 {
        rate_with_rule(
            &m,
            &us,
            2.0,
            &format!("P{i}"),
            RuleReference::Product,
            &format!("prod_{i}"),
        )
        .await;
        m.create_tax_rate(CreateTaxRateInput {
            is_combinable: Some(true),
            ..CreateTaxRateInput::new(&ca.id, 3.0, format!("T{i}"), format!("T{i}"))
                .with_rule(RuleReference::ProductType, format!("ptyp_{i}"))
        })
        .await
        .unwrap();
    }
    let items = |n: usize| -> Vec<TaxableItem> {
        (0..n)
            .map(|i| {
                item(&format!("cali_{i}"), &format!("prod_{}", i % 20))
                    .with_product_type(format!("ptyp_{}", i % 15))
            })
            .collect()
    };
    let shipping = [TaxableShipping::new("casm_1", "so_1")];
    let context = at("us", Some("ca"));
    let (one, one_statements) =
        QueryCounter::scope(m.get_tax_lines(&items(1), &shipping, &context)).await;
    let (fifty, fifty_statements) =
        QueryCounter::scope(m.get_tax_lines(&items(50), &shipping, &context)).await;
    assert_eq!(one_statements, 3);
    assert_eq!(fifty_statements, one_statements);
    // Item 0: the CA type rule (combinable) and the US product rule.
    assert_eq!(
        summary(&one.unwrap()),
        [
            line("cali_0", "3", "T0"),
            line("cali_0", "2", "P0"),
            line("casm_1", "1", "CA"),
            line("casm_1", "5", "US"),
        ]
    );
    let fifty = fifty.unwrap();
    // Every item has two lines (a combinable CA rate and a US rate), the
    // shipping method too.
    assert_eq!(fifty.len(), 102);
    // Item 12: prod_12 has no rule, ptyp_12 neither: CA default + US default.
    let of_12: Vec<_> = summary(&fifty)
        .into_iter()
        .filter(|(target, ..)| target == "cali_12")
        .collect();
    assert_eq!(
        of_12,
        [line("cali_12", "1", "CA"), line("cali_12", "5", "US")]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rates_with_rules_and_rule_replacement() {
    let (_db, m) = env().await;
    let us = country(&m, "us", 5.0, "US").await;
    let rate = m
        .create_tax_rate(CreateTaxRateInput {
            created_by: Some("user_1".into()),
            ..CreateTaxRateInput::new(&us.id, 8.23, "R", "Reduced")
                .with_rule(RuleReference::Product, "prod_1")
                .with_rule(RuleReference::ProductType, "ptyp_1")
        })
        .await
        .unwrap();
    assert_eq!(rate.rate, Some(8.23));
    let rules_of = async |m: &TaxModule| {
        let mut rules = m
            .tax_rate_rules()
            .list(
                &TaxRateRuleFilter {
                    tax_rate_id: Some(FieldFilter::Eq(rate.id.clone())),
                    ..Default::default()
                },
                &ListConfig::default(),
            )
            .await
            .unwrap();
        rules.sort_by(|a, b| a.reference_id.cmp(&b.reference_id));
        rules
    };
    let before = rules_of(&m).await;
    assert_eq!(
        before
            .iter()
            .map(|r| (
                r.reference,
                r.reference_id.as_str(),
                r.created_by.as_deref()
            ))
            .collect::<Vec<_>>(),
        [
            (RuleReference::Product, "prod_1", Some("user_1")),
            (RuleReference::ProductType, "ptyp_1", Some("user_1")),
        ]
    );
    let lines = m
        .get_tax_lines(&[item("a", "prod_1")], &[], &at("us", None))
        .await
        .unwrap();
    assert_eq!(summary(&lines), [line("a", "8.23", "R")]);

    // Replace: prod_1 stays (same row), ptyp_1 goes, prod_2 comes.
    let set = m
        .set_tax_rate_rules(
            &rate.id,
            vec![
                TaxRateRuleInput::new(RuleReference::Product, "prod_2"),
                TaxRateRuleInput::new(RuleReference::Product, "prod_1"),
                TaxRateRuleInput::new(RuleReference::Product, "prod_2"),
            ],
            Some("user_2"),
        )
        .await
        .unwrap();
    assert_eq!(
        set.iter()
            .map(|r| r.reference_id.as_str())
            .collect::<Vec<_>>(),
        ["prod_2", "prod_1"]
    );
    let after = rules_of(&m).await;
    assert_eq!(after.len(), 2);
    let kept = after.iter().find(|r| r.reference_id == "prod_1").unwrap();
    assert_eq!(kept.id, before[0].id);
    let new = after.iter().find(|r| r.reference_id == "prod_2").unwrap();
    assert_eq!(new.created_by.as_deref(), Some("user_2"));
    let gone = m
        .tax_rate_rules()
        .retrieve_with(&before[1].id, true)
        .await
        .unwrap();
    assert!(gone.deleted_at.is_some());

    // Adding a rule the rate has is a duplicate; a removed one can come back.
    let err = m
        .create_tax_rate_rules(
            &rate.id,
            vec![TaxRateRuleInput::new(RuleReference::Product, "prod_1")],
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DuplicateError);
    assert_eq!(
        err.message(),
        format!(
            "Tax rate rule with tax_rate_id: {}, reference_id: prod_1, already exists.",
            rate.id
        )
    );
    let added = m
        .create_tax_rate_rules(
            &rate.id,
            vec![TaxRateRuleInput::new(RuleReference::ProductType, "ptyp_1")],
            None,
        )
        .await
        .unwrap();
    assert_eq!(added.len(), 1);
    assert_eq!(rules_of(&m).await.len(), 3);

    // Clearing removes them all; an unknown rate is not found.
    assert_eq!(
        m.set_tax_rate_rules(&rate.id, vec![], None).await.unwrap(),
        []
    );
    assert_eq!(rules_of(&m).await, []);
    let err = m
        .set_tax_rate_rules("txr_nope", vec![], None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.message(), "TaxRate with id: txr_nope was not found");

    // A rule given twice when creating a rate is refused, with nothing created.
    let err = m
        .create_tax_rate(
            CreateTaxRateInput::new(&us.id, 1.0, "D", "D")
                .with_rule(RuleReference::Product, "prod_9")
                .with_rule(RuleReference::Product, "prod_9"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DuplicateError);
    assert!(
        err.message()
            .starts_with("Tax rate rule with tax_rate_id: txr_")
            && err
                .message()
                .ends_with(", reference_id: prod_9, already exists."),
        "{}",
        err.message()
    );
    let codes: Vec<String> = m
        .tax_rates()
        .list(&TaxRateFilter::default(), &ListConfig::default())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.code)
        .collect();
    assert_eq!(codes, ["US", "R"]);
}
