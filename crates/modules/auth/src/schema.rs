//! Diesel schema of the auth module's tables (`migrations/auth/*`).

diesel::table! {
    auth_identity (id) {
        id -> Text,
        app_metadata -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    provider_identity (id) {
        id -> Text,
        entity_id -> Text,
        provider -> Text,
        auth_identity_id -> Text,
        user_metadata -> Nullable<Jsonb>,
        provider_metadata -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    auth_one_time (purpose, id) {
        id -> Text,
        purpose -> Text,
        data -> Jsonb,
        expires_at -> Timestamptz,
    }
}

diesel::joinable!(provider_identity -> auth_identity (auth_identity_id));
diesel::allow_tables_to_appear_in_same_query!(auth_identity, provider_identity, auth_one_time);
