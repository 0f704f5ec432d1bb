-- Phone numbers (SQLite). Keep table and column names identical to
-- migrations/postgres/00002_phone_numbers.sql; only the column types differ.

-- +goose Up
CREATE TABLE phone_numbers (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT      NOT NULL UNIQUE,
    organization_id  TEXT      NOT NULL REFERENCES organizations (id),
    number           TEXT      NOT NULL, -- E.164
    carrier          TEXT      NOT NULL,
    source           TEXT      NOT NULL, -- provisioned or imported
    country          TEXT      NOT NULL,
    friendly_name    TEXT      NOT NULL,
    agent_id         TEXT      REFERENCES agents (id), -- NULL: attached to no agent
    inbound_enabled  INTEGER   NOT NULL CHECK (inbound_enabled IN (0, 1)),
    outbound_enabled INTEGER   NOT NULL CHECK (outbound_enabled IN (0, 1)),
    custom_prompt    TEXT      NOT NULL,
    cap_voice        INTEGER   NOT NULL CHECK (cap_voice IN (0, 1)),
    cap_sms          INTEGER   NOT NULL CHECK (cap_sms IN (0, 1)),
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    released_at      TIMESTAMP -- NULL while the organization holds the number
);
-- A number is held by at most one live row; released rows keep their number.
CREATE UNIQUE INDEX phone_numbers_live_number ON phone_numbers (number) WHERE released_at IS NULL;
CREATE INDEX phone_numbers_organization_seq ON phone_numbers (organization_id, seq);
CREATE INDEX phone_numbers_agent ON phone_numbers (agent_id);

-- +goose Down
DROP TABLE phone_numbers;
