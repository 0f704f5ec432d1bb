-- Calls and events (SQLite). Keep table and column names identical to
-- migrations/postgres/00005_calls.sql; only the column types differ.

-- +goose Up
CREATE TABLE calls (
    seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
    id                   TEXT      NOT NULL UNIQUE,
    organization_id      TEXT      NOT NULL REFERENCES organizations (id),
    direction            TEXT      NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    status               TEXT      NOT NULL,
    agent_id             TEXT      REFERENCES agents (id), -- NULL: inbound to a number without an agent
    phone_number_id      TEXT      NOT NULL REFERENCES phone_numbers (id),
    from_number          TEXT      NOT NULL,
    to_number            TEXT      NOT NULL,
    carrier              TEXT      NOT NULL,
    instructions         TEXT      NOT NULL,
    variables            TEXT      NOT NULL, -- JSON object of strings
    metadata             TEXT      NOT NULL, -- JSON object of strings
    ring_timeout_seconds INTEGER   NOT NULL,
    answered_by          TEXT, -- human or machine once answered
    ended_reason         TEXT, -- set with a terminal status
    queued_at            TIMESTAMP NOT NULL,
    dialed_at            TIMESTAMP, -- left the queue: holds a concurrency slot until ended_at
    started_at           TIMESTAMP, -- answered: billing starts
    ended_at             TIMESTAMP,
    duration_seconds     INTEGER   NOT NULL,
    cost_micros          INTEGER   NOT NULL,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    deleted_at           TIMESTAMP -- content erased; the row stays for billing and usage
);
CREATE INDEX calls_organization_seq ON calls (organization_id, seq);
-- The dispatcher's queue and the live-call count read calls by status.
CREATE INDEX calls_organization_status ON calls (organization_id, status, seq);
CREATE INDEX calls_status ON calls (status);
CREATE INDEX calls_organization_ended ON calls (organization_id, ended_at);

CREATE TABLE events (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT      NOT NULL UNIQUE,
    organization_id TEXT      NOT NULL REFERENCES organizations (id),
    type            TEXT      NOT NULL,
    object_id       TEXT      NOT NULL,
    data            TEXT      NOT NULL, -- JSON: the object as it was just after the change
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX events_organization_seq ON events (organization_id, seq);
CREATE INDEX events_object ON events (object_id, seq);

-- +goose Down
DROP TABLE events;
DROP TABLE calls;
