//! `/admin/brands` and `/store/brands`.

use actix_web::{HttpResponse, web};
use stheno::http::{Namespace, response};
use stheno::prelude::*;
use stheno::sdk::graph::{FieldsConfig, QueryContext, to_record};

use crate::workflows::CREATE_BRAND;
use crate::{BrandModule, CreateBrand};

const FIELDS: FieldsConfig<'static> = FieldsConfig {
    defaults: &["id", "name", "metadata", "created_at", "updated_at"],
    allowed: None,
    max_depth: None,
};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NoFilters {}

async fn list(c: web::Data<Container>, q: ListQuery<NoFilters>) -> ApiResult<HttpResponse> {
    let selection = q.selection(FIELDS)?;
    let page = q.page(20);
    let (brands, count) = c.require::<BrandModule>()?.list(page).await?;
    let records = brands.iter().map(to_record).collect::<Result<Vec<_>>>()?;
    let records = c
        .query()
        .expand("brand", records, &selection, QueryContext::ADMIN)
        .await?;
    Ok(response::list("brands", records, count, page))
}

async fn retrieve(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(FIELDS)?;
    let brand = c.require::<BrandModule>()?.retrieve(&id).await?;
    let record = c
        .query()
        .expand_one("brand", to_record(&brand)?, &selection, QueryContext::STORE)
        .await?;
    Ok(response::one("brand", record))
}

/// Mutations run a workflow: if a `brandCreated` hook handler fails, the
/// brand is deleted again and the handler's error is the answer.
async fn create(c: web::Data<Container>, body: Body<CreateBrand>) -> ApiResult<HttpResponse> {
    let brand = c
        .workflows()
        .run(&CREATE_BRAND, body.into_inner())
        .await
        .result
        .map_err(Error::from)?;
    Ok(response::one("brand", to_record(&brand)?))
}

fn admin(cfg: &mut web::ServiceConfig) {
    cfg.route("/brands", web::get().to(list))
        .route("/brands", web::post().to(create));
}

fn store(cfg: &mut web::ServiceConfig) {
    cfg.route("/brands/{id}", web::get().to(retrieve));
}

stheno::register_routes!(Namespace::Admin, admin);
stheno::register_routes!(Namespace::Store, store);
