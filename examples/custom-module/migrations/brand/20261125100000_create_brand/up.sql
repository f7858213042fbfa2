CREATE TABLE brand (
    id text PRIMARY KEY,
    name text NOT NULL,
    metadata jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE UNIQUE INDEX brand_name_unique ON brand (name) WHERE deleted_at IS NULL;
