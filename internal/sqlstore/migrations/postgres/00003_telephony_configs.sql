-- Telephony configs (PostgreSQL): which destinations an organization's calls may reach. Keep
-- table and column names identical to migrations/sqlite/00003_telephony_configs.sql; only the
-- column types differ. An organization without a row has the default config.

-- +goose Up
CREATE TABLE telephony_configs (
    organization_id    TEXT        PRIMARY KEY REFERENCES organizations (id),
    allowed_countries  TEXT        NOT NULL, -- JSON array of ISO 3166-1 alpha-2 codes, or ["*"]
    allowed_prefixes   TEXT        NOT NULL, -- JSON array of E.164 prefixes; [] for no prefix rule
    block_premium_rate BOOLEAN     NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE telephony_configs;
