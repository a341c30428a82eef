package orderkuota

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/payment"
)

// The OrderKuota account QRIS payments are read from (seed 003). The operator logs in
// by OTP (loket payment orderkuota login, then otp); the API key and the token are
// kept sealed under the master key, the password not at all (only /minta-otp wants
// it). loket serve polls the account's mutation list once a token is there, and
// picks up a new login without a restart.

// Account is the operator's OrderKuota account: its settings, its OTP login, and the
// payment source that reads it.
type Account struct {
	settings payment.Settings
	sealer   payment.Sealer
	log      *slog.Logger
}

// NewAccount is the account kept in settings, its secrets sealed by sealer.
func NewAccount(settings payment.Settings, sealer payment.Sealer, log *slog.Logger) *Account {
	return &Account{settings: settings, sealer: sealer, log: log}
}

func init() {
	payment.Register(SourceName, func(ctx context.Context, env payment.Env) (loket.PaymentSource, time.Duration, error) {
		src, every := NewAccount(env.Settings, env.Sealer, env.Log).Source(ctx)
		return src, every, nil
	})
}

// SourceName is the payment source name of the configured account.
const SourceName = "orderkuota"

const settingOrderKuota = SettingKey

// SettingKey is the setting holding the account, its secrets sealed with the master key.
const SettingKey = "orderkuota.account"

// Reseal rewrites the sealed secrets of a stored account (the setting's value) with
// reseal, leaving the rest as it is (loket masterkey rotate).
func Reseal(raw string, reseal func(sealed string) (string, error)) (string, error) {
	var acc accountSettings
	if err := json.Unmarshal([]byte(raw), &acc); err != nil {
		return "", fmt.Errorf("not the account's JSON: %w", err)
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"api key", &acc.APIKeySeal}, {"token", &acc.TokenSeal}} {
		if *f.v == "" {
			continue
		}
		v, err := reseal(*f.v)
		if err != nil {
			return "", fmt.Errorf("%s: %w", f.name, err)
		}
		*f.v = v
	}
	out, err := json.Marshal(acc)
	return string(out), err
}

// DefaultPoll is how often the account's mutation list is read.
const DefaultPoll = 10 * time.Second

// accountSettings is the stored configuration of the OrderKuota source.
type accountSettings struct {
	BaseURL     string    `json:"base_url,omitempty"`
	Username    string    `json:"username"`
	Merchant    string    `json:"merchant"`
	APIKeySeal  string    `json:"api_key_sealed,omitempty"`
	TokenSeal   string    `json:"token_sealed,omitempty"`
	PollSeconds int       `json:"poll_seconds,omitempty"`
	OTPAskedAt  time.Time `json:"otp_asked_at,omitzero"`
	LoggedInAt  time.Time `json:"logged_in_at,omitzero"`
}

// Status is what the operator is shown of the account: no secrets.
type Status struct {
	BaseURL    string    `json:"base_url"`
	Username   string    `json:"username"`
	Merchant   string    `json:"merchant"`
	APIKey     bool      `json:"api_key_set"`
	LoggedIn   bool      `json:"logged_in"`
	Poll       string    `json:"poll_every"`
	OTPAskedAt time.Time `json:"otp_asked_at,omitzero"`
	LoggedInAt time.Time `json:"logged_in_at,omitzero"`
}

// Login is the first step of the login.
type Login struct {
	BaseURL  string // empty: the seed's https://orkut.hidepulsa.com, or the one saved
	APIKey   string // empty: the one saved
	Username string
	Password string
	Merchant string // e.g. OK1234567; empty: the one saved
	Poll     time.Duration
}

func (a *Account) load(ctx context.Context) (accountSettings, error) {
	var acc accountSettings
	raw, err := a.settings.Setting(ctx, settingOrderKuota)
	if err != nil || raw == "" {
		return acc, err
	}
	if err := json.Unmarshal([]byte(raw), &acc); err != nil {
		return acc, fmt.Errorf("orderkuota setting: %w", err)
	}
	return acc, nil
}

func (a *Account) save(ctx context.Context, acc accountSettings) error {
	raw, _ := json.Marshal(acc)
	return a.settings.SetSetting(ctx, settingOrderKuota, string(raw))
}

// Status shows the account's settings without secrets.
func (a *Account) Status(ctx context.Context) (Status, error) {
	acc, err := a.load(ctx)
	base := acc.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	return Status{BaseURL: base, Username: acc.Username, Merchant: acc.Merchant, APIKey: acc.APIKeySeal != "",
		LoggedIn: acc.TokenSeal != "", Poll: pollEvery(acc).String(), OTPAskedAt: acc.OTPAskedAt, LoggedInAt: acc.LoggedInAt}, err
}

func pollEvery(acc accountSettings) time.Duration {
	if acc.PollSeconds > 0 {
		return time.Duration(acc.PollSeconds) * time.Second
	}
	return DefaultPoll
}

