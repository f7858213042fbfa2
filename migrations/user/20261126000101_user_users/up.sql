-- User module: admin users and invites.

CREATE TABLE "user" (
    id         text PRIMARY KEY,
    first_name text,
    last_name  text,
    email      text NOT NULL,
    avatar_url text,
    metadata   jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE UNIQUE INDEX "IDX_user_email" ON "user" (email) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_user_deleted_at" ON "user" (deleted_at);

CREATE TABLE invite (
    id         text PRIMARY KEY,
    email      text NOT NULL,
    accepted   boolean NOT NULL DEFAULT false,
    token      text NOT NULL,
    expires_at timestamptz NOT NULL,
    metadata   jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE UNIQUE INDEX "IDX_invite_email" ON invite (email) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_invite_token" ON invite (token) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_invite_deleted_at" ON invite (deleted_at);
