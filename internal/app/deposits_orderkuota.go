package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/payment/orderkuota"
)

// The OrderKuota account QRIS payments are read from (seed 003). The operator logs in
// by OTP (loket payment orderkuota login, then otp); the API key and the token are
// kept sealed under the master key, the password not at all (only /minta-otp wants
// it). loket serve polls the account's mutation list once a token is there, and
// picks up a new login without a restart.

// OrderKuotaSourceName is the payment source name of the configured account.
const OrderKuotaSourceName = "orderkuota"

const settingOrderKuota = "orderkuota.account"

// DefaultOrderKuotaPoll is how often the account's mutation list is read.
const DefaultOrderKuotaPoll = 10 * time.Second

// OrderKuotaAccount is the stored configuration of the OrderKuota source.
type OrderKuotaAccount struct {
	BaseURL     string    `json:"base_url,omitempty"`
	Username    string    `json:"username"`
	Merchant    string    `json:"merchant"`
	APIKeySeal  string    `json:"api_key_sealed,omitempty"`
	TokenSeal   string    `json:"token_sealed,omitempty"`
	PollSeconds int       `json:"poll_seconds,omitempty"`
	OTPAskedAt  time.Time `json:"otp_asked_at,omitzero"`
	LoggedInAt  time.Time `json:"logged_in_at,omitzero"`
}

// OrderKuotaStatus is what the operator is shown of the account: no secrets.
type OrderKuotaStatus struct {
	BaseURL    string    `json:"base_url"`
	Username   string    `json:"username"`
	Merchant   string    `json:"merchant"`
	APIKey     bool      `json:"api_key_set"`
	LoggedIn   bool      `json:"logged_in"`
	Poll       string    `json:"poll_every"`
	OTPAskedAt time.Time `json:"otp_asked_at,omitzero"`
	LoggedInAt time.Time `json:"logged_in_at,omitzero"`
}

// OrderKuotaLogin is the first step of the login.
type OrderKuotaLogin struct {
	BaseURL  string // empty: the seed's https://orkut.hidepulsa.com, or the one saved
	APIKey   string // empty: the one saved
	Username string
	Password string
	Merchant string // e.g. OK1234567; empty: the one saved
	Poll     time.Duration
}

func (a *App) orderKuotaAccount(ctx context.Context) (OrderKuotaAccount, error) {
	var acc OrderKuotaAccount
	raw, err := a.DB.Setting(ctx, settingOrderKuota)
	if err != nil || raw == "" {
		return acc, err
	}
	if err := json.Unmarshal([]byte(raw), &acc); err != nil {
		return acc, fmt.Errorf("orderkuota setting: %w", err)
	}
	return acc, nil
}

func (a *App) saveOrderKuotaAccount(ctx context.Context, acc OrderKuotaAccount) error {
	raw, _ := json.Marshal(acc)
	return a.DB.SetSetting(ctx, settingOrderKuota, string(raw))
}

// OrderKuotaStatus shows the account's settings without secrets.
func (a *App) OrderKuotaStatus(ctx context.Context) (OrderKuotaStatus, error) {
	acc, err := a.orderKuotaAccount(ctx)
	base := acc.BaseURL
	if base == "" {
		base = orderkuota.DefaultBaseURL
	}
	return OrderKuotaStatus{BaseURL: base, Username: acc.Username, Merchant: acc.Merchant, APIKey: acc.APIKeySeal != "",
		LoggedIn: acc.TokenSeal != "", Poll: orderKuotaPoll(acc).String(), OTPAskedAt: acc.OTPAskedAt, LoggedInAt: acc.LoggedInAt}, err
}

func orderKuotaPoll(acc OrderKuotaAccount) time.Duration {
	if acc.PollSeconds > 0 {
		return time.Duration(acc.PollSeconds) * time.Second
	}
	return DefaultOrderKuotaPoll
}

