-- Billing (SQLite): each organization's billing mode and its usage ledger. Keep table and
-- column names identical to migrations/postgres/00004_billing.sql; only the column types differ.
-- Ledger rows are immutable: the store inserts and reads them, never updates or deletes. An
-- organization's balance is the sum of its rows' amount_micros.

-- +goose Up
ALTER TABLE organizations ADD COLUMN billing_mode TEXT NOT NULL DEFAULT 'postpaid'
    CHECK (billing_mode IN ('prepaid', 'postpaid'));

CREATE TABLE ledger_entries (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT      NOT NULL UNIQUE,
    organization_id TEXT      NOT NULL REFERENCES organizations (id),
    kind            TEXT      NOT NULL, -- credit or number_rental
    amount_micros   INTEGER   NOT NULL, -- positive for credits, negative for charges
    currency        TEXT      NOT NULL,
    description     TEXT      NOT NULL,
    reference_id    TEXT      NOT NULL, -- e.g. the num_ id a rental is for; '' for none
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX ledger_entries_organization_seq ON ledger_entries (organization_id, seq);

-- +goose Down
DROP TABLE ledger_entries;
ALTER TABLE organizations DROP COLUMN billing_mode;
