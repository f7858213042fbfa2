//! Store collections, categories, tags, types and options: the route kit's
//! reads (categories: active, public ones only, with their trees on
//! request).

use stheno_http::openapi::RouteSet;

use crate::catalog::{Categories, Collections, Options, Tags, Types};
use crate::crud;

pub(super) fn configure(r: &mut RouteSet) {
    crud::store::<Collections>(r, "/collections");
    crud::store::<Tags>(r, "/product-tags");
    crud::store::<Types>(r, "/product-types");
    crud::store::<Options>(r, "/product-options");
    // Medusa 2.21.2 answers `200 {}` for an unknown category; we answer 404
    // like every other retrieve route (a deliberate difference).
    crud::store::<Categories>(r, "/product-categories");
}
