//! Store API: the catalog as a storefront sees it (published products,
//! active public categories) and the logged-in customer's own data.

pub(crate) mod catalog;
pub(crate) mod customers;
mod products;

use actix_web::web;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    products::configure(cfg);
    catalog::configure(cfg);
    customers::configure(cfg);
}
