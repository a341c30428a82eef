-- Dashboard sign-ins (internal/web). The cookie carries a random token; only its
-- SHA-256 digest is kept, so a copy of the database opens no session. kind keeps
-- operators' and resellers' sessions apart.
CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('admin', 'reseller')),
    subject_id INTEGER NOT NULL,
    username   TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    ip         TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX web_sessions_expires ON web_sessions(expires_at);
CREATE INDEX web_sessions_subject ON web_sessions(kind, subject_id);
