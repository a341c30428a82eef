// Package orderkuota is a client of the Orkut mutasi API of OrderKuota (seed 003): the
// QRIS payment source through which resellers' deposits arrive. It logs in by OTP,
// generates dynamic QRIS for a nominal, and reads incoming payments, which Loket
// matches to open deposits by their amount (nominal plus unique code).
//
// The client only speaks the protocol: it keeps no state beyond the auth token and
// decides nothing about deposits. Every failure is either retryable (network, timeout,
// HTTP 5xx, an answer that is not JSON: see Retryable) or an answer of the source that
// said no (*APIError). Error strings never carry the API key, password or token.
package orderkuota

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loket/loket/internal/loket"
)

// Name is the payment source's kind.
const Name = "orderkuota"

// DefaultBaseURL is the seed's base URL, used when Config.BaseURL is empty.
const DefaultBaseURL = "https://orkut.hidepulsa.com"

// WIB is the source's local time (Asia/Jakarta, UTC+7, no daylight saving). The API
// writes times without a zone; they are read as WIB and returned in UTC.
var WIB = time.FixedZone("WIB", 7*3600)

// maxAnswer bounds what is read of an answer: a full mutation list is far smaller.
const maxAnswer = 8 << 20

// Config says where the source is and who we are there.
type Config struct {
	// BaseURL stands in for the seed's https://orkut.hidepulsa.com, e.g.
	// http://127.0.0.1:8080/sim/orderkuota for the simulator.
	BaseURL  string
	APIKey   string // sent as Authorization: Bearer
	Username string
	Password string
	// Token is the auth token of an earlier ValidateOTP; ValidateOTP replaces it.
	Token string
	// Merchant is the merchant code with its prefix, e.g. OK1234567.
	Merchant string
	// MerchantID is the merchant code without "OK" that /mutasi wants; derived
	// from Merchant when empty.
	MerchantID string
	// HTTP is the client to use; nil means one with a 30s timeout.
	HTTP *http.Client
}

// Client talks to one OrderKuota account. Safe for concurrent use.
type Client struct {
	cfg  Config
	base string
	http *http.Client

	mu    sync.RWMutex
	token string
}

// Payment is one movement of the QRIS account as the source reports it.
type Payment struct {
	// Ref is the source's stable unique reference of the movement: issuer_reff in
	// the /kasir/orkut answers, the numeric id in /mutasi (History). Use it to
	// credit idempotently, and never mix the two kinds: the same payment has a
	// different Ref in History than in Mutations and PaymentStatus.
	Ref      string
	Amount   loket.Money // always positive; Incoming says the direction
	Brand    string      // DANA, OVO, ... as the source names it
	Buyer    string      // the masked payer reference, e.g. "NOBU / SO*****"
	At       time.Time   // UTC
	Incoming bool        // money in (type CR, status IN)
}

// ErrTemporary is wrapped by failures worth retrying later: network errors,
// timeouts, HTTP 408, 429 and 5xx, answers that cannot be read as JSON.
var ErrTemporary = errors.New("temporary failure")

// Retryable reports whether err is a failure worth retrying later.
func Retryable(err error) bool { return errors.Is(err, ErrTemporary) }

// APIError is an answer in which the source said no, e.g.
// {"success":false,"message":"Fields tidak benar!"} or {"error":"Gagal generate QRIS"}.
// Retrying the same request will not help.
type APIError struct {
	Op         string // the endpoint: "generate", "mutasi", ...
	StatusCode int    // the HTTP status of the answer
	Message    string // the source's words, with our secrets removed
}

func (e *APIError) Error() string {
	if e.StatusCode >= 300 {
		return fmt.Sprintf("orderkuota %s: HTTP %d: %s", e.Op, e.StatusCode, e.Message)
	}
	return fmt.Sprintf("orderkuota %s: %s", e.Op, e.Message)
}

// New returns a client for cfg.
func New(cfg Config) *Client {
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if base == "" {
		base = DefaultBaseURL
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.MerchantID == "" {
		m := cfg.Merchant
		if len(m) > 2 && strings.EqualFold(m[:2], "OK") {
			m = m[2:]
		}
		cfg.MerchantID = m
	}
	return &Client{cfg: cfg, base: base, http: hc, token: cfg.Token}
}

// Token returns the auth token in use: Config.Token or the one ValidateOTP got.
func (c *Client) Token() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.token
}

// RequestOTP asks the source to send a login OTP to the account's owner (POST /minta-otp).
func (c *Client) RequestOTP(ctx context.Context) error {
	_, err := c.post(ctx, "minta-otp", "/minta-otp", map[string]string{
		"username": c.cfg.Username,
		"password": c.cfg.Password,
	})
	return err
}

