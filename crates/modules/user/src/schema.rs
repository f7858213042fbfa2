//! Diesel schema of the user module's tables (`migrations/user/*`).

diesel::table! {
    user (id) {
        id -> Text,
        first_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
        email -> Text,
        avatar_url -> Nullable<Text>,
        metadata -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    invite (id) {
        id -> Text,
        email -> Text,
        accepted -> Bool,
        token -> Text,
        expires_at -> Timestamptz,
        metadata -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}
