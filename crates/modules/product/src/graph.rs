//! The product module's entities for Query, generated from their
//! declarations in [`models`](crate::models): every relation loads for a
//! whole batch of parents in one statement (a join through the pivot where
//! there is one), in the order the relation declares (variants by
//! `variant_rank`, images, option values and categories by `rank`), so
//! `fields=*variants.options` on a page of products costs two statements
//! whatever the page size. Soft-deleted rows are never returned; storefront
//! reads only see published products and active, public categories (the
//! entities' `store_scope`), wherever they are reached from.

use std::sync::Arc;

use stheno_module_sdk::entity::EntityGraph;
use stheno_module_sdk::graph::EntitySource;

use crate::ProductModule;

/// The entity sources of the product module, for Query.
pub fn sources(m: &Arc<ProductModule>) -> Vec<Arc<dyn EntitySource>> {
    let db = || m.db.clone();
    vec![
        Arc::new(EntityGraph::new(m.products(), db())),
        Arc::new(EntityGraph::new(m.product_variants(), db())),
        Arc::new(EntityGraph::new(m.product_options(), db())),
        Arc::new(EntityGraph::new(m.product_option_values(), db())),
        Arc::new(EntityGraph::new(m.product_images(), db())),
        Arc::new(EntityGraph::new(m.product_tags(), db())),
        Arc::new(EntityGraph::new(m.product_types(), db())),
        Arc::new(EntityGraph::new(m.product_collections(), db())),
        Arc::new(EntityGraph::new(m.product_categories(), db())),
    ]
}
