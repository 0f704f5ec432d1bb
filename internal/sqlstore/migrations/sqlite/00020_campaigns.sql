-- Campaigns and their leads (SQLite). Keep table and column names identical to
-- migrations/postgres/00020_campaigns.sql; only the column types differ.
-- A campaign's calls name their lead and attempt; the unique index on (lead_id, attempt) is
-- what makes "no attempt is placed twice" a property of the database.

-- +goose Up
CREATE TABLE campaigns (
    seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
    id                   TEXT        NOT NULL UNIQUE,
    organization_id      TEXT        NOT NULL REFERENCES organizations (id),
    name                 TEXT        NOT NULL,
    status               TEXT        NOT NULL,
    agent_id             TEXT        NOT NULL REFERENCES agents (id),
    from_numbers         TEXT        NOT NULL, -- JSON array of E.164 numbers
    instructions         TEXT        NOT NULL,
    schedule             TEXT        NOT NULL, -- JSON dialtone.CampaignSchedule
    max_concurrent_calls INTEGER     NOT NULL,
    calls_per_second     REAL, -- NULL: no rate limit
    retry                TEXT        NOT NULL, -- JSON dialtone.RetryPolicy
    metadata             TEXT        NOT NULL, -- JSON object of strings
    next_dial_at         TIMESTAMP, -- pacing: the earliest time of its next call
    tick_at              TIMESTAMP, -- the time of the dialer job armed for it; NULL: none
    started_at           TIMESTAMP,
    completed_at         TIMESTAMP,
    canceled_at          TIMESTAMP,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);
CREATE INDEX campaigns_organization_seq ON campaigns (organization_id, seq);
CREATE INDEX campaigns_active ON campaigns (status) WHERE status IN ('scheduled', 'running');

CREATE TABLE leads (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    id                 TEXT        NOT NULL UNIQUE,
    organization_id    TEXT        NOT NULL REFERENCES organizations (id),
    campaign_id        TEXT        NOT NULL REFERENCES campaigns (id),
    phone_number       TEXT        NOT NULL, -- E.164
    variables          TEXT        NOT NULL, -- JSON object of strings
    timezone           TEXT        NOT NULL, -- IANA
    zone_from_campaign BOOLEAN     NOT NULL,
    status             TEXT        NOT NULL,
    attempts           INTEGER     NOT NULL,
    outcome            TEXT, -- of the last ended attempt
    call_id            TEXT, -- the latest attempt's call
    next_attempt_at    TIMESTAMP, -- while pending
    completed_at       TIMESTAMP,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX leads_campaign_number ON leads (campaign_id, phone_number);
CREATE INDEX leads_campaign_seq ON leads (campaign_id, seq);
CREATE INDEX leads_campaign_due ON leads (campaign_id, status, next_attempt_at, seq);

ALTER TABLE calls ADD COLUMN campaign_id TEXT;
ALTER TABLE calls ADD COLUMN lead_id TEXT;
ALTER TABLE calls ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX calls_lead_attempt ON calls (lead_id, attempt) WHERE lead_id IS NOT NULL;

-- +goose Down
DROP INDEX calls_lead_attempt;
ALTER TABLE calls DROP COLUMN attempt;
ALTER TABLE calls DROP COLUMN lead_id;
ALTER TABLE calls DROP COLUMN campaign_id;
DROP TABLE leads;
DROP TABLE campaigns;
