-- Foundation schema (PostgreSQL). Keep table and column names identical to
-- migrations/sqlite/00001_foundation.sql; only the column types differ.

-- +goose Up
CREATE TABLE organizations (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT        NOT NULL UNIQUE,
    name       TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- One row (id = 1) once the database has been bootstrapped; see Store.Bootstrap.
CREATE TABLE bootstrap (
    id INTEGER PRIMARY KEY CHECK (id = 1)
);

CREATE TABLE api_keys (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              TEXT        NOT NULL UNIQUE,
    organization_id TEXT        NOT NULL REFERENCES organizations (id),
    name            TEXT        NOT NULL,
    role            TEXT        NOT NULL CHECK (role IN ('read', 'write', 'admin')),
    operator        BOOLEAN     NOT NULL DEFAULT FALSE,
    secret_hash     BYTEA       NOT NULL,
    secret_hint     TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    rotated_at      TIMESTAMPTZ,
    revoked_at      TIMESTAMPTZ
);
CREATE INDEX api_keys_organization_seq ON api_keys (organization_id, seq);

CREATE TABLE agents (
    seq                       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                        TEXT        NOT NULL UNIQUE,
    organization_id           TEXT        NOT NULL REFERENCES organizations (id),
    name                      TEXT        NOT NULL,
    system_prompt             TEXT        NOT NULL,
    greeting                  TEXT        NOT NULL,
    voice                     TEXT        NOT NULL,
    language                  TEXT        NOT NULL,
    brain                     TEXT        NOT NULL, -- JSON object
    voicemail                 TEXT        NOT NULL, -- JSON object
    max_call_duration_seconds INTEGER     NOT NULL,
    ring_timeout_seconds      INTEGER     NOT NULL,
    transfer_numbers          TEXT        NOT NULL, -- JSON array of strings
    metadata                  TEXT        NOT NULL, -- JSON object of strings
    created_at                TIMESTAMPTZ NOT NULL,
    updated_at                TIMESTAMPTZ NOT NULL,
    deleted_at                TIMESTAMPTZ
);
CREATE INDEX agents_organization_seq ON agents (organization_id, seq);
CREATE INDEX agents_organization_name ON agents (organization_id, name);

CREATE TABLE idempotency_keys (
    organization_id TEXT        NOT NULL,
    "key"           TEXT        NOT NULL,
    fingerprint     TEXT        NOT NULL,
    done            BOOLEAN     NOT NULL DEFAULT FALSE,
    status          INTEGER     NOT NULL DEFAULT 0,
    header          TEXT        NOT NULL, -- JSON object: header name -> values
    body            BYTEA       NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, "key")
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE agents;
DROP TABLE api_keys;
DROP TABLE bootstrap;
DROP TABLE organizations;
