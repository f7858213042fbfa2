//! `/admin/users` and `/admin/invites`, including the invite flow.

use actix_web::http::Method;
use serde_json::json;
use stheno::testing::{ADMIN_EMAIL, TestApp};

use crate::assert_error;
use crate::auth::{claims, login, register};

#[tokio::test(flavor = "multi_thread")]
async fn users_routes() {
    let app = TestApp::new().await.unwrap();
    let me = app.admin_get("/admin/users/me").await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["user"]["email"], ADMIN_EMAIL);
    let id = me.body["user"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        crate::keys(&me.body["user"]),
        [
            "avatar_url",
            "created_at",
            "deleted_at",
            "email",
            "first_name",
            "id",
            "last_name",
            "metadata",
            "updated_at"
        ]
    );

    let res = app.admin_get("/admin/users?q=stheno&fields=id,email").await;
    assert_eq!(res.body["count"], 1);
    assert_eq!(crate::keys(&res.body["users"][0]), ["email", "id"]);
    assert_eq!(res.body["limit"], 50);
    let res = app.admin_get("/admin/users?q=nobody").await;
    assert_eq!(res.body["count"], 0);
    let res = app.admin_get("/admin/users?colour=red").await;
    assert_eq!(res.status, 400, "{}", res.body);

    let res = app.admin_get(&format!("/admin/users/{id}")).await;
    assert_eq!(res.body["user"]["id"], id.as_str());
    let res = app.admin_get("/admin/users/user_nope").await;
    assert_error(
        &res,
        404,
        "not_found",
        "User with id: user_nope was not found",
    );

    let res = app
        .admin_post(
            &format!("/admin/users/{id}"),
            json!({"first_name": "Ada", "metadata": {"team": "ops"}}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["user"]["first_name"], "Ada");
    assert_eq!(res.body["user"]["metadata"], json!({"team": "ops"}));
    let res = app
        .admin_post(&format!("/admin/users/{id}"), json!({"email": "x@y.z"}))
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Unrecognized fields: 'email'",
    );
    let res = app
        .admin_post("/admin/users/user_nope", json!({"first_name": "X"}))
        .await;
    assert_eq!(res.status, 404);
    let res = app.admin_delete("/admin/users/user_nope").await;
    assert_eq!(res.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn deleted_admins_lose_access() {
    let app = TestApp::new().await.unwrap();
    let (user, _) =
        stheno::users::create_admin_user(&app.container, "gone@example.com", Some("pw"))
            .await
            .unwrap();
    let token = login(&app, "user", "gone@example.com", "pw").await;
    let res = app.admin_delete(&format!("/admin/users/{}", user.id)).await;
    assert_eq!(res.status, 200, "{}", res.body);
    // The old token still names the user, who is gone.
    let res = app
        .request_as(Method::GET, "/admin/users/me", None, Some(&token))
        .await;
    assert_eq!(res.status, 404);
    // A fresh login no longer carries a user id: no admin access.
    let token = login(&app, "user", "gone@example.com", "pw").await;
    assert_eq!(claims(&app, &token).actor_id, "");
    let res = app
        .request_as(Method::GET, "/admin/products", None, Some(&token))
        .await;
    assert_eq!(res.status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn invite_flow() {
    let app = TestApp::new().await.unwrap();
    let res = app
        .admin_post("/admin/invites", json!({"email": "new@example.com"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let invite = res.body["invite"].clone();
    let invite_id = invite["id"].as_str().unwrap().to_string();
    assert!(invite_id.starts_with("invite_"));
    assert_eq!(invite["accepted"], false);
    let res = app
        .admin_post("/admin/invites", json!({"email": "new@example.com"}))
        .await;
    assert_error(
        &res,
        422,
        "duplicate_error",
        "Invite with email: new@example.com, already exists.",
    );
    let res = app.admin_post("/admin/invites", json!({})).await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Field 'email' is required",
    );

    let res = app.admin_get("/admin/invites").await;
    assert_eq!(res.body["count"], 1);
    let res = app.admin_get(&format!("/admin/invites/{invite_id}")).await;
    assert_eq!(res.body["invite"]["email"], "new@example.com");
    let res = app.admin_get("/admin/invites/invite_nope").await;
    assert_error(
        &res,
        404,
        "not_found",
        "Invite with id: invite_nope was not found",
    );
    let res = app
        .admin_post(&format!("/admin/invites/{invite_id}/resend"), json!({}))
        .await;
    let token = res.body["invite"]["token"].as_str().unwrap().to_string();
    assert_ne!(token, invite["token"].as_str().unwrap());
    let res = app
        .admin_post("/admin/invites/invite_nope/resend", json!({}))
        .await;
    assert_eq!(res.status, 404);

    // The invitee registers, then accepts with the registration token.
    let reg = register(&app, "user", "new@example.com", "pw").await;
    // An unlinked token opens no other admin route.
    let res = app
        .request_as(Method::GET, "/admin/users", None, Some(&reg))
        .await;
    assert_eq!(res.status, 401);
    // Wrong invite token, no token, no bearer, an admin's bearer: all 401.
    for (path, bearer) in [
        (
            "/admin/invites/accept?token=wrong".to_string(),
            Some(reg.as_str()),
        ),
        ("/admin/invites/accept".to_string(), Some(reg.as_str())),
        (format!("/admin/invites/accept?token={token}"), None),
        (
            format!("/admin/invites/accept?token={token}"),
            Some(app.admin_token()),
        ),
    ] {
        let res = app
            .request_as(Method::POST, &path, Some(json!({})), bearer)
            .await;
        assert_eq!(res.status, 401, "{path}");
        assert_eq!(res.body, json!({"message": "Unauthorized"}), "{path}");
    }
    let res = app
        .request_as(
            Method::POST,
            &format!("/admin/invites/accept?token={token}"),
            Some(json!({"first_name": "Nia", "last_name": "New"})),
            Some(&reg),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["user"]["email"], "new@example.com");
    assert_eq!(res.body["user"]["first_name"], "Nia");
    // Used once.
    let reg2 = register(&app, "user", "other@example.com", "pw").await;
    let res = app
        .request_as(
            Method::POST,
            &format!("/admin/invites/accept?token={token}"),
            Some(json!({})),
            Some(&reg2),
        )
        .await;
    assert_eq!(res.status, 401);

    // The new admin logs in and works.
    let session = login(&app, "user", "new@example.com", "pw").await;
    let res = app
        .request_as(Method::GET, "/admin/users/me", None, Some(&session))
        .await;
    assert_eq!(res.body["user"]["last_name"], "New");
    let res = app.admin_get("/admin/invites?accepted=true").await;
    assert_eq!(res.body["count"], 1);

    let res = app
        .admin_delete(&format!("/admin/invites/{invite_id}"))
        .await;
    assert_eq!(
        res.body,
        json!({"id": invite_id, "object": "invite", "deleted": true})
    );
    let res = app
        .admin_delete(&format!("/admin/invites/{invite_id}"))
        .await;
    assert_eq!(res.status, 404);
}