// orderKuotaClient is a client of the account, secrets unsealed.
func (a *Account) client(acc accountSettings, password string) (*Client, error) {
	key, err := a.unseal(acc.APIKeySeal)
	if err != nil {
		return nil, fmt.Errorf("orderkuota api key: %w", err)
	}
	token, err := a.unseal(acc.TokenSeal)
	if err != nil {
		return nil, fmt.Errorf("orderkuota token: %w", err)
	}
	return New(Config{BaseURL: acc.BaseURL, APIKey: key, Username: acc.Username, Password: password,
		Token: token, Merchant: acc.Merchant, HTTP: &http.Client{Timeout: 30 * time.Second}}), nil
}

func (a *Account) unseal(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	return a.sealer.Open(sealed)
}

// StartLogin asks OrderKuota to send the account's owner a login OTP
// (/minta-otp) and saves the account's settings; CompleteLogin finishes it.
// A token of an earlier login stays in use until then, unless the account changed.
func (a *Account) StartLogin(ctx context.Context, in Login) error {
	acc, err := a.load(ctx)
	if err != nil {
		return err
	}
	in.Username, in.Merchant, in.BaseURL = strings.TrimSpace(in.Username), strings.TrimSpace(in.Merchant), strings.TrimSpace(in.BaseURL)
	if in.Username == "" || in.Password == "" {
		return loket.Errorf(loket.EINVALID, "an OrderKuota login needs --username and --password")
	}
	if in.Username != acc.Username {
		acc.TokenSeal, acc.LoggedInAt = "", time.Time{}
	}
	acc.Username = in.Username
	if in.APIKey != "" {
		acc.APIKeySeal = a.sealer.Seal(strings.TrimSpace(in.APIKey))
	}
	if acc.APIKeySeal == "" {
		return loket.Errorf(loket.EINVALID, "the OrderKuota API key is needed once (--api-key): every request carries it")
	}
	if in.Merchant != "" {
		acc.Merchant = in.Merchant
	}
	if acc.Merchant == "" {
		return loket.Errorf(loket.EINVALID, "the merchant code is needed once (--merchant OK1234567)")
	}
	if in.BaseURL != "" {
		if !strings.HasPrefix(in.BaseURL, "https://") && !strings.HasPrefix(in.BaseURL, "http://") {
			return loket.Errorf(loket.EINVALID, "--base-url must be an http(s) URL")
		}
		acc.BaseURL = in.BaseURL
	}
	if in.Poll > 0 {
		acc.PollSeconds = int(max(in.Poll, time.Second) / time.Second)
	}
	c, err := a.client(acc, in.Password)
	if err != nil {
		return err
	}
	if err := c.RequestOTP(ctx); err != nil {
		return err
	}
	acc.OTPAskedAt = time.Now().UTC()
	return a.save(ctx, acc)
}

// CompleteLogin validates the OTP (/valid-otp) and keeps the token, sealed.
func (a *Account) CompleteLogin(ctx context.Context, otp string) error {
	acc, err := a.load(ctx)
	if err != nil {
		return err
	}
	if acc.Username == "" {
		return loket.Errorf(loket.ECONFLICT, "no OrderKuota login under way (run loket payment orderkuota login first)")
	}
	c, err := a.client(acc, "")
	if err != nil {
		return err
	}
	token, err := c.ValidateOTP(ctx, otp)
	if err != nil {
		return err
	}
	acc.TokenSeal, acc.LoggedInAt = a.sealer.Seal(token), time.Now().UTC()
	return a.save(ctx, acc)
}

// Source is the configured account as a payment source, and how often to
// poll it. It reads the settings at each poll: until a login is complete it reports
// nothing, and a new login is used from the next poll on.
func (a *Account) Source(ctx context.Context) (loket.PaymentSource, time.Duration) {
	acc, err := a.load(ctx)
	if err != nil {
		a.log.Warn("orderkuota settings", "err", err)
	}
	return &accountSource{a: a}, pollEvery(acc)
}

type accountSource struct {
	a   *Account
	mu  sync.Mutex
	key string // the settings the source was built from
	src *Source
}

func (s *accountSource) Name() string { return SourceName }

func (s *accountSource) Incoming(ctx context.Context, cursor string) ([]loket.Payment, string, error) {
	raw, err := s.a.settings.Setting(ctx, settingOrderKuota)
	if err != nil {
		return nil, cursor, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if raw != s.key {
		s.key, s.src = raw, nil
		var acc accountSettings
		if raw != "" {
			if err := json.Unmarshal([]byte(raw), &acc); err != nil {
				return nil, cursor, fmt.Errorf("orderkuota setting: %w", err)
			}
		}
		if acc.TokenSeal != "" {
			c, err := s.a.client(acc, "")
			if err != nil {
				return nil, cursor, err
			}
			s.src = NewSource(SourceName, loket.MethodQRIS, c)
		}
	}
	if s.src == nil {
		return nil, cursor, nil
	}
	return s.src.Incoming(ctx, cursor)
}
