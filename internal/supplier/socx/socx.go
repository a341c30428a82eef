// Package socx is the adapter for SOCX (Niskala) H2H, seed 002: Loket buying from a
// SOCX reseller account, or from another Loket's /compat/socx surface. Orders go to
// {base}/reseller/api/v1/purchase (JSON, Bearer token) with Loket's attempt ref as
// request_id, which SOCX treats as idempotent: a used request_id answers with that
// transaction's state. Status asks {base}/reseller/api/v1/status by request_id. With
// --member-id xml, orders go as the XML-RPC topUpRequest instead (PIN = --secret).
// Results pushed back (XML-RPC topUpReport, or the purchase JSON) come through
// ReceiveCallback. See docs/supplier-socx.md for the rc table and every choice made.
package socx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/supplier"
)

// Kind is the name this adapter registers under.
const Kind = "socx"

// apiPath is the path of the seed's base_url under the scheme and host.
const apiPath = "/reseller/api/v1"

// maxBody bounds what is read of an upstream answer.
const maxBody = 1 << 20

// defaultTimeout is the client timeout when Config.HTTP is nil.
const defaultTimeout = 20 * time.Second

func init() {
	supplier.Register(Kind, func(c supplier.Config) (supplier.Supplier, error) { return New(c) })
}

// Client speaks to one SOCX account. It holds no mutable state: safe for concurrent use.
type Client struct {
	base   string // scheme, host and prefix, ending in /reseller/api/v1
	key    string // the Bearer "JWT"
	secret string // the XML-RPC PIN; also what callbacks must carry
	xml    bool   // orders over XML-RPC topUpRequest
	http   *http.Client
}

// New checks cfg and returns a client. It makes no network call.
func New(cfg supplier.Config) (*Client, error) {
	raw := strings.TrimSpace(cfg.BaseURL)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("socx: --base-url must be an http(s) URL with a host and no query, e.g. https://niskalaapi.socx.app")
	}
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, errors.New("socx: --api-key (the SOCX token sent as Authorization: Bearer) is required")
	}
	mode := strings.ToLower(strings.TrimSpace(cfg.MemberID))
	if mode != "" && mode != "xml" && mode != "json" {
		return nil, errors.New(`socx: --member-id must be empty (JSON orders) or "xml" (XML-RPC orders)`)
	}
	base := strings.TrimRight(raw, "/")
	// An operator who pasted the seed's whole base_url gets what they meant.
	if !strings.HasSuffix(base, apiPath) {
		base += apiPath
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	return &Client{base: base, key: strings.TrimSpace(cfg.APIKey), secret: cfg.Secret, xml: mode == "xml", http: hc}, nil
}

// Response codes of the seed's table.
const (
	rcSuccess  = "00"
	rcNotFound = "11"
	rcPending  = "68"
)

// stateFailed are the codes that, as a transaction's state (a status answer, a callback,
// or the purchase answer itself), say it failed for good: refunded, failed at the
// biller, or refused before it reached one.
var stateFailed = map[string]string{
	"05": "unknown product",
	"07": "customer number not found",
	"12": "customer number expired",
	"13": "customer number blocked",
	"18": "insufficient deposit",
	"19": "product price not set",
	"21": "refunded",
	"22": "product temporarily closed",
	"23": "biller failed",
	"70": "biller failed",
}

// refusals are the codes that, as the answer to a purchase, say the request was turned
// away before any processing. They are Failed only once /status confirms that no
// transaction exists under the request_id (see confirmRefusal): on a re-send after a
// crash, an upstream that checks these before the request_id could refuse the copy of
// an order it is carrying out.
var refusals = map[string]string{
	"01": "invalid payload",
	"02": "invalid authorization",
	"09": "maintenance",
	"10": "ref code (request_id) not valid",
	"35": "system cut-off in progress",
	"36": "account limit reached",
}

