//! `/auth` routes end to end: emailpass login and registration, refresh,
//! cookie sessions (memory and Redis), password reset, rate limits, the
//! providers list and a GitHub OAuth flow against a local stand-in.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::{Value, json};
use stheno::App;
use stheno::http::{AuthContext, AuthState};
use stheno::testing::{TestApp, TestResponse};

use crate::assert_error;

/// The claims of a token the app issued.
pub fn claims(app: &TestApp, token: &str) -> AuthContext {
    AuthState::of(&app.container)
        .tokens
        .verify(token)
        .expect("a valid token")
}

pub async fn post(app: &TestApp, path: &str, body: Value) -> TestResponse {
    app.request_as(Method::POST, path, Some(body), None).await
}

/// Log in and return the token.
pub async fn login(app: &TestApp, actor: &str, email: &str, password: &str) -> String {
    let res = post(
        app,
        &format!("/auth/{actor}/emailpass"),
        json!({"email": email, "password": password}),
    )
    .await;
    assert_eq!(res.status, 200, "login {email}: {}", res.body);
    res.body["token"].as_str().unwrap().to_string()
}

/// Register an emailpass identity and return the (actor-less) token.
pub async fn register(app: &TestApp, actor: &str, email: &str, password: &str) -> String {
    let res = post(
        app,
        &format!("/auth/{actor}/emailpass/register"),
        json!({"email": email, "password": password}),
    )
    .await;
    assert_eq!(res.status, 200, "register {email}: {}", res.body);
    res.body["token"].as_str().unwrap().to_string()
}

fn cookie_of(res: &TestResponse) -> String {
    let set = res
        .headers
        .get("set-cookie")
        .expect("a Set-Cookie header")
        .to_str()
        .unwrap();
    set.split(';').next().unwrap().to_string()
}

