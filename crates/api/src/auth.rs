//! `/auth` routes: login, registration, OAuth callbacks, token refresh,
//! cookie sessions and password reset, for any actor type (`user`,
//! `customer`) and any configured provider (http-api.md §1.4).

use std::collections::HashMap;
use stheno_http::openapi::utoipa::openapi::{RefOr, Schema};
use stheno_http::openapi::{Doc, RouteSet, schema, token_schema};

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use stheno_auth::{AuthIdentity, AuthModule, AuthOutcome, AuthRequest};
use stheno_framework::Container;
use stheno_http::auth::{Credential, RESET_TOKEN_TTL, bearer, set_cookie};
use stheno_http::{ApiError, ApiResult, AuthContext, AuthState, Authenticated, Body};
use stheno_module_sdk::Error;
use stheno_module_sdk::events::Event;

/// What a provider reads from a body: `emailpass` takes `email` and
/// `password`; other providers take their own fields.
fn credentials() -> RefOr<Schema> {
    schema(json!({
        "type": "object",
        "properties": {
            "email": {"type": "string"},
            "password": {"type": "string"},
        },
    }))
}

pub(crate) fn configure(r: &mut RouteSet) {
    // Literal paths first: actix matches in registration order.
    r.post(
        "/session",
        create_session,
        Doc::new("Turn a token into a session cookie")
            .tag("Auth")
            .requires(&["jwt_token"])
            .response(
                200,
                "The session is set; the token's auth context",
                schema(json!({"type": "object", "properties": {"user": {"type": "object"}}, "required": ["user"]})),
            ),
    )
    .delete(
        "/session",
        delete_session,
        Doc::new("Log out: end the session")
            .tag("Auth")
            .requires(&["cookie_auth"])
            .response(
                200,
                "Logged out",
                schema(json!({"type": "object", "properties": {"success": {"type": "boolean"}}, "required": ["success"]})),
            ),
    )
    .post(
        "/token/refresh",
        refresh,
        Doc::new("Refresh a token")
            .tag("Auth")
            .requires(&["jwt_token"])
            .response(200, "A token", token_schema()),
    )
    .get(
        "/{actor}/providers",
        providers,
        Doc::new("List an actor type's auth providers")
            .tag("Auth")
            .response(
                200,
                "OK",
                schema(json!({
                    "type": "object",
                    "properties": {"providers": {"type": "array", "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "string"},
                            "identifier": {"type": "string"},
                            "display_name": {"type": "string"},
                        },
                    }}},
                    "required": ["providers"],
                })),
            ),
    )
    .post(
        "/{actor}/{provider}/register",
        register,
        Doc::new("Register an identity")
            .tag("Auth")
            .body(credentials())
            .response(200, "A token", token_schema()),
    )
    .post(
        "/{actor}/{provider}/reset-password",
        reset_password,
        Doc::new("Request a password reset")
            .tag("Auth")
            .body_of::<ResetPasswordBody>()
            .empty_response(201, "Reset token issued (sent as an event)"),
    )
    .post(
        "/{actor}/{provider}/update",
        update,
        Doc::new("Update an identity's secret with a reset token")
            .tag("Auth")
            .requires(&["jwt_token"])
            .body(credentials())
            .response(
                200,
                "Updated",
                schema(json!({"type": "object", "properties": {"success": {"type": "boolean"}}, "required": ["success"]})),
            ),
    )
    .get(
        "/{actor}/{provider}/callback",
        callback,
        Doc::new("A provider's callback")
            .tag("Auth")
            .response(200, "A token", token_schema()),
    )
    .post(
        "/{actor}/{provider}/callback",
        callback,
        Doc::new("A provider's callback")
            .tag("Auth")
            .optional_body(credentials())
            .response(200, "A token", token_schema()),
    )
    .get(
        "/{actor}/{provider}",
        login,
        Doc::new("Log in")
            .tag("Auth")
            .response(200, "A token", token_schema()),
    )
    .post(
        "/{actor}/{provider}",
        login,
        Doc::new("Log in")
            .tag("Auth")
            .optional_body(credentials())
            .response(200, "A token", token_schema()),
    );
}

/// Single-use purpose of reset-token ids.
const RESET_PURPOSE: &str = "password_reset";

#[derive(Deserialize)]
struct ActorProvider {
    actor: String,
    provider: String,
}

/// Actor types are identifiers (`user`, `customer`, a custom actor).
fn check_actor(actor: &str) -> ApiResult<()> {
    let ok = !actor.is_empty()
        && actor.len() <= 64
        && actor
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_data(format!("Invalid actor type: {actor}")).into())
    }
}

