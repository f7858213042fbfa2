-- API key module: publishable and secret keys (Medusa's api_key).
--
-- A publishable key is stored as is in `token`. A secret key's `token` is
-- '' and only the SHA-256 digest of the key is kept, in `token_digest`, a
-- column the entity does not declare (so no read can show it); requests
-- find the key through the digest's unique index. `salt` is '' for both
-- (the digest is unsalted: the key is 256 random bits).

CREATE TABLE api_key (
    id           text PRIMARY KEY,
    token        text NOT NULL,
    salt         text NOT NULL,
    redacted     text NOT NULL,
    title        text NOT NULL,
    type         text NOT NULL,
    last_used_at timestamptz,
    created_by   text NOT NULL,
    revoked_by   text,
    revoked_at   timestamptz,
    token_digest text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz,
    CONSTRAINT "CHK_api_key_type" CHECK (type IN ('publishable', 'secret')),
    -- A secret key is never stored in clear, and a publishable one has no digest.
    CONSTRAINT "CHK_api_key_secret_token_blank" CHECK (type = 'publishable' OR token = ''),
    CONSTRAINT "CHK_api_key_publishable_no_digest" CHECK (type = 'secret' OR token_digest IS NULL)
);
-- Publishable tokens are unique among live keys (every secret key's token is '').
CREATE UNIQUE INDEX "IDX_api_key_token_unique" ON api_key (token)
    WHERE type = 'publishable' AND deleted_at IS NULL;
-- The /store lookup (token = $1 AND type = $2 AND deleted_at IS NULL): an index
-- whose predicate holds for any parameter values, so generic plans use it too.
CREATE INDEX "IDX_api_key_token" ON api_key (token) WHERE deleted_at IS NULL;
-- The /admin lookup: a secret key by the digest of its token.
CREATE UNIQUE INDEX "IDX_api_key_token_digest_unique" ON api_key (token_digest)
    WHERE token_digest IS NOT NULL;
CREATE INDEX "IDX_api_key_type" ON api_key (type) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_api_key_deleted_at" ON api_key (deleted_at);