// ValidateOTP logs in with the OTP and returns the auth token (POST /valid-otp); the
// client uses it from then on. The seed does not show the answer, so the token is
// looked for under "token", "auth_token" or "access_token", at the top level or inside
// "data", "results", "result" or "account" (see testdata/valid_otp.json).
func (c *Client) ValidateOTP(ctx context.Context, otp string) (string, error) {
	otp = strings.TrimSpace(otp)
	if otp == "" {
		return "", errors.New("orderkuota valid-otp: empty otp")
	}
	obj, err := c.post(ctx, "valid-otp", "/valid-otp", map[string]string{
		"username": c.cfg.Username,
		"otp":      otp,
	})
	if err != nil {
		return "", err
	}
	token := findToken(obj, 2)
	if token == "" {
		return "", &APIError{Op: "valid-otp", StatusCode: http.StatusOK,
			Message: "no token in the answer (keys: " + strings.Join(sortedKeys(obj), ", ") + ")"}
	}
	c.mu.Lock()
	c.token = token
	c.mu.Unlock()
	return token, nil
}

// Generate makes a dynamic QRIS for nominal, which must already include the unique
// code (POST /kasir/orkut/generate). It returns the QRIS payload and the URL of its image.
func (c *Client) Generate(ctx context.Context, nominal int64) (qrString, imageURL string, err error) {
	if err := checkNominal("generate", nominal); err != nil {
		return "", "", err
	}
	obj, err := c.post(ctx, "generate", "/kasir/orkut/generate", c.kasirPayload(nominal))
	if err != nil {
		return "", "", err
	}
	var ans struct {
		Nominal  flexString `json:"nominal"`
		ImageURL flexString `json:"image_url"`
		QRString flexString `json:"qr_string"`
	}
	if err := remarshal(obj, &ans); err != nil {
		return "", "", fmt.Errorf("orderkuota generate: %w", err)
	}
	if ans.QRString == "" {
		return "", "", &APIError{Op: "generate", StatusCode: http.StatusOK, Message: "no qr_string in the answer"}
	}
	// A QR for another amount would be matched to the wrong deposit.
	if ans.Nominal != "" {
		got, err := ParseAmount(string(ans.Nominal))
		if err != nil {
			return "", "", fmt.Errorf("orderkuota generate: nominal: %w", err)
		}
		if int64(got) != nominal {
			return "", "", &APIError{Op: "generate", StatusCode: http.StatusOK,
				Message: fmt.Sprintf("asked for nominal %d, got a QRIS for %d", nominal, got)}
		}
	}
	return string(ans.QRString), string(ans.ImageURL), nil
}

// PaymentStatus returns the payments the source found for a generated nominal (POST
// /kasir/orkut/status-pembayaran). None found ("no data") is an empty list, not an
// error. The source picks them; callers still compare Amount.
//
// When some entries cannot be read, the others are returned together with an error
// naming each bad entry.
func (c *Client) PaymentStatus(ctx context.Context, nominal int64) ([]Payment, error) {
	if err := checkNominal("status-pembayaran", nominal); err != nil {
		return nil, err
	}
	obj, err := c.post(ctx, "status-pembayaran", "/kasir/orkut/status-pembayaran", c.kasirPayload(nominal))
	if err != nil {
		return nil, err
	}
	return parseList("status-pembayaran", obj["data"], parseMutasiEntry)
}

// Mutations returns the QRIS account's recent movements (POST /kasir/orkut/mutasi),
// newest first as the source lists them. "no data" is an empty list. Partial results
// come with an error, as in PaymentStatus.
func (c *Client) Mutations(ctx context.Context) ([]Payment, error) {
	payload := map[string]string{
		"auth_username": c.cfg.Username,
		"auth_token":    c.Token(),
		"merchant":      c.cfg.Merchant,
	}
	obj, err := c.post(ctx, "mutasi", "/kasir/orkut/mutasi", payload)
	if err != nil {
		return nil, err
	}
	return parseList("mutasi", obj["data"], parseMutasiEntry)
}

// History returns the QRIS history of the account (POST /mutasi): entries with status
// IN are incoming payments. Its times have minute precision and its Ref is the
// history id, not issuer_reff. Partial results come with an error, as in PaymentStatus.
func (c *Client) History(ctx context.Context) ([]Payment, error) {
	payload := map[string]string{
		"merchant_id":   c.cfg.MerchantID,
		"auth_username": c.cfg.Username,
		"auth_token":    c.Token(),
	}
	obj, err := c.post(ctx, "history", "/mutasi", payload)
	if err != nil {
		return nil, err
	}
	raw, ok := obj["qris_history"]
	if !ok || isNull(raw) {
		return nil, &APIError{Op: "history", StatusCode: http.StatusOK, Message: "no qris_history in the answer"}
	}
	var hist map[string]json.RawMessage
	if err := json.Unmarshal(raw, &hist); err != nil {
		return nil, &APIError{Op: "history", StatusCode: http.StatusOK, Message: "qris_history is not an object"}
	}
	if msg, failed := failure(hist); failed {
		return nil, &APIError{Op: "history", StatusCode: http.StatusOK, Message: c.redact(msg)}
	}
	return parseList("history", hist["results"], parseHistoryEntry)
}

func (c *Client) kasirPayload(nominal int64) map[string]string {
	return map[string]string{
		"auth_username": c.cfg.Username,
		"auth_token":    c.Token(),
		"merchant":      c.cfg.Merchant,
		"nominal":       strconv.FormatInt(nominal, 10),
	}
}

