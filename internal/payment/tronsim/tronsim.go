// Package tronsim is a simulated TRON chain for demos and tests, as a TronGrid-compatible
// API shows it, so that the USDT watcher (package trongrid) pointed at it sees what it
// would see of the real chain: GET /v1/accounts/{address}/transactions/trc20 lists
// TRC-20 transfers with TronGrid's filters (only_confirmed, only_unconfirmed, only_to,
// only_from, contract_address, min_timestamp, max_timestamp), its order (order_by
// block_timestamp,desc by default, or ,asc) and its paging (limit, at most 200, and
// meta.fingerprint). POST /send records a transfer, as a wallet sending USDT would;
// POST /confirm confirms one sent unconfirmed.
//
// Paths are relative: the demo mounts the handler at /sim/tron/ with
// http.StripPrefix. Any API key is accepted. Transfers live in memory, the last
// MaxTransfers of them; transaction hashes are random.
package tronsim

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/payment/usdt"
)

const (
	// MaxTransfers is how many transfers the simulator remembers.
	MaxTransfers = 10_000
	// MaxLimit is TronGrid's largest page.
	MaxLimit = 200
	// MaxValue bounds a simulated transfer: a million USDT.
	MaxValue = 1_000_000 * int64(usdt.Micro)
)

// Transfer is one TRC-20 transfer on the simulated chain.
type Transfer struct {
	TxID      string    // 64 hex digits
	From, To  string    // base58 addresses
	Contract  string    // the token's contract: usdt.Contract unless another is given
	Value     int64     // in the token's unit (micro-USDT)
	At        time.Time // block time, to the millisecond
	Confirmed bool
}

// Sim is a simulated chain. Safe for concurrent use.
type Sim struct {
	to  func() string // whom a transfer without a recipient pays
	now func() time.Time

	mu       sync.Mutex
	txs      []Transfer // in the order sent
	maxLimit int
}

// New returns an empty chain; to names the recipient of a POST /send that names none
// (the demo's address), or is nil.
func New(to func() string) *Sim {
	return &Sim{to: to, now: time.Now, maxLimit: MaxLimit}
}

// SetMaxLimit lowers the largest page the listing serves, so that a test pages
// through a few transfers.
func (s *Sim) SetMaxLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxLimit = max(1, min(n, MaxLimit))
}

// Send records t: its hash (random unless given), sender (random unless given),
// recipient (the default unless given), contract (USDT unless given) and block time
// (now unless given) filled in. Unless t.Confirmed, it waits for Confirm.
func (s *Sim) Send(t Transfer) (Transfer, error) {
	if t.To == "" && s.to != nil {
		t.To = s.to()
	}
	if t.Contract == "" {
		t.Contract = usdt.Contract
	}
	if t.From == "" {
		raw := append([]byte{0x41}, random(20)...)
		t.From = usdt.EncodeAddress(raw)
	}
	for _, a := range []string{t.To, t.From, t.Contract} {
		if err := usdt.ValidateAddress(a); err != nil {
			return Transfer{}, fmt.Errorf("address %q: %w", a, err)
		}
	}
	if t.Value < 1 || t.Value > MaxValue {
		return Transfer{}, fmt.Errorf("the value must be 1..%d (the token's unit)", MaxValue)
	}
	if t.TxID == "" {
		t.TxID = hex.EncodeToString(random(32))
	}
	if t.At.IsZero() {
		t.At = s.now()
	}
	t.At = t.At.Truncate(time.Millisecond).UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.txs) == MaxTransfers {
		s.txs = slices.Delete(s.txs, 0, 1)
	}
	s.txs = append(s.txs, t)
	return t, nil
}

// Confirm confirms the transfers of a transaction; false when there is none.
func (s *Sim) Confirm(txID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	found := false
	for i := range s.txs {
		if s.txs[i].TxID == txID {
			s.txs[i].Confirmed, found = true, true
		}
	}
	return found
}

func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// Handler serves the listing, POST /send and POST /confirm, on paths relative to its
// mount.
func (s *Sim) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/accounts/{address}/transactions/trc20", s.list)
	mux.HandleFunc("POST /send", s.send)
	mux.HandleFunc("POST /confirm", s.confirm)
	return mux
}

