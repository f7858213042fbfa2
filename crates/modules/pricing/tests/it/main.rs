//! Integration tests of the pricing module against a real PostgreSQL.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use stheno_framework::testing::TestDb;
use stheno_module_sdk::db::QueryCounter;
use stheno_module_sdk::entity::{Entity, FieldFilter, ListConfig};
use stheno_module_sdk::events::RecordingEventBus;
use stheno_module_sdk::money::{Amount, Decimal};
use stheno_module_sdk::{ErrorKind, Module, ModuleContext};
use stheno_pricing::{
    CalculatedPrice, CreatePriceListInput, CreatePricePreference, CreatePriceRule,
    CreatePriceSetInput, PriceFilter, PriceInput, PriceList, PriceListFilter, PriceListPriceInput,
    PriceListStatus, PriceListType, PriceRuleFilter, PricingContext, PricingModule, RuleOperator,
    UpdatePriceList,
};

struct Env {
    _db: TestDb,
    m: PricingModule,
    events: Arc<RecordingEventBus>,
}

async fn env() -> Env {
    let db = TestDb::new().await.expect("test database");
    let events = Arc::new(RecordingEventBus::default());
    let ctx = ModuleContext::new("pricing", db.pool().clone(), Value::Null, events.clone());
    let m = PricingModule::build(&ctx).await.expect("pricing module");
    Env { _db: db, m, events }
}

fn amt(v: &str) -> Amount {
    Amount(Decimal::from_str(v).unwrap())
}

fn price(v: &str, currency: &str) -> PriceInput {
    PriceInput::new(amt(v), currency)
}

/// One price set with these prices; its id.
async fn set(m: &PricingModule, prices: Vec<PriceInput>) -> String {
    let mut sets = m
        .create_price_sets(vec![CreatePriceSetInput { id: None, prices }])
        .await
        .unwrap();
    sets.remove(0).price_set.id
}

/// An active price list of `kind` with `prices` for `pset`, optional rules.
async fn list(
    m: &PricingModule,
    kind: PriceListType,
    rules: &[(&str, &[&str])],
    prices: Vec<(&str, PriceInput)>,
) -> PriceList {
    let mut input = CreatePriceListInput::new("List", "A list");
    input.status = Some(PriceListStatus::Active);
    input.r#type = Some(kind);
    input.rules = rules
        .iter()
        .map(|(a, v)| (a.to_string(), v.iter().map(|s| s.to_string()).collect()))
        .collect();
    input.prices = prices
        .into_iter()
        .map(|(set, p)| PriceListPriceInput::from_price(set, p))
        .collect();
    m.create_price_lists(vec![input]).await.unwrap().remove(0)
}

async fn calc(m: &PricingModule, set: &str, ctx: &PricingContext) -> Option<CalculatedPrice> {
    m.calculate_prices(&[set.to_string()], ctx)
        .await
        .unwrap()
        .pop()
}

/// `(calculated, original)` amounts as text.
async fn amounts(m: &PricingModule, set: &str, ctx: &PricingContext) -> Option<(String, String)> {
    calc(m, set, ctx).await.map(|c| {
        (
            c.calculated_amount.to_string(),
            c.original_amount.to_string(),
        )
    })
}

fn pair(calculated: &str, original: &str) -> Option<(String, String)> {
    Some((calculated.to_string(), original.to_string()))
}

#[test]
fn registration_is_visible() {
    assert!(stheno_module_sdk::module::registered_modules().any(|m| m.key == "pricing"));
}

