//! Core workflows against a real PostgreSQL (one fresh database per test):
//! each workflow succeeds and raises its workflow events; followed by a
//! step that fails, it is compensated and the database is back to its
//! previous state, with no workflow event emitted.

mod accounts;
mod catalog;
mod customer;
mod links;
mod products;
mod support;
mod user;
mod variants;