// entry is a transfer as TronGrid lists it.
type entry struct {
	TxID      string    `json:"transaction_id"`
	TokenInfo tokenInfo `json:"token_info"`
	Timestamp int64     `json:"block_timestamp"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Type      string    `json:"type"`
	Value     string    `json:"value"`
}

type tokenInfo struct {
	Symbol   string `json:"symbol"`
	Address  string `json:"address"`
	Decimals int    `json:"decimals"`
	Name     string `json:"name"`
}

func entryOf(t Transfer) entry {
	// Every token calls itself USDT here, as the fake ones on the real chain do: only
	// the contract tells.
	name := "Tether USD"
	if t.Contract != usdt.Contract {
		name = "Tether USD (not USDT's contract)"
	}
	return entry{TxID: t.TxID, TokenInfo: tokenInfo{Symbol: "USDT", Address: t.Contract, Decimals: 6, Name: name},
		Timestamp: t.At.UnixMilli(), From: t.From, To: t.To, Type: "Transfer", Value: strconv.FormatInt(t.Value, 10)}
}

// fail answers in TronGrid's error shape.
func fail(w http.ResponseWriter, status int, msg string) {
	httpx.WriteJSON(w, status, map[string]any{"success": false, "error": msg, "statusCode": status})
}

// list serves the account's TRC-20 transfers.
func (s *Sim) list(w http.ResponseWriter, r *http.Request) {
	address := r.PathValue("address")
	if err := usdt.ValidateAddress(address); err != nil {
		fail(w, http.StatusBadRequest, "invalid address: "+err.Error())
		return
	}
	q := r.URL.Query()
	flag := func(name string) bool { return q.Get(name) == "true" }
	if flag("only_confirmed") && flag("only_unconfirmed") {
		fail(w, http.StatusBadRequest, "only_confirmed and only_unconfirmed cannot be used together")
		return
	}
	var minTS, maxTS int64 = 0, 1<<63 - 1
	for name, p := range map[string]*int64{"min_timestamp": &minTS, "max_timestamp": &maxTS} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				fail(w, http.StatusBadRequest, "invalid "+name)
				return
			}
			*p = n
		}
	}
	desc := true
	switch q.Get("order_by") {
	case "", "block_timestamp,desc":
	case "block_timestamp,asc":
		desc = false
	default:
		fail(w, http.StatusBadRequest, "invalid order_by")
		return
	}
	s.mu.Lock()
	limit := 20
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.mu.Unlock()
			fail(w, http.StatusBadRequest, "invalid limit")
			return
		}
		limit = n
	}
	limit = min(limit, s.maxLimit)
	var out []Transfer
	for _, t := range s.txs {
		ts := t.At.UnixMilli()
		switch {
		case t.To != address && t.From != address,
			flag("only_to") && t.To != address,
			flag("only_from") && t.From != address,
			flag("only_confirmed") && !t.Confirmed,
			flag("only_unconfirmed") && t.Confirmed,
			q.Get("contract_address") != "" && t.Contract != q.Get("contract_address"),
			ts < minTS || ts > maxTS:
			continue
		}
		out = append(out, t)
	}
	s.mu.Unlock()
	order := func(a, b Transfer) int { return cmp.Or(a.At.Compare(b.At), strings.Compare(a.TxID, b.TxID)) }
	slices.SortFunc(out, order)
	if desc {
		slices.Reverse(out)
	}
	if fp := q.Get("fingerprint"); fp != "" {
		last, err := readFingerprint(fp)
		if err != nil {
			fail(w, http.StatusBadRequest, "invalid fingerprint")
			return
		}
		// The page goes on after the last transfer of the previous one.
		i := slices.IndexFunc(out, func(t Transfer) bool {
			if desc {
				return order(t, last) < 0
			}
			return order(t, last) > 0
		})
		if i < 0 {
			i = len(out)
		}
		out = out[i:]
	}
	meta := map[string]any{"at": s.now().UnixMilli()}
	if len(out) > limit {
		out = out[:limit]
		meta["fingerprint"] = fingerprint(out[len(out)-1])
	}
	data := make([]entry, len(out))
	for i, t := range out {
		data[i] = entryOf(t)
	}
	meta["page_size"] = len(data)
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"data": data, "success": true, "meta": meta})
}

// A fingerprint names the last transfer of a page.
func fingerprint(t Transfer) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.At.UnixMilli(), 10) + ":" + t.TxID))
}

func readFingerprint(fp string) (Transfer, error) {
	b, err := base64.RawURLEncoding.DecodeString(fp)
	if err != nil {
		return Transfer{}, err
	}
	ms, id, ok := strings.Cut(string(b), ":")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil {
		return Transfer{}, errors.New("not a fingerprint")
	}
	return Transfer{TxID: id, At: time.UnixMilli(n)}, nil
}

// send: POST /send {"amount":"3.0837", "to":"T...", "from":"T...", "contract":"T...",
// "confirmed":true}; amount in USDT (up to 6 decimals), to the default recipient and
// confirmed unless said otherwise.
func (s *Sim) send(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Amount    json.Number `json:"amount"`
		To        string      `json:"to"`
		From      string      `json:"from"`
		Contract  string      `json:"contract"`
		Confirmed *bool       `json:"confirmed"`
	}
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	value, err := usdt.Parse(in.Amount.String())
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	t, err := s.Send(Transfer{To: strings.TrimSpace(in.To), From: strings.TrimSpace(in.From), Contract: strings.TrimSpace(in.Contract),
		Value: int64(value), Confirmed: in.Confirmed == nil || *in.Confirmed})
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"success": true, "confirmed": t.Confirmed, "data": entryOf(t)})
}

// confirm: POST /confirm {"transaction_id":"..."}.
func (s *Sim) confirm(w http.ResponseWriter, r *http.Request) {
	var in struct {
		TxID string `json:"transaction_id"`
	}
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	if !s.Confirm(strings.TrimSpace(in.TxID)) {
		fail(w, http.StatusNotFound, "no such transaction")
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"success": true})
}
