package store

import (
	"context"

	"github.com/loket/loket/internal/loket"
)

// CreateWebSession stores a session under the digest of its token and drops expired
// ones (a cheap indexed delete; sign-ins are rare).
func (db *DB) CreateWebSession(ctx context.Context, digest string, s loket.WebSession) error {
	if err := loket.CheckTexts("username", s.Username, "ip", s.IP, "user_agent", s.UserAgent, "kind", s.Kind); err != nil {
		return err
	}
	now := Now()
	if _, err := db.W.ExecContext(ctx, `DELETE FROM web_sessions WHERE expires_at < $1`, now); err != nil {
		return err
	}
	_, err := db.W.ExecContext(ctx, `INSERT INTO web_sessions (token_hash, kind, subject_id, username, csrf, ip, user_agent, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, digest, s.Kind, s.SubjectID, s.Username, s.CSRF,
		truncate(s.IP, 64), truncate(s.UserAgent, 300), now, s.ExpiresAt.UnixMicro())
	return err
}

// WebSessionByDigest returns the unexpired session whose token has the digest.
func (db *DB) WebSessionByDigest(ctx context.Context, digest string) (*loket.WebSession, error) {
	var s loket.WebSession
	var created, expires int64
	err := db.queryRow(ctx, `SELECT kind, subject_id, username, csrf, ip, user_agent, created_at, expires_at FROM web_sessions
		WHERE token_hash = $1 AND expires_at > $2`, digest, Now()).Scan(&s.Kind, &s.SubjectID, &s.Username, &s.CSRF, &s.IP, &s.UserAgent, &created, &expires)
	if noRows(err) {
		return nil, loket.Errorf(loket.EUNAUTHORIZED, "no such session")
	}
	if err != nil {
		return nil, err
	}
	s.CreatedAt, s.ExpiresAt = Time(created), Time(expires)
	return &s, nil
}

// DeleteWebSession ends one session (sign out).
func (db *DB) DeleteWebSession(ctx context.Context, digest string) error {
	_, err := db.W.ExecContext(ctx, `DELETE FROM web_sessions WHERE token_hash = $1`, digest)
	return err
}

// DeleteWebSessionsOf ends every session of one admin or reseller (suspension,
// password change).
func (db *DB) DeleteWebSessionsOf(ctx context.Context, kind string, subjectID int64) error {
	_, err := db.W.ExecContext(ctx, `DELETE FROM web_sessions WHERE kind = $1 AND subject_id = $2`, kind, subjectID)
	return err
}

// AdminLogin returns an admin's id and password hash by username.
func (db *DB) AdminLogin(ctx context.Context, username string) (int64, string, error) {
	var id int64
	var h string
	err := db.queryRow(ctx, `SELECT id, password_hash FROM admins WHERE username = $1`, username).Scan(&id, &h)
	if noRows(err) {
		return 0, "", loket.Errorf(loket.ENOTFOUND, "no such admin")
	}
	return id, h, err
}
