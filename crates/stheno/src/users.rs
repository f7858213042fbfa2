//! Admin users from the command line and in tests.

use anyhow::{Context, bail};
use serde_json::json;
use stheno_auth::emailpass::EMAILPASS;
use stheno_auth::{AuthIdentity, AuthModule, AuthOutcome, AuthRequest};
use stheno_framework::Container;
use stheno_user::{CreateUser, User, UserModule};

/// Create an admin user and its `emailpass` identity, linked
/// (`app_metadata.user_id`). With `password: None` the identity has no
/// password (it can only be used through tokens minted for it, as tests do).
pub async fn create_admin_user(
    container: &Container,
    email: &str,
    password: Option<&str>,
) -> anyhow::Result<(User, AuthIdentity)> {
    let users = container.require::<UserModule>()?;
    let auth = container.require::<AuthModule>()?;
    if email.trim().is_empty() || !email.contains('@') {
        bail!("`{email}` is not an email address");
    }
    let identity = match password {
        Some(password) => {
            if password.is_empty() {
                bail!("the password must not be empty");
            }
            let req = AuthRequest {
                actor_type: "user".into(),
                body: json!({ "email": email, "password": password }),
                ..Default::default()
            };
            match auth.register(EMAILPASS, &req).await {
                Ok(AuthOutcome::Authenticated(identity)) => identity,
                Ok(AuthOutcome::Redirect { .. }) => bail!("emailpass answered with a redirect"),
                Err(e) => bail!("cannot create the login for {email}: {}", e.message()),
            }
        }
        None => auth.store().create(EMAILPASS, email, None, None).await?,
    };
    if identity.actor_id("user").is_some() {
        bail!("{email} is already an admin user");
    }
    let user = users
        .users()
        .create_one(CreateUser::new(email))
        .await
        .with_context(|| format!("cannot create the user {email}"))?;
    match auth
        .store()
        .link_actor(&identity.id, "user", &user.id)
        .await
    {
        Ok(identity) => Ok((user, identity)),
        Err(e) => {
            // Undo the creation.
            users.users().delete(std::slice::from_ref(&user.id)).await?;
            Err(e).context("cannot link the login to the user")
        }
    }
}
