//! The module events the product module emits, named as Medusa names them
//! (`product.<entity>.<action>`, payload `{id}`).
//!
//! Events are collected while a mutation runs and emitted through the
//! [`EventBus`](stheno_module_sdk::events::EventBus) only after its
//! transaction has committed, so a subscriber never sees an entity that was
//! rolled back.

use stheno_module_sdk::events::Event;

macro_rules! event_names {
    ($($entity:ident = $name:literal),* $(,)?) => {
        /// An entity of the product module, as it appears in event names.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum EventEntity { $($entity),* }

        impl EventEntity {
            /// The kebab-case entity segment of the event name.
            pub fn segment(self) -> &'static str {
                match self { $(EventEntity::$entity => $name),* }
            }
        }
    };
}

event_names! {
    Product = "product",
    ProductVariant = "product-variant",
    ProductOption = "product-option",
    ProductOptionValue = "product-option-value",
    ProductImage = "product-image",
    ProductCollection = "product-collection",
    ProductCategory = "product-category",
    ProductTag = "product-tag",
    ProductType = "product-type",
}

/// What happened to the entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Created,
    Updated,
    Deleted,
    Restored,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Deleted => "deleted",
            Action::Restored => "restored",
        }
    }
}

/// The full event name, e.g. `product.product-variant.updated`.
pub fn event_name(entity: EventEntity, action: Action) -> String {
    format!("product.{}.{}", entity.segment(), action.as_str())
}

pub const PRODUCT_CREATED: &str = "product.product.created";
pub const PRODUCT_UPDATED: &str = "product.product.updated";
pub const PRODUCT_DELETED: &str = "product.product.deleted";
pub const PRODUCT_RESTORED: &str = "product.product.restored";
pub const VARIANT_CREATED: &str = "product.product-variant.created";
pub const VARIANT_UPDATED: &str = "product.product-variant.updated";
pub const VARIANT_DELETED: &str = "product.product-variant.deleted";

/// Events collected during one mutation, emitted after commit.
#[derive(Debug, Default)]
pub(crate) struct Events(Vec<Event>);

impl Events {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Record `action` on every id in `ids`.
    pub(crate) fn push<'a, I>(&mut self, entity: EventEntity, action: Action, ids: I)
    where
        I: IntoIterator<Item = &'a str>,
    {
        self.0
            .extend(Event::for_ids(&event_name(entity, action), ids));
    }

    /// Record `action` on every id in `ids`.
    pub(crate) fn push_ids(&mut self, entity: EventEntity, action: Action, ids: &[String]) {
        self.push(entity, action, ids.iter().map(String::as_str));
    }

    pub(crate) fn push_one(&mut self, entity: EventEntity, action: Action, id: &str) {
        self.push(entity, action, [id]);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn into_vec(self) -> Vec<Event> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_medusa() {
        assert_eq!(
            event_name(EventEntity::Product, Action::Created),
            PRODUCT_CREATED
        );
        assert_eq!(
            event_name(EventEntity::ProductVariant, Action::Updated),
            VARIANT_UPDATED
        );
        assert_eq!(
            event_name(EventEntity::ProductOptionValue, Action::Deleted),
            "product.product-option-value.deleted"
        );
    }
}
