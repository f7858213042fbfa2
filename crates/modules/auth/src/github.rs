//! The `github` provider: OAuth 2 against GitHub, the proof of the
//! redirect-flow skeleton.
//!
//! 1. `authenticate` stores a random `state` (single use, 10 minutes) and
//!    answers with GitHub's authorize URL.
//! 2. GitHub sends the browser to `callback_url` with `code` and `state`;
//!    `validate_callback` consumes the state (unknown, reused or expired →
//!    401), exchanges the code for an access token, fetches the user and
//!    finds or creates the identity (`entity_id` = GitHub's numeric user id,
//!    profile in `user_metadata`).
//!
//! Options (`[modules.auth.providers.github]`): `client_id`,
//! `client_secret`, `callback_url`, and for tests or GitHub Enterprise
//! `authorize_url`, `token_url`, `user_url`, `scope`. Without options the
//! provider is off (registered, not built).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::json;
use stheno_module_sdk::provider::ProviderOptions;
use stheno_module_sdk::{Error, Result};

use crate::provider::{AuthOutcome, AuthProvider, AuthRequest, Flow};
use crate::store::IdentityStore;

pub const GITHUB: &str = "github";
const STATE_PURPOSE: &str = "oauth_state";
const STATE_TTL: Duration = Duration::from_secs(600);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GithubOptions {
    pub client_id: String,
    pub client_secret: String,
    pub callback_url: String,
    #[serde(default = "default_authorize_url")]
    pub authorize_url: String,
    #[serde(default = "default_token_url")]
    pub token_url: String,
    #[serde(default = "default_user_url")]
    pub user_url: String,
    #[serde(default = "default_scope")]
    pub scope: String,
}

impl std::fmt::Debug for GithubOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GithubOptions")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("callback_url", &self.callback_url)
            .finish_non_exhaustive()
    }
}

fn default_authorize_url() -> String {
    "https://github.com/login/oauth/authorize".into()
}
fn default_token_url() -> String {
    "https://github.com/login/oauth/access_token".into()
}
fn default_user_url() -> String {
    "https://api.github.com/user".into()
}
fn default_scope() -> String {
    "read:user user:email".into()
}

/// GitHub OAuth 2.
#[derive(Debug)]
pub struct GithubProvider {
    options: GithubOptions,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct GithubUser {
    id: i64,
    login: Option<String>,
    name: Option<String>,
    email: Option<String>,
    avatar_url: Option<String>,
}

impl GithubProvider {
    pub fn new(options: GithubOptions) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent("stheno-auth")
            .build()
            .map_err(|e| Error::internal(format!("cannot build the GitHub HTTP client: {e}")))?;
        Ok(Self { options, http })
    }

    fn authorize_url(&self, state: &str) -> Result<String> {
        let mut url = reqwest::Url::parse(&self.options.authorize_url).map_err(|e| {
            Error::invalid_data(format!(
                "invalid GitHub authorize_url {}: {e}",
                self.options.authorize_url
            ))
        })?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.options.client_id)
            .append_pair("redirect_uri", &self.options.callback_url)
            .append_pair("scope", &self.options.scope)
            .append_pair("state", state);
        Ok(url.into())
    }

    async fn exchange(&self, code: &str) -> Result<String> {
        let res = self
            .http
            .post(&self.options.token_url)
            .header("accept", "application/json")
            .form(&[
                ("client_id", self.options.client_id.as_str()),
                ("client_secret", self.options.client_secret.as_str()),
                ("code", code),
                ("redirect_uri", self.options.callback_url.as_str()),
            ])
            .send()
            .await
            .map_err(|e| upstream("token exchange", e))?;
        let status = res.status();
        let body: TokenResponse = res
            .json()
            .await
            .map_err(|e| upstream("token exchange", e))?;
        match body.access_token {
            Some(token) if status.is_success() => Ok(token),
            _ => Err(Error::unauthorized(format!(
                "Could not exchange the GitHub code: {}",
                body.error_description
                    .or(body.error)
                    .unwrap_or_else(|| format!("status {status}"))
            ))),
        }
    }

    async fn user(&self, token: &str) -> Result<GithubUser> {
        let res = self
            .http
            .get(&self.options.user_url)
            .bearer_auth(token)
            .header("accept", "application/vnd.github+json")
            .send()
            .await
            .map_err(|e| upstream("user fetch", e))?;
        if !res.status().is_success() {
            return Err(Error::unauthorized(format!(
                "Could not fetch the GitHub user: status {}",
                res.status()
            )));
        }
        res.json().await.map_err(|e| upstream("user fetch", e))
    }
}

fn upstream(step: &str, e: reqwest::Error) -> Error {
    // reqwest errors name the URL, never the form body or headers.
    Error::unauthorized(format!("GitHub {step} failed: {}", e.without_url()))
}

#[async_trait]
impl AuthProvider for GithubProvider {
    fn id(&self) -> &str {
        GITHUB
    }
    fn display_name(&self) -> &str {
        "GitHub"
    }
    fn flow(&self) -> Flow {
        Flow::Oauth
    }

    async fn authenticate(&self, req: &AuthRequest, store: &IdentityStore) -> Result<AuthOutcome> {
        let state = crate::random_token();
        store
            .issue_one_time(
                STATE_PURPOSE,
                &state,
                json!({ "provider": GITHUB, "actor_type": req.actor_type }),
                STATE_TTL,
            )
            .await?;
        Ok(AuthOutcome::Redirect {
            location: self.authorize_url(&state)?,
        })
    }

    async fn validate_callback(
        &self,
        req: &AuthRequest,
        store: &IdentityStore,
    ) -> Result<AuthOutcome> {
        let state = req
            .param("state")
            .ok_or_else(|| Error::unauthorized("No state provided, or session expired"))?;
        let code = req
            .param("code")
            .ok_or_else(|| Error::unauthorized("No code provided"))?;
        let saved = store.consume_one_time(STATE_PURPOSE, state).await?;
        let valid = saved.as_ref().is_some_and(|s| {
            s["provider"] == GITHUB && s["actor_type"].as_str() == Some(req.actor_type.as_str())
        });
        if !valid {
            return Err(Error::unauthorized("No state provided, or session expired"));
        }
        let token = self.exchange(code).await?;
        let user = self.user(&token).await?;
        let metadata = json!({
            "login": user.login,
            "name": user.name,
            "email": user.email,
            "picture": user.avatar_url,
        });
        let identity = store
            .retrieve_or_create(GITHUB, &user.id.to_string(), Some(metadata), None)
            .await?;
        Ok(AuthOutcome::Authenticated(identity))
    }
}

/// Off without options; with them, they must parse.
fn build(options: &ProviderOptions) -> Result<Option<Arc<dyn AuthProvider>>> {
    if !options.is_configured() {
        return Ok(None);
    }
    Ok(Some(Arc::new(GithubProvider::new(options.parse()?)?)))
}

stheno_module_sdk::register_provider!(dyn AuthProvider, GITHUB, build);
