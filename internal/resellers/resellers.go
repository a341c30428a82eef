// Package resellers keeps the accounts that buy from Loket and the operators who run
// it: resellers with their keys (stored as digests, and sealed: the secret key to sign
// webhooks, the API key so that seed 004's login can return it), settings, passwords
// and manual balance corrections, the API-key check every surface calls, and every
// sign-in with a password, under the sign-in limits they all share.
package resellers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/ratelimit"
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

	authCache  sync.Map // key digest -> authEntry
	authByID   sync.Map // reseller id -> authEntry
	authByName sync.Map // username -> authEntry

	userLimit *ratelimit.Limiter // failed sign-ins per kind and username
	addrLimit *ratelimit.Limiter // failed sign-ins per client address
}

type authEntry struct {
	r   *loket.ResellerAuth
	exp time.Time
}

// Config is what the service takes from the node's settings.
type Config struct {
	SignInFailures     int             // LOKET_SIGNIN_FAILURES: per username in a window, then locked
	SignInAddrFailures int             // LOKET_SIGNIN_ADDR_FAILURES: per client address in a window
	SignInWindow       time.Duration   // LOKET_SIGNIN_WINDOW
	Limits             ratelimit.Store // where sign-ins are counted (the node's; nil: memory of its own)
}

// New makes the service. checkURL refuses webhook URLs a reseller may not set.
func New(db *store.DB, sealer *auth.Sealer, checkURL func(string) error, cfg Config) *Service {
	st := ratelimit.WithStore(cfg.Limits)
	return &Service{db: db, sealer: sealer, checkURL: checkURL,
		userLimit: ratelimit.New(cfg.SignInFailures, cfg.SignInWindow, st),
		addrLimit: ratelimit.New(cfg.SignInAddrFailures, cfg.SignInWindow, st)}
}

// CreateReseller makes a reseller with fresh keys and returns them (shown only now).
func upline(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

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
			APIKeyHash: auth.Digest(creds.APIKey), APIKeySeal: s.sealer.Seal(creds.APIKey),
			SecretHash: auth.Digest(creds.SecretKey), SecretSeal: s.sealer.Seal(creds.SecretKey),
			ReferralCode: auth.RandomCode(8), ReferredBy: upline(in.Upline),
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
	u := newAPIKey(s.sealer, creds.APIKey)
	sh, seal := auth.Digest(creds.SecretKey), s.sealer.Seal(creds.SecretKey)
	u.SecretHash, u.SecretSeal = &sh, &seal
	if err := s.db.UpdateReseller(ctx, resellerID, u); err != nil {
		return creds, err
	}
	s.forget()
	return creds, nil
}

// RegenerateAPIKey replaces only a reseller's API key (and the legacy one it may have
// kept); the secret key (which signs webhooks and is seed 001's secret and seed 002's
// token) stays, so integrations that use it keep working.
func (s *Service) RegenerateAPIKey(ctx context.Context, resellerID int64) (string, error) {
	key := auth.NewKey("lk_")
	if err := s.db.UpdateReseller(ctx, resellerID, newAPIKey(s.sealer, key)); err != nil {
		return "", err
	}
	s.forget()
	return key, nil
}

// newAPIKey is the update that makes key a reseller's API key: its digest, to check
// it, and its seal, to give it back at a login.
func newAPIKey(sealer *auth.Sealer, key string) loket.ResellerUpdate {
	digest, seal := auth.Digest(key), sealer.Seal(key)
	return loket.ResellerUpdate{APIKeyHash: &digest, APIKeySeal: &seal}
}

// currentAPIKey is a reseller's API key in the clear, opened from its seal. A key made
// before keys were sealed cannot be shown again: the reseller then gets a new, sealed
// key, and the old one keeps working beside it (legacy_api_key_hash) until the
// reseller regenerates its key, so that no program using it is cut off.
func (s *Service) currentAPIKey(ctx context.Context, resellerID int64) (string, error) {
	seal, err := s.db.ResellerAPIKeySeal(ctx, resellerID)
	if err != nil {
		return "", err
	}
	if seal == "" {
		key := auth.NewKey("lk_")
		sealed, err := s.db.SealAPIKey(ctx, resellerID, auth.Digest(key), s.sealer.Seal(key))
		if err != nil || sealed {
			return key, err
		}
		// Another login sealed one first: that one is the key.
		if seal, err = s.db.ResellerAPIKeySeal(ctx, resellerID); err != nil {
			return "", err
		}
	}
	key, err := s.sealer.Open(seal)
	if err != nil {
		return "", fmt.Errorf("reseller %d: the API key does not open (was LOKET_MASTER_KEY changed?): %w", resellerID, err)
	}
	return key, nil
}

