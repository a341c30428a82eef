package warungnokos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/supplier"
)

// orderBody is otp/order's request. The seed types number_id and provider_id as
// strings and price_jual as a number.
type orderBody struct {
	NumberID    string      `json:"number_id"`
	ProviderID  string      `json:"provider_id"`
	OperatorID  string      `json:"operator_id"`
	PriceJual   loket.Money `json:"price_jual"`
	ServiceName string      `json:"service_name,omitempty"`
	// RefID, beyond the seed, is Loket's Ref: Loket's own surface keeps it, so that
	// FindNumber can look the rent up there when its answer is lost.
	RefID string `json:"ref_id,omitempty"`
}

// notSent is a refusal decided before anything left this process.
func notSent(format string, args ...any) *supplier.Refusal {
	return &supplier.Refusal{Message: "not sent: " + fmt.Sprintf(format, args...)}
}

func newOrderBody(r supplier.VNRequest) (orderBody, error) {
	b := orderBody{
		RefID:       strings.TrimSpace(r.Ref),
		ProviderID:  strings.TrimSpace(r.ProviderID),
		OperatorID:  strings.TrimSpace(r.OperatorID),
		PriceJual:   r.MaxPrice,
		ServiceName: strings.TrimSpace(r.ServiceName),
	}
	switch {
	case r.NumberID <= 0:
		return b, errors.New("no number_id (the country of the price list)")
	case b.ProviderID == "":
		return b, errors.New("no provider_id")
	case r.MaxPrice <= 0 || r.MaxPrice > loket.MaxAmount:
		return b, fmt.Errorf("price_jual must be a positive amount, got max price %d", r.MaxPrice)
	}
	b.NumberID = strconv.FormatInt(r.NumberID, 10)
	if b.OperatorID == "" {
		b.OperatorID = "any" // the seed's word for whichever operator
	}
	return b, nil
}

// RentNumber buys a number with otp/order, sending MaxPrice as price_jual. The
// upstream takes no client reference, so the adapter guards against renting twice
// for one Ref from this process: a Ref that got a number answers that number again
// without sending; one whose send is under way or ended without a usable answer is
// not sent again (an error: unknown). After a refusal the Ref may be sent again.
//
// A *supplier.Refusal means nothing was rented: a documented refusal
// (success:false under HTTP 2xx or 4xx, other than the ambiguous ones below) or an
// input the adapter would not send. Any other error means a number may have been
// rented and its id is unknown (or named in the error).
func (c *Client) RentNumber(ctx context.Context, r supplier.VNRequest) (supplier.VNNumber, error) {
	ref := strings.TrimSpace(r.Ref)
	if ref == "" {
		return supplier.VNNumber{}, notSent("activation without a ref")
	}
	body, err := newOrderBody(r)
	if err != nil {
		return supplier.VNNumber{}, notSent("%s", err)
	}
	if prev, ok := c.claim(ref); !ok {
		switch prev.state {
		case accepted:
			return prev.number, nil
		case inFlight:
			return supplier.VNNumber{}, fmt.Errorf("warungnokos: activation %s is being sent already; not sent twice", clip(ref))
		default:
			return supplier.VNNumber{}, fmt.Errorf("warungnokos: an earlier send of activation %s got no usable answer and may have rented a number; not sent again (otp/order takes no client reference)", clip(ref))
		}
	}
	if err := ctx.Err(); err != nil {
		c.forget(ref)
		return supplier.VNNumber{}, notSent("%s", err)
	}
	n, err := c.rent(ctx, body, r.SentAt)
	switch {
	case err == nil:
		c.settle(ref, accepted, n)
	case supplier.IsRefusal(err):
		c.forget(ref)
	default:
		c.settle(ref, unsure, supplier.VNNumber{})
	}
	return n, err
}

