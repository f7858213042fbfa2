-- Stored workflow runs (Medusa's `workflow_execution`), plus the lease and
-- timer columns the engine uses to hand runs between processes.
CREATE TABLE workflow_execution (
    id             text PRIMARY KEY,
    workflow_id    text NOT NULL,
    transaction_id text NOT NULL,
    run_id         text NOT NULL DEFAULT '',
    state          text NOT NULL,
    execution      jsonb NOT NULL,
    retention_time integer,
    lease_owner    text,
    lease_until    timestamptz,
    wake_at        timestamptz,
    expires_at     timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    deleted_at     timestamptz
);

CREATE UNIQUE INDEX idx_workflow_execution_workflow_id_transaction_id
    ON workflow_execution (workflow_id, transaction_id);
CREATE INDEX idx_workflow_execution_transaction_id ON workflow_execution (transaction_id);
CREATE INDEX idx_workflow_execution_state ON workflow_execution (state);
CREATE INDEX idx_workflow_execution_created_at ON workflow_execution (created_at DESC, id DESC);
CREATE INDEX idx_workflow_execution_wake_at ON workflow_execution (wake_at)
    WHERE wake_at IS NOT NULL;
CREATE INDEX idx_workflow_execution_expires_at ON workflow_execution (expires_at)
    WHERE expires_at IS NOT NULL;
