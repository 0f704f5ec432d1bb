-- What a call's conversation leaves on it: transcript and latency (JSON), the brain's
-- summary, the recording's file name and the number a transfer went to. Keep in step with
-- migrations/sqlite/00010_call_conversations.sql.

-- +goose Up
ALTER TABLE calls ADD COLUMN transcript TEXT NOT NULL DEFAULT '[]';
ALTER TABLE calls ADD COLUMN latency TEXT;
ALTER TABLE calls ADD COLUMN summary TEXT;
ALTER TABLE calls ADD COLUMN recording TEXT;
ALTER TABLE calls ADD COLUMN transferred_to TEXT;

-- +goose Down
ALTER TABLE calls DROP COLUMN transferred_to;
ALTER TABLE calls DROP COLUMN recording;
ALTER TABLE calls DROP COLUMN summary;
ALTER TABLE calls DROP COLUMN latency;
ALTER TABLE calls DROP COLUMN transcript;