func (c *Client) rent(ctx context.Context, body orderBody, sent time.Time) (supplier.VNNumber, error) {
	const what = "otp/order"
	a, err := c.call(ctx, http.MethodPost, "/otp/order", body, maxBody)
	if err != nil {
		return supplier.VNNumber{}, c.scrub(what, err)
	}
	msg := clip(c.redact(a.env.message()))
	switch {
	case a.code >= 500:
		return supplier.VNNumber{}, fmt.Errorf("warungnokos: otp/order: HTTP %d: %s", a.code, msg)
	case !a.parsed:
		return supplier.VNNumber{}, fmt.Errorf("warungnokos: otp/order: unreadable answer (HTTP %d)", a.code)
	}
	switch a.env.ok() {
	case 0:
		if refusal := c.refusal(a, msg); refusal != nil {
			return supplier.VNNumber{}, refusal
		}
		return supplier.VNNumber{}, fmt.Errorf("warungnokos: otp/order: refused in a way that may not be final (HTTP %d): %s", a.code, msg)
	case 1:
	default:
		return supplier.VNNumber{}, fmt.Errorf("warungnokos: otp/order: unexpected answer (HTTP %d)", a.code)
	}
	var d orderData
	if len(a.env.Data) > 0 && json.Unmarshal(a.env.Data, &d) != nil {
		return supplier.VNNumber{}, fmt.Errorf("warungnokos: otp/order: unexpected data (HTTP %d); check the upstream's orders", a.code)
	}
	id := first(d.id(), rawString(a.env.TrxID))
	phone := d.phone()
	switch {
	case a.code < 200 || a.code >= 300:
		return supplier.VNNumber{}, fmt.Errorf("warungnokos: otp/order: success with HTTP %d (trxId %q); check the upstream's orders", a.code, clip(c.redact(id)))
	case id == "":
		return supplier.VNNumber{}, fmt.Errorf("warungnokos: otp/order: accepted without a trxId (HTTP %d); check the upstream's orders", a.code)
	case phone == "":
		return supplier.VNNumber{}, fmt.Errorf("warungnokos: otp/order: upstream order %s came without a phone number; check or cancel it upstream", clip(c.redact(id)))
	case d.madeBefore(sent):
		return supplier.VNNumber{}, fmt.Errorf("warungnokos: otp/order: upstream order %s was made before this rent was sent (its ref_id used before?); check it upstream", clip(c.redact(id)))
	}
	return d.number(id, phone), nil
}

// orderData is an activation as otp/order's data writes it (and each item of Loket's
// otp/orders list).
type orderData struct {
	TrxID       json.RawMessage `json:"trxId"`
	TrxID2      json.RawMessage `json:"trx_id"`
	PhoneNumber json.RawMessage `json:"phoneNumber"`
	Phone2      json.RawMessage `json:"phone_number"`
	Amount      json.RawMessage `json:"amount"`
	Status      json.RawMessage `json:"status"`
	RefID       json.RawMessage `json:"ref_id"`
	CreatedAt   json.RawMessage `json:"createdAt"`
}

// staleAfter is how long before a rent was sent an activation said to be that rent's
// may have been made (clocks differ) before it is taken for another one.
const staleAfter = 10 * time.Minute

// madeBefore reports whether d says it was made well before a rent sent at sent: an
// idempotent upstream (another Loket) answers a ref_id used before with the activation
// made then, which is not this rent's. No or an unreadable createdAt says nothing.
func (d *orderData) madeBefore(sent time.Time) bool {
	at, err := time.Parse(time.RFC3339, rawString(d.CreatedAt))
	return err == nil && !sent.IsZero() && at.Before(sent.Add(-staleAfter))
}

func (d *orderData) id() string    { return first(rawString(d.TrxID), rawString(d.TrxID2)) }
func (d *orderData) phone() string { return first(rawString(d.PhoneNumber), rawString(d.Phone2)) }

// number is the activation d describes, with its id and phone. An unreadable amount is
// left out (0: not said) rather than fail an activation that exists: its id matters
// more than its price.
func (d *orderData) number(id, phone string) supplier.VNNumber {
	n := supplier.VNNumber{ID: id, Phone: phone}
	if p, err := cost(d.Amount); err == nil {
		n.Price = p
	}
	return n
}

// notFoundAfter is how long after a rent was sent the upstream's "nothing under this
// ref" proves that nothing was rented. Sooner, the request could still be on its way;
// Loket's surface records an activation with its ref before asking its own suppliers,
// so a request that arrived shows at once.
const notFoundAfter = 2 * time.Minute