// forget drops the cached sign-ins, so a change is seen at once on this node.
func (s *Service) forget() {
	s.authCache.Clear()
	s.authByID.Clear()
	s.authByName.Clear()
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

// AuthenticateSigned finds the active reseller username whose secret key makes
// valid true, calling from remote: for dialects whose requests carry a signature made
// with the key instead of a key (Digiflazz: md5(username + key + ...)). The secret key
// is opened from its seal for valid only and never leaves this call. An unknown
// username and a signature that does not verify are the same EUNAUTHORIZED, so the
// answer does not tell whether a username exists; suspension and the IP allowlist
// are checked after the signature, as Authenticate checks them after the key.
func (s *Service) AuthenticateSigned(ctx context.Context, username, remote string, valid func(secretKey string) bool) (*loket.ResellerAuth, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	bad := loket.Errorf(loket.EUNAUTHORIZED, "invalid username or signature")
	if username == "" || len(username) > 64 || loket.CheckText("username", username, 64) != nil {
		return nil, bad
	}
	var r *loket.ResellerAuth
	if v, ok := s.authByName.Load(username); ok && time.Now().Before(v.(authEntry).exp) {
		r = v.(authEntry).r
	} else {
		rs, err := s.db.Reseller(ctx, 0, username)
		if loket.ErrorCode(err) == loket.ENOTFOUND {
			return nil, bad
		}
		if err != nil {
			return nil, err
		}
		if r, err = s.db.ResellerAuthByID(ctx, rs.ID); err != nil {
			return nil, err
		}
		s.authByName.Store(username, authEntry{r: r, exp: time.Now().Add(authTTL)})
	}
	secret, err := s.SecretKey(r)
	if err != nil {
		return nil, fmt.Errorf("reseller %d: the secret key does not open (was LOKET_MASTER_KEY changed?): %w", r.ID, err)
	}
	if !valid(secret) {
		return nil, bad
	}
	if r.Status != loket.ResellerActive {
		return nil, loket.ReasonError(loket.EFORBIDDEN, loket.ReasonSuspended, "account is suspended")
	}
	if !ipAllowed(r.IPAllow, remote) {
		return nil, loket.ReasonError(loket.EFORBIDDEN, loket.ReasonIPNotAllowed, "IP address %s is not allowed for this account", hostOf(remote))
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

// Login checks a reseller's username and password for a sign-in from remote (an
// address, with or without a port) under the sign-in limits, and returns the reseller.
// Wrong username and wrong password are the same error.
func (s *Service) Login(ctx context.Context, username, password, remote string) (*loket.Reseller, error) {
	id, err := s.signIn(ctx, loket.SessionReseller, strings.ToLower(strings.TrimSpace(username)), password, remote,
		s.db.ResellerPasswordHash)
	if err != nil {
		return nil, err
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

// LoginAPIKey is Login for a program: seed 004's auth/login, which "gets the API key".
// The reseller's IP allowlist applies as it does to the key, and the answer is the
// reseller's current API key: programs that already use it keep working.
func (s *Service) LoginAPIKey(ctx context.Context, username, password, remote string) (*loket.Reseller, string, error) {
	r, err := s.Login(ctx, username, password, remote)
	if err != nil {
		return nil, "", err
	}
	if !ipAllowed(r.IPAllow, remote) {
		return nil, "", loket.ReasonError(loket.EFORBIDDEN, loket.ReasonIPNotAllowed, "IP address %s is not allowed for this account", hostOf(remote))
	}
	key, err := s.currentAPIKey(ctx, r.ID)
	if err != nil {
		return nil, "", err
	}
	return r, key, nil
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

// AdminLogin checks an operator's username and password for a sign-in from remote
// under the sign-in limits, and returns the admin's id. Wrong username and wrong
// password are the same error.
func (s *Service) AdminLogin(ctx context.Context, username, password, remote string) (int64, error) {
	return s.signIn(ctx, loket.SessionAdmin, strings.TrimSpace(username), password, remote, s.db.AdminLogin)
}

// signIn is one attempt to sign in as username (of kind admin or reseller) with
// password from remote, under the sign-in limits; lookup finds the account's id and
// password hash by username. It returns the account's id. Each attempt counts before
// the password is checked, for the username and for the address, so that guesses sent
// in parallel cannot pass the limit together; a full count refuses with ERATELIMIT
// (ReasonSignInLocked) without checking. A wrong password stays counted. A right one
// clears the username's count and takes back the address's attempt (an office behind
// one address signs many in). A failed lookup takes back both.
func (s *Service) signIn(ctx context.Context, kind, username, password, remote string,
	lookup func(ctx context.Context, username string) (int64, string, error)) (int64, error) {
	if err := loket.CheckText("username", username, loket.MaxText); err != nil {
		return 0, err
	}
	userKey, addrKey := "signin:"+kind+":"+keyPart(strings.ToLower(username)), "signin:addr:"+addrKeyOf(remote)
	undoAddr, err := s.addrLimit.Take(ctx, addrKey)
	if err != nil {
		return 0, signInRefusal(err)
	}
	undoUser, err := s.userLimit.Take(ctx, userKey)
	if err != nil {
		if uerr := undoAddr(ctx); uerr != nil {
			return 0, uerr
		}
		return 0, signInRefusal(err)
	}
	id, hash, err := lookup(ctx, username)
	switch {
	case err != nil && loket.ErrorCode(err) != loket.ENOTFOUND:
		return 0, errors.Join(err, undoUser(ctx), undoAddr(ctx))
	case !checkPassword(hash, password): // hash is "" when there is no such account
		return 0, loket.Errorf(loket.EUNAUTHORIZED, "wrong username or password")
	}
	if err := s.userLimit.Reset(ctx, userKey); err != nil {
		return 0, err
	}
	return id, undoAddr(ctx)
}

// signInRefusal words a sign-in limit's refusal; other errors (the store's) pass.
func signInRefusal(err error) error {
	if loket.ErrorCode(err) != loket.ERATELIMIT {
		return err
	}
	at := loket.ErrorRetryAt(err)
	e := loket.ReasonError(loket.ERATELIMIT, loket.ReasonSignInLocked, "too many failed sign-ins: try again in %s",
		time.Until(at).Round(time.Second))
	e.RetryAt = at
	return e
}

// maxPassword bounds what is hashed: no password is longer (SetPassword).
const maxPassword = 200

// noSuchUser is a hash to check passwords against when there is no account, so that
// an unknown username takes as long to refuse as a wrong password.
var noSuchUser = sync.OnceValue(func() string {
	h, _ := auth.HashPassword(auth.NewKey(""))
	return h
})

// checkPassword reports whether password matches hash, "" being no account.
func checkPassword(hash, password string) bool {
	if len(password) > maxPassword || password == "" {
		return false
	}
	if hash == "" {
		auth.CheckPassword(noSuchUser(), password)
		return false
	}
	return auth.CheckPassword(hash, password)
}

// keyPart is s as part of a limit's key: as it is when short and printable, else its
// digest (a key is stored as text, and a username is what anyone typed).
func keyPart(s string) string {
	if len(s) <= 64 && utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	return "#" + auth.Digest(s)[:32]
}

// addrKeyOf is the client address that sign-ins are counted by: an IPv6 address by its
// /64, which one subscriber usually has whole.
func addrKeyOf(remote string) string {
	addr, err := netip.ParseAddr(hostOf(remote))
	if err != nil {
		return keyPart(remote)
	}
	if addr = addr.Unmap(); addr.Is6() {
		return netip.PrefixFrom(addr, 64).Masked().String()
	}
	return addr.String()
}
