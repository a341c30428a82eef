package trongrid

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/payment"
	"github.com/loket/loket/internal/payment/usdt"
)

// How the watcher walks the list.
const (
	// MaxPages bounds one poll. TronGrid serves about 1,000 entries of one query
	// through fingerprints; a poll that reads this many leaves the rest to the next,
	// which starts at the last block time read.
	MaxPages = 5
	// Overlap is how much of the list before the newest block time seen (or the API's
	// clock) the next poll reads again, so that a transfer the API lists a little late
	// is still seen. Transfers read twice are recorded once (by source and ref).
	Overlap = 10 * time.Minute
	// Lookback is how far back the first poll of an address reads: transfers for the
	// deposits still open (30 minutes) when the watcher starts are seen, older history
	// is not.
	Lookback = time.Hour
)

func init() {
	payment.Register(usdt.SourceName, func(ctx context.Context, env payment.Env) (loket.PaymentSource, time.Duration, error) {
		if env.Tron.URL == "" {
			return nil, 0, nil // LOKET_TRON_API_URL=off
		}
		hc := env.Tron.HTTP
		if hc == nil {
			hc = &http.Client{Timeout: 20 * time.Second}
		}
		c := New(Config{BaseURL: env.Tron.URL, APIKey: env.Tron.Key, HTTP: hc})
		return NewWatcher(c, env.Settings, env.Log), env.Tron.Every, nil
	})
}

// Watcher is the USDT watcher (loket.PaymentSource, named usdt.SourceName): the
// confirmed transfers of the USDT contract (usdt.Contract) to the operator's address
// (the setting usdt.SettingAddress, read at each poll: until it is set the watcher
// reports nothing, and a new address is read from the next poll on).
//
// Each transfer is a payment with Ref the transaction hash (lower-case hex, as the
// operator's confirmation by hand writes it, so the two are kept once), Method usdt,
// Amount the raw value (micro-USDT), Brand TRON, Buyer the sender and PaidAt the
// block time. Entries that are not such transfers (another token, outgoing, not a
// transfer) are passed over; malformed ones are skipped and logged once each.
type Watcher struct {
	c        *Client
	settings payment.Settings
	log      *slog.Logger
	now      func() time.Time

	mu     sync.Mutex
	warned map[string]struct{} // what was logged, so a skipped entry read again is not
}

// NewWatcher reads the chain through c, for the address kept in settings.
func NewWatcher(c *Client, settings payment.Settings, log *slog.Logger) *Watcher {
	return &Watcher{c: c, settings: settings, log: log, now: time.Now, warned: map[string]struct{}{}}
}

// Name is the source's name: payments are kept once per name and ref.
func (w *Watcher) Name() string { return usdt.SourceName }

// The cursor is the address and the block time (Unix milliseconds) the next poll
// reads from: "T...@1712345678000". A cursor of another address (the operator moved
// to a new one) starts that address afresh.
func readCursor(cursor, address string) (from int64, ok bool) {
	a, ms, found := strings.Cut(cursor, "@")
	if !found || a != address {
		return 0, false
	}
	n, err := strconv.ParseInt(ms, 10, 64)
	return n, err == nil && n >= 0
}

func writeCursor(address string, from int64) string {
	return address + "@" + strconv.FormatInt(from, 10)
}

// incoming is a transfer to report.
type incoming struct {
	hash, from string
	value      int64 // micro-USDT
	at         int64 // block time, Unix milliseconds
}

// Incoming reads the transfers from the cursor's block time on, oldest first, and
// returns them with the cursor to read from next. When the API fails, what was read
// before is returned with the error, and the cursor stays.
func (w *Watcher) Incoming(ctx context.Context, cursor string) ([]loket.Payment, string, error) {
	address, err := w.settings.Setting(ctx, usdt.SettingAddress)
	if err != nil || address == "" {
		return nil, cursor, err
	}
	from, ok := readCursor(cursor, address)
	if !ok {
		from = w.now().Add(-Lookback).UnixMilli()
	}
	q := Query{Address: address, Contract: usdt.Contract, MinTimestamp: from}
	var got []incoming
	var newest, clock int64
	capped, ascending := false, true
	for page := 0; ; page++ {
		if page == MaxPages {
			capped = true
			break
		}
		p, err := w.c.Transfers(ctx, q)
		if err != nil {
			return payments(got), cursor, err
		}
		if page == 0 {
			clock = p.At
		}
		for _, raw := range p.Entries {
			in, at, keep := w.read(raw, address)
			if at > 0 {
				ascending = ascending && at >= newest
				newest = max(newest, at)
			}
			if keep {
				got = append(got, in)
			}
		}
		if p.Fingerprint == "" || p.Fingerprint == q.Fingerprint || len(p.Entries) == 0 {
			break
		}
		q.Fingerprint = p.Fingerprint
	}
	next := from
	switch {
	case capped && ascending && newest-1 > from:
		// The list goes on. The next poll starts just before the last block read, and
		// that block's transfers wait for it, so that all the transfers of one
		// transaction are always read by the same poll (see refs).
		next = newest - 1
		got = slices.DeleteFunc(got, func(in incoming) bool { return in.at >= newest })
	case capped:
		// Too many transfers in one block, or an API that does not list oldest first:
		// what was not read must not be skipped.
		w.warnLevel(slog.LevelError, "capped:"+writeCursor(address, from), "tron: more transfers than one poll reads, and the cursor cannot move past them",
			"address", address, "from", from, "oldest_first", ascending)
	default:
		seen := newest
		if clock > 0 {
			seen = max(seen, min(clock, w.now().UnixMilli()))
		}
		next = max(from, seen-Overlap.Milliseconds())
	}
	return payments(got), writeCursor(address, next), nil
}

