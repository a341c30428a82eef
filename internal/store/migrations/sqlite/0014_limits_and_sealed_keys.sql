-- Rate limits and sign-in lockouts (internal/ratelimit) kept in the database, so that
-- every node on it counts in the same rows (store.Limits; server.Core uses the table on
-- PostgreSQL and memory on SQLite, which one process serves). A row is one key's
-- sliding-window log: events holds its times (opaque to SQL, see limits.go), until is
-- when the newest leaves its window (unix microseconds): the row may be deleted from
-- then on. An update is conditional on the events it read.
CREATE TABLE rate_limits (
    key     TEXT PRIMARY KEY,
    events  BLOB NOT NULL,
    until   INTEGER NOT NULL
);

-- A reseller's API key sealed with the master key (as secret_seal), so that seed 004's
-- auth/login can return the key in use instead of replacing it. Keys made before this
-- migration have no seal: the first such login makes a new sealed key and keeps the
-- old one working as legacy_api_key_hash until the reseller regenerates its key.
ALTER TABLE resellers ADD COLUMN api_key_seal TEXT NOT NULL DEFAULT '';
ALTER TABLE resellers ADD COLUMN legacy_api_key_hash TEXT;
CREATE UNIQUE INDEX resellers_legacy_api_key ON resellers(legacy_api_key_hash);