/// The "Done when" of the issue: an admin created like the CLI does logs in
/// through `/auth/user/emailpass` and manages users.
#[tokio::test(flavor = "multi_thread")]
async fn cli_admin_logs_in_and_manages_users() {
    let app = TestApp::new().await.unwrap();
    let (user, _) =
        stheno::users::create_admin_user(&app.container, "boss@example.com", Some("s3cret!"))
            .await
            .unwrap();
    let token = login(&app, "user", "boss@example.com", "s3cret!").await;
    let c = claims(&app, &token);
    assert_eq!(c.actor_id, user.id);
    assert_eq!(c.actor_type, "user");
    assert_eq!(c.auth_provider.as_deref(), Some("emailpass"));
    assert_eq!(c.app_metadata["user_id"], user.id.as_str());
    assert_eq!(c.exp.unwrap() - c.iat.unwrap(), 86_400);

    let me = app
        .request_as(Method::GET, "/admin/users/me", None, Some(&token))
        .await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["user"]["email"], "boss@example.com");

    let list = app
        .request_as(Method::GET, "/admin/users?order=email", None, Some(&token))
        .await;
    assert_eq!(list.body["count"], 2, "{}", list.body);
    let harness_admin = list.body["users"][0]["id"].as_str().unwrap().to_string();
    let res = app
        .request_as(
            Method::POST,
            &format!("/admin/users/{harness_admin}"),
            Some(json!({"first_name": "Ada"})),
            Some(&token),
        )
        .await;
    assert_eq!(res.body["user"]["first_name"], "Ada");
    let res = app
        .request_as(
            Method::DELETE,
            &format!("/admin/users/{harness_admin}"),
            None,
            Some(&token),
        )
        .await;
    assert_eq!(
        res.body,
        json!({"id": harness_admin, "object": "user", "deleted": true})
    );

    // Creating the same admin again fails with a clear message.
    let err = stheno::users::create_admin_user(&app.container, "boss@example.com", Some("s3cret!"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_logins_look_the_same() {
    let app = TestApp::new().await.unwrap();
    register(&app, "customer", "c@example.com", "right").await;
    for body in [
        json!({"email": "c@example.com", "password": "wrong"}),
        json!({"email": "nobody@example.com", "password": "wrong"}),
    ] {
        for actor in ["customer", "user"] {
            let res = post(&app, &format!("/auth/{actor}/emailpass"), body.clone()).await;
            assert_error(&res, 401, "unauthorized", "Invalid email or password");
        }
    }
    let res = post(
        &app,
        "/auth/customer/emailpass",
        json!({"email": "c@example.com"}),
    )
    .await;
    assert_error(&res, 401, "unauthorized", "Password should be a string");
    let res = post(&app, "/auth/customer/nope", json!({})).await;
    assert_error(
        &res,
        401,
        "unauthorized",
        "Unable to retrieve the auth provider with id: nope",
    );
    let res = post(&app, "/auth/Bad%20Actor/emailpass", json!({})).await;
    assert_eq!(res.status, 400, "{}", res.body);
    let res = app
        .request_as(Method::POST, "/auth/customer/emailpass", None, None)
        .await;
    assert_error(&res, 401, "unauthorized", "Email should be a string");
}

#[tokio::test(flavor = "multi_thread")]
async fn registration_tokens_and_refresh() {
    let app = TestApp::new().await.unwrap();
    let token = register(&app, "customer", "r@example.com", "pw").await;
    let c = claims(&app, &token);
    assert_eq!(c.actor_id, "");
    assert_eq!(c.actor_type, "customer");
    // Registering again with the same password: a token again (Medusa).
    register(&app, "customer", "r@example.com", "pw").await;
    let res = post(
        &app,
        "/auth/customer/emailpass/register",
        json!({"email": "r@example.com", "password": "other"}),
    )
    .await;
    assert_error(
        &res,
        401,
        "unauthorized",
        "Identity with email already exists",
    );

    // After linking, refresh yields a token with the actor id.
    let auth = app.container.require::<stheno::auth::AuthModule>().unwrap();
    auth.store()
        .link_actor(&c.auth_identity_id, "customer", "cus_linked")
        .await
        .unwrap();
    let res = app
        .request_as(Method::POST, "/auth/token/refresh", None, Some(&token))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let refreshed = claims(&app, res.body["token"].as_str().unwrap());
    assert_eq!(refreshed.actor_id, "cus_linked");
    assert_eq!(refreshed.auth_identity_id, c.auth_identity_id);

    let res = app
        .request_as(Method::POST, "/auth/token/refresh", None, None)
        .await;
    assert_eq!(res.status, 401);
    assert_eq!(res.body, json!({"message": "Unauthorized"}));
    let res = app
        .request_as(Method::POST, "/auth/token/refresh", None, Some("garbage"))
        .await;
    assert_eq!(res.status, 401);
}

async fn session_round_trip(app: &TestApp) {
    let token = app.admin_token().to_string();
    // Only a bearer token opens a session.
    let res = app
        .request_as(Method::POST, "/auth/session", None, None)
        .await;
    assert_eq!(res.status, 401);
    let res = app
        .request_as(Method::POST, "/auth/session", None, Some(&token))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["user"]["actor_type"], "user");
    let set = res.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    let cookie = cookie_of(&res);
    assert!(cookie.starts_with("connect.sid=s%3A"), "{cookie}");

    let me = app
        .send(
            TestRequest::get()
                .uri("/admin/users/me")
                .insert_header(("cookie", cookie.clone())),
        )
        .await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["user"]["email"], stheno::testing::ADMIN_EMAIL);

    // A forged cookie (another session id, same signature) is rejected.
    let forged = cookie.replacen("s%3A", "s%3AX", 1);
    let res = app
        .send(
            TestRequest::get()
                .uri("/admin/users/me")
                .insert_header(("cookie", forged)),
        )
        .await;
    assert_eq!(res.status, 401);

    let res = app
        .send(
            TestRequest::delete()
                .uri("/auth/session")
                .insert_header(("cookie", cookie.clone())),
        )
        .await;
    assert_eq!(res.body, json!({"success": true}));
    assert!(
        res.headers
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let res = app
        .send(
            TestRequest::get()
                .uri("/admin/users/me")
                .insert_header(("cookie", cookie.clone())),
        )
        .await;
    assert_eq!(res.status, 401);
    let res = app
        .send(
            TestRequest::delete()
                .uri("/auth/session")
                .insert_header(("cookie", cookie)),
        )
        .await;
    assert_eq!(res.status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn cookie_sessions_in_memory() {
    let app = TestApp::new().await.unwrap();
    assert!(!AuthState::of(&app.container).sessions.is_redis());
    session_round_trip(&app).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cookie_sessions_in_redis() {
    let app = TestApp::from_app(|mut config| {
        config.redis_url = Some("redis://127.0.0.1:6379".into());
        App::new(config).with_default_modules()
    })
    .await
    .unwrap();
    assert!(AuthState::of(&app.container).sessions.is_redis());
    session_round_trip(&app).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn password_reset_is_single_use() {
    let app = TestApp::new().await.unwrap();
    register(&app, "customer", "p@example.com", "old").await;
    app.events.take();

    // Unknown identities answer the same, without an event.
    let res = post(
        &app,
        "/auth/customer/emailpass/reset-password",
        json!({"identifier": "nobody@example.com"}),
    )
    .await;
    assert_eq!((res.status, res.body.clone()), (201, json!("")));
    assert!(app.events.take().is_empty());

    let res = post(
        &app,
        "/auth/customer/emailpass/reset-password",
        json!({"identifier": "p@example.com", "metadata": {"k": 1}}),
    )
    .await;
    assert_eq!((res.status, res.body.clone()), (201, json!("")));
    let events = app.events.take();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].name, "auth.password_reset");
    assert_eq!(events[0].data["entity_id"], "p@example.com");
    assert_eq!(events[0].data["actor_type"], "customer");
    assert_eq!(events[0].data["metadata"], json!({"k": 1}));
    let reset = events[0].data["token"].as_str().unwrap().to_string();

    // A login token is not a reset token; a reset token is not a login token.
    let login_token = login(&app, "customer", "p@example.com", "old").await;
    let res = app
        .request_as(
            Method::POST,
            "/auth/customer/emailpass/update",
            Some(json!({"password": "new"})),
            Some(&login_token),
        )
        .await;
    assert_error(&res, 401, "unauthorized", "Invalid token");
    let res = app
        .request_as(Method::POST, "/auth/token/refresh", None, Some(&reset))
        .await;
    assert_eq!(res.status, 401);
    // The reset token is bound to its actor type.
    let res = app
        .request_as(
            Method::POST,
            "/auth/user/emailpass/update",
            Some(json!({"password": "new"})),
            Some(&reset),
        )
        .await;
    assert_error(&res, 401, "unauthorized", "Invalid token");

    let res = app
        .request_as(
            Method::POST,
            "/auth/customer/emailpass/update",
            Some(json!({"password": "new"})),
            Some(&reset),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body, json!({"success": true}));
    let res = app
        .request_as(
            Method::POST,
            "/auth/customer/emailpass/update",
            Some(json!({"password": "again"})),
            Some(&reset),
        )
        .await;
    assert_error(&res, 401, "unauthorized", "Invalid token");
    login(&app, "customer", "p@example.com", "new").await;
    let res = post(
        &app,
        "/auth/customer/emailpass",
        json!({"email": "p@example.com", "password": "old"}),
    )
    .await;
    assert_eq!(res.status, 401);

    let res = post(&app, "/auth/customer/emailpass/reset-password", json!({})).await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Field 'identifier' is required",
    );
    let res = app
        .request_as(
            Method::POST,
            "/auth/customer/emailpass/update",
            Some(json!({"password": "x"})),
            None,
        )
        .await;
    assert_error(&res, 401, "unauthorized", "Invalid token");
}

#[tokio::test(flavor = "multi_thread")]
async fn logins_are_rate_limited() {
    let app = TestApp::from_app(|mut config| {
        config.http.auth_rate_limit.per_identity = 3;
        config.http.auth_rate_limit.per_ip = 6;
        App::new(config).with_default_modules()
    })
    .await
    .unwrap();
    let body = json!({"email": "victim@example.com", "password": "guess"});
    for _ in 0..3 {
        let res = post(&app, "/auth/customer/emailpass", body.clone()).await;
        assert_eq!(res.status, 401);
    }
    let res = post(&app, "/auth/customer/emailpass", body.clone()).await;
    assert_eq!(res.status, 429, "{}", res.body);
    assert_eq!(res.body["type"], "too_many_requests");
    assert!(res.headers.get("retry-after").is_some());
    // The email counts case-insensitively.
    let res = post(
        &app,
        "/auth/customer/emailpass",
        json!({"email": "VICTIM@example.com", "password": "guess"}),
    )
    .await;
    assert_eq!(res.status, 429);
    // Other emails from the same client until the per-IP limit.
    let res = post(
        &app,
        "/auth/customer/emailpass",
        json!({"email": "other@example.com", "password": "x"}),
    )
    .await;
    assert_eq!(res.status, 401);
    let res = post(
        &app,
        "/auth/customer/emailpass/register",
        json!({"email": "new@example.com", "password": "x"}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let res = post(
        &app,
        "/auth/customer/emailpass",
        json!({"email": "third@example.com", "password": "x"}),
    )
    .await;
    assert_eq!(res.status, 429, "{}", res.body);
}

/// With Redis configured the counters live there: two instances (two apps
/// on one Redis) share them.
#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_are_shared_through_redis() {
    let make = || {
        TestApp::from_app(|mut config| {
            config.redis_url = Some("redis://127.0.0.1:6379".into());
            config.http.auth_rate_limit.per_identity = 2;
            // Test requests have no peer address: keep the shared per-IP
            // counter out of the way of other test runs.
            config.http.auth_rate_limit.per_ip = 0;
            App::new(config).with_default_modules()
        })
    };
    let (one, two) = (make().await.unwrap(), make().await.unwrap());
    assert!(AuthState::of(&one.container).limiter.is_redis());
    let email = format!("{}@example.com", stheno::http::auth::random_id());
    let body = json!({"email": email, "password": "guess"});
    assert_eq!(
        post(&one, "/auth/user/emailpass", body.clone())
            .await
            .status,
        401
    );
    assert_eq!(
        post(&two, "/auth/user/emailpass", body.clone())
            .await
            .status,
        401
    );
    let res = post(&one, "/auth/user/emailpass", body.clone()).await;
    assert_eq!(res.status, 429, "{}", res.body);
    let res = post(&two, "/auth/user/emailpass", body).await;
    assert_eq!(res.status, 429, "{}", res.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn providers_list() {
    let app = TestApp::new().await.unwrap();
    let res = app.get("/auth/customer/providers").await;
    assert_eq!(
        res.body,
        json!({"providers": [{
            "id": "emailpass",
            "identifier": "emailpass",
            "display_name": "Email/Password Authentication",
            "flow": "credentials"
        }]})
    );
}

mod github {
    use std::net::SocketAddr;

    use actix_web::{App as ActixApp, HttpRequest, HttpResponse, HttpServer, web};
    use serde_json::json;

    use super::*;

    #[derive(serde::Deserialize)]
    struct TokenForm {
        client_id: String,
        client_secret: String,
        code: String,
        redirect_uri: String,
    }

    async fn token(form: web::Form<TokenForm>) -> HttpResponse {
        let ok = form.client_id == "cid"
            && form.client_secret == "csecret"
            && form.code == "good-code"
            && form.redirect_uri == "http://shop.example/callback";
        if ok {
            HttpResponse::Ok().json(json!({"access_token": "gho_test", "token_type": "bearer"}))
        } else {
            HttpResponse::Ok().json(json!({
                "error": "bad_verification_code",
                "error_description": "The code passed is incorrect or expired."
            }))
        }
    }

    async fn user(req: HttpRequest) -> HttpResponse {
        match req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
        {
            Some("Bearer gho_test") => HttpResponse::Ok().json(json!({
                "id": 4242, "login": "octo", "name": "Octo Cat",
                "email": "octo@example.com", "avatar_url": "https://img.example/octo.png"
            })),
            _ => HttpResponse::Unauthorized().json(json!({"message": "Bad credentials"})),
        }
    }

    /// GitHub's token and user endpoints on a random local port.
    fn stand_in() -> SocketAddr {
        let server = HttpServer::new(|| {
            ActixApp::new()
                .route("/login/oauth/access_token", web::post().to(token))
                .route("/user", web::get().to(user))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .unwrap();
        let addr = server.addrs()[0];
        tokio::spawn(server.run());
        addr
    }

    fn state_of(location: &str) -> String {
        let url = reqwest_free_parse(location);
        url.into_iter()
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v)
            .unwrap()
    }

    /// Query pairs of a URL (the state is URL-safe base64, no escaping).
    fn reqwest_free_parse(location: &str) -> Vec<(String, String)> {
        let query = location.split_once('?').unwrap().1;
        query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn oauth_flow_against_a_stand_in() {
        let addr = stand_in();
        let app = TestApp::from_app(move |mut config| {
            config.modules.insert(
                "auth".into(),
                json!({"providers": {"github": {
                    "client_id": "cid",
                    "client_secret": "csecret",
                    "callback_url": "http://shop.example/callback",
                    "authorize_url": format!("http://{addr}/login/oauth/authorize"),
                    "token_url": format!("http://{addr}/login/oauth/access_token"),
                    "user_url": format!("http://{addr}/user"),
                }}}),
            );
            App::new(config).with_default_modules()
        })
        .await
        .unwrap();
        let res = app.get("/auth/customer/providers").await;
        assert_eq!(res.body["providers"][1]["id"], "github");
        assert_eq!(res.body["providers"][1]["flow"], "oauth");

        // First leg: the authorize URL with a state.
        let res = post(&app, "/auth/customer/github", json!({})).await;
        assert_eq!(res.status, 200, "{}", res.body);
        let location = res.body["location"].as_str().unwrap().to_string();
        assert!(location.starts_with(&format!("http://{addr}/login/oauth/authorize?client_id=cid&redirect_uri=http%3A%2F%2Fshop.example%2Fcallback")), "{location}");
        let state = state_of(&location);

        // Callback: code exchanged, user fetched, identity created.
        let res = app
            .get(&format!(
                "/auth/customer/github/callback?code=good-code&state={state}"
            ))
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        let c = claims(&app, res.body["token"].as_str().unwrap());
        assert_eq!(c.actor_type, "customer");
        assert_eq!(c.actor_id, "");
        assert_eq!(c.auth_provider.as_deref(), Some("github"));
        assert_eq!(c.user_metadata["login"], "octo");
        assert_eq!(c.user_metadata["email"], "octo@example.com");

        // The state is single use.
        let res = app
            .get(&format!(
                "/auth/customer/github/callback?code=good-code&state={state}"
            ))
            .await;
        assert_error(
            &res,
            401,
            "unauthorized",
            "No state provided, or session expired",
        );
        let res = app
            .get("/auth/customer/github/callback?code=good-code&state=made-up")
            .await;
        assert_eq!(res.status, 401);

        // A state from the customer flow does not work for another actor.
        let res = post(&app, "/auth/customer/github", json!({})).await;
        let state = state_of(res.body["location"].as_str().unwrap());
        let res = app
            .get(&format!(
                "/auth/user/github/callback?code=good-code&state={state}"
            ))
            .await;
        assert_eq!(res.status, 401);

        // A bad code is refused with GitHub's reason.
        let res = post(&app, "/auth/customer/github", json!({})).await;
        let state = state_of(res.body["location"].as_str().unwrap());
        let res = app
            .get(&format!(
                "/auth/customer/github/callback?code=bad&state={state}"
            ))
            .await;
        assert_error(
            &res,
            401,
            "unauthorized",
            "Could not exchange the GitHub code: The code passed is incorrect or expired.",
        );

        // Logging in again finds the same identity (POST callback works too).
        let res = post(&app, "/auth/customer/github", json!({})).await;
        let state = state_of(res.body["location"].as_str().unwrap());
        let res = post(
            &app,
            "/auth/customer/github/callback",
            json!({"code": "good-code", "state": state}),
        )
        .await;
        assert_eq!(res.status, 200, "{}", res.body);
        let again = claims(&app, res.body["token"].as_str().unwrap());
        assert_eq!(again.auth_identity_id, c.auth_identity_id);

        let res = app.get("/auth/customer/github/callback?state=x").await;
        assert_error(&res, 401, "unauthorized", "No code provided");
    }
}
