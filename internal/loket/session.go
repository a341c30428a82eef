package loket

import "time"

// Session kinds: an operator's sign-in and a reseller's are kept apart.
const (
	SessionAdmin    = "admin"
	SessionReseller = "reseller"
)

// WebSession is a dashboard sign-in. The token itself is never stored: the row is
// found by its SHA-256 digest.
type WebSession struct {
	Kind      string
	SubjectID int64 // admins.id or resellers.id
	Username  string
	CSRF      string // the token every form of this session carries
	IP        string
	UserAgent string
	CreatedAt time.Time
	ExpiresAt time.Time
}
