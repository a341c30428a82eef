package sim

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/supplier"
)

// Virtual numbers (CONTRACT.md): a simulated number receives one SMS with a 6-digit
// code within Delay of its rent, and one more within Delay of each resend.
//
// The activation id carries what the simulator needs to answer a status check without
// state: the rent time and Loket's ref ("SV<unix ms>-<ref>"), from which the phone
// number, the codes and their arrival times follow. What the id cannot carry (cancel,
// done, resends) is kept in memory, in the process: after a restart an activation
// looks as if it was never resent or finished, which Loket, which keeps its own books
// and stops polling finished activations, does not notice.

var (
	_ supplier.VNSupplier = (*Sim)(nil)
	_ supplier.VNFinder   = (*Sim)(nil)
)

// simVN is what a rented number went through after its rent.
type simVN struct {
	ref      string    // Loket's
	sentAt   time.Time // the rent's SentAt
	rentedAt time.Time
	resends  []time.Time
	closedAt time.Time
	state    supplier.VNState // "" while open, VNCanceled or VNDone once closed
}

var (
	vnMu    sync.Mutex
	vnMarks = map[string]*simVN{}
)

// vnKeep is how long the simulator remembers an activation's marks.
const vnKeep = 2 * time.Hour

// The simulator's virtual-number catalog: the demo dataset's services, country,
// provider and operators (CONTRACT.md), at these costs.
var vnCosts = map[int64]loket.Money{14: 1000, 86: 1363}

// RentNumber rents a number at once. It refuses when the caller's max price is below
// the cost or the operator is unknown, as an upstream does.
func (s *Sim) RentNumber(_ context.Context, r supplier.VNRequest) (supplier.VNNumber, error) {
	cost, ok := vnCosts[r.ServiceCode]
	if !ok || r.NumberID != 340437 || r.ProviderID != "3837" {
		return supplier.VNNumber{}, &supplier.Refusal{Message: "no numbers for this service, country and provider"}
	}
	op := strings.ToLower(r.OperatorID)
	if op != "" && op != "any" && op != "telkomsel" {
		return supplier.VNNumber{}, &supplier.Refusal{Message: "unknown operator " + r.OperatorID}
	}
	if r.MaxPrice > 0 && r.MaxPrice < cost {
		return supplier.VNNumber{}, &supplier.Refusal{Message: fmt.Sprintf("price %d is above max price %d", cost, r.MaxPrice)}
	}
	now := time.Now()
	id := fmt.Sprintf("SV%d-%s", now.UnixMilli(), r.Ref)
	vnMu.Lock()
	for k, v := range vnMarks {
		if now.Sub(v.rentedAt) > vnKeep {
			delete(vnMarks, k)
		}
	}
	vnMarks[id] = &simVN{ref: r.Ref, sentAt: r.SentAt, rentedAt: now}
	vnMu.Unlock()
	return supplier.VNNumber{ID: id, Phone: vnPhone(id, op), Price: cost}, nil
}

// vnPhone is the number of activation id, rented for operator op.
func vnPhone(id, op string) string {
	h := hash(id)
	prefix := []string{"811", "812", "813", "821", "822", "852", "853"}[h%7]
	if op == "any" || op == "" {
		prefix = []string{"812", "857", "878", "896", "838", "813", "819"}[h%7]
	}
	return fmt.Sprintf("+62 %s %04d %04d", prefix, (h/7)%10000, (h/70000)%10000)
}

// FindNumber looks a rent up by Loket's ref and its SentAt among the activations the
// simulator remembers (its in-memory marks, 2 h). The simulated upstream lives in the
// process: a rent it does not remember, sent to it while it was up, was not made (a
// refusal). Refs alone may coincide (tests run many Lokets in one process); with the
// time sent as well, two matches are too many to tell apart (unknown).
func (s *Sim) FindNumber(_ context.Context, r supplier.VNRequest) (supplier.VNNumber, error) {
	cost, ok := vnCosts[r.ServiceCode]
	if !ok || r.Ref == "" {
		return supplier.VNNumber{}, &supplier.Refusal{Message: "no numbers for this service"}
	}
	vnMu.Lock()
	var found []string
	for id, m := range vnMarks {
		if m.ref == r.Ref && m.sentAt.Equal(r.SentAt) {
			found = append(found, id)
		}
	}
	vnMu.Unlock()
	switch len(found) {
	case 0:
		return supplier.VNNumber{}, &supplier.Refusal{Message: "no activation under " + r.Ref}
	case 1:
		return supplier.VNNumber{ID: found[0], Phone: vnPhone(found[0], strings.ToLower(r.OperatorID)), Price: cost}, nil
	}
	return supplier.VNNumber{}, fmt.Errorf("sim: %d activations under %s", len(found), r.Ref)
}

