//! `/admin/users` and `/admin/invites`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use stheno_core_flows::accounts::{self, AcceptInvite};
use stheno_core_flows::user as user_flows;
use stheno_framework::Container;
use stheno_http::openapi::{Doc, RouteSet};
use stheno_http::{ApiError, ApiResult, Authenticated, Body, RetrieveQuery};
use stheno_module_sdk::entity::Entity as _;
use stheno_module_sdk::graph::{FieldsConfig, QueryContext};
use stheno_user::{CreateInviteInput, Invite, UpdateUser, User, UserModule};

use crate::crud::{self, AdminRoutes, CrudResource};
use crate::{respond, workflow};

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

pub(crate) fn configure(r: &mut RouteSet) {
    // Literal paths first, so `{id}` does not catch them.
    r.get(
        "/users/me",
        me,
        Doc::new("Retrieve the logged-in user")
            .tag("Users")
            .fields()
            .record("user", User::META),
    )
    .post(
        "/invites",
        create_invite,
        Doc::new("Invite a user")
            .tag("Invites")
            .fields()
            .body_of::<CreateInviteInput>()
            .record("invite", Invite::META),
    )
    .post(
        "/invites/accept",
        accept_invite,
        Doc::new("Accept an invite")
            .tag("Invites")
            .public()
            .body_of::<AcceptBody>()
            .record("user", User::META),
    )
    .post(
        "/invites/{id}/resend",
        resend_invite,
        Doc::new("Resend an invite")
            .tag("Invites")
            .fields()
            .record("invite", Invite::META),
    );
    crud::admin::<Users>(r, "/users");
    crud::admin::<Invites>(r, "/invites");
}

/// Users through the route kit: list, retrieve, update (`update-users`)
/// and delete (`remove-user-account`, which also unlinks the user's auth
/// identities, so its tokens stop authenticating as that user on
/// refresh). No create route: users come from invites.
struct Users;

impl CrudResource for Users {
    type Module = UserModule;
    type Entity = User;
    const FIELDS: FieldsConfig<'static> = USER_FIELDS;
    const ADMIN_ROUTES: AdminRoutes = AdminRoutes {
        create: false,
        ..AdminRoutes::ALL
    };

    async fn update_one(
        c: &Container,
        id: &str,
        input: UpdateUser,
    ) -> stheno_module_sdk::Result<User> {
        workflow::run(
            c,
            user_flows::update_users(),
            user_flows::UserUpdate::new(id, input),
        )
        .await
    }

    async fn delete_one(c: &Container, id: &str) -> stheno_module_sdk::Result<()> {
        workflow::run(c, accounts::remove_user_account(), id.to_string()).await?;
        Ok(())
    }
}

/// Invites through the route kit: list, retrieve and delete
/// (`delete-invites`). Creating one issues a token, a route of its own.
struct Invites;

impl CrudResource for Invites {
    type Module = UserModule;
    type Entity = Invite;
    const FIELDS: FieldsConfig<'static> = INVITE_FIELDS;
    const ADMIN_ROUTES: AdminRoutes = AdminRoutes {
        create: false,
        update: false,
        ..AdminRoutes::ALL
    };

    async fn delete_one(c: &Container, id: &str) -> stheno_module_sdk::Result<()> {
        workflow::run(c, user_flows::delete_invites(), id.to_string()).await?;
        Ok(())
    }
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
        .users()
        .retrieve(&auth.0.actor_id)
        .await?;
    respond::one(&c, "user", "user", &user, &selection, ADMIN).await
}

/// `POST /admin/invites` (`create-invites`): the invite with a fresh token.
async fn create_invite(
    c: web::Data<Container>,
    q: RetrieveQuery,
    body: Body<CreateInviteInput>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(INVITE_FIELDS)?;
    let invite = workflow::run(&c, user_flows::create_invites(), body.0).await?;
    respond::one(&c, "invite", "invite", &invite, &selection, ADMIN).await
}

/// `POST /admin/invites/:id/resend` (`refresh-invite-tokens`).
async fn resend_invite(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(INVITE_FIELDS)?;
    let invite = workflow::run(&c, user_flows::refresh_invite_tokens(), id.into_inner()).await?;
    respond::one(&c, "invite", "invite", &invite, &selection, ADMIN).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptQuery {
    token: String,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
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
