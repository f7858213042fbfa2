//! Relations between entities, as Query follows them: a name, a target
//! entity and a cardinality.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    One,
    Many,
}

/// A relation of an entity, e.g. `product.variants` → `product_variant` (many).
#[derive(Debug, Clone, Copy)]
pub struct RelationDef {
    pub name: &'static str,
    pub target: &'static str,
    pub cardinality: Cardinality,
}

impl RelationDef {
    pub const fn many(name: &'static str, target: &'static str) -> Self {
        Self {
            name,
            target,
            cardinality: Cardinality::Many,
        }
    }
    pub const fn one(name: &'static str, target: &'static str) -> Self {
        Self {
            name,
            target,
            cardinality: Cardinality::One,
        }
    }
}
