//! The publishable API key every `/store` request carries
//! (`x-publishable-api-key`), as Medusa requires it: a missing, unknown or
//! revoked key is refused with Medusa's 400, and a valid key's sales
//! channels scope what the storefront sees (products, stock).
//!
//! An async request hook on the store namespace: two statements per
//! request (the key, its channels), read by handlers as
//! [`PublishableKey`] in the request's extensions.

use actix_web::dev::ServiceRequest;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use stheno_api_key::ApiKeyModule;
use stheno_framework::Container;
use stheno_http::routes::HookFuture;
use stheno_http::{ApiError, Namespace};
use stheno_module_sdk::Error;

/// The header storefronts send the key in.
pub const HEADER: &str = "x-publishable-api-key";

/// Medusa's message for a request without the header.
pub const MISSING: &str = "Publishable API key required in the request header: x-publishable-api-key. You can manage your keys in settings in the dashboard.";
/// Medusa's message for an unknown or revoked key.
pub const INVALID: &str = "A valid publishable key is required to proceed with the request";

/// The request's publishable key and the sales channels linked to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishableKey {
    pub id: String,
    pub sales_channel_ids: Vec<String>,
}

fn check(req: &ServiceRequest) -> HookFuture {
    let token = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    let container = req.app_data::<web::Data<Container>>().cloned();
    Box::pin(async move {
        let Some(token) = token else {
            return Err(Error::not_allowed(MISSING).into());
        };
        let container = container.ok_or_else(|| Error::internal("no container"))?;
        let keys = container.require::<ApiKeyModule>()?;
        let key = keys
            .publishable_key(&token)
            .await?
            .ok_or_else(|| ApiError::from(Error::not_allowed(INVALID)))?;
        let sales_channel_ids = container
            .links()
            .list("api_key", std::slice::from_ref(&key.id), "sales_channel")
            .await?
            .into_iter()
            .map(|(_, channel)| channel)
            .collect();
        let key = PublishableKey {
            id: key.id,
            sales_channel_ids,
        };
        Ok(Some(Box::new(move |ext: &mut actix_web::dev::Extensions| {
            ext.insert(key);
        })
            as Box<dyn FnOnce(&mut actix_web::dev::Extensions)>))
    })
}

stheno_http::register_async_hook!(Namespace::Store, check);

impl FromRequest for PublishableKey {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(
            req.extensions()
                .get::<PublishableKey>()
                .cloned()
                .ok_or_else(|| Error::not_allowed(MISSING).into()),
        )
    }
}
