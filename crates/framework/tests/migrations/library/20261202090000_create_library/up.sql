CREATE TABLE author (
    id text PRIMARY KEY,
    name text NOT NULL,
    bio text,
    rank bigint NOT NULL DEFAULT 0,
    active boolean NOT NULL,
    metadata jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE UNIQUE INDEX "IDX_author_name_unique" ON author (name) WHERE deleted_at IS NULL;

CREATE TABLE book (
    id text PRIMARY KEY,
    author_id text NOT NULL REFERENCES author (id),
    title text NOT NULL,
    pages integer,
    published_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX "IDX_book_author_id" ON book (author_id) WHERE deleted_at IS NULL;
