-- Auth module: identities, their provider identities, and one-time values
-- (password reset token ids, OAuth states).

CREATE TABLE auth_identity (
    id           text PRIMARY KEY,
    app_metadata jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz
);
CREATE INDEX "IDX_auth_identity_deleted_at" ON auth_identity (deleted_at);

CREATE TABLE provider_identity (
    id                text PRIMARY KEY,
    entity_id         text NOT NULL,
    provider          text NOT NULL,
    auth_identity_id  text NOT NULL REFERENCES auth_identity (id) ON DELETE CASCADE,
    user_metadata     jsonb,
    provider_metadata jsonb,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    deleted_at        timestamptz
);
CREATE UNIQUE INDEX "IDX_provider_identity_provider_entity_id" ON provider_identity (entity_id, provider)
    WHERE deleted_at IS NULL;
CREATE INDEX "IDX_provider_identity_auth_identity_id" ON provider_identity (auth_identity_id);

-- Single-use values with an expiry: consuming one deletes it.
CREATE TABLE auth_one_time (
    id         text NOT NULL,
    purpose    text NOT NULL,
    data       jsonb NOT NULL DEFAULT '{}',
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (purpose, id)
);
CREATE INDEX "IDX_auth_one_time_expires_at" ON auth_one_time (expires_at);
