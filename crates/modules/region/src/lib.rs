//! Stheno's **region module** (key `region`): regions and the countries they
//! cover, as in Medusa v2.
//!
//! | entity | table | key | service |
//! |---|---|---|---|
//! | [`Region`] | `region` | `reg_…` | [`RegionModule::regions`] |
//! | [`Country`] | `region_country` | `iso_2` (lower case, `dk`) | [`RegionModule::countries`] |
//!
//! The migration seeds the ISO 3166-1 countries (upper-case `name`,
//! `display_name` as written). A region has a currency and a set of
//! countries; a country belongs to at most one region. Reads, filters and
//! updates of plain fields are the generated services'. Written here is
//! the country rule: [`RegionModule::create_regions`] and
//! [`RegionModule::update_regions`] take `countries` as ISO codes (any
//! case), which must exist, be listed once and not belong to another
//! region (an update replaces the set), and
//! [`RegionModule::soft_delete_regions`] releases a region's countries, so
//! a restore does not bring them back (as Medusa does).
//!
//! Events (after commit): `region.region.created|updated|deleted|restored`,
//! `region.country.updated` when countries change hands.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::entity::{Bind, Condition, Deleted, ListConfig, Tx};
use stheno_module_sdk::{Error, Result, entity, module};

/// A region: a currency and the countries it covers.
#[entity(
    module = "region",
    prefix = "reg",
    searchable(name, currency_code),
    soft_delete,
    has_many(countries = Country, fk = "region_id", order = "iso_2")
)]
pub struct Region {
    pub id: String,
    pub name: String,
    pub currency_code: String,
    #[entity(default = "true")]
    pub automatic_taxes: bool,
    pub metadata: Option<Value>,
}

/// A country (ISO 3166-1), keyed by its lower-case alpha-2 code; seeded by
/// the migration.
#[entity(
    module = "region",
    table = "region_country",
    name = "country",
    searchable(iso_2, iso_3, name, display_name),
    soft_delete,
    belongs_to(region = Region, fk = "region_id")
)]
pub struct Country {
    #[entity(primary_key)]
    pub iso_2: String,
    pub iso_3: String,
    pub num_code: String,
    pub name: String,
    pub display_name: String,
    pub region_id: Option<String>,
    pub metadata: Option<Value>,
}

/// The region module: [`RegionModule::regions`] and
/// [`RegionModule::countries`] are the generated services; the country
/// rule is in [`create_regions`](RegionModule::create_regions),
/// [`update_regions`](RegionModule::update_regions) and
/// [`soft_delete_regions`](RegionModule::soft_delete_regions).
#[module(
    key = "region",
    entities(Region, Country),
    migrations = "../../../migrations/region"
)]
pub struct RegionModule;

/// A region to create with its countries (`countries: ["dk", "se"]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewRegion {
    #[serde(flatten)]
    pub region: CreateRegion,
    #[serde(default)]
    pub countries: Vec<String>,
}

/// Changes to one region; `countries`, when given, replaces its set.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RegionChange {
    pub id: String,
    #[serde(flatten)]
    pub update: UpdateRegion,
    #[serde(default)]
    pub countries: Option<Vec<String>>,
}

/// Lower-cased codes, and the first one listed twice, if any.
fn normalise(codes: &[String]) -> (Vec<String>, Option<String>) {
    let mut seen = BTreeSet::new();
    let mut twice = None;
    let out = codes
        .iter()
        .map(|c| c.trim().to_lowercase())
        .inspect(|c| {
            if !seen.insert(c.clone()) && twice.is_none() {
                twice = Some(c.clone());
            }
        })
        .collect();
    (out, twice)
}

