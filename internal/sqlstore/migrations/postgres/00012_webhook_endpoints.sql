-- Webhook endpoints (PostgreSQL). Keep table and column names identical to
-- migrations/sqlite/00012_webhook_endpoints.sql; only the column types differ.
-- secret and previous_secret are sealed with AES-256-GCM by internal/secretbox (delivery opens
-- them to sign); previous_secret is '' when there is none, and signs alongside secret until
-- previous_secret_expires_at after a rotation.

-- +goose Up
CREATE TABLE webhook_endpoints (
    seq                        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                         TEXT        NOT NULL UNIQUE,
    organization_id            TEXT        NOT NULL REFERENCES organizations (id),
    url                        TEXT        NOT NULL,
    events                     TEXT        NOT NULL, -- JSON array of event types, or ["*"]
    description                TEXT        NOT NULL,
    agent_id                   TEXT        REFERENCES agents (id), -- NULL: organization-wide
    enabled                    BOOLEAN     NOT NULL,
    disabled_reason            TEXT,
    secret                     TEXT        NOT NULL, -- sealed
    secret_hint                TEXT        NOT NULL,
    previous_secret            TEXT        NOT NULL DEFAULT '', -- sealed; '' for none
    previous_secret_expires_at TIMESTAMPTZ,
    created_at                 TIMESTAMPTZ NOT NULL,
    updated_at                 TIMESTAMPTZ NOT NULL,
    deleted_at                 TIMESTAMPTZ -- NULL while the endpoint exists
);
CREATE INDEX webhook_endpoints_organization_seq ON webhook_endpoints (organization_id, seq);
CREATE INDEX webhook_endpoints_agent ON webhook_endpoints (agent_id);

-- +goose Down
DROP TABLE webhook_endpoints;
