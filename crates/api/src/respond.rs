//! Read-back helpers shared by the routes: records → Query → envelope.

use actix_web::HttpResponse;
use serde::Serialize;
use stheno_framework::Container;
use stheno_http::ApiResult;
use stheno_http::response;
use stheno_module_sdk::graph::{QueryContext, Record, Selection, to_record};
use stheno_module_sdk::list::Page;

/// Entities as Query records.
pub fn records<T: Serialize>(rows: &[T]) -> ApiResult<Vec<Record>> {
    Ok(rows.iter().map(to_record).collect::<Result<_, _>>()?)
}

/// `{<key>: [...], count, offset, limit}` with the selected relations loaded.
#[allow(clippy::too_many_arguments)]
pub async fn list<T: Serialize>(
    c: &Container,
    entity: &str,
    key: &str,
    rows: &[T],
    count: i64,
    page: Page,
    selection: &Selection,
    ctx: QueryContext,
) -> ApiResult<HttpResponse> {
    let expanded = c
        .query()
        .expand(entity, records(rows)?, selection, ctx)
        .await?;
    Ok(response::list(key, expanded, count, page))
}

/// `{<key>: {...}}` with the selected relations loaded.
pub async fn one<T: Serialize>(
    c: &Container,
    entity: &str,
    key: &str,
    row: &T,
    selection: &Selection,
    ctx: QueryContext,
) -> ApiResult<HttpResponse> {
    Ok(response::one(
        key,
        expand_one(c, entity, row, selection, ctx).await?,
    ))
}

/// One entity with its selected relations.
pub async fn expand_one<T: Serialize>(
    c: &Container,
    entity: &str,
    row: &T,
    selection: &Selection,
    ctx: QueryContext,
) -> ApiResult<Record> {
    Ok(c.query()
        .expand_one(entity, to_record(row)?, selection, ctx)
        .await?)
}

/// Several entities with their selected relations.
pub async fn expand_many<T: Serialize>(
    c: &Container,
    entity: &str,
    rows: &[T],
    selection: &Selection,
    ctx: QueryContext,
) -> ApiResult<Vec<Record>> {
    Ok(c.query()
        .expand(entity, records(rows)?, selection, ctx)
        .await?)
}
