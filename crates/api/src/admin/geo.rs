//! `/admin/regions`, `/admin/currencies`, `/admin/stores`: the route kit
//! over the region, currency and store modules (`crate::geo`).

use stheno_http::openapi::RouteSet;

use crate::crud;
use crate::geo::{Currencies, Regions, Stores};

pub(super) fn configure(r: &mut RouteSet) {
    crud::admin_custom::<Regions>(r, "/regions");
    crud::admin::<Currencies>(r, "/currencies");
    crud::admin_custom::<Stores>(r, "/stores");
}