fn quoted(codes: &[&str]) -> String {
    codes
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

impl RegionModule {
    /// Create regions with their countries, in one transaction. Countries
    /// must exist, be listed once (across all inputs) and belong to no
    /// region.
    pub async fn create_regions(&self, inputs: Vec<NewRegion>) -> Result<Vec<Region>> {
        let mut wanted: Vec<Vec<String>> = Vec::with_capacity(inputs.len());
        let mut all = Vec::new();
        for input in &inputs {
            let (codes, _) = normalise(&input.countries);
            all.extend(codes.iter().cloned());
            wanted.push(codes);
        }
        if let (_, Some(twice)) = normalise(&all) {
            return Err(Error::invalid_data(format!(
                "Countries with codes: \"{twice}\" are listed more than once"
            )));
        }
        let regions = self.regions().clone();
        let countries = self.countries().clone();
        regions
            .clone()
            .transaction(move |tx| {
                Box::pin(async move {
                    check_countries(&countries, tx, &all, &[]).await?;
                    let created = regions
                        .create_in(tx, inputs.into_iter().map(|i| i.region).collect())
                        .await?;
                    for (region, codes) in created.iter().zip(&wanted) {
                        assign(&countries, tx, &region.id, codes).await?;
                    }
                    Ok(created)
                })
            })
            .await
    }

    /// Update regions; a change with `countries` replaces that region's
    /// set (countries it drops are released). One transaction.
    pub async fn update_regions(&self, changes: Vec<RegionChange>) -> Result<Vec<Region>> {
        let regions = self.regions().clone();
        let countries = self.countries().clone();
        regions
            .clone()
            .transaction(move |tx| {
                Box::pin(async move {
                    let mut out = Vec::with_capacity(changes.len());
                    for change in changes {
                        let mut region = regions.retrieve_for_update(tx, &change.id).await?;
                        if let Some(codes) = &change.countries {
                            let (codes, twice) = normalise(codes);
                            if let Some(twice) = twice {
                                return Err(Error::invalid_data(format!(
                                    "Countries with codes: \"{twice}\" are listed more than once"
                                )));
                            }
                            check_countries(&countries, tx, &codes, &[change.id.as_str()]).await?;
                            release(&countries, tx, std::slice::from_ref(&change.id), &codes)
                                .await?;
                            assign(&countries, tx, &change.id, &codes).await?;
                        }
                        if change.update != UpdateRegion::default() {
                            let id = Condition::In {
                                column: "id",
                                values: vec![Bind::Text(change.id.clone())],
                                negated: false,
                            };
                            if let Some(updated) = regions
                                .update_where_in(tx, &id, &change.update)
                                .await?
                                .pop()
                            {
                                region = updated;
                            }
                        }
                        out.push(region);
                    }
                    Ok(out)
                })
            })
            .await
    }

    /// Soft-delete regions and release their countries (a restore does not
    /// bring them back).
    pub async fn soft_delete_regions(&self, ids: &[String]) -> Result<Deleted> {
        let regions = self.regions().clone();
        let countries = self.countries().clone();
        let ids = ids.to_vec();
        regions
            .clone()
            .transaction(move |tx| {
                Box::pin(async move {
                    release(&countries, tx, &ids, &[]).await?;
                    regions.soft_delete_in(tx, &ids).await
                })
            })
            .await
    }
}

/// Every code names a live country owned by no region other than `own`.
async fn check_countries(
    countries: &stheno_module_sdk::entity::EntityService<Country>,
    tx: &mut Tx<'_>,
    codes: &[String],
    own: &[&str],
) -> Result<()> {
    if codes.is_empty() {
        return Ok(());
    }
    let found = countries
        .list_where_in(
            tx,
            &Condition::In {
                column: "iso_2",
                values: codes.iter().cloned().map(Bind::Text).collect(),
                negated: false,
            },
            &ListConfig::default(),
        )
        .await?;
    let by_code: HashMap<&str, &Country> = found.iter().map(|c| (c.iso_2.as_str(), c)).collect();
    let missing: Vec<&str> = codes
        .iter()
        .map(String::as_str)
        .filter(|c| !by_code.contains_key(c))
        .collect();
    if !missing.is_empty() {
        return Err(Error::invalid_data(format!(
            "Countries with codes: {} do not exist",
            quoted(&missing)
        )));
    }
    let taken: Vec<&str> = codes
        .iter()
        .map(String::as_str)
        .filter(|c| {
            by_code[c]
                .region_id
                .as_deref()
                .is_some_and(|r| !own.contains(&r))
        })
        .collect();
    if !taken.is_empty() {
        return Err(Error::invalid_data(format!(
            "Countries with codes: {} are already assigned to a region",
            quoted(&taken)
        )));
    }
    Ok(())
}

/// Give `codes` to `region` (one statement).
async fn assign(
    countries: &stheno_module_sdk::entity::EntityService<Country>,
    tx: &mut Tx<'_>,
    region: &str,
    codes: &[String],
) -> Result<()> {
    if codes.is_empty() {
        return Ok(());
    }
    let which = Condition::In {
        column: "iso_2",
        values: codes.iter().cloned().map(Bind::Text).collect(),
        negated: false,
    };
    let change = UpdateCountry {
        region_id: Some(Some(region.to_string())),
        ..Default::default()
    };
    countries.update_where_in(tx, &which, &change).await?;
    Ok(())
}

/// Take from `regions` their countries not in `keep` (one statement).
async fn release(
    countries: &stheno_module_sdk::entity::EntityService<Country>,
    tx: &mut Tx<'_>,
    regions: &[String],
    keep: &[String],
) -> Result<()> {
    if regions.is_empty() {
        return Ok(());
    }
    let mut all = vec![Condition::In {
        column: "region_id",
        values: regions.iter().cloned().map(Bind::Text).collect(),
        negated: false,
    }];
    if !keep.is_empty() {
        all.push(Condition::In {
            column: "iso_2",
            values: keep.iter().cloned().map(Bind::Text).collect(),
            negated: true,
        });
    }
    let change = UpdateCountry {
        region_id: Some(None),
        ..Default::default()
    };
    countries
        .update_where_in(tx, &Condition::All(all), &change)
        .await?;
    Ok(())
}
