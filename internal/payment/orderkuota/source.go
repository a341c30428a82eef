package orderkuota

import (
	"context"
	"time"

	"github.com/loket/loket/internal/loket"
)

// Overlap is how far before its cursor a Source still passes on entries: the mutation
// list has no cursor of its own, its times have second (or minute) precision and a
// payment may be listed a little after later ones. Entries passed twice are recorded
// once (by source and ref); entries older than that were passed on before.
const Overlap = 10 * time.Minute

// Source is the payment source Loket polls (loket.PaymentSource): the incoming entries
// of the mutation list (/kasir/orkut/mutasi), with Ref issuer_reff.
type Source struct {
	name   string
	method string
	c      *Client
}

// NewSource reads incoming payments through c; name is the source's name in Loket
// (payments are kept once per name and ref), method the deposit method they pay.
func NewSource(name, method string, c *Client) *Source {
	return &Source{name: name, method: method, c: c}
}

// Name is the source's name in Loket.
func (s *Source) Name() string { return s.name }

// Client is the client the source reads through.
func (s *Source) Client() *Client { return s.c }

// Incoming returns the incoming payments of the mutation list newer than cursor less
// Overlap, and the new cursor: the time of the newest entry seen (RFC 3339, UTC).
// Entries that were read are returned even with an error.
func (s *Source) Incoming(ctx context.Context, cursor string) ([]loket.Payment, string, error) {
	var since time.Time
	if cursor != "" {
		if t, err := time.Parse(time.RFC3339Nano, cursor); err == nil {
			since = t.Add(-Overlap)
		}
	}
	ps, err := s.c.Mutations(ctx)
	next := cursor
	newest := since.Add(Overlap)
	var out []loket.Payment
	for _, p := range ps {
		if !p.Incoming || p.Ref == "" {
			continue
		}
		if !since.IsZero() && !p.At.IsZero() && p.At.Before(since) {
			continue
		}
		if p.At.After(newest) {
			newest = p.At
			next = p.At.UTC().Format(time.RFC3339Nano)
		}
		out = append(out, loket.Payment{Ref: p.Ref, Method: s.method, Amount: p.Amount, Brand: p.Brand, Buyer: p.Buyer, PaidAt: p.At})
	}
	return out, next, err
}
