-- Which server process holds each live call. Keep in step with the other dialect's
-- 00007_call_nodes.sql. Every process running calls records a heartbeat in nodes; a live
-- call whose node has not been seen for a while is ended (node_lost) by the others, so a
-- crashed process never keeps its organization's lines busy.

-- +goose Up
ALTER TABLE calls ADD COLUMN node_id TEXT; -- NULL while queued
CREATE TABLE nodes (
    id      TEXT PRIMARY KEY,
    seen_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE nodes;
ALTER TABLE calls DROP COLUMN node_id;
