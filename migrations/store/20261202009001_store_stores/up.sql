-- The store module: the store, its supported currencies and locales.
CREATE TABLE IF NOT EXISTS "store" (
  "id" text NOT NULL PRIMARY KEY,
  "name" text NOT NULL DEFAULT 'Medusa Store',
  "default_sales_channel_id" text NULL,
  "default_region_id" text NULL,
  "default_location_id" text NULL,
  "metadata" jsonb NULL,
  "created_at" timestamptz NOT NULL DEFAULT now(),
  "updated_at" timestamptz NOT NULL DEFAULT now(),
  "deleted_at" timestamptz NULL
);

CREATE TABLE IF NOT EXISTS "store_currency" (
  "id" text NOT NULL PRIMARY KEY,
  "currency_code" text NOT NULL,
  "is_default" boolean NOT NULL DEFAULT false,
  "store_id" text NULL REFERENCES "store" ("id") ON DELETE CASCADE,
  "created_at" timestamptz NOT NULL DEFAULT now(),
  "updated_at" timestamptz NOT NULL DEFAULT now(),
  "deleted_at" timestamptz NULL
);
CREATE INDEX IF NOT EXISTS "IDX_store_currency_store_id" ON "store_currency" ("store_id") WHERE "deleted_at" IS NULL;

CREATE TABLE IF NOT EXISTS "store_locale" (
  "id" text NOT NULL PRIMARY KEY,
  "locale_code" text NOT NULL,
  "store_id" text NULL REFERENCES "store" ("id") ON DELETE CASCADE,
  "created_at" timestamptz NOT NULL DEFAULT now(),
  "updated_at" timestamptz NOT NULL DEFAULT now(),
  "deleted_at" timestamptz NULL
);
CREATE INDEX IF NOT EXISTS "IDX_store_locale_store_id" ON "store_locale" ("store_id") WHERE "deleted_at" IS NULL;