// answer is the seed's purchase JSON, which is also the status answer and the JSON
// report. Every field is read loosely: numbers or strings.
type answer struct {
	Code      flex `json:"code"`
	MSISDN    flex `json:"msisdn"`
	RequestID flex `json:"request_id"`
	RC        flex `json:"rc"`
	TrxID     flex `json:"trxid"`
	Price     flex `json:"price"`
	SN        flex `json:"sn"`
	Message   flex `json:"message"`
	set       bool // rc was present
}

// flex is a JSON scalar kept as text: a string as is, a number as written.
type flex struct {
	s     string
	isNum bool
}

func (f *flex) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = flex{}
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flex{s: strings.TrimSpace(s)}
	case b[0] == '{' || b[0] == '[':
		return errors.New("not a scalar")
	case string(b) == "true" || string(b) == "false":
		*f = flex{s: string(b)}
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*f = flex{s: n.String(), isNum: true}
	}
	return nil
}

// normRC makes "0", 0 and " 00 " all "00".
func normRC(s string) string {
	s = strings.TrimSpace(s)
	if len(s) == 1 && s[0] >= '0' && s[0] <= '9' {
		return "0" + s
	}
	return s
}

// decodeAnswer reads a purchase/status JSON answer. ok is false when it is not one.
func decodeAnswer(body []byte) (answer, bool) {
	var raw map[string]json.RawMessage
	d := json.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(&raw); err != nil || raw == nil {
		return answer{}, false
	}
	var a answer
	if err := json.Unmarshal(body, &a); err != nil {
		return answer{}, false
	}
	_, a.set = raw["rc"]
	a.RC.s = normRC(a.RC.s)
	if a.RC.s == "" {
		a.set = false
	}
	return a, true
}

// --- money ------------------------------------------------------------------------

var (
	reDigits   = regexp.MustCompile(`^\d+$`)
	reThouDot  = regexp.MustCompile(`^\d{1,3}(\.\d{3})+$`)
	reThouCom  = regexp.MustCompile(`^\d{1,3}(,\d{3})+$`)
	reDecimal  = regexp.MustCompile(`^\d+[.,]\d{1,2}$`)
	reDotComma = regexp.MustCompile(`^\d{1,3}(\.\d{3})+,\d{1,2}$`)
	reCommaDot = regexp.MustCompile(`^\d{1,3}(,\d{3})+\.\d{1,2}$`)
)

