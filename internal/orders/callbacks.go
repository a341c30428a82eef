package orders

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/supplier"
)

// HandleCallback takes a callback an upstream pushed to {LOKET_PUBLIC_URL}/callbacks/{name}:
// the supplier's adapter checks it and parses the results, and each result is applied
// as a status check's answer would be. It returns the answer the upstream expects.
// Callbacks for orders already final, repeated, or about an attempt that is no longer
// current change nothing but the record.
func (s *Service) HandleCallback(ctx context.Context, name string, r *http.Request, body []byte) (int, []byte) {
	found, ok := s.catalog.SupplierByName(name)
	if !ok {
		return http.StatusNotFound, []byte("unknown supplier\n")
	}
	cfg := &found
	sup, err := s.catalog.Supplier(cfg.ID)
	if err != nil {
		return http.StatusNotFound, []byte("unknown supplier\n")
	}
	recv, ok := sup.(supplier.CallbackReceiver)
	if !ok {
		return http.StatusNotFound, []byte("this supplier sends no callbacks\n")
	}
	results, status, answer, err := recv.ReceiveCallback(r, body)
	if err != nil {
		s.m.callbacks.With(cfg.Name, "refused").Inc()
		s.log.Warn("callback refused", "supplier", cfg.Name, "err", err)
		return status, answer
	}
	for _, c := range results {
		// The ids look an attempt up; text no database takes matches none.
		c.Ref, c.TrxID, c.Result = loket.CleanText(c.Ref, loket.MaxText), loket.CleanText(c.TrxID, loket.MaxText), fit(c.Result)
		if len(c.Prices) > 0 {
			if err := s.catalog.ApplyPriceNews(ctx, *cfg, c.Prices); err != nil {
				s.log.Error("price news not applied", "supplier", cfg.Name, "err", err)
				return http.StatusServiceUnavailable, []byte("try again\n")
			}
			s.m.callbacks.With(cfg.Name, "prices").Inc()
			continue
		}
		outcome := "applied"
		if err := s.applyCallback(ctx, cfg.ID, c); err != nil {
			outcome = "unmatched"
			if loket.ErrorCode(err) != loket.ENOTFOUND {
				outcome = "error"
				s.log.Error("callback not applied", "supplier", cfg.Name, "ref", c.Ref, "trx", c.TrxID, "err", err)
				// Tell the upstream to send it again: nothing was lost on our side.
				return http.StatusServiceUnavailable, []byte("try again\n")
			}
			// Perhaps the upstream answered by callback before the order call returned:
			// kept for the attempt that will record this id.
			s.early.put(cfg.ID, c)
			s.log.Warn("callback for no known attempt (yet)", "supplier", cfg.Name, "ref", c.Ref, "trx", c.TrxID)
		}
		s.m.callbacks.With(cfg.Name, outcome).Inc()
	}
	return status, answer
}

func (s *Service) applyCallback(ctx context.Context, supplierID int64, c supplier.Callback) error {
	at, err := s.db.AttemptFor(ctx, supplierID, c.Ref, c.TrxID)
	if err != nil {
		return err
	}
	o, err := s.db.Order(ctx, at.OrderID, 0)
	if err != nil {
		return err
	}
	if o.Status != loket.StatusPending {
		return nil // already final: a repeat, or a late one
	}
	attempts, err := s.db.Attempts(ctx, o.ID)
	if err != nil {
		return err
	}
	if len(attempts) == 0 || attempts[len(attempts)-1].Seq != at.Seq {
		// About an attempt the order has moved on from (it failed definitely before):
		// a later contradiction is for the operator, never an automatic settlement.
		if c.Result.Outcome == supplier.Success {
			s.log.Error("supplier reports success for an attempt it had failed; check for a double delivery",
				"order", o.ID, "attempt", at.Seq)
		}
		return nil
	}
	res := c.Result
	switch res.Outcome {
	case supplier.Success:
		return s.settle(ctx, o, at, res)
	case supplier.Failed:
		if err := s.db.Write(ctx, uint64(o.ResellerID), func(t *store.Tx) error {
			return t.UpdateAttempt(o.ID, at.Seq, string(supplier.Failed), res.TrxID, res.Message)
		}); err != nil {
			return err
		}
		// The order's job takes it to the next route, or refunds it.
		s.runner.Enqueue(store.Job{Key: store.OrderJobKey(o.ID), Kind: store.JobOrder, RefID: o.ID})
		return nil
	case supplier.Pending:
		return s.db.Write(ctx, uint64(o.ResellerID), func(t *store.Tx) error {
			return t.UpdateAttempt(o.ID, at.Seq, string(supplier.Pending), res.TrxID, res.Message)
		})
	}
	// Unknown tells nothing: acknowledged, and the order's polling carries on.
	return nil
}

// Early callbacks: an upstream that answers fast may report a result before the answer
// to the order call itself, and so before Loket wrote down the upstream's transaction
// id the callback names. Such a callback matches no attempt yet. It is kept here for a
// while, and the node that records the id applies it then, instead of waiting for the
// next status poll. (Another node's early callback is still settled by that poll.)

const (
	earlyTTL = 2 * time.Minute
	earlyMax = 10_000
)

type earlyCallback struct {
	c  supplier.Callback
	at time.Time
}

type earlyCallbacks struct {
	mu sync.Mutex
	m  map[string]earlyCallback
}

func earlyKey(supplierID int64, kind, id string) string {
	return strconv.FormatInt(supplierID, 10) + "|" + kind + "|" + id
}

func (e *earlyCallbacks) put(supplierID int64, c supplier.Callback) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	if e.m == nil {
		e.m = map[string]earlyCallback{}
	}
	if len(e.m) >= earlyMax {
		for k, v := range e.m {
			if now.Sub(v.at) > earlyTTL {
				delete(e.m, k)
			}
		}
		if len(e.m) >= earlyMax {
			return // the status poll settles it
		}
	}
	if c.TrxID != "" {
		e.m[earlyKey(supplierID, "t", c.TrxID)] = earlyCallback{c, now}
	}
	if c.Ref != "" {
		e.m[earlyKey(supplierID, "r", c.Ref)] = earlyCallback{c, now}
	}
}

// take returns and forgets a callback kept for an attempt's ref or transaction id.
func (e *earlyCallbacks) take(supplierID int64, ref, trx string) (supplier.Callback, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, k := range []string{earlyKey(supplierID, "t", trx), earlyKey(supplierID, "r", ref)} {
		if strings.HasSuffix(k, "|") {
			continue
		}
		v, ok := e.m[k]
		if !ok {
			continue
		}
		delete(e.m, earlyKey(supplierID, "t", v.c.TrxID))
		delete(e.m, earlyKey(supplierID, "r", v.c.Ref))
		if time.Since(v.at) > earlyTTL {
			return supplier.Callback{}, false
		}
		return v.c, true
	}
	return supplier.Callback{}, false
}

// applyEarly applies a callback that arrived before the attempt's transaction id was
// recorded, if there is one.
func (s *Service) applyEarly(ctx context.Context, at *loket.Attempt, trx string) {
	c, ok := s.early.take(at.SupplierID, at.SupplierRef, trx)
	if !ok {
		return
	}
	if err := s.applyCallback(ctx, at.SupplierID, c); err != nil {
		s.log.Warn("early callback not applied; the status poll settles the order", "order", at.OrderID, "err", err)
	}
}
