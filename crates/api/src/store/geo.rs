//! `/store/regions(/:id)` and `/store/currencies(/:code)`: the route kit's
//! store reads over the region and currency modules (`crate::geo`).

use stheno_http::openapi::RouteSet;

use crate::crud;
use crate::geo::{Currencies, Regions};

pub(super) fn configure(r: &mut RouteSet) {
    crud::store::<Regions>(r, "/regions");
    crud::store::<Currencies>(r, "/currencies");
}