// parseAmount reads an amount in rupiah. Text is read the Indonesian way: "1.000" and
// "1,000" are a thousand, "1000.00" and "1.000,00" too; a fraction of a rupiah is
// rounded. A JSON number is read as a number.
func parseAmount(f flex) (loket.Money, error) {
	s := strings.TrimSpace(f.s)
	if f.isNum {
		x, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(x) || math.Abs(x) > float64(loket.MaxAmount) {
			return 0, fmt.Errorf("amount %q out of range", clip(s, 32))
		}
		return loket.Money(math.Round(x)), nil
	}
	neg := false
	s = strings.TrimPrefix(strings.TrimPrefix(s, "Rp."), "Rp")
	s = strings.TrimSpace(strings.ReplaceAll(s, " ", ""))
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	var whole, frac string
	switch {
	case reDigits.MatchString(s):
		whole = s
	case reThouDot.MatchString(s):
		whole = strings.ReplaceAll(s, ".", "")
	case reThouCom.MatchString(s):
		whole = strings.ReplaceAll(s, ",", "")
	case reDotComma.MatchString(s):
		i := strings.LastIndexByte(s, ',')
		whole, frac = strings.ReplaceAll(s[:i], ".", ""), s[i+1:]
	case reCommaDot.MatchString(s):
		i := strings.LastIndexByte(s, '.')
		whole, frac = strings.ReplaceAll(s[:i], ",", ""), s[i+1:]
	case reDecimal.MatchString(s):
		i := strings.LastIndexAny(s, ".,")
		whole, frac = s[:i], s[i+1:]
	default:
		return 0, fmt.Errorf("amount %q is not a number", clip(f.s, 32))
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || loket.Money(n) > loket.MaxAmount {
		return 0, fmt.Errorf("amount %q out of range", clip(f.s, 32))
	}
	if frac != "" && frac[0] >= '5' {
		n++
	}
	if neg {
		n = -n
	}
	return loket.Money(n), nil
}

// --- HTTP -------------------------------------------------------------------------

// upstreamError is an error whose text has been scrubbed of the credentials; the cause
// stays reachable (errors.Is(err, context.DeadlineExceeded)).
type upstreamError struct {
	msg string
	err error
}

func (e *upstreamError) Error() string { return e.msg }
func (e *upstreamError) Unwrap() error { return e.err }

// redact removes the credentials from text that may echo them.
func (c *Client) redact(s string) string {
	for _, k := range []string{c.key, c.secret} {
		if len(k) >= 4 {
			s = strings.ReplaceAll(s, k, "[redacted]")
		}
	}
	return s
}

func (c *Client) errorf(cause error, format string, args ...any) error {
	return &upstreamError{msg: c.redact("socx: " + fmt.Sprintf(format, args...)), err: cause}
}

// do sends one request and returns the status and body. The body is bounded; an
// error means no usable answer arrived.
func (c *Client) do(ctx context.Context, method, path, contentType string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, c.errorf(err, "%s %s: %v", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json, text/xml")
	req.Header.Set("User-Agent", "Loket-SOCX/1")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return 0, nil, c.errorf(err, "%s %s: no answer: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return resp.StatusCode, nil, c.errorf(err, "%s %s: answer cut off: %v", method, path, err)
	}
	if len(b) > maxBody {
		return resp.StatusCode, nil, c.errorf(nil, "%s %s: answer larger than %d bytes", method, path, maxBody)
	}
	return resp.StatusCode, b, nil
}

// readable says whether an answer of this HTTP status may carry an rc we act on: 2xx,
// and 4xx (another Loket sends rc 02 with 401). 5xx and anything else are Unknown.
func readable(status int) bool { return status >= 200 && status < 300 || status >= 400 && status < 500 }

// unknown is the result of an answer we cannot act on.
func unknown(msg string) supplier.Result {
	return supplier.Result{Outcome: supplier.Unknown, Message: msg}
}

// --- operations -------------------------------------------------------------------

// Order places r, or, when its request_id is already known upstream, learns that
// transaction's state (the seed's rule), so sending the same Ref twice buys once.
func (c *Client) Order(ctx context.Context, r supplier.Request) (supplier.Result, error) {
	if strings.TrimSpace(r.Ref) == "" {
		// Without a request_id the order would not be idempotent: never send it.
		return unknown("socx: not sent: no ref"), errors.New("socx: order without a ref not sent")
	}
	if c.xml {
		return c.orderXML(ctx, r)
	}
	payload := map[string]string{}
	// Further form fields (game server, zone) go as extra keys, as Loket's own SOCX
	// surface reads them; a pulsa order sends exactly the seed's three.
	for k, v := range r.Fields {
		payload[k] = v
	}
	payload["code"], payload["msisdn"], payload["request_id"] = r.Code, r.Target, r.Ref
	body, err := json.Marshal(payload)
	if err != nil {
		return unknown("socx: request not encodable"), c.errorf(err, "purchase: %v", err)
	}
	status, b, err := c.do(ctx, http.MethodPost, "/purchase", "application/json", body)
	if err != nil {
		return unknown(err.Error()), err
	}
	res, a, err := c.parseJSON("purchase", status, b, r)
	if err != nil || res.Outcome != "" {
		return res, err
	}
	return c.purchaseOutcome(ctx, r, a.RC.s, res)
}

// purchaseOutcome maps the rc of a purchase answer (JSON or XML). base carries the
// answer's trx id, message and price.
func (c *Client) purchaseOutcome(ctx context.Context, r supplier.Request, rc string, base supplier.Result) (supplier.Result, error) {
	switch {
	case rc == rcSuccess:
		base.Outcome = supplier.Success
		return base, nil
	case rc == rcPending:
		base.Outcome = supplier.Pending
		return base, nil
	case stateFailed[rc] != "":
		if rc == "21" || rc == "23" || rc == "70" {
			// The transaction was tried and failed (or refunded): final whatever came before.
			base.Outcome = supplier.Failed
			return base, nil
		}
		return c.confirmRefusal(ctx, r, rc, base)
	case refusals[rc] != "":
		return c.confirmRefusal(ctx, r, rc, base)
	}
	// 03 timeout, 06/14 biller trouble, 08 internal error, 17 duplicate, 11 on a
	// purchase, and any code not in the table: it may have gone through.
	base.Outcome = supplier.Unknown
	return base, nil
}

// confirmRefusal turns a purchase refused with rc into Failed only once /status says
// no transaction exists under the request_id, or that the one there failed. If a
// transaction is there (an earlier send of this Ref went through), its state wins.
func (c *Client) confirmRefusal(ctx context.Context, r supplier.Request, rc string, refused supplier.Result) (supplier.Result, error) {
	st, a, err := c.status(ctx, r)
	if err != nil {
		refused.Outcome = supplier.Unknown
		refused.Message = clip(refused.Message+"; refusal not confirmed: "+err.Error(), 300)
		return refused, nil
	}
	if st.Outcome == "" && a.RC.s == rcNotFound {
		refused.Outcome = supplier.Failed
		refused.Message = clip(refused.Message+"; status: no transaction under this request_id", 300)
		return refused, nil
	}
	if st.Outcome == "" {
		st = c.stateOutcome(a.RC.s, st)
	}
	if st.Outcome == supplier.Unknown {
		st.Message = clip(fmt.Sprintf("purchase refused with rc %s, but status answered: %s", rc, st.Message), 300)
	}
	return st, nil
}

// Status asks for r by its request_id.
func (c *Client) Status(ctx context.Context, r supplier.Request) (supplier.Result, error) {
	res, a, err := c.status(ctx, r)
	if err != nil {
		return res, err
	}
	if res.Outcome != "" {
		return res, nil
	}
	if a.RC.s == rcNotFound {
		// Not found is not "never sent": an order whose purchase got no answer may be
		// in flight, or recorded late. Loket keeps asking; the operator decides at the
		// pending deadline.
		res.Outcome = supplier.Unknown
		return res, nil
	}
	return c.stateOutcome(a.RC.s, res), nil
}

// status sends the status request. A returned result with an Outcome is final (an
// unusable answer); otherwise a carries the answer and the result its details.
func (c *Client) status(ctx context.Context, r supplier.Request) (supplier.Result, answer, error) {
	if strings.TrimSpace(r.Ref) == "" {
		return unknown("socx: no ref to ask about"), answer{}, errors.New("socx: status without a ref")
	}
	body, err := json.Marshal(map[string]string{"request_id": r.Ref})
	if err != nil {
		return unknown("socx: request not encodable"), answer{}, c.errorf(err, "status: %v", err)
	}
	status, b, err := c.do(ctx, http.MethodPost, "/status", "application/json", body)
	if err != nil {
		return unknown(err.Error()), answer{}, err
	}
	return c.parseJSON("status", status, b, r)
}

// stateOutcome maps rc as a transaction's state: a status answer or a callback.
func (c *Client) stateOutcome(rc string, res supplier.Result) supplier.Result {
	switch {
	case rc == rcSuccess:
		res.Outcome = supplier.Success
	case rc == rcPending:
		res.Outcome = supplier.Pending
	case stateFailed[rc] != "":
		res.Outcome = supplier.Failed
	default:
		// 01/02/08/09/10/35/36 are about the request we made, 03/06/14 a biller
		// timeout or disturbance that may still turn into a delivery, 17 unclear,
		// others not in the table.
		res.Outcome = supplier.Unknown
	}
	return res
}

// parseJSON checks a purchase/status answer. When the returned result has an Outcome
// the answer is unusable (Unknown); otherwise it carries trx id, SN, price and message,
// and a.RC.s is the rc to map.
func (c *Client) parseJSON(op string, status int, b []byte, r supplier.Request) (supplier.Result, answer, error) {
	a, ok := decodeAnswer(b)
	if !readable(status) {
		msg := fmt.Sprintf("socx: %s: HTTP %d", op, status)
		if ok && a.set {
			msg += fmt.Sprintf(" (rc %s: %s)", a.RC.s, a.Message.s)
		}
		msg = c.redact(clip(msg, 300))
		return unknown(msg), a, c.errorf(nil, "%s", msg)
	}
	if !ok || !a.set {
		msg := c.redact(fmt.Sprintf("socx: %s: HTTP %d, answer without an rc: %q", op, status, clip(string(b), 120)))
		return unknown(msg), a, c.errorf(nil, "%s", msg)
	}
	if status >= 400 && (a.RC.s == rcSuccess || a.RC.s == rcPending) {
		// A refusal status with a success code contradicts itself.
		msg := c.redact(clip(fmt.Sprintf("socx: %s: HTTP %d with rc %s: %s", op, status, a.RC.s, a.Message.s), 300))
		return unknown(msg), a, c.errorf(nil, "%s", msg)
	}
	res := supplier.Result{
		TrxID:   trxID(a.TrxID),
		SN:      a.SN.s,
		Message: c.redact(clip(fmt.Sprintf("rc %s: %s", a.RC.s, a.Message.s), 300)),
	}
	if a.Price.s != "" {
		if p, err := parseAmount(a.Price); err == nil && p >= 0 {
			res.Price = p
		}
	}
	if why := mismatch(r, a.RequestID.s, a.Code.s, a.MSISDN.s, res.TrxID); why != "" {
		res.Outcome = supplier.Unknown
		res.Message = clip(fmt.Sprintf("socx: %s answer is about another transaction (%s); %s", op, why, res.Message), 300)
		return res, a, nil
	}
	return res, a, nil
}

// trxID reads the upstream's transaction id; 0 means none.
func trxID(f flex) string {
	if f.s == "0" || f.s == "" {
		return ""
	}
	if f.isNum {
		if x, err := strconv.ParseFloat(f.s, 64); err == nil && x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
	}
	return clip(f.s, 64)
}

// mismatch says why an answer is not about r, or "". Empty fields are not compared:
// error answers may leave them out.
func mismatch(r supplier.Request, reqID, code, msisdn, trx string) string {
	switch {
	case reqID != "" && reqID != r.Ref:
		return "request_id " + clip(reqID, 40)
	case code != "" && r.Code != "" && !strings.EqualFold(code, r.Code):
		return "code " + clip(code, 40)
	case msisdn != "" && r.Target != "" && normMSISDN(msisdn) != normMSISDN(r.Target):
		return "msisdn " + clip(msisdn, 40)
	case trx != "" && r.TrxID != "" && trx != r.TrxID:
		return "trxid " + clip(trx, 40)
	}
	return ""
}

// normMSISDN makes 62812..., +62812... and 0812... alike.
func normMSISDN(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	d := b.String()
	if strings.HasPrefix(d, "62") && len(d) > 8 {
		d = "0" + d[2:]
	}
	return d
}

// Balance is the account's deposit (GET saldo).
func (c *Client) Balance(ctx context.Context) (loket.Money, error) {
	status, b, err := c.do(ctx, http.MethodGet, "/saldo", "", nil)
	if err != nil {
		return 0, err
	}
	var v struct {
		Balance *flex `json:"balance"`
		RC      flex  `json:"rc"`
		Message flex  `json:"message"`
	}
	if err := json.Unmarshal(b, &v); err != nil || status < 200 || status > 299 || v.Balance == nil {
		if v.RC.s != "" {
			return 0, c.errorf(nil, "saldo: HTTP %d, rc %s: %s", status, normRC(v.RC.s), clip(v.Message.s, 120))
		}
		return 0, c.errorf(nil, "saldo: HTTP %d, no balance in the answer", status)
	}
	n, err := parseAmount(*v.Balance)
	if err != nil {
		return 0, c.errorf(err, "saldo: %v", err)
	}
	return n, nil
}

// Prices is empty: the seed has no price-list endpoint. Costs come from the routes the
// operator adds (loket route add --cost).
func (c *Client) Prices(context.Context) ([]supplier.Price, error) { return []supplier.Price{}, nil }

func clip(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "")
}
