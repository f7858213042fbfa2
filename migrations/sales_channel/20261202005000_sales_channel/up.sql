-- Sales channel module: the channels a store sells through.

CREATE TABLE sales_channel (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    description text,
    is_disabled boolean NOT NULL DEFAULT false,
    metadata    jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
CREATE INDEX "IDX_sales_channel_deleted_at" ON sales_channel (deleted_at);
