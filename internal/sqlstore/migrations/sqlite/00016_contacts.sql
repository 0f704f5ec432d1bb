-- Contacts (SQLite). Keep table and column names identical to
-- migrations/postgres/00016_contacts.sql; only the column types differ.
-- A deleted contact's row is deleted: the unique index then lets its number be added again.

-- +goose Up
CREATE TABLE contacts (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT        NOT NULL UNIQUE,
    organization_id TEXT        NOT NULL REFERENCES organizations (id),
    phone_number    TEXT        NOT NULL, -- E.164
    name            TEXT        NOT NULL,
    email           TEXT        NOT NULL,
    notes           TEXT        NOT NULL,
    metadata        TEXT        NOT NULL, -- JSON object of strings
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
-- One contact per number in an organization.
CREATE UNIQUE INDEX contacts_organization_number ON contacts (organization_id, phone_number);
CREATE INDEX contacts_organization_seq ON contacts (organization_id, seq);

-- +goose Down
DROP TABLE contacts;
