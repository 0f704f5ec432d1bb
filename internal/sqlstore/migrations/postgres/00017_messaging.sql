-- Messaging (SMS) (PostgreSQL): conversations, messages and opt-outs, and the messaging settings
-- of numbers, agents and telephony configs. Keep table and column names identical to
-- migrations/sqlite/00017_messaging.sql; only the column types differ.
-- Existing numbers are sandbox numbers, so they start registered for A2P 10DLC. Existing
-- telephony configs answer HELP with dialtone.DefaultSMSHelpText (the column's default).

-- +goose Up
ALTER TABLE phone_numbers ADD COLUMN sms_reply_enabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE phone_numbers ADD COLUMN messages_per_second DOUBLE PRECISION NOT NULL DEFAULT 1;
ALTER TABLE phone_numbers ADD COLUMN a2p_10dlc_registered BOOLEAN NOT NULL DEFAULT TRUE;
-- The number's pacing: the earliest time its next outbound message may leave; NULL until it
-- sends one.
ALTER TABLE phone_numbers ADD COLUMN sms_next_send_at TIMESTAMPTZ;

ALTER TABLE agents ADD COLUMN sms_prompt TEXT NOT NULL DEFAULT '';

ALTER TABLE telephony_configs ADD COLUMN sms_help_text TEXT NOT NULL
    DEFAULT 'This number sends automated messages. Reply STOP to stop receiving them, START to receive them again. Message and data rates may apply.';

-- One conversation per number and other party; its messages reference it.
CREATE TABLE sms_conversations (
    seq                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                 TEXT        NOT NULL UNIQUE,
    organization_id    TEXT        NOT NULL REFERENCES organizations (id),
    phone_number_id    TEXT        NOT NULL REFERENCES phone_numbers (id),
    phone_number       TEXT        NOT NULL, -- the number's E.164 number
    participant_number TEXT        NOT NULL, -- the other party, E.164
    metadata           TEXT        NOT NULL, -- JSON object of strings
    message_count      INTEGER     NOT NULL,
    last_message_seq   BIGINT      NOT NULL, -- seq of its latest message: the order of the list
    last_message_at    TIMESTAMPTZ NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX sms_conversations_party ON sms_conversations (organization_id, phone_number_id, participant_number);
CREATE INDEX sms_conversations_organization_activity ON sms_conversations (organization_id, last_message_seq);

CREATE TABLE messages (
    seq                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                 TEXT        NOT NULL UNIQUE,
    organization_id    TEXT        NOT NULL REFERENCES organizations (id),
    conversation_id    TEXT        NOT NULL REFERENCES sms_conversations (id),
    direction          TEXT        NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    status             TEXT        NOT NULL,
    source             TEXT        NOT NULL,
    phone_number_id    TEXT        NOT NULL REFERENCES phone_numbers (id),
    agent_id           TEXT        REFERENCES agents (id), -- NULL: the number had no agent
    from_number        TEXT        NOT NULL,
    to_number          TEXT        NOT NULL,
    body               TEXT        NOT NULL,
    encoding           TEXT        NOT NULL,
    segments           INTEGER     NOT NULL,
    carrier            TEXT        NOT NULL,
    carrier_message_id TEXT, -- NULL until the carrier accepted it
    error_code         TEXT, -- set when it failed or was undelivered
    error_message      TEXT,
    cost_micros        BIGINT      NOT NULL,
    metadata           TEXT        NOT NULL, -- JSON object of strings
    send_at            TIMESTAMPTZ, -- outbound: the slot its number's pacing gave it
    sent_at            TIMESTAMPTZ,
    delivered_at       TIMESTAMPTZ,
    failed_at          TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX messages_organization_seq ON messages (organization_id, seq);
CREATE INDEX messages_conversation_seq ON messages (conversation_id, seq);
CREATE INDEX messages_organization_status ON messages (organization_id, status, seq);

-- A party that texted STOP to one of the organization's numbers (and not START since).
CREATE TABLE opt_outs (
    organization_id TEXT        NOT NULL REFERENCES organizations (id),
    phone_number    TEXT        NOT NULL, -- the party, E.164
    keyword         TEXT        NOT NULL, -- what they texted, trimmed
    message_id      TEXT, -- the message that said it
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, phone_number)
);

-- +goose Down
DROP TABLE opt_outs;
DROP TABLE messages;
DROP TABLE sms_conversations;
ALTER TABLE telephony_configs DROP COLUMN sms_help_text;
ALTER TABLE agents DROP COLUMN sms_prompt;
ALTER TABLE phone_numbers DROP COLUMN sms_next_send_at;
ALTER TABLE phone_numbers DROP COLUMN a2p_10dlc_registered;
ALTER TABLE phone_numbers DROP COLUMN messages_per_second;
ALTER TABLE phone_numbers DROP COLUMN sms_reply_enabled;
