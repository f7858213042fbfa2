-- Customer module: customers, their addresses, customer groups.

CREATE TABLE customer (
    id           text PRIMARY KEY,
    company_name text,
    first_name   text,
    last_name    text,
    email        text,
    phone        text,
    has_account  boolean NOT NULL DEFAULT false,
    metadata     jsonb,
    created_by   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz
);
-- One guest and one registered customer per email.
CREATE UNIQUE INDEX "IDX_customer_email_has_account_unique" ON customer (email, has_account)
    WHERE deleted_at IS NULL;
CREATE INDEX "IDX_customer_deleted_at" ON customer (deleted_at);

CREATE TABLE customer_address (
    id                  text PRIMARY KEY,
    customer_id         text NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    address_name        text,
    is_default_shipping boolean NOT NULL DEFAULT false,
    is_default_billing  boolean NOT NULL DEFAULT false,
    company             text,
    first_name          text,
    last_name           text,
    address_1           text,
    address_2           text,
    city                text,
    country_code        text,
    province            text,
    postal_code         text,
    phone               text,
    metadata            jsonb,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    deleted_at          timestamptz
);
CREATE INDEX "IDX_customer_address_customer_id" ON customer_address (customer_id);
-- At most one default shipping and one default billing address per customer.
CREATE UNIQUE INDEX "IDX_customer_address_unique_customer_shipping" ON customer_address (customer_id)
    WHERE is_default_shipping AND deleted_at IS NULL;
CREATE UNIQUE INDEX "IDX_customer_address_unique_customer_billing" ON customer_address (customer_id)
    WHERE is_default_billing AND deleted_at IS NULL;

CREATE TABLE customer_group (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    metadata   jsonb,
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE UNIQUE INDEX "IDX_customer_group_name" ON customer_group (name) WHERE deleted_at IS NULL;

CREATE TABLE customer_group_customer (
    id                text PRIMARY KEY,
    customer_id       text NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    customer_group_id text NOT NULL REFERENCES customer_group (id) ON DELETE CASCADE,
    metadata          jsonb,
    created_by        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    deleted_at        timestamptz
);
CREATE UNIQUE INDEX "IDX_customer_group_customer_pair" ON customer_group_customer (customer_group_id, customer_id)
    WHERE deleted_at IS NULL;
CREATE INDEX "IDX_customer_group_customer_customer_id" ON customer_group_customer (customer_id);