// rentTime reads the rent time out of an activation id.
func rentTime(id string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(id, "SV")
	if !ok {
		return time.Time{}, false
	}
	ms, _, ok := strings.Cut(rest, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(n), true
}

// smsAt is when the n-th SMS (0-based) of id arrives, counted from start.
func (s *Sim) smsAt(id string, n int, start time.Time) time.Time {
	return start.Add(s.settleAfter(fmt.Sprintf("%s#%d", id, n)))
}

func vnCode(id string, n int) string {
	return fmt.Sprintf("%06d", hash(fmt.Sprintf("%s/code/%d", id, n))%1_000_000)
}

// messages lists the SMS of id that arrived by now (and before it was closed).
func (s *Sim) messages(id string, rented time.Time, m simVN, now time.Time) []supplier.SMS {
	starts := append([]time.Time{rented}, m.resends...)
	var out []supplier.SMS
	for n, start := range starts {
		at := s.smsAt(id, n, start)
		if at.After(now) || (!m.closedAt.IsZero() && at.After(m.closedAt)) {
			break
		}
		code := vnCode(id, n)
		out = append(out, supplier.SMS{Code: code, At: at,
			Text: fmt.Sprintf("<#> %s-%s adalah kode verifikasi Anda. Jangan berikan kode ini kepada siapa pun.", code[:3], code[3:])})
	}
	return out
}

func (s *Sim) vnState(id string) (time.Time, simVN, error) {
	rented, ok := rentTime(id)
	if !ok {
		return time.Time{}, simVN{}, &supplier.Refusal{Message: "unknown activation " + id}
	}
	vnMu.Lock()
	defer vnMu.Unlock()
	var m simVN
	if p := vnMarks[id]; p != nil {
		m = *p
		m.resends = append([]time.Time(nil), p.resends...)
	}
	return rented, m, nil
}

// NumberStatus reports the SMS that arrived so far.
func (s *Sim) NumberStatus(_ context.Context, id string) (supplier.VNStatus, error) {
	rented, m, err := s.vnState(id)
	if err != nil {
		return supplier.VNStatus{}, err
	}
	sms := s.messages(id, rented, m, time.Now())
	st := supplier.VNStatus{State: supplier.VNWaiting, SMS: sms}
	switch {
	case m.state != "":
		st.State = m.state
	case len(sms) > len(m.resends):
		st.State = supplier.VNReceived
	}
	return st, nil
}

// SetNumberStatus cancels (only before an SMS arrived), finishes (only after one did)
// or asks for another SMS.
func (s *Sim) SetNumberStatus(_ context.Context, id string, a supplier.VNAction) error {
	rented, ok := rentTime(id)
	if !ok {
		return &supplier.Refusal{Message: "unknown activation " + id}
	}
	now := time.Now()
	vnMu.Lock()
	defer vnMu.Unlock()
	m := vnMarks[id]
	if m == nil {
		m = &simVN{rentedAt: rented}
		vnMarks[id] = m
	}
	got := len(s.messages(id, rented, *m, now))
	switch {
	case m.state == supplier.VNCanceled && a == supplier.VNCancel, m.state == supplier.VNDone && a == supplier.VNFinish:
		return nil
	case m.state != "":
		return &supplier.Refusal{Message: "activation is " + string(m.state)}
	}
	switch a {
	case supplier.VNCancel:
		if got > 0 {
			return &supplier.Refusal{Message: "an SMS arrived already; finish the activation instead"}
		}
		m.state, m.closedAt = supplier.VNCanceled, now
	case supplier.VNFinish:
		if got == 0 {
			return &supplier.Refusal{Message: "no SMS yet; cancel the activation instead"}
		}
		m.state, m.closedAt = supplier.VNDone, now
	case supplier.VNResend:
		if got == 0 {
			return &supplier.Refusal{Message: "no SMS yet to resend"}
		}
		m.resends = append(m.resends, now)
	default:
		return &supplier.Refusal{Message: "unknown action " + string(a)}
	}
	return nil
}

// VNCatalog is the demo dataset's virtual numbers, at the simulator's costs.
func (s *Sim) VNCatalog(context.Context) (supplier.VNCatalog, error) {
	return supplier.VNCatalog{
		Services: []loket.VNService{{Code: 14, Name: "WhatsApp", Active: true}, {Code: 86, Name: "Telegram", Active: true}},
		Countries: []loket.VNCountry{{NumberID: 340437, Name: "Indonesia", Prefix: "+62", Prices: []loket.VNPrice{
			{ServiceCode: 14, NumberID: 340437, ProviderID: "3837", ServerID: 3, Price: vnCosts[14], RateBP: 8160, Stock: 103},
			{ServiceCode: 86, NumberID: 340437, ProviderID: "3837", ServerID: 3, Price: vnCosts[86], RateBP: 7650, Stock: 88},
		}}},
		Operators: []supplier.VNOperators{{NumberID: 340437, ProviderID: "3837",
			Operators: []loket.VNOperator{{ID: "any", Name: "any"}, {ID: "telkomsel", Name: "telkomsel"}}}},
	}, nil
}