// orderKuotaClient is a client of the account, secrets unsealed.
func (a *App) orderKuotaClient(acc OrderKuotaAccount, password string) (*orderkuota.Client, error) {
	key, err := a.unsealSetting(acc.APIKeySeal)
	if err != nil {
		return nil, fmt.Errorf("orderkuota api key: %w", err)
	}
	token, err := a.unsealSetting(acc.TokenSeal)
	if err != nil {
		return nil, fmt.Errorf("orderkuota token: %w", err)
	}
	return orderkuota.New(orderkuota.Config{BaseURL: acc.BaseURL, APIKey: key, Username: acc.Username, Password: password,
		Token: token, Merchant: acc.Merchant, HTTP: &http.Client{Timeout: 30 * time.Second}}), nil
}

func (a *App) unsealSetting(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	return a.Unseal(sealed)
}

// StartOrderKuotaLogin asks OrderKuota to send the account's owner a login OTP
// (/minta-otp) and saves the account's settings; CompleteOrderKuotaLogin finishes it.
// A token of an earlier login stays in use until then, unless the account changed.
func (a *App) StartOrderKuotaLogin(ctx context.Context, in OrderKuotaLogin) error {
	acc, err := a.orderKuotaAccount(ctx)
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
		acc.APIKeySeal = a.Seal(strings.TrimSpace(in.APIKey))
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
	c, err := a.orderKuotaClient(acc, in.Password)
	if err != nil {
		return err
	}
	if err := c.RequestOTP(ctx); err != nil {
		return err
	}
	acc.OTPAskedAt = time.Now().UTC()
	return a.saveOrderKuotaAccount(ctx, acc)
}

// CompleteOrderKuotaLogin validates the OTP (/valid-otp) and keeps the token, sealed.
func (a *App) CompleteOrderKuotaLogin(ctx context.Context, otp string) error {
	acc, err := a.orderKuotaAccount(ctx)
	if err != nil {
		return err
	}
	if acc.Username == "" {
		return loket.Errorf(loket.ECONFLICT, "no OrderKuota login under way (run loket payment orderkuota login first)")
	}
	c, err := a.orderKuotaClient(acc, "")
	if err != nil {
		return err
	}
	token, err := c.ValidateOTP(ctx, otp)
	if err != nil {
		return err
	}
	acc.TokenSeal, acc.LoggedInAt = a.Seal(token), time.Now().UTC()
	return a.saveOrderKuotaAccount(ctx, acc)
}

// OrderKuotaSource is the configured account as a payment source, and how often to
// poll it. It reads the settings at each poll: until a login is complete it reports
// nothing, and a new login is used from the next poll on.
func (a *App) OrderKuotaSource(ctx context.Context) (PaymentSource, time.Duration) {
	acc, err := a.orderKuotaAccount(ctx)
	if err != nil {
		a.Log.Warn("orderkuota settings", "err", err)
	}
	return &orderKuotaSource{a: a}, orderKuotaPoll(acc)
}

type orderKuotaSource struct {
	a   *App
	mu  sync.Mutex
	key string // the settings the source was built from
	src *orderkuota.Source
}

func (s *orderKuotaSource) Name() string { return OrderKuotaSourceName }

func (s *orderKuotaSource) Incoming(ctx context.Context, cursor string) ([]loket.Payment, string, error) {
	raw, err := s.a.DB.Setting(ctx, settingOrderKuota)
	if err != nil {
		return nil, cursor, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if raw != s.key {
		s.key, s.src = raw, nil
		var acc OrderKuotaAccount
		if raw != "" {
			if err := json.Unmarshal([]byte(raw), &acc); err != nil {
				return nil, cursor, fmt.Errorf("orderkuota setting: %w", err)
			}
		}
		if acc.TokenSeal != "" {
			c, err := s.a.orderKuotaClient(acc, "")
			if err != nil {
				return nil, cursor, err
			}
			s.src = orderkuota.NewSource(OrderKuotaSourceName, MethodQRIS, c)
		}
	}
	if s.src == nil {
		return nil, cursor, nil
	}
	return s.src.Incoming(ctx, cursor)
}