#[tokio::test(flavor = "multi_thread")]
async fn price_sets_are_created_with_prices_and_rules() {
    let Env { _db, m, events } = env().await;
    let created = m
        .create_price_sets(vec![
            CreatePriceSetInput {
                id: None,
                prices: vec![
                    price("10.50", "eur"),
                    price("12", "eur")
                        .rule("region_id", "reg_1")
                        .rule("customer.groups.id", "g1"),
                ],
            },
            CreatePriceSetInput {
                id: Some("pset_given".into()),
                prices: vec![price("5", "usd").tier(Some(amt("2")), Some(amt("10")))],
            },
        ])
        .await
        .unwrap();
    assert_eq!(created.len(), 2);
    assert!(created[0].price_set.id.starts_with("pset_"));
    assert_eq!(created[1].price_set.id, "pset_given");
    let first = &created[0].prices;
    assert_eq!(first.len(), 2);
    assert!(first[0].price.id.starts_with("price_"));
    assert_eq!(first[0].price.amount, amt("10.5"));
    assert_eq!(
        first[0].price.raw_amount,
        json!({"value": "10.5", "precision": 20})
    );
    assert_eq!(first[0].price.rules_count, 0);
    assert_eq!(first[1].price.rules_count, 2);
    assert_eq!(
        first[1].rules(),
        BTreeMap::from([
            ("customer.groups.id".to_string(), "g1".to_string()),
            ("region_id".to_string(), "reg_1".to_string()),
        ])
    );
    assert!(
        first[1]
            .price_rules
            .iter()
            .all(|r| r.id.starts_with("prule_")
                && r.operator == RuleOperator::Eq
                && r.price_id == first[1].price.id)
    );
    let tiered = &created[1].prices[0].price;
    assert_eq!(
        (tiered.min_quantity, tiered.max_quantity),
        (Some(amt("2")), Some(amt("10")))
    );
    assert_eq!(
        tiered.raw_max_quantity,
        Some(json!({"value": "10", "precision": 20}))
    );
    // The wire shape of a price: amounts are numbers.
    let wire = serde_json::to_value(&first[0].price).unwrap();
    assert_eq!(wire["amount"], json!(10.5));
    assert_eq!(wire["price_list_id"], Value::Null);

    let names = events.names();
    assert_eq!(
        names
            .iter()
            .filter(|n| *n == "pricing.price-set.created")
            .count(),
        2
    );
    assert_eq!(
        names
            .iter()
            .filter(|n| *n == "pricing.price.created")
            .count(),
        3
    );
    assert_eq!(
        names
            .iter()
            .filter(|n| *n == "pricing.price-rule.created")
            .count(),
        2
    );

    // Read back in three statements.
    let ids = vec![
        created[1].price_set.id.clone(),
        created[0].price_set.id.clone(),
    ];
    let (back, cost) = QueryCounter::scope(m.price_sets_with_prices(&ids)).await;
    let back = back.unwrap();
    assert_eq!(cost, 3);
    assert_eq!(back[0].price_set.id, "pset_given");
    assert_eq!(back[1].prices.len(), 2);
    assert_eq!(back[1].prices[1].price_rules.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn creating_price_sets_costs_the_same_for_one_or_many() {
    let Env { _db, m, .. } = env().await;
    let batch = |n: usize| {
        (0..n)
            .map(|i| CreatePriceSetInput {
                id: None,
                prices: vec![
                    price(&format!("{}", i + 1), "eur").rule("region_id", "reg_1"),
                    price("3", "usd"),
                ],
            })
            .collect::<Vec<_>>()
    };
    let (one, one_cost) = QueryCounter::scope(m.create_price_sets(batch(1))).await;
    let (many, many_cost) = QueryCounter::scope(m.create_price_sets(batch(20))).await;
    assert_eq!((one.unwrap().len(), many.unwrap().len()), (1, 20));
    assert_eq!(one_cost, many_cost);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_price_beats_the_currency_price_even_when_higher() {
    let Env { _db, m, .. } = env().await;
    let id = set(
        &m,
        vec![
            price("10", "eur"),
            price("12", "eur").rule("region_id", "reg_1"),
            price("15", "usd"),
        ],
    )
    .await;
    let eur = PricingContext::new("eur");
    assert_eq!(amounts(&m, &id, &eur).await, pair("10", "10"));
    assert_eq!(
        amounts(&m, &id, &eur.clone().region("reg_1")).await,
        pair("12", "12")
    );
    assert_eq!(
        amounts(&m, &id, &eur.clone().region("reg_2")).await,
        pair("10", "10")
    );
    assert_eq!(
        amounts(&m, &id, &PricingContext::new("usd")).await,
        pair("15", "15")
    );
    // No price in this currency: no entry.
    assert_eq!(calc(&m, &id, &PricingContext::new("dkk")).await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn more_rules_win_before_amounts() {
    let Env { _db, m, .. } = env().await;
    let id = set(
        &m,
        vec![
            price("9", "eur").rule("region_id", "reg_1"),
            price("11", "eur")
                .rule("region_id", "reg_1")
                .rule("customer.id", "cus_1"),
        ],
    )
    .await;
    let ctx = PricingContext::new("eur").region("reg_1");
    assert_eq!(amounts(&m, &id, &ctx).await, pair("9", "9"));
    let ctx = ctx.with("customer", json!({"id": "cus_1"}));
    assert_eq!(amounts(&m, &id, &ctx).await, pair("11", "11"));
    // A rule whose attribute the context lacks never matches.
    assert_eq!(
        calc(&m, &id, &PricingContext::new("eur")).await,
        None,
        "every price has a region rule"
    );

    // A customer-group sale price above the guests' sale price still wins
    // for the group (more rules), as long as it is below the base price.
    let id = set(&m, vec![price("100", "eur")]).await;
    list(
        &m,
        PriceListType::Sale,
        &[],
        vec![(id.as_str(), price("80", "eur"))],
    )
    .await;
    list(
        &m,
        PriceListType::Sale,
        &[("customer.groups.id", &["vip"])],
        vec![(id.as_str(), price("90", "eur"))],
    )
    .await;
    let guest = PricingContext::new("eur");
    assert_eq!(amounts(&m, &id, &guest).await, pair("80", "100"));
    let vip = guest.clone().customer_groups(["vip"]);
    assert_eq!(amounts(&m, &id, &vip).await, pair("90", "100"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sale_below_the_base_applies_and_above_it_is_ignored() {
    let Env { _db, m, .. } = env().await;
    let cheaper = set(&m, vec![price("100", "eur")]).await;
    let dearer = set(&m, vec![price("100", "eur")]).await;
    let equal = set(&m, vec![price("100", "eur")]).await;
    let sale = list(
        &m,
        PriceListType::Sale,
        &[],
        vec![
            (cheaper.as_str(), price("80", "eur")),
            (dearer.as_str(), price("120", "eur")),
            (equal.as_str(), price("100", "eur")),
        ],
    )
    .await;
    let ctx = PricingContext::new("eur");
    let c = calc(&m, &cheaper, &ctx).await.unwrap();
    assert_eq!(
        (c.calculated_amount, c.original_amount),
        (amt("80"), amt("100"))
    );
    assert!(c.is_calculated_price_price_list);
    assert!(!c.is_original_price_price_list);
    assert_eq!(
        c.calculated_price.price_list_id.as_deref(),
        Some(sale.id.as_str())
    );
    assert_eq!(
        c.calculated_price.price_list_type,
        Some(PriceListType::Sale)
    );
    assert_eq!(c.original_price.price_list_id, None);

    let c = calc(&m, &dearer, &ctx).await.unwrap();
    assert_eq!(
        (c.calculated_amount, c.original_amount),
        (amt("100"), amt("100"))
    );
    assert!(!c.is_calculated_price_price_list);
    assert_eq!(c.calculated_price.id, c.original_price.id);

    // A tie goes to the list.
    let c = calc(&m, &equal, &ctx).await.unwrap();
    assert!(c.is_calculated_price_price_list);
    assert_eq!(c.calculated_amount, amt("100"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_override_wins_even_when_higher_and_is_the_original_too() {
    let Env { _db, m, .. } = env().await;
    let id = set(&m, vec![price("100", "eur")]).await;
    let over = list(
        &m,
        PriceListType::Override,
        &[],
        vec![(id.as_str(), price("150", "eur"))],
    )
    .await;
    let c = calc(&m, &id, &PricingContext::new("eur")).await.unwrap();
    assert_eq!(
        (c.calculated_amount, c.original_amount),
        (amt("150"), amt("150"))
    );
    assert!(c.is_calculated_price_price_list && c.is_original_price_price_list);
    assert_eq!(c.calculated_price, c.original_price);
    assert_eq!(
        c.original_price.price_list_id.as_deref(),
        Some(over.id.as_str())
    );
    assert_eq!(
        c.original_price.price_list_type,
        Some(PriceListType::Override)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn override_sale_region_and_currency_prices_rank_together() {
    let Env { _db, m, .. } = env().await;
    let id = set(
        &m,
        vec![
            price("100", "eur"),
            price("95", "eur").rule("region_id", "reg_1"),
        ],
    )
    .await;
    let region = PricingContext::new("eur").region("reg_1");
    // Base prices only: the region price.
    assert_eq!(amounts(&m, &id, &region).await, pair("95", "95"));
    // A sale below the region price takes over; the region price stays the
    // original.
    list(
        &m,
        PriceListType::Sale,
        &[],
        vec![(id.as_str(), price("80", "eur"))],
    )
    .await;
    assert_eq!(amounts(&m, &id, &region).await, pair("80", "95"));
    // An override list alongside: the best list price is still the sale
    // (same rules, lower amount), the override is the original.
    list(
        &m,
        PriceListType::Override,
        &[],
        vec![(id.as_str(), price("90", "eur"))],
    )
    .await;
    assert_eq!(amounts(&m, &id, &region).await, pair("80", "90"));
    // An override for a group has more rules: for that group it is both.
    list(
        &m,
        PriceListType::Override,
        &[("customer.groups.id", &["b2b"])],
        vec![(id.as_str(), price("97", "eur"))],
    )
    .await;
    let b2b = region.clone().customer_groups(["b2b"]);
    assert_eq!(amounts(&m, &id, &b2b).await, pair("97", "97"));
    assert_eq!(amounts(&m, &id, &region).await, pair("80", "90"));
}

#[tokio::test(flavor = "multi_thread")]
async fn quantity_tiers_bound_prices() {
    let Env { _db, m, .. } = env().await;
    let id = set(
        &m,
        vec![
            price("10", "eur"),
            price("9", "eur").tier(None, Some(amt("3"))),
            price("8", "eur").tier(Some(amt("10")), Some(amt("49"))),
            price("6", "eur").tier(Some(amt("50")), None),
        ],
    )
    .await;
    let at = |q: i64| PricingContext::new("eur").quantity(Decimal::from(q));
    assert_eq!(amounts(&m, &id, &at(2)).await, pair("9", "9"));
    assert_eq!(amounts(&m, &id, &at(5)).await, pair("10", "10"));
    assert_eq!(amounts(&m, &id, &at(10)).await, pair("8", "8"));
    assert_eq!(amounts(&m, &id, &at(49)).await, pair("8", "8"));
    assert_eq!(amounts(&m, &id, &at(50)).await, pair("6", "6"));
    // Without a quantity: prices whose tier starts at 1 or is open.
    assert_eq!(
        amounts(&m, &id, &PricingContext::new("eur")).await,
        pair("9", "9")
    );
    let c = calc(&m, &id, &at(60)).await.unwrap();
    assert_eq!(c.calculated_price.min_quantity, Some(amt("50")));
    assert_eq!(c.calculated_price.max_quantity, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_apply_only_when_active_and_in_their_dates() {
    let Env { _db, m, .. } = env().await;
    let id = set(&m, vec![price("100", "eur")]).await;
    let ctx = PricingContext::new("eur");
    let make = |status: PriceListStatus, starts: Option<i64>, ends: Option<i64>, amount: &str| {
        let mut input = CreatePriceListInput::new("Sale", "Dates");
        input.status = Some(status);
        input.starts_at = starts.map(|d| Utc::now() + Duration::days(d));
        input.ends_at = ends.map(|d| Utc::now() + Duration::days(d));
        input.prices = vec![PriceListPriceInput::new(id.clone(), amt(amount), "eur")];
        input
    };
    let lists = m
        .create_price_lists(vec![
            make(PriceListStatus::Active, Some(1), None, "50"),
            make(PriceListStatus::Active, Some(-10), Some(-1), "60"),
            make(PriceListStatus::Draft, None, None, "70"),
        ])
        .await
        .unwrap();
    assert_eq!(amounts(&m, &id, &ctx).await, pair("100", "100"));

    let current = make(PriceListStatus::Active, Some(-1), Some(1), "90");
    m.create_price_lists(vec![current]).await.unwrap();
    assert_eq!(amounts(&m, &id, &ctx).await, pair("90", "100"));

    // Publishing the draft makes it apply.
    let publish = UpdatePriceList {
        status: Some(PriceListStatus::Active),
        ..Default::default()
    };
    m.price_lists().update(&lists[2].id, publish).await.unwrap();
    assert_eq!(amounts(&m, &id, &ctx).await, pair("70", "100"));
    // A soft-deleted list no longer applies.
    m.price_lists()
        .soft_delete(std::slice::from_ref(&lists[2].id))
        .await
        .unwrap();
    assert_eq!(amounts(&m, &id, &ctx).await, pair("90", "100"));

    let err = m
        .create_price_lists(vec![make(PriceListStatus::Active, Some(2), Some(1), "1")])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_group_list_needs_that_group() {
    let Env { _db, m, .. } = env().await;
    let id = set(&m, vec![price("100", "eur")]).await;
    let group_list = list(
        &m,
        PriceListType::Sale,
        &[("customer.groups.id", &["g1", "g2"])],
        vec![(id.as_str(), price("75", "eur"))],
    )
    .await;
    assert_eq!(group_list.rules_count, 1);
    // The list's wire shape, and its `type` as a filter.
    let wire = serde_json::to_value(&group_list).unwrap();
    assert_eq!(
        (wire["type"].clone(), wire["status"].clone()),
        (json!("sale"), json!("active"))
    );
    let filter: PriceListFilter =
        serde_json::from_value(json!({"type": "sale", "status": ["active"]})).unwrap();
    let found = m
        .price_lists()
        .list(&filter, &ListConfig::default())
        .await
        .unwrap();
    assert_eq!(found, vec![group_list.clone()]);
    let filter: PriceListFilter = serde_json::from_value(json!({"type": "override"})).unwrap();
    assert!(
        m.price_lists()
            .list(&filter, &ListConfig::default())
            .await
            .unwrap()
            .is_empty()
    );
    let eur = PricingContext::new("eur");
    assert_eq!(amounts(&m, &id, &eur).await, pair("100", "100"));
    assert_eq!(
        amounts(&m, &id, &eur.clone().customer_groups(["g3"])).await,
        pair("100", "100")
    );
    assert_eq!(
        amounts(&m, &id, &eur.clone().customer_groups(["g3", "g2"])).await,
        pair("75", "100")
    );
    // Every list rule must match: a second rule on the region.
    let mut rules = BTreeMap::new();
    rules.insert("customer.groups.id".to_string(), vec!["g2".to_string()]);
    rules.insert("region_id".to_string(), vec!["reg_1".to_string()]);
    let updated = m.set_price_list_rules(&group_list.id, rules).await.unwrap();
    assert_eq!(updated.rules_count, 2);
    let g2 = eur.clone().customer_groups(["g2"]);
    assert_eq!(amounts(&m, &id, &g2).await, pair("100", "100"));
    assert_eq!(
        amounts(&m, &id, &g2.clone().region("reg_1")).await,
        pair("75", "100")
    );
    let rules = m
        .price_list_rules_of(std::slice::from_ref(&group_list.id))
        .await
        .unwrap();
    assert_eq!(rules[&group_list.id]["region_id"], json!(["reg_1"]));
    // Without the group rule the region is enough.
    let updated = m
        .remove_price_list_rules(&group_list.id, &["customer.groups.id".to_string()])
        .await
        .unwrap();
    assert_eq!(updated.rules_count, 1);
    assert_eq!(
        amounts(&m, &id, &eur.clone().region("reg_1")).await,
        pair("75", "100")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn numeric_rules_compare_with_their_operator() {
    let Env { _db, m, .. } = env().await;
    let id = set(&m, vec![price("10", "eur"), price("0", "eur")]).await;
    let free = m
        .price_sets_with_prices(std::slice::from_ref(&id))
        .await
        .unwrap()
        .remove(0)
        .prices
        .into_iter()
        .find(|p| p.price.amount.0.is_zero())
        .unwrap();
    let rule = CreatePriceRule {
        operator: Some(RuleOperator::Gte),
        ..CreatePriceRule::new("item_total", "100", free.price.id.clone())
    };
    m.price_rules().create_one(rule).await.unwrap();
    let total = |v: Value| PricingContext::new("eur").with("item_total", v);
    assert_eq!(amounts(&m, &id, &total(json!(150))).await, pair("0", "0"));
    assert_eq!(amounts(&m, &id, &total(json!(100))).await, pair("0", "0"));
    assert_eq!(
        amounts(&m, &id, &total(json!(99.99))).await,
        pair("10", "10")
    );
    // A string context value is matched by equality only.
    assert_eq!(
        amounts(&m, &id, &total(json!("150"))).await,
        pair("10", "10")
    );
    assert_eq!(amounts(&m, &id, &total(json!("100"))).await, pair("0", "0"));
}

#[tokio::test(flavor = "multi_thread")]
async fn tax_inclusive_by_region_preference_only_for_region_prices() {
    let Env { _db, m, .. } = env().await;
    m.price_preferences()
        .create(vec![
            CreatePricePreference {
                value: Some("reg_1".into()),
                is_tax_inclusive: Some(true),
                ..CreatePricePreference::new("region_id")
            },
            CreatePricePreference {
                value: Some("usd".into()),
                is_tax_inclusive: Some(true),
                ..CreatePricePreference::new("currency_code")
            },
            CreatePricePreference {
                value: Some("eur".into()),
                is_tax_inclusive: Some(false),
                ..CreatePricePreference::new("currency_code")
            },
        ])
        .await
        .unwrap();
    let region_priced = set(
        &m,
        vec![
            price("10", "eur"),
            price("12", "eur").rule("region_id", "reg_1"),
        ],
    )
    .await;
    let currency_priced = set(&m, vec![price("10", "eur"), price("20", "usd")]).await;
    let ctx = PricingContext::new("eur").region("reg_1");
    let c = calc(&m, &region_priced, &ctx).await.unwrap();
    assert!(c.is_calculated_price_tax_inclusive && c.is_original_price_tax_inclusive);
    // A plain currency price in the same region keeps the currency's
    // preference.
    let c = calc(&m, &currency_priced, &ctx).await.unwrap();
    assert!(!c.is_calculated_price_tax_inclusive);
    // Another region: the currency preference.
    let other = PricingContext::new("eur").region("reg_2");
    assert!(
        !calc(&m, &region_priced, &other)
            .await
            .unwrap()
            .is_calculated_price_tax_inclusive
    );
    // The currency preference alone.
    let usd = PricingContext::new("usd").region("reg_1");
    assert!(
        calc(&m, &currency_priced, &usd)
            .await
            .unwrap()
            .is_calculated_price_tax_inclusive
    );
    // No preference at all: exclusive.
    let dkk_set = set(&m, vec![price("75", "dkk")]).await;
    assert!(
        !calc(&m, &dkk_set, &PricingContext::new("dkk"))
            .await
            .unwrap()
            .is_calculated_price_tax_inclusive
    );
    // One preference per (attribute, value).
    let err = m
        .price_preferences()
        .create_one(CreatePricePreference {
            value: Some("reg_1".into()),
            ..CreatePricePreference::new("region_id")
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DuplicateError);
    assert_eq!(
        err.message(),
        "Price preference with attribute: region_id, value: reg_1, already exists."
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_calculated_price_has_medusas_shape() {
    let Env { _db, m, .. } = env().await;
    let id = set(
        &m,
        vec![price("1500", "eur").tier(Some(amt("1")), Some(amt("10")))],
    )
    .await;
    let sale = list(
        &m,
        PriceListType::Sale,
        &[],
        vec![(id.as_str(), price("1200.5", "eur"))],
    )
    .await;
    let c = calc(&m, &id, &PricingContext::new("eur")).await.unwrap();
    let base_id = m
        .prices()
        .list(
            &PriceFilter {
                price_set_id: Some(FieldFilter::Eq(id.clone())),
                price_list_id: Some(FieldFilter::Null),
                ..Default::default()
            },
            &ListConfig::default(),
        )
        .await
        .unwrap()
        .remove(0)
        .id;
    let wire = serde_json::to_value(&c).unwrap();
    assert_eq!(
        wire,
        json!({
            "id": id,
            "is_calculated_price_price_list": true,
            "is_calculated_price_tax_inclusive": false,
            "calculated_amount": 1200.5,
            "raw_calculated_amount": {"value": "1200.5", "precision": 20},
            "is_original_price_price_list": false,
            "is_original_price_tax_inclusive": false,
            "original_amount": 1500,
            "raw_original_amount": {"value": "1500", "precision": 20},
            "currency_code": "eur",
            "calculated_price": {
                "id": c.calculated_price.id,
                "price_list_id": sale.id,
                "price_list_type": "sale",
                "min_quantity": null,
                "max_quantity": null
            },
            "original_price": {
                "id": base_id,
                "price_list_id": null,
                "price_list_type": null,
                "min_quantity": 1,
                "max_quantity": 10
            }
        })
    );
    let back: CalculatedPrice = serde_json::from_value(wire).unwrap();
    assert_eq!(back, c);

    let err = m
        .calculate_prices(std::slice::from_ref(&id), &PricingContext::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert_eq!(
        err.message(),
        "Method calculatePrices requires currency_code in the pricing context"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn calculate_prices_is_one_statement_for_one_or_fifty_sets() {
    let Env { _db, m, .. } = env().await;
    let inputs: Vec<_> = (0..50)
        .map(|i| CreatePriceSetInput {
            id: None,
            prices: vec![
                price(&format!("{}", 100 + i), "eur"),
                price(&format!("{}", 90 + i), "eur").rule("region_id", "reg_1"),
            ],
        })
        .collect();
    let ids: Vec<String> = m
        .create_price_sets(inputs)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.price_set.id)
        .collect();
    list(
        &m,
        PriceListType::Sale,
        &[("customer.groups.id", &["vip"])],
        ids.iter()
            .map(|id| (id.as_str(), price("50", "eur")))
            .collect(),
    )
    .await;
    let ctx = PricingContext::new("eur")
        .region("reg_1")
        .customer_groups(["vip"]);
    let (one, one_cost) = QueryCounter::scope(m.calculate_prices(&ids[..1], &ctx)).await;
    let (all, all_cost) = QueryCounter::scope(m.calculate_prices(&ids, &ctx)).await;
    let (one, all) = (one.unwrap(), all.unwrap());
    assert_eq!((one.len(), all.len()), (1, 50));
    assert_eq!(one_cost, all_cost);
    assert_eq!(all_cost, 1);
    // In the order asked, each with its own original price.
    assert_eq!(all[7].id, ids[7]);
    assert_eq!(all[7].calculated_amount, amt("50"));
    assert_eq!(all[7].original_amount, amt("97"));
    // Unknown sets and duplicates.
    let mixed = vec![ids[3].clone(), "pset_nope".into(), ids[3].clone()];
    let out = m.calculate_prices(&mixed, &ctx).await.unwrap();
    assert_eq!(out.len(), 1);
    let (none, none_cost) = QueryCounter::scope(m.calculate_prices(&[], &ctx)).await;
    assert_eq!((none.unwrap().len(), none_cost), (0, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn set_price_set_prices_replaces_the_base_prices() {
    let Env { _db, m, events } = env().await;
    let created = m
        .create_price_sets(vec![CreatePriceSetInput {
            id: None,
            prices: vec![
                price("10", "eur"),
                price("20", "usd").rule("region_id", "reg_us"),
            ],
        }])
        .await
        .unwrap()
        .remove(0);
    let id = created.price_set.id.clone();
    let (eur, usd) = (&created.prices[0], &created.prices[1]);
    let sale = list(
        &m,
        PriceListType::Sale,
        &[],
        vec![(id.as_str(), price("5", "eur"))],
    )
    .await;
    events.take();

    let mut keep = price("11", "eur").rule("region_id", "reg_eu");
    keep.id = Some(eur.price.id.clone());
    let (out, cost) = QueryCounter::scope(m.set_price_set_prices(
        &id,
        vec![price("30", "dkk"), keep.clone(), price("1", "sek")],
    ))
    .await;
    let out = out.unwrap();
    // Lock, read, delete rules, delete prices, update, insert prices and
    // rules, with BEGIN and COMMIT.
    assert_eq!(cost, 9, "statements");
    assert_eq!(out.len(), 3);
    assert_eq!(out[0].price.currency_code, "dkk");
    assert_eq!(out[1].price.id, eur.price.id);
    assert_eq!(out[1].price.amount, amt("11"));
    assert_eq!(
        out[1].price.raw_amount,
        json!({"value": "11", "precision": 20})
    );
    assert_eq!(out[1].price.rules_count, 1);
    assert_eq!(out[1].rules()["region_id"], "reg_eu");
    assert_eq!(out[2].price.currency_code, "sek");

    // The usd price and its rule are gone; the list price stays.
    let after = m
        .price_sets_with_prices(std::slice::from_ref(&id))
        .await
        .unwrap()
        .remove(0);
    let mut currencies: Vec<(&str, bool)> = after
        .prices
        .iter()
        .map(|p| {
            (
                p.price.currency_code.as_str(),
                p.price.price_list_id.is_some(),
            )
        })
        .collect();
    currencies.sort();
    assert_eq!(
        currencies,
        vec![
            ("dkk", false),
            ("eur", false),
            ("eur", true),
            ("sek", false)
        ]
    );
    assert!(
        m.price_rules()
            .list(
                &PriceRuleFilter {
                    price_id: Some(FieldFilter::Eq(usd.price.id.clone())),
                    ..Default::default()
                },
                &ListConfig::default().with_deleted(true),
            )
            .await
            .unwrap()
            .is_empty()
    );
    let names = events.names();
    for name in [
        "pricing.price.deleted",
        "pricing.price.updated",
        "pricing.price.created",
        "pricing.price-rule.deleted",
        "pricing.price-rule.created",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    let ctx = PricingContext::new("eur").region("reg_eu");
    assert_eq!(amounts(&m, &id, &ctx).await, pair("5", "11"));

    // Undo: the previous prices, ids included, come back as they were.
    let previous: Vec<PriceInput> = created.prices.iter().map(|p| p.to_input()).collect();
    let restored = m.set_price_set_prices(&id, previous).await.unwrap();
    assert_eq!(restored[1].price.id, usd.price.id);
    assert_eq!(restored[1].rules()["region_id"], "reg_us");
    assert_eq!(restored[0].price.amount, amt("10"));

    // Refusals.
    let mut foreign = price("1", "eur");
    foreign.id = Some(
        m.prices()
            .list(
                &PriceFilter {
                    price_list_id: Some(FieldFilter::Eq(sale.id.clone())),
                    ..Default::default()
                },
                &ListConfig::default(),
            )
            .await
            .unwrap()
            .remove(0)
            .id,
    );
    let err = m
        .set_price_set_prices(&id, vec![foreign])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    let err = m
        .set_price_set_prices("pset_nope", vec![price("1", "eur")])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.message(), "PriceSet with id: pset_nope was not found");
    let mut twice = price("1", "eur");
    twice.id = Some("price_x".into());
    let err = m
        .set_price_set_prices(&id, vec![twice.clone(), twice])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    let err = m
        .set_price_set_prices(
            &id,
            vec![price("1", "eur").tier(Some(amt("5")), Some(amt("2")))],
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    // Nothing changed by the refusals.
    assert_eq!(
        m.price_sets_with_prices(std::slice::from_ref(&id))
            .await
            .unwrap()[0]
            .prices
            .len(),
        3
    );
    // Emptying the set keeps the list prices.
    assert!(
        m.set_price_set_prices(&id, vec![])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        m.price_sets_with_prices(std::slice::from_ref(&id))
            .await
            .unwrap()[0]
            .prices
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn price_list_prices_are_added_updated_and_removed() {
    let Env { _db, m, .. } = env().await;
    let a = set(&m, vec![price("100", "eur")]).await;
    let b = set(&m, vec![price("200", "eur")]).await;
    let sale = list(&m, PriceListType::Sale, &[], vec![]).await;
    let added = m
        .add_price_list_prices(
            &sale.id,
            vec![
                PriceListPriceInput::new(a.clone(), amt("90"), "eur"),
                PriceListPriceInput::from_price(
                    b.clone(),
                    price("150", "eur").rule("region_id", "reg_1"),
                ),
            ],
        )
        .await
        .unwrap();
    assert_eq!(added.len(), 2);
    assert!(
        added
            .iter()
            .all(|p| p.price.price_list_id.as_deref() == Some(sale.id.as_str()))
    );
    assert_eq!(added[1].price.rules_count, 1);
    let ctx = PricingContext::new("eur").region("reg_1");
    assert_eq!(amounts(&m, &a, &ctx).await, pair("90", "100"));
    assert_eq!(amounts(&m, &b, &ctx).await, pair("150", "200"));

    let mut change = PriceListPriceInput::new(b.clone(), amt("120"), "eur");
    change.id = Some(added[1].price.id.clone());
    let updated = m
        .update_price_list_prices(&sale.id, vec![change])
        .await
        .unwrap();
    assert_eq!(updated[0].price.amount, amt("120"));
    assert_eq!(updated[0].price.rules_count, 0);
    assert!(updated[0].price_rules.is_empty());
    assert_eq!(
        amounts(&m, &b, &PricingContext::new("eur")).await,
        pair("120", "200")
    );

    m.remove_price_list_prices(&sale.id, std::slice::from_ref(&added[0].price.id))
        .await
        .unwrap();
    assert_eq!(amounts(&m, &a, &ctx).await, pair("100", "100"));

    // Refusals: a price of another list or none, a missing set or list.
    let base_of_a = m
        .price_sets_with_prices(std::slice::from_ref(&a))
        .await
        .unwrap()
        .remove(0)
        .prices
        .remove(0)
        .price
        .id;
    let err = m
        .remove_price_list_prices(&sale.id, std::slice::from_ref(&base_of_a))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        err.message(),
        format!("Price with id: {base_of_a} was not found")
    );
    let mut stray = PriceListPriceInput::new(a.clone(), amt("1"), "eur");
    stray.id = Some(base_of_a.clone());
    let err = m
        .update_price_list_prices(&sale.id, vec![stray])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = m
        .add_price_list_prices(
            &sale.id,
            vec![PriceListPriceInput::new("pset_nope", amt("1"), "eur")],
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.message(), "PriceSet with id: pset_nope was not found");
    let err = m
        .add_price_list_prices("plist_nope", vec![])
        .await
        .unwrap_err();
    assert_eq!(err.message(), "PriceList with id: plist_nope was not found");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_price_set_deletes_its_prices_and_rules() {
    let Env { _db, m, .. } = env().await;
    let id = set(
        &m,
        vec![
            price("10", "eur").rule("region_id", "reg_1"),
            price("11", "usd"),
        ],
    )
    .await;
    let other = set(&m, vec![price("5", "eur").rule("region_id", "reg_1")]).await;
    let deleted = m
        .price_sets()
        .delete(std::slice::from_ref(&id))
        .await
        .unwrap();
    assert_eq!(deleted["price_set"], vec![id.clone()]);
    assert_eq!(deleted["price"].len(), 2);
    assert_eq!(deleted["price_rule"].len(), 1);
    let everything = ListConfig::default().with_deleted(true);
    let left = m
        .prices()
        .list(&PriceFilter::default(), &everything)
        .await
        .unwrap();
    assert!(left.iter().all(|p| p.price_set_id == other));
    let rules = m
        .price_rules()
        .list(&PriceRuleFilter::default(), &everything)
        .await
        .unwrap();
    assert_eq!(rules.len(), 1);

    // Soft delete follows the same relations, and restore brings them back.
    let touched = m
        .price_sets()
        .soft_delete(std::slice::from_ref(&other))
        .await
        .unwrap();
    assert_eq!(touched["price_rule"].len(), 1);
    assert_eq!(
        calc(&m, &other, &PricingContext::new("eur").region("reg_1")).await,
        None
    );
    m.price_sets()
        .restore(std::slice::from_ref(&other))
        .await
        .unwrap();
    assert_eq!(
        amounts(&m, &other, &PricingContext::new("eur").region("reg_1")).await,
        pair("5", "5")
    );

    // Deleting a price list takes its prices and rules along.
    let sale = list(
        &m,
        PriceListType::Sale,
        &[("customer.groups.id", &["g"])],
        vec![(other.as_str(), price("1", "eur"))],
    )
    .await;
    let deleted = m
        .price_lists()
        .delete(std::slice::from_ref(&sale.id))
        .await
        .unwrap();
    assert_eq!(deleted["price"].len(), 1);
    assert_eq!(deleted["price_list_rule"].len(), 1);
    let prices = m
        .prices()
        .list(&PriceFilter::default(), &everything)
        .await
        .unwrap();
    assert_eq!(prices.len(), 1);
    assert_eq!(PriceList::META.prefix, "plist");
}

#[tokio::test(flavor = "multi_thread")]
async fn query_follows_the_declared_relations() {
    use stheno_module_sdk::graph::{QueryContext, Record, to_record};
    let Env { _db, m, .. } = env().await;
    let m = Arc::new(m);
    let sets = m
        .create_price_sets(
            (0..3)
                .map(|_| CreatePriceSetInput {
                    id: None,
                    prices: vec![price("1", "eur").rule("region_id", "reg_1")],
                })
                .collect(),
        )
        .await
        .unwrap();
    let sale = list(
        &m,
        PriceListType::Override,
        &[("customer.groups.id", &["g"])],
        vec![(sets[0].price_set.id.as_str(), price("2", "eur"))],
    )
    .await;
    let sources = m.entity_sources();
    let source = |name: &str| {
        sources
            .iter()
            .find(|s| s.entity() == name)
            .unwrap_or_else(|| panic!("source {name}"))
    };
    let records: Vec<Record> = sets
        .iter()
        .map(|s| to_record(&s.price_set).unwrap())
        .collect();
    let refs: Vec<&Record> = records.iter().collect();
    let (prices, n) = QueryCounter::scope(source("price_set").load_relation(
        "prices",
        &refs,
        QueryContext::ADMIN,
    ))
    .await;
    let prices = prices.unwrap();
    assert_eq!((prices.len(), n), (4, 1));
    // Query's records carry `numeric` as a number, as Medusa shows it.
    assert_eq!(prices[0].1["amount"], json!(1));
    assert_eq!(
        prices[0].1["raw_amount"],
        json!({"value": "1", "precision": 20})
    );
    let price_records: Vec<Record> = prices.into_iter().map(|(_, r)| r).collect();
    let refs: Vec<&Record> = price_records.iter().collect();
    let (rules, n) = QueryCounter::scope(source("price").load_relation(
        "price_rules",
        &refs,
        QueryContext::ADMIN,
    ))
    .await;
    assert_eq!((rules.unwrap().len(), n), (3, 1));
    let lists = source("price")
        .load_relation("price_list", &refs, QueryContext::ADMIN)
        .await
        .unwrap();
    assert_eq!(lists.len(), 1);
    assert_eq!(lists[0].1["id"], json!(sale.id));
    assert_eq!(lists[0].1["type"], json!("override"));
    let list_record = to_record(&sale).unwrap();
    let list_rules = source("price_list")
        .load_relation("price_list_rules", &[&list_record], QueryContext::ADMIN)
        .await
        .unwrap();
    assert_eq!(list_rules[0].1["value"], json!(["g"]));
}
