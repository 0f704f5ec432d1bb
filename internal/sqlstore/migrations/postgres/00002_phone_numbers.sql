-- Phone numbers (PostgreSQL). Keep table and column names identical to
-- migrations/sqlite/00002_phone_numbers.sql; only the column types differ.

-- +goose Up
CREATE TABLE phone_numbers (
    seq              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id               TEXT        NOT NULL UNIQUE,
    organization_id  TEXT        NOT NULL REFERENCES organizations (id),
    number           TEXT        NOT NULL, -- E.164
    carrier          TEXT        NOT NULL,
    source           TEXT        NOT NULL, -- provisioned or imported
    country          TEXT        NOT NULL,
    friendly_name    TEXT        NOT NULL,
    agent_id         TEXT        REFERENCES agents (id), -- NULL: attached to no agent
    inbound_enabled  BOOLEAN     NOT NULL,
    outbound_enabled BOOLEAN     NOT NULL,
    custom_prompt    TEXT        NOT NULL,
    cap_voice        BOOLEAN     NOT NULL,
    cap_sms          BOOLEAN     NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    released_at      TIMESTAMPTZ -- NULL while the organization holds the number
);
-- A number is held by at most one live row; released rows keep their number.
CREATE UNIQUE INDEX phone_numbers_live_number ON phone_numbers (number) WHERE released_at IS NULL;
CREATE INDEX phone_numbers_organization_seq ON phone_numbers (organization_id, seq);
CREATE INDEX phone_numbers_agent ON phone_numbers (agent_id);

-- +goose Down
DROP TABLE phone_numbers;
