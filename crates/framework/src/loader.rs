//! Which modules this binary has, and in which order to build them.

use std::collections::{BTreeSet, HashMap};

use stheno_module_sdk::ModuleRegistration;
use stheno_module_sdk::module::registered_modules;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LoadError {
    #[error(
        "module `{module}` needs module `{missing}`, which is not linked into this binary: add the `stheno-{missing}` crate (or the `{missing}` feature of `stheno`) and name it in your main, e.g. `App::new().module::<…>()`"
    )]
    MissingDependency { module: String, missing: String },
    #[error(
        "the config has options for module(s) {missing:?}, which are not linked into this binary: add their crates (e.g. `stheno-{first}`) or remove `[modules.{first}]` from the config"
    )]
    MissingConfigured { missing: Vec<String>, first: String },
    #[error("module key `{key}` is registered twice: by {a} and by {b}")]
    DuplicateKey { key: String, a: String, b: String },
    #[error("modules depend on each other in a cycle: {0}")]
    Cycle(String),
}

/// Every module this binary knows: the ones registered through `inventory`
/// plus the ones added explicitly, deduplicated by key.
pub fn collect(
    explicit: &[&'static ModuleRegistration],
) -> Result<Vec<&'static ModuleRegistration>, LoadError> {
    let mut by_key: HashMap<&str, &'static ModuleRegistration> = HashMap::new();
    let mut order = Vec::new();
    for reg in registered_modules().chain(explicit.iter().copied()) {
        match by_key.get(reg.key) {
            Some(existing) if (existing.type_name)() == (reg.type_name)() => {}
            Some(existing) => {
                return Err(LoadError::DuplicateKey {
                    key: reg.key.to_string(),
                    a: (existing.type_name)().to_string(),
                    b: (reg.type_name)().to_string(),
                });
            }
            None => {
                by_key.insert(reg.key, reg);
                order.push(reg);
            }
        }
    }
    order.sort_by_key(|r| r.key);
    Ok(order)
}

/// Check that every configured module is present and order the modules so
/// each comes after the modules it depends on.
pub fn resolve<'a>(
    modules: &[&'static ModuleRegistration],
    configured: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<&'static ModuleRegistration>, LoadError> {
    let keys: BTreeSet<&str> = modules.iter().map(|m| m.key).collect();
    let missing: Vec<String> = configured
        .into_iter()
        .filter(|k| !keys.contains(k))
        .map(String::from)
        .collect();
    if let Some(first) = missing.first().cloned() {
        return Err(LoadError::MissingConfigured { missing, first });
    }
    for m in modules {
        if let Some(dep) = m.depends_on.iter().find(|d| !keys.contains(*d)) {
            return Err(LoadError::MissingDependency {
                module: m.key.to_string(),
                missing: dep.to_string(),
            });
        }
    }
    // Depth-first topological sort; input is sorted by key so the result is stable.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    fn visit(
        m: &'static ModuleRegistration,
        all: &HashMap<&str, &'static ModuleRegistration>,
        marks: &mut HashMap<&'static str, Mark>,
        path: &mut Vec<&'static str>,
        out: &mut Vec<&'static ModuleRegistration>,
    ) -> Result<(), LoadError> {
        match marks.get(m.key) {
            Some(Mark::Done) => return Ok(()),
            Some(Mark::Visiting) => {
                path.push(m.key);
                return Err(LoadError::Cycle(path.join(" -> ")));
            }
            None => {}
        }
        marks.insert(m.key, Mark::Visiting);
        path.push(m.key);
        for dep in m.depends_on {
            visit(all[dep], all, marks, path, out)?;
        }
        path.pop();
        marks.insert(m.key, Mark::Done);
        out.push(m);
        Ok(())
    }
    let all: HashMap<&str, &'static ModuleRegistration> =
        modules.iter().map(|m| (m.key, *m)).collect();
    let mut marks = HashMap::new();
    let mut out = Vec::with_capacity(modules.len());
    for m in modules {
        visit(m, &all, &mut marks, &mut Vec::new(), &mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use stheno_module_sdk::prelude::*;

    macro_rules! fake_module {
        ($name:ident, $key:literal, [$($dep:literal),*]) => {
            struct $name;
            #[async_trait]
            impl Module for $name {
                const KEY: &'static str = $key;
                const DEPENDS_ON: &'static [&'static str] = &[$($dep),*];
                async fn build(_: &ModuleContext) -> Result<Self> { Ok($name) }
            }
        };
    }
    fake_module!(Cart, "cart", ["pricing", "product"]);
    fake_module!(Pricing, "pricing", ["product"]);
    fake_module!(Product, "product", []);
    fake_module!(A, "a", ["b"]);
    fake_module!(B, "b", ["a"]);

    static CART: ModuleRegistration = ModuleRegistration::of::<Cart>("stheno-cart");
    static PRICING: ModuleRegistration = ModuleRegistration::of::<Pricing>("stheno-pricing");
    static PRODUCT: ModuleRegistration = ModuleRegistration::of::<Product>("stheno-product");
    static CYCLE_A: ModuleRegistration = ModuleRegistration::of::<A>("a");
    static CYCLE_B: ModuleRegistration = ModuleRegistration::of::<B>("b");

    fn keys(v: &[&ModuleRegistration]) -> Vec<&'static str> {
        v.iter().map(|m| m.key).collect()
    }

    #[test]
    fn dependencies_come_first() {
        let ordered = resolve(&[&CART, &PRICING, &PRODUCT], []).unwrap();
        assert_eq!(keys(&ordered), ["product", "pricing", "cart"]);
    }

    #[test]
    fn a_missing_dependency_names_the_crate() {
        let err = resolve(&[&CART, &PRODUCT], []).unwrap_err();
        assert_eq!(
            err,
            LoadError::MissingDependency {
                module: "cart".into(),
                missing: "pricing".into()
            }
        );
        assert!(err.to_string().contains("`stheno-pricing` crate"), "{err}");
    }

    #[test]
    fn a_configured_but_unlinked_module_is_an_error() {
        let err = resolve(&[&PRODUCT], ["product", "brand"]).unwrap_err();
        assert!(err.to_string().contains("\"brand\""), "{err}");
    }

    #[test]
    fn cycles_are_reported() {
        let err = resolve(&[&CYCLE_A, &CYCLE_B], []).unwrap_err();
        assert_eq!(err, LoadError::Cycle("a -> b -> a".into()));
    }
}
