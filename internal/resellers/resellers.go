// Package resellers keeps the accounts that buy from Loket and the operators who run
// it: resellers with their keys (stored as digests, the secret key also sealed so it
// can sign webhooks), settings, passwords and manual balance corrections, the API-key
// check every surface calls, and the operators' sign-in.
package resellers

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
)

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{2,31}$`)

// authTTL bounds how long a suspension or key change takes to reach every node.
const authTTL = 2 * time.Second

// Service manages resellers and admins.
type Service struct {
	db       *store.DB
	sealer   *auth.Sealer
	checkURL func(string) error // a webhook URL a reseller may set

	authCache sync.Map // key digest -> authEntry
	authByID  sync.Map // reseller id -> authEntry
}

type authEntry struct {
	r   *loket.ResellerAuth
	exp time.Time
}

// New makes the service. checkURL refuses webhook URLs a reseller may not set.
func New(db *store.DB, sealer *auth.Sealer, checkURL func(string) error) *Service {
	return &Service{db: db, sealer: sealer, checkURL: checkURL}
}

// CreateReseller makes a reseller with fresh keys and returns them (shown only now).
func (s *Service) CreateReseller(ctx context.Context, in loket.NewResellerInput) (*loket.Reseller, loket.Credentials, error) {
	var creds loket.Credentials
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	if err := loket.CheckTexts("name", in.Name, "email", in.Email, "level", in.Level); err != nil {
		return nil, creds, err
	}
	if !usernameRE.MatchString(in.Username) {
		return nil, creds, loket.FieldError(loket.EINVALID, "username", "username must be 3-32 characters: a-z, 0-9, _ . -")
	}
	if in.Level == "" {
		in.Level = loket.DefaultLevel
	}
	if in.Balance < 0 || in.Balance > loket.MaxAmount {
		return nil, creds, loket.FieldError(loket.EINVALID, "balance", "opening balance must be between 0 and %d", loket.MaxAmount)
	}
	if len(in.Name) > 100 || len(in.Email) > 200 {
		return nil, creds, loket.Errorf(loket.EINVALID, "name or email too long")
	}
	if in.Level == loket.DefaultLevel {
		// A fresh database takes resellers before any catalog is imported.
		if err := s.db.EnsureDefaultLevel(ctx); err != nil {
			return nil, creds, err
		}
	}
	creds = loket.Credentials{APIKey: auth.NewKey("lk_"), SecretKey: auth.NewKey("lks_")}
	var id int64
	err := s.db.Direct(ctx, func(t *store.Tx) error {
		var err error
		id, err = t.CreateReseller(store.NewReseller{
			Username: in.Username, Name: in.Name, Email: in.Email, Level: in.Level,
			APIKeyHash: auth.Digest(creds.APIKey), SecretHash: auth.Digest(creds.SecretKey), SecretSeal: s.sealer.Seal(creds.SecretKey),
			ReferralCode: auth.RandomCode(8),
		})
		return err
	})
	if err != nil {
		return nil, creds, err
	}
	if in.Balance > 0 {
		if _, err := s.Credit(ctx, id, in.Balance, "opening balance", fmt.Sprintf("reseller:%d:opening", id)); err != nil {
			return nil, creds, err
		}
	}
	r, err := s.db.Reseller(ctx, id, "")
	return r, creds, err
}

// RegenerateKeys replaces a reseller's API and secret keys; the old ones stop working.
func (s *Service) RegenerateKeys(ctx context.Context, resellerID int64) (loket.Credentials, error) {
	creds := loket.Credentials{APIKey: auth.NewKey("lk_"), SecretKey: auth.NewKey("lks_")}
	kh, sh, seal := auth.Digest(creds.APIKey), auth.Digest(creds.SecretKey), s.sealer.Seal(creds.SecretKey)
	if err := s.db.UpdateReseller(ctx, resellerID, loket.ResellerUpdate{APIKeyHash: &kh, SecretHash: &sh, SecretSeal: &seal}); err != nil {
		return creds, err
	}
	s.forget()
	return creds, nil
}

// RegenerateAPIKey replaces only a reseller's API key; the secret key (which signs
// webhooks and is seed 001's secret and seed 002's token) stays, so integrations that
// use it keep working.
func (s *Service) RegenerateAPIKey(ctx context.Context, resellerID int64) (string, error) {
	key := auth.NewKey("lk_")
	digest := auth.Digest(key)
	if err := s.db.UpdateReseller(ctx, resellerID, loket.ResellerUpdate{APIKeyHash: &digest}); err != nil {
		return "", err
	}
	s.forget()
	return key, nil
}

// forget drops the cached sign-ins, so a change is seen at once on this node.
func (s *Service) forget() {
	s.authCache.Clear()
	s.authByID.Clear()
}

// UpdateReseller changes settings, checking them first.
func (s *Service) UpdateReseller(ctx context.Context, id int64, u loket.ResellerUpdate) error {
	for _, f := range []struct {
		name string
		v    *string
	}{{"url", u.WebhookURL}, {"level", u.Level}, {"status", u.Status}, {"name", u.Name}, {"email", u.Email}} {
		if f.v != nil {
			if err := loket.CheckText(f.name, *f.v, loket.MaxText); err != nil {
				return err
			}
		}
	}
	if u.Status != nil && *u.Status != loket.ResellerActive && *u.Status != loket.ResellerSuspended {
		return loket.FieldError(loket.EINVALID, "status", "status must be active or suspended")
	}
	if u.WebhookURL != nil && *u.WebhookURL != "" {
		if err := s.checkURL(*u.WebhookURL); err != nil {
			return err
		}
	}
	if u.IPAllow != nil {
		for i, c := range *u.IPAllow {
			p, err := parsePrefix(c)
			if err != nil {
				return loket.FieldError(loket.EINVALID, "ip_allow", "%q is not an IP address or CIDR", c)
			}
			(*u.IPAllow)[i] = p.String()
		}
	}
	if err := s.db.UpdateReseller(ctx, id, u); err != nil {
		return err
	}
	s.forget()
	return nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(addr, addr.BitLen()), nil
}

// Credit moves amount into (or, negative, out of) a reseller's balance against the
// adjustments account: the operator's manual correction. key makes it idempotent. It
// returns the balance after.
func (s *Service) Credit(ctx context.Context, resellerID int64, amount loket.Money, note, key string) (loket.Money, error) {
	if amount == 0 {
		return 0, loket.FieldError(loket.EINVALID, "amount", "amount must not be zero")
	}
	if amount > loket.MaxAmount || amount < -loket.MaxAmount {
		return 0, loket.FieldError(loket.EINVALID, "amount", "amount out of range")
	}
	if err := loket.CheckTexts("note", note, "key", key); err != nil {
		return 0, err
	}
	ra, err := s.db.ResellerAuthByID(ctx, resellerID)
	if err != nil {
		return 0, err
	}
	if key == "" {
		key = "adjustment:" + auth.NewKey("")
	}
	adj, err := s.db.EnsureAccount(ctx, store.AccAdjustments, store.KindAdjustments)
	if err != nil {
		return 0, err
	}
	err = s.db.Write(ctx, uint64(resellerID), func(t *store.Tx) error {
		_, err := t.Transfer(key, store.TransferAdjustment, nil, note,
			[]store.Leg{{Account: ra.BalanceAccountID, Amount: amount}, {Account: adj, Amount: -amount}}, ra.BalanceAccountID)
		return err
	})
	if err != nil {
		return 0, err
	}
	r, err := s.db.Reseller(ctx, resellerID, "")
	if err != nil {
		return 0, err
	}
	return r.Balance, nil
}

// Authenticate finds the active reseller behind an API key, calling from remote (an
// address, with or without a port).
func (s *Service) Authenticate(ctx context.Context, apiKey string, remote string) (*loket.ResellerAuth, error) {
	apiKey = strings.TrimSpace(apiKey)
	if apiKey == "" {
		return nil, loket.Errorf(loket.EUNAUTHORIZED, "missing API key")
	}
	if len(apiKey) > 200 {
		return nil, loket.Errorf(loket.EUNAUTHORIZED, "invalid API key")
	}
	h := auth.Digest(apiKey)
	var r *loket.ResellerAuth
	if v, ok := s.authCache.Load(h); ok && time.Now().Before(v.(authEntry).exp) {
		r = v.(authEntry).r
	} else {
		var err error
		r, err = s.db.ResellerByKeyHash(ctx, h)
		if err != nil {
			return nil, err
		}
		s.authCache.Store(h, authEntry{r: r, exp: time.Now().Add(authTTL)})
	}
	if r.Status != loket.ResellerActive {
		return nil, loket.ReasonError(loket.EFORBIDDEN, loket.ReasonSuspended, "account is suspended")
	}
	if !ipAllowed(r.IPAllow, remote) {
		return nil, loket.ReasonError(loket.EFORBIDDEN, loket.ReasonIPNotAllowed, "IP address %s is not allowed for this key", hostOf(remote))
	}
	return r, nil
}

// CheckSecret reports whether secret is the reseller's secret key.
func (s *Service) CheckSecret(r *loket.ResellerAuth, secret string) bool {
	return secret != "" && auth.Equal(auth.Digest(strings.TrimSpace(secret)), r.SecretHash)
}

// SecretKey returns a reseller's secret key in the clear, to sign with.
func (s *Service) SecretKey(r *loket.ResellerAuth) (string, error) {
	return s.sealer.Open(r.SecretSeal)
}

func hostOf(remote string) string {
	if h, _, err := net.SplitHostPort(remote); err == nil {
		return h
	}
	return remote
}

func ipAllowed(allow []string, remote string) bool {
	if len(allow) == 0 {
		return true
	}
	addr, err := netip.ParseAddr(hostOf(remote))
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, c := range allow {
		p, err := parsePrefix(c)
		if err == nil && p.Contains(addr) {
			return true
		}
	}
	return false
}

// Auth returns a reseller's settings by id, cached like Authenticate's: for the
// services that act for a reseller outside a request (settlements, SMS).
func (s *Service) Auth(ctx context.Context, id int64) (*loket.ResellerAuth, error) {
	if v, ok := s.authByID.Load(id); ok && time.Now().Before(v.(authEntry).exp) {
		return v.(authEntry).r, nil
	}
	r, err := s.db.ResellerAuthByID(ctx, id)
	if err != nil {
		return nil, err
	}
	s.authByID.Store(id, authEntry{r: r, exp: time.Now().Add(authTTL)})
	return r, nil
}

// AuthByID returns a reseller's settings as stored now, uncached.
func (s *Service) AuthByID(ctx context.Context, id int64) (*loket.ResellerAuth, error) {
	return s.db.ResellerAuthByID(ctx, id)
}

// Reseller returns a reseller by id, or by username when id is 0.
func (s *Service) Reseller(ctx context.Context, id int64, username string) (*loket.Reseller, error) {
	if err := loket.CheckText("username", username, loket.MaxText); err != nil {
		return nil, err
	}
	return s.db.Reseller(ctx, id, username)
}

// Resellers lists every reseller.
func (s *Service) Resellers(ctx context.Context) ([]*loket.Reseller, error) {
	return s.db.Resellers(ctx)
}

// Ledger is a reseller's mutasi: the movements of its balance account, newest first,
// before the entry id before (0: from the newest).
func (s *Service) Ledger(ctx context.Context, r *loket.ResellerAuth, before int64, limit int) ([]loket.LedgerLine, error) {
	return s.db.Ledger(ctx, r.BalanceAccountID, before, limit)
}

// SetPassword sets the password a reseller signs in with.
func (s *Service) SetPassword(ctx context.Context, resellerID int64, password string) error {
	if len(password) < 6 || len(password) > 200 {
		return loket.FieldError(loket.EINVALID, "password", "password must be 6-200 characters")
	}
	h, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	return s.db.SetResellerPassword(ctx, resellerID, h)
}

// Login checks a reseller's username and password and returns the reseller. Wrong
// username and wrong password are the same error.
func (s *Service) Login(ctx context.Context, username, password string) (*loket.Reseller, error) {
	if err := loket.CheckText("username", username, loket.MaxText); err != nil {
		return nil, err
	}
	id, h, err := s.db.ResellerPasswordHash(ctx, strings.ToLower(strings.TrimSpace(username)))
	if err != nil && loket.ErrorCode(err) != loket.ENOTFOUND {
		return nil, err
	}
	if err != nil || h == "" || !auth.CheckPassword(h, password) {
		return nil, loket.Errorf(loket.EUNAUTHORIZED, "wrong username or password")
	}
	r, err := s.db.Reseller(ctx, id, "")
	if err != nil {
		return nil, err
	}
	if r.Status != loket.ResellerActive {
		return nil, loket.ReasonError(loket.EFORBIDDEN, loket.ReasonSuspended, "account is suspended")
	}
	return r, nil
}

// CreateAdmin stores an operator who signs in to the dashboard.
func (s *Service) CreateAdmin(ctx context.Context, username, password string) error {
	username = strings.TrimSpace(username)
	if err := loket.CheckText("username", username, loket.MaxText); err != nil {
		return err
	}
	if username == "" || len(password) < 8 || len(password) > 200 {
		return loket.Errorf(loket.EINVALID, "an admin needs a username and a password of at least 8 characters")
	}
	h, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	return s.db.CreateAdmin(ctx, username, h)
}

// AdminLogin checks an operator's username and password and returns the admin's id.
// Wrong username and wrong password are the same error.
func (s *Service) AdminLogin(ctx context.Context, username, password string) (int64, error) {
	if err := loket.CheckText("username", username, loket.MaxText); err != nil {
		return 0, err
	}
	id, h, err := s.db.AdminLogin(ctx, strings.TrimSpace(username))
	if err != nil && loket.ErrorCode(err) != loket.ENOTFOUND {
		return 0, err
	}
	if err != nil || h == "" || !auth.CheckPassword(h, password) {
		return 0, loket.Errorf(loket.EUNAUTHORIZED, "wrong username or password")
	}
	return id, nil
}
