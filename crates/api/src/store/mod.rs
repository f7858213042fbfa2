//! Store API: the catalog as a storefront sees it (published products,
//! active public categories) and the logged-in customer's own data.

pub(crate) mod catalog;
pub(crate) mod customers;
mod geo;
mod products;
mod storefront;

use stheno_http::openapi::RouteSet;

pub(crate) fn configure(r: &mut RouteSet) {
    products::configure(r);
    catalog::configure(r);
    customers::configure(r);
    geo::configure(r);
}
