-- Webhook delivery (PostgreSQL). Keep table and column names identical to
-- migrations/sqlite/00014_webhook_deliveries.sql; only the column types differ.
-- The deliveries themselves are River jobs (river_job, created by the Go migration 15); this
-- file adds what routing needs and the log of attempts the API shows.

-- +goose Up
-- The agent an event concerns (NULL for none): its own endpoints, if it has any, receive the
-- event instead of the organization-wide ones.
ALTER TABLE events ADD COLUMN agent_id TEXT;

-- When the endpoint's current run of failed attempts began; NULL after a delivered attempt.
-- An endpoint failing for 5 days straight is disabled.
ALTER TABLE webhook_endpoints ADD COLUMN failing_since TIMESTAMPTZ;

-- Every attempt to send an event to an endpoint. No foreign key to events: the retention sweep
-- deletes events and attempts by age, and a job may record an attempt after its event was
-- swept.
CREATE TABLE webhook_deliveries (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              TEXT        NOT NULL UNIQUE,
    organization_id TEXT        NOT NULL REFERENCES organizations (id),
    endpoint_id     TEXT        NOT NULL REFERENCES webhook_endpoints (id),
    event_id        TEXT        NOT NULL,
    event_type      TEXT        NOT NULL,
    attempt         INTEGER     NOT NULL,
    outcome         TEXT        NOT NULL, -- delivered, retrying, failed, gone
    status_code     INTEGER,              -- NULL when no response came
    latency_ms      BIGINT      NOT NULL,
    error           TEXT,
    next_retry_at   TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_deliveries_endpoint_seq ON webhook_deliveries (endpoint_id, seq);
CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at);

-- +goose Down
DROP TABLE webhook_deliveries;
ALTER TABLE webhook_endpoints DROP COLUMN failing_since;
ALTER TABLE events DROP COLUMN agent_id;
