//! Store collections, categories, tags, types and options: the route kit's
//! reads (categories: active, public ones only, with their trees on
//! request).

use actix_web::web;

use crate::catalog::{Categories, Collections, Options, Tags, Types};
use crate::crud;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    crud::store::<Collections>(cfg, "/collections");
    crud::store::<Tags>(cfg, "/product-tags");
    crud::store::<Types>(cfg, "/product-types");
    crud::store::<Options>(cfg, "/product-options");
    // Medusa 2.21.2 answers `200 {}` for an unknown category; we answer 404
    // like every other retrieve route (a deliberate difference).
    crud::store::<Categories>(cfg, "/product-categories");
}