func checkNominal(op string, n int64) error {
	if n <= 0 || n > int64(loket.MaxAmount) {
		return fmt.Errorf("orderkuota %s: nominal %d out of range", op, n)
	}
	return nil
}

// post sends payload as JSON and returns the answer's top-level object once it is
// known not to be a failure.
func (c *Client) post(ctx context.Context, op, path string, payload any) (map[string]json.RawMessage, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("orderkuota %s: %w", op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("orderkuota %s: %s", op, c.redact(err.Error()))
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.temporary(op, err.Error(), err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, c.temporary(op, fmt.Sprintf("HTTP %d: reading the answer: %v", resp.StatusCode, err), err)
	}
	if len(raw) > maxAnswer {
		return nil, c.temporary(op, fmt.Sprintf("HTTP %d: answer larger than %d bytes", resp.StatusCode, maxAnswer), nil)
	}

	var obj map[string]json.RawMessage
	jsonErr := json.Unmarshal(raw, &obj)
	if jsonErr == nil && obj == nil {
		jsonErr = errors.New("null")
	}
	msg := ""
	if jsonErr == nil {
		msg, _ = failure(obj)
		if msg == "" {
			msg = messageOf(obj)
		}
	}
	code := resp.StatusCode
	switch {
	case code >= 500 || code == http.StatusTooManyRequests || code == http.StatusRequestTimeout:
		if msg == "" {
			msg = http.StatusText(code)
		}
		return nil, c.temporary(op, fmt.Sprintf("HTTP %d: %s", code, msg), nil)
	case code >= 300:
		if msg == "" {
			msg = http.StatusText(code)
		}
		return nil, &APIError{Op: op, StatusCode: code, Message: c.redact(msg)}
	case jsonErr != nil:
		ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		return nil, c.temporary(op, fmt.Sprintf("HTTP %d: unreadable answer (%d bytes, %q): %q",
			code, len(raw), ct, snippet(raw)), nil)
	}
	if msg, failed := failure(obj); failed {
		return nil, &APIError{Op: op, StatusCode: code, Message: c.redact(msg)}
	}
	return obj, nil
}

// temporary wraps a retryable failure; the text is redacted and cause stays
// reachable with errors.Is (context.DeadlineExceeded, ...).
func (c *Client) temporary(op, text string, cause error) error {
	return &tempError{msg: fmt.Sprintf("orderkuota %s: %v: %s", op, ErrTemporary, c.redact(text)), cause: cause}
}

type tempError struct {
	msg   string
	cause error
}

func (e *tempError) Error() string { return e.msg }

func (e *tempError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrTemporary}
	}
	return []error{ErrTemporary, e.cause}
}

// redact removes our secrets from text that came from the network or the transport.
// Secrets shorter than 4 bytes are left alone: replacing them would mangle the
// source's words ("k" in "tidak") and hide nothing worth hiding.
func (c *Client) redact(s string) string {
	for _, secret := range []string{c.cfg.APIKey, c.cfg.Password, c.cfg.Token, c.Token()} {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}

func snippet(b []byte) string {
	const max = 80
	s := strings.TrimSpace(string(b))
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

// failure reports whether a top-level answer says the request failed, and why.
// Shapes seen in the seed: {"success":false,"message":...}, {"error":"..."}; also
// accepted: {"status":"error"|"failed"|false,...}.
func failure(obj map[string]json.RawMessage) (string, bool) {
	if raw, ok := obj["error"]; ok && !isNull(raw) && !isFalse(raw) && string(bytes.TrimSpace(raw)) != `""` {
		if s := asString(raw); s != "" {
			return s, true
		}
		if m := messageOf(obj); m != "" {
			return m, true
		}
		return "error: " + snippet(raw), true
	}
	failed := false
	if raw, ok := obj["success"]; ok && isFalse(raw) {
		failed = true
	}
	if raw, ok := obj["status"]; ok {
		if isFalse(raw) {
			failed = true
		}
		switch strings.ToLower(asString(raw)) {
		case "error", "failed", "fail", "gagal":
			failed = true
		}
	}
	if !failed {
		return "", false
	}
	if m := messageOf(obj); m != "" {
		return m, true
	}
	return "the source answered with a failure and no message", true
}

func messageOf(obj map[string]json.RawMessage) string {
	for _, k := range []string{"message", "msg", "error"} {
		if s := asString(obj[k]); s != "" {
			return s
		}
	}
	return ""
}

var (
	tokenKeys       = []string{"token", "auth_token", "access_token"}
	tokenContainers = []string{"data", "results", "result", "account"}
)

func findToken(obj map[string]json.RawMessage, depth int) string {
	for _, k := range tokenKeys {
		var s string
		if json.Unmarshal(obj[k], &s) == nil && strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	if depth == 0 {
		return ""
	}
	for _, k := range tokenContainers {
		var inner map[string]json.RawMessage
		if raw, ok := obj[k]; ok && json.Unmarshal(raw, &inner) == nil {
			if t := findToken(inner, depth-1); t != "" {
				return t
			}
		}
	}
	return ""
}