// FindNumber looks up the rent sent under r.Ref whose answer was lost. A number this
// process got for the Ref answers at once. Else it asks GET /api/otp/orders?ref_id=,
// beyond the seed: Loket's own surface serves it, having kept the ref_id otp/order
// sent. Its answer, {"success":true,"ref_id":REF,"data":[...]}, reads as:
//
//	an item with a phoneNumber               -> that number (its status is followed by polling)
//	an item canceled without a phoneNumber   -> *supplier.Refusal: the upstream rented none and refunded it
//	an item waiting without a phoneNumber    -> unknown: the upstream is still renting it
//	no item, the rent sent notFoundAfter ago -> *supplier.Refusal: never rented (sooner: unknown)
//	an item made well before the rent was sent -> unknown: another rent's, under a ref used before
//
// Any other answer without ref_id echoed under HTTP 2xx, or a 404 or 405 (WarungNokos
// itself has no such endpoint), is supplier.ErrNoLookup: only the operator can decide
// the rent, from the upstream's own records. A 5xx, another refusal (401, 429...),
// garbage or a timeout is unknown.
func (c *Client) FindNumber(ctx context.Context, r supplier.VNRequest) (supplier.VNNumber, error) {
	ref := strings.TrimSpace(r.Ref)
	if ref == "" {
		return supplier.VNNumber{}, notSent("activation without a ref") // RentNumber never sends one
	}
	c.mu.Lock()
	var prev *rental
	if p := c.sent[ref]; p != nil {
		r := *p
		prev = &r
	}
	c.mu.Unlock()
	switch {
	case prev != nil && prev.state == accepted:
		return prev.number, nil
	case prev != nil && prev.state == inFlight:
		return supplier.VNNumber{}, fmt.Errorf("warungnokos: activation %s is being sent", clip(ref))
	}
	what := "otp/orders " + clip(c.redact(ref))
	a, err := c.call(ctx, http.MethodGet, "/otp/orders?ref_id="+url.QueryEscape(ref), nil, maxBody)
	if err != nil {
		return supplier.VNNumber{}, c.scrub(what, err)
	}
	msg := clip(c.redact(a.env.message()))
	switch {
	case a.code >= 500:
		return supplier.VNNumber{}, fmt.Errorf("warungnokos: %s: HTTP %d: %s", what, a.code, msg)
	case a.code == http.StatusNotFound || a.code == http.StatusMethodNotAllowed:
		return supplier.VNNumber{}, fmt.Errorf("warungnokos: %s: HTTP %d: %w", what, a.code, supplier.ErrNoLookup)
	case !a.parsed:
		return supplier.VNNumber{}, fmt.Errorf("warungnokos: %s: unreadable answer (HTTP %d)", what, a.code)
	case a.code >= 300 || a.env.ok() != 1:
		return supplier.VNNumber{}, fmt.Errorf("warungnokos: %s: refused (HTTP %d): %s", what, a.code, msg)
	case rawString(a.env.RefID) != ref:
		return supplier.VNNumber{}, fmt.Errorf("warungnokos: %s: the answer is not a lookup by ref_id: %w", what, supplier.ErrNoLookup)
	}
	var items []orderData
	if json.Unmarshal(a.env.Data, &items) != nil {
		return supplier.VNNumber{}, fmt.Errorf("warungnokos: %s: unexpected data (HTTP %d)", what, a.code)
	}
	var mine []orderData
	for _, d := range items {
		if got := rawString(d.RefID); got == "" || got == ref {
			mine = append(mine, d)
		}
	}
	switch {
	case len(mine) > 1:
		return supplier.VNNumber{}, fmt.Errorf("warungnokos: %s: %d activations under one ref", what, len(mine))
	case len(mine) == 0 && (r.SentAt.IsZero() || c.now().Sub(r.SentAt) < notFoundAfter):
		return supplier.VNNumber{}, fmt.Errorf("warungnokos: %s: not found yet (sent %s ago)", what, c.now().Sub(r.SentAt).Round(time.Second))
	case len(mine) == 0:
		return supplier.VNNumber{}, &supplier.Refusal{Message: "no activation under " + ref + " upstream"}
	}
	d := mine[0]
	id, phone := d.id(), d.phone()
	if d.madeBefore(r.SentAt) {
		return supplier.VNNumber{}, fmt.Errorf("warungnokos: %s: upstream activation %s was made before this rent was sent (its ref_id used before?)", what, clip(c.redact(id)))
	}
	switch word := strings.ToLower(rawString(d.Status)); {
	case id != "" && phone != "":
		n := d.number(id, phone)
		c.settle(ref, accepted, n)
		return n, nil
	case word == "canceled" || word == "cancelled":
		return supplier.VNNumber{}, &supplier.Refusal{Message: "upstream activation " + clip(c.redact(id)) + " got no number and was refunded"}
	}
	return supplier.VNNumber{}, fmt.Errorf("warungnokos: %s: upstream activation %s is still being rented", what, clip(c.redact(id)))
}

