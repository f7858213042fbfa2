//! `/admin/users` and `/admin/invites`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use stheno_framework::Container;
use stheno_http::{ApiError, ApiResult, Authenticated, Body, ListQuery, RetrieveQuery, response};
use stheno_module_sdk::graph::{FieldsConfig, QueryContext};
use stheno_user::{CreateInviteInput, InviteFilter, UpdateUserInput, UserFilter, UserModule};

use crate::{respond, workflow};
use stheno_core_flows::accounts::{self, AcceptInvite};
use stheno_core_flows::user as user_flows;

const ADMIN: QueryContext = QueryContext::ADMIN;

pub const USER_FIELDS: FieldsConfig<'static> = FieldsConfig {
    defaults: &[
        "id",
        "email",
        "first_name",
        "last_name",
        "avatar_url",
        "metadata",
        "created_at",
        "updated_at",
        "deleted_at",
    ],
    allowed: None,
    max_depth: None,
};

pub const INVITE_FIELDS: FieldsConfig<'static> = FieldsConfig {
    defaults: &[
        "id",
        "email",
        "accepted",
        "token",
        "expires_at",
        "metadata",
        "created_at",
        "updated_at",
        "deleted_at",
    ],
    allowed: None,
    max_depth: None,
};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(list_users))
        .route("/users/me", web::get().to(me))
        .route("/users/{id}", web::get().to(retrieve_user))
        .route("/users/{id}", web::post().to(update_user))
        .route("/users/{id}", web::delete().to(delete_user))
        .route("/invites", web::get().to(list_invites))
        .route("/invites", web::post().to(create_invite))
        .route("/invites/accept", web::post().to(accept_invite))
        .route("/invites/{id}", web::get().to(retrieve_invite))
        .route("/invites/{id}", web::delete().to(delete_invite))
        .route("/invites/{id}/resend", web::post().to(resend_invite));
}

async fn list_users(c: web::Data<Container>, q: ListQuery<UserFilter>) -> ApiResult<HttpResponse> {
    let page = q.page(50);
    let selection = q.selection(USER_FIELDS)?;
    let users = c.require::<UserModule>()?;
    let (rows, count) = users
        .list_users(&q.filters, page, &q.order_by(None))
        .await?;
    respond::list(&c, "user", "users", &rows, count, page, &selection, ADMIN).await
}

/// `GET /admin/users/me`: the authenticated admin.
async fn me(
    c: web::Data<Container>,
    auth: Authenticated,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(USER_FIELDS)?;
    let user = c
        .require::<UserModule>()?
        .retrieve_user(&auth.0.actor_id)
        .await?;
    respond::one(&c, "user", "user", &user, &selection, ADMIN).await
}

async fn retrieve_user(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(USER_FIELDS)?;
    let user = c.require::<UserModule>()?.retrieve_user(&id).await?;
    respond::one(&c, "user", "user", &user, &selection, ADMIN).await
}

async fn update_user(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<UpdateUserInput>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(USER_FIELDS)?;
    let update = user_flows::UserUpdate {
        id: id.into_inner(),
        update: body.0,
    };
    let user = workflow::run(&c, user_flows::update_users(), update).await?;
    respond::one(&c, "user", "user", &user, &selection, ADMIN).await
}

/// Delete a user and unlink its auth identities (`remove-user-account`), so
/// its tokens stop authenticating as that user on refresh.
async fn delete_user(c: web::Data<Container>, id: web::Path<String>) -> ApiResult<HttpResponse> {
    workflow::run(&c, accounts::remove_user_account(), id.to_string()).await?;
    Ok(response::deleted(&id, "user"))
}

async fn list_invites(
    c: web::Data<Container>,
    q: ListQuery<InviteFilter>,
) -> ApiResult<HttpResponse> {
    let page = q.page(50);
    let selection = q.selection(INVITE_FIELDS)?;
    let (rows, count) = c
        .require::<UserModule>()?
        .list_invites(&q.filters, page, &q.order_by(None))
        .await?;
    respond::list(
        &c, "invite", "invites", &rows, count, page, &selection, ADMIN,
    )
    .await
}

async fn create_invite(
    c: web::Data<Container>,
    q: RetrieveQuery,
    body: Body<CreateInviteInput>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(INVITE_FIELDS)?;
    let invite = workflow::run(&c, user_flows::create_invites(), body.0).await?;
    respond::one(&c, "invite", "invite", &invite, &selection, ADMIN).await
}

async fn retrieve_invite(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(INVITE_FIELDS)?;
    let invite = c.require::<UserModule>()?.retrieve_invite(&id).await?;
    respond::one(&c, "invite", "invite", &invite, &selection, ADMIN).await
}

async fn resend_invite(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(INVITE_FIELDS)?;
    let invite = workflow::run(&c, user_flows::refresh_invite_tokens(), id.into_inner()).await?;
    respond::one(&c, "invite", "invite", &invite, &selection, ADMIN).await
}

async fn delete_invite(c: web::Data<Container>, id: web::Path<String>) -> ApiResult<HttpResponse> {
    workflow::run(&c, user_flows::delete_invites(), id.to_string()).await?;
    Ok(response::deleted(&id, "invite"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptQuery {
    token: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AcceptBody {
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
}

/// `POST /admin/invites/accept?token=…` with the bearer of an identity not
/// yet linked to a user: the `accept-invite` workflow accepts the invite,
/// creates the user and links the identity → `{user}`. Any failure is
/// Medusa's bare 401 (and undone).
async fn accept_invite(
    c: web::Data<Container>,
    auth: Authenticated,
    req: actix_web::HttpRequest,
    body: Body<AcceptBody>,
) -> ApiResult<HttpResponse> {
    let token = web::Query::<AcceptQuery>::from_query(req.query_string())
        .map_err(|_| ApiError::Unauthorized)?
        .into_inner()
        .token;
    if auth.0.is_linked() || auth.0.actor_type != "user" {
        return Err(ApiError::Unauthorized);
    }
    let input = AcceptInvite {
        invite_token: token,
        auth_identity_id: auth.0.auth_identity_id.clone(),
        email: body.0.email,
        first_name: body.0.first_name,
        last_name: body.0.last_name,
    };
    let user = workflow::run(&c, accounts::accept_invite(), input)
        .await
        .map_err(|e| {
            tracing::info!(error = %e, "invite accept failed");
            ApiError::Unauthorized
        })?;
    let selection = stheno_module_sdk::graph::Selection::from_fields(USER_FIELDS, None)?;
    respond::one(&c, "user", "user", &user, &selection, ADMIN).await
}