// read makes a list entry a transfer to report (keep), or says why not; at is its
// block time when it has one, for the cursor.
func (w *Watcher) read(raw json.RawMessage, address string) (in incoming, at int64, keep bool) {
	var t Transfer
	if err := json.Unmarshal(raw, &t); err != nil {
		w.warn(string(raw), "tron: unreadable transfer skipped", "entry", oneLine(raw), "err", err)
		return in, 0, false
	}
	at = t.BlockTimestamp
	if t.TokenInfo.Address != usdt.Contract || t.To != address || (t.Type != "" && t.Type != "Transfer") {
		return in, at, false // another token, an outgoing transfer, an approval
	}
	hash, err := usdt.ValidateTxHash(t.TxID)
	if err != nil {
		w.warn(string(raw), "tron: transfer without a valid transaction hash skipped", "entry", oneLine(raw))
		return in, at, false
	}
	v := t.Value.String()
	value, err := strconv.ParseInt(v, 10, 64)
	switch {
	case t.BlockTimestamp <= 0:
		w.warn(string(raw), "tron: transfer without a block time skipped", "tx", hash)
		return in, 0, false
	case t.TokenInfo.Decimals != nil && *t.TokenInfo.Decimals != 6:
		w.warn(string(raw), "tron: USDT transfer with other than 6 decimals skipped", "tx", hash, "decimals", *t.TokenInfo.Decimals)
		return in, at, false
	case v == "" || strings.Trim(v, "0123456789") != "":
		w.warn(string(raw), "tron: transfer with an unreadable value skipped", "tx", hash, "value", v)
		return in, at, false
	case err != nil || loket.Money(value) > loket.MaxAmount:
		w.warnLevel(slog.LevelError, string(raw), "tron: USDT transfer too large to record; credit it by hand", "tx", hash, "value", v)
		return in, at, false
	case value == 0:
		return in, at, false
	}
	return incoming{hash: hash, from: t.From, value: value, at: at}, at, true
}

// payments reports the transfers read, oldest first. A transfer listed twice (on two
// pages, say) is reported once. A transaction may hold several transfers to the
// address (a batch payout): the first keeps the hash as its ref, the others get
// "<hash>:2", ":3"..., in the order of their value and sender, not of the API's list,
// so that a transfer has the same ref at every reading.
func payments(got []incoming) []loket.Payment {
	slices.SortFunc(got, func(a, b incoming) int {
		return cmp.Or(cmp.Compare(a.at, b.at), strings.Compare(a.hash, b.hash), cmp.Compare(a.value, b.value), strings.Compare(a.from, b.from))
	})
	got = slices.CompactFunc(got, func(a, b incoming) bool { return a == b })
	var out []loket.Payment
	for i, in := range got {
		ref := in.hash
		if n := sameTx(got, i); n > 1 {
			ref = fmt.Sprintf("%s:%d", in.hash, n)
		}
		out = append(out, loket.Payment{Source: usdt.SourceName, Ref: ref, Method: loket.MethodUSDT, Amount: loket.Money(in.value),
			Brand: usdt.Brand, Buyer: in.from, PaidAt: time.UnixMilli(in.at).UTC()})
	}
	return out
}

// sameTx is the rank of got[i] among the transfers of its transaction (1 for the
// first); got is sorted, so they are next to each other.
func sameTx(got []incoming, i int) int {
	n := 1
	for j := i - 1; j >= 0 && got[j].hash == got[i].hash; j-- {
		n++
	}
	return n
}

// oneLine is an entry for the log.
func oneLine(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return snippet(raw)
	}
	return snippet(b.Bytes())
}

func (w *Watcher) warn(key, msg string, args ...any) { w.warnLevel(slog.LevelWarn, key, msg, args...) }

// warnLevel logs msg once per key: the overlap reads an entry several times.
func (w *Watcher) warnLevel(level slog.Level, key, msg string, args ...any) {
	w.mu.Lock()
	_, done := w.warned[key]
	if !done {
		if len(w.warned) >= 10_000 {
			clear(w.warned)
		}
		w.warned[key] = struct{}{}
	}
	w.mu.Unlock()
	if !done {
		w.log.Log(context.Background(), level, msg, args...)
	}
}
