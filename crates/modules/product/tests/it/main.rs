//! Integration tests of the product module against a real PostgreSQL
//! (one fresh, migrated database per test).

mod catalog;
mod graph;
mod products;
mod support;