// refusal is the *supplier.Refusal a success:false answer stands for, or nil when it
// is not clearly final: only HTTP 2xx and 4xx (but 408 and 409, which may mean the
// request is still being worked on or was taken before), and not a message that
// says something is under way or the server failed.
func (c *Client) refusal(a *answer, msg string) *supplier.Refusal {
	if a.env.ok() != 0 {
		return nil
	}
	switch {
	case a.code >= 200 && a.code < 300:
	case a.code >= 400 && a.code < 500 && a.code != http.StatusRequestTimeout && a.code != http.StatusConflict:
	default:
		return nil
	}
	if ambiguous(msg) {
		return nil
	}
	if msg == "" {
		msg = "no message"
	}
	return &supplier.Refusal{Message: fmt.Sprintf("HTTP %d: %s", a.code, msg), RetryAfter: a.retryAfter}
}

// ambiguousWords in a refusal may mean the request is under way or the server broke
// while handling it: such an answer is not proof that nothing happened.
var ambiguousWords = []string{
	"diproses", "processing", "in progress",
	"timeout", "time out", "timed out",
	"kesalahan server", "kesalahan sistem", "server error", "internal error", "internal server",
}

func ambiguous(msg string) bool {
	m := strings.ToLower(msg)
	for _, w := range ambiguousWords {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}

func first(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// NumberStatus asks otp/status/{trxId}. The seed's words map as:
//
//	waiting                 -> VNWaiting (an otp_code beside it, e.g. after a resend, is kept as an SMS)
//	completed with otp_code -> VNReceived, the code as an SMS
//	completed without one   -> VNDone (finished; the code, if any, was seen before)
//	canceled / cancelled    -> VNCanceled; with an otp_code it contradicts itself: error
//	anything else           -> error (unknown)
//
// success:false ("not found"), a 4xx/5xx, garbage or a timeout is an error: an
// activation this adapter rented that cannot be found is not proof of anything.
func (c *Client) NumberStatus(ctx context.Context, id string) (supplier.VNStatus, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return supplier.VNStatus{}, errors.New("warungnokos: otp/status: no trxId")
	}
	what := "otp/status " + clip(c.redact(id))
	a, err := c.call(ctx, http.MethodGet, "/otp/status/"+url.PathEscape(id), nil, maxBody)
	if err != nil {
		return supplier.VNStatus{}, c.scrub(what, err)
	}
	if err := c.check(what, a); err != nil {
		return supplier.VNStatus{}, err
	}
	// The seed puts status and otp_code beside success; a build that nests them in
	// data is read too.
	var d struct {
		Status  json.RawMessage `json:"status"`
		OTPCode json.RawMessage `json:"otp_code"`
		TrxID   json.RawMessage `json:"trxId"`
	}
	if len(a.env.Data) > 0 {
		_ = json.Unmarshal(a.env.Data, &d)
	}
	if got := first(rawString(a.env.TrxID), rawString(d.TrxID)); got != "" && !strings.EqualFold(got, id) {
		return supplier.VNStatus{}, fmt.Errorf("warungnokos: %s: the answer is about %q", what, clip(c.redact(got)))
	}
	word := first(rawString(a.env.Status), rawString(d.Status))
	code := first(otpCode(a.env.OTPCode), otpCode(d.OTPCode))
	var sms []supplier.SMS
	if code != "" {
		sms = []supplier.SMS{{Code: code}}
	}
	switch strings.ToLower(word) {
	case "waiting":
		return supplier.VNStatus{State: supplier.VNWaiting, SMS: sms}, nil
	case "completed":
		if code == "" {
			return supplier.VNStatus{State: supplier.VNDone}, nil
		}
		return supplier.VNStatus{State: supplier.VNReceived, SMS: sms}, nil
	case "canceled", "cancelled":
		if code != "" {
			return supplier.VNStatus{}, fmt.Errorf("warungnokos: %s: canceled, yet with an otp_code; check it by hand", what)
		}
		return supplier.VNStatus{State: supplier.VNCanceled}, nil
	}
	return supplier.VNStatus{}, fmt.Errorf("warungnokos: %s: unknown status %q", what, clip(c.redact(word)))
}

// otpCode is an otp_code as text; null, "", "-" and "null" are no code.
func otpCode(raw json.RawMessage) string {
	s := rawString(raw)
	switch strings.ToLower(s) {
	case "-", "null", "none":
		return ""
	}
	return s
}

// setStatusBody is otp/set_status's request.
type setStatusBody struct {
	TrxID        string `json:"trxId"`
	ActionStatus string `json:"action_status"`
}

// SetNumberStatus sends otp/set_status with action_status cancel, done or resend.
// success:true is done; a success:false that is clearly final (as for otp/order) is
// a *supplier.Refusal, with RetryAfter from a Retry-After header; anything else is an
// error (unknown: the action may have been taken).
func (c *Client) SetNumberStatus(ctx context.Context, id string, act supplier.VNAction) error {
	id = strings.TrimSpace(id)
	if id == "" {
		return notSent("no trxId")
	}
	switch act {
	case supplier.VNCancel, supplier.VNFinish, supplier.VNResend:
	default:
		return notSent("unknown action %q (cancel, done or resend)", clip(string(act)))
	}
	if err := ctx.Err(); err != nil {
		return notSent("%s", err)
	}
	what := "otp/set_status " + string(act) + " " + clip(c.redact(id))
	a, err := c.call(ctx, http.MethodPost, "/otp/set_status", setStatusBody{TrxID: id, ActionStatus: string(act)}, maxBody)
	if err != nil {
		return c.scrub(what, err)
	}
	msg := clip(c.redact(a.env.message()))
	switch {
	case a.code >= 500:
		return fmt.Errorf("warungnokos: %s: HTTP %d: %s", what, a.code, msg)
	case !a.parsed:
		return fmt.Errorf("warungnokos: %s: unreadable answer (HTTP %d)", what, a.code)
	case a.env.ok() == 1 && a.code >= 200 && a.code < 300:
		return nil
	}
	if refusal := c.refusal(a, msg); refusal != nil {
		return refusal
	}
	return fmt.Errorf("warungnokos: %s: unexpected answer (HTTP %d): %s", what, a.code, msg)
}

// claim marks ref as being sent; if it was sent before, it returns what is known.
func (c *Client) claim(ref string) (rental, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.sent[ref]; ok {
		return *s, false
	}
	c.sent[ref] = &rental{state: inFlight}
	c.fifo = append(c.fifo, ref)
	if len(c.sent) > maxRemembered || len(c.fifo) > 2*maxRemembered {
		c.evict()
	}
	return rental{}, true
}

// evict forgets the oldest accepted Refs until a tenth of maxRemembered is free, and
// drops Refs forgotten since from the queue. Refs in flight or unsure are never
// forgotten: forgetting one would let it be sent again.
func (c *Client) evict() {
	excess := len(c.sent) - maxRemembered*9/10
	keep := c.fifo[:0]
	queued := make(map[string]bool, len(c.sent))
	for _, ref := range c.fifo {
		s, ok := c.sent[ref]
		if !ok || queued[ref] {
			continue
		}
		if excess > 0 && s.state == accepted {
			delete(c.sent, ref)
			excess--
			continue
		}
		queued[ref] = true
		keep = append(keep, ref)
	}
	clear(c.fifo[len(keep):])
	c.fifo = keep
}

func (c *Client) settle(ref string, st sendState, n supplier.VNNumber) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.sent[ref]; ok {
		s.state, s.number = st, n
	}
}

func (c *Client) forget(ref string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.sent, ref)
}