fn auth_request(actor: &str, req: &HttpRequest, body: Value) -> AuthRequest {
    let query = web::Query::<HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    AuthRequest {
        actor_type: actor.to_string(),
        body,
        query,
    }
}

fn as_map(v: Option<Value>) -> Map<String, Value> {
    match v {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// A token for `identity` acting as `actor`, with the provider identity's
/// `user_metadata`.
async fn token_for(
    c: &Container,
    auth: &AuthModule,
    identity: &AuthIdentity,
    actor: &str,
    provider: &str,
) -> ApiResult<String> {
    let user_metadata = auth
        .store()
        .provider_identities(&identity.id)
        .await?
        .into_iter()
        .find(|p| p.provider == provider)
        .and_then(|p| p.user_metadata);
    let ctx = AuthContext::for_identity(
        &identity.id,
        actor,
        Some(provider),
        identity.app_metadata_map(),
        as_map(user_metadata),
    );
    AuthState::of(c).tokens.issue(ctx)
}

async fn answer(
    c: &Container,
    auth: &AuthModule,
    outcome: AuthOutcome,
    actor: &str,
    provider: &str,
) -> ApiResult<HttpResponse> {
    match outcome {
        AuthOutcome::Authenticated(identity) => {
            let token = token_for(c, auth, &identity, actor, provider).await?;
            Ok(HttpResponse::Ok().json(json!({ "token": token })))
        }
        AuthOutcome::Redirect { location } => {
            Ok(HttpResponse::Ok().json(json!({ "location": location })))
        }
    }
}

/// The email a credentials body names, for per-identity rate limits.
fn identity_key(body: &Value) -> Option<&str> {
    body.get("email")
        .or_else(|| body.get("identifier"))
        .and_then(Value::as_str)
}

/// `GET|POST /auth/{actor}/{provider}`: log in → `{token}`, or start a
/// redirect flow → `{location}`.
async fn login(
    c: web::Data<Container>,
    req: HttpRequest,
    path: web::Path<ActorProvider>,
    body: Body<Value>,
) -> ApiResult<HttpResponse> {
    check_actor(&path.actor)?;
    let state = AuthState::of(&c);
    state.limit(&req, "login", identity_key(&body.0)).await?;
    let auth = c.require::<AuthModule>()?;
    let request = auth_request(&path.actor, &req, body.0);
    let outcome = auth.authenticate(&path.provider, &request).await?;
    answer(&c, &auth, outcome, &path.actor, &path.provider).await
}

/// `POST /auth/{actor}/{provider}/register` → `{token}` without an actor.
async fn register(
    c: web::Data<Container>,
    req: HttpRequest,
    path: web::Path<ActorProvider>,
    body: Body<Value>,
) -> ApiResult<HttpResponse> {
    check_actor(&path.actor)?;
    AuthState::of(&c)
        .limit(&req, "register", identity_key(&body.0))
        .await?;
    let auth = c.require::<AuthModule>()?;
    let request = auth_request(&path.actor, &req, body.0);
    let outcome = auth.register(&path.provider, &request).await?;
    answer(&c, &auth, outcome, &path.actor, &path.provider).await
}

/// `GET|POST /auth/{actor}/{provider}/callback`: finish a redirect flow.
async fn callback(
    c: web::Data<Container>,
    req: HttpRequest,
    path: web::Path<ActorProvider>,
    body: Body<Value>,
) -> ApiResult<HttpResponse> {
    check_actor(&path.actor)?;
    let auth = c.require::<AuthModule>()?;
    let request = auth_request(&path.actor, &req, body.0);
    let outcome = auth.validate_callback(&path.provider, &request).await?;
    answer(&c, &auth, outcome, &path.actor, &path.provider).await
}

/// `GET /auth/{actor}/providers`.
async fn providers(c: web::Data<Container>, actor: web::Path<String>) -> ApiResult<HttpResponse> {
    check_actor(&actor)?;
    let auth = c.require::<AuthModule>()?;
    let list: Vec<Value> = auth
        .providers()
        .map(|p| {
            json!({
                "id": p.id(),
                "identifier": p.id(),
                "display_name": p.display_name(),
                "flow": p.flow(),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "providers": list })))
}

/// `POST /auth/token/refresh`: a new token from the identity's current
/// `app_metadata` (how a token gets its `actor_id` after registration).
async fn refresh(c: web::Data<Container>, auth_ctx: Authenticated) -> ApiResult<HttpResponse> {
    let ctx = auth_ctx.0;
    let Some(provider) = ctx.auth_provider.clone() else {
        return Err(
            Error::unauthorized("The auth provider is not set while refreshing token").into(),
        );
    };
    let auth = c.require::<AuthModule>()?;
    let identity = auth
        .store()
        .identity(&ctx.auth_identity_id)
        .await
        .map_err(|_| ApiError::Unauthorized)?;
    let token = token_for(&c, &auth, &identity, &ctx.actor_type, &provider).await?;
    Ok(HttpResponse::Ok().json(json!({ "token": token })))
}

/// `POST /auth/session` (bearer token): keep the auth context in a cookie
/// session → `{user: <auth context>}` and `Set-Cookie`.
async fn create_session(
    c: web::Data<Container>,
    req: HttpRequest,
    auth_ctx: Authenticated,
) -> ApiResult<HttpResponse> {
    if req.extensions().get::<Credential>() != Some(&Credential::Bearer) {
        return Err(ApiError::Unauthorized);
    }
    let state = AuthState::of(&c);
    let id = stheno_http::auth::random_id();
    state
        .sessions
        .put(&id, &auth_ctx.0, state.session_ttl)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(set_cookie(&state.session_cookie(&id)))
        .json(json!({ "user": auth_ctx.0 })))
}

/// `DELETE /auth/session` (session cookie): destroy it and clear the cookie.
async fn delete_session(c: web::Data<Container>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let credential = req.extensions().get::<Credential>().cloned();
    let Some(Credential::Session(id)) = credential else {
        return Err(ApiError::Unauthorized);
    };
    let state = AuthState::of(&c);
    state.sessions.delete(&id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(set_cookie(&state.clear_cookie()))
        .json(json!({ "success": true })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ResetPasswordBody {
    identifier: String,
    metadata: Option<Value>,
}

/// `POST /auth/{actor}/{provider}/reset-password`: always `201` with no
/// body, whether or not the identity exists. For an existing one, emits
/// `auth.password_reset {entity_id, actor_type, token, metadata}` with a
/// single-use reset token valid 15 minutes.
async fn reset_password(
    c: web::Data<Container>,
    req: HttpRequest,
    path: web::Path<ActorProvider>,
    body: Body<ResetPasswordBody>,
) -> ApiResult<HttpResponse> {
    check_actor(&path.actor)?;
    let state = AuthState::of(&c);
    state.limit(&req, "reset", Some(&body.0.identifier)).await?;
    let auth = c.require::<AuthModule>()?;
    auth.provider(&path.provider)?;
    let found = auth
        .store()
        .retrieve(&path.provider, &body.0.identifier)
        .await?;
    if found.is_some() {
        let (token, claims) =
            state
                .tokens
                .issue_reset(&body.0.identifier, &path.provider, &path.actor)?;
        auth.store()
            .issue_one_time(
                RESET_PURPOSE,
                &claims.jti,
                json!({ "entity_id": claims.entity_id }),
                RESET_TOKEN_TTL,
            )
            .await?;
        let event = Event::new(
            "auth.password_reset",
            json!({
                "entity_id": body.0.identifier,
                "actor_type": path.actor,
                "token": token,
                "metadata": body.0.metadata,
            }),
        );
        if let Err(e) = c.events().emit(vec![event]).await {
            tracing::error!(error = %e, "emitting auth.password_reset failed");
        }
    }
    Ok(HttpResponse::build(StatusCode::CREATED).finish())
}

/// `POST /auth/{actor}/{provider}/update` with `Authorization: Bearer
/// <reset token>`: apply the provider update (a new password) once per
/// token → `{success: true}`; any other, reused or expired token → 401
/// "Invalid token".
async fn update(
    c: web::Data<Container>,
    req: HttpRequest,
    path: web::Path<ActorProvider>,
    body: Body<Value>,
) -> ApiResult<HttpResponse> {
    check_actor(&path.actor)?;
    let invalid = || ApiError::from(Error::unauthorized("Invalid token"));
    let state = AuthState::of(&c);
    let claims = bearer(&req)
        .and_then(|t| state.tokens.verify_reset(t))
        .filter(|c| c.provider == path.provider && c.actor_type == path.actor)
        .ok_or_else(invalid)?;
    let auth = c.require::<AuthModule>()?;
    let used = auth
        .store()
        .consume_one_time(RESET_PURPOSE, &claims.jti)
        .await?;
    if used.as_ref().and_then(|u| u["entity_id"].as_str()) != Some(claims.entity_id.as_str()) {
        return Err(invalid());
    }
    auth.update_provider(&path.provider, &claims.entity_id, &body.0)
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "success": true })))
}
