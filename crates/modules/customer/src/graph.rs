//! The customer module's entities for Query, generated from their
//! declarations: `customer.addresses`, `customer.groups`,
//! `customer_group.customers`, `customer_address.customer`, each one
//! statement for a whole batch of parents.

use std::sync::Arc;

use stheno_module_sdk::entity::EntityGraph;
use stheno_module_sdk::graph::EntitySource;

use crate::CustomerModule;

pub fn sources(m: &Arc<CustomerModule>) -> Vec<Arc<dyn EntitySource>> {
    vec![
        Arc::new(EntityGraph::new(&m.customers, m.db.clone())),
        Arc::new(EntityGraph::new(&m.groups, m.db.clone())),
        Arc::new(EntityGraph::new(&m.addresses, m.db.clone())),
    ]
}
