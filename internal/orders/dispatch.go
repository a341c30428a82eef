package orders

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/supplier"
)

// nextRoute is the first usable route of a product after the ones an order has tried
// (by priority: enabled, answering, funded for the cost).
func (s *Service) nextRoute(productID int64, tried map[int64]bool) *loket.Route {
	for _, r := range s.catalog.Routes(productID) {
		if tried[r.ID] {
			continue
		}
		if ok, _ := s.usable(&r); ok {
			r := r
			return &r
		}
	}
	return nil
}

// flagOverdue marks orders pending past the deadline for the operator. It never
// refunds them: only a supplier's definite answer (or the operator) may decide an order.
func (s *Service) flagOverdue(ctx context.Context) {
	ids, err := s.db.FlagOverdue(ctx, time.Now().Add(-s.cfg.PendingDeadline))
	if err != nil {
		s.log.Error("flag overdue orders", "err", err)
		return
	}
	for _, id := range ids {
		s.m.flagged.With().Inc()
		s.log.Warn("order pending past deadline; needs the operator", "order", id, "deadline", s.cfg.PendingDeadline)
		s.raise(loket.AlertStuck, fmt.Sprintf("Pesanan #%d macet: masih diproses lewat %s. Perlu keputusan operator.", id, s.cfg.PendingDeadline))
	}
}

// pollSteps is how long Loket waits before the nth question about a pending order
// when the supplier gave no hint; past them, every 5 minutes.
var pollSteps = []time.Duration{2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute}

// pollDelay is when to ask a supplier again about a pending order (n questions asked
// so far, hint the supplier's RetryAfter). The first two questions come within
// seconds even when an upstream hints later: many finish at once and send no
// callback, and a reseller should not see "pending" for half a minute on an order
// done upstream. After them the hint (or the steps) back off.
func pollDelay(n int, hint time.Duration) time.Duration {
	step := 5 * time.Minute
	if n < len(pollSteps) {
		step = pollSteps[n]
	}
	if hint <= 0 {
		return step
	}
	d := min(max(hint+50*time.Millisecond, 200*time.Millisecond), 5*time.Minute)
	if n < 2 {
		d = min(d, step)
	}
	return d
}

// carryOrder moves an order one step: send its current attempt, or ask about it, and
// record what the supplier said. Every decision is written before the next call.
func (s *Service) carry(ctx context.Context, j store.Job) error {
	var o *loket.Order
	var attempts []loket.Attempt
	fresh := j.Fresh != nil
	if fresh {
		o, attempts = j.Fresh.Order, []loket.Attempt{j.Fresh.Attempt}
		j.Fresh = nil // a later run reads what was written since
	} else {
		var err error
		o, err = s.db.Order(ctx, j.RefID, 0)
		if err != nil {
			if loket.ErrorCode(err) == loket.ENOTFOUND {
				return s.db.Write(ctx, 0, func(t *store.Tx) error { return t.DeleteJob(j.Key) })
			}
			return err
		}
		if o.Status != loket.StatusPending {
			return s.db.Write(ctx, uint64(o.ResellerID), func(t *store.Tx) error { return t.DeleteJob(j.Key) })
		}
		if attempts, err = s.db.Attempts(ctx, o.ID); err != nil {
			return err
		}
	}
	// Attempts sent for the first time in this run; any other attempt still "new" may
	// have gone out before a crash.
	sentHere := map[int]bool{}
	if fresh {
		for _, at := range attempts {
			sentHere[at.Seq] = true
		}
	}
	for step := 0; step < 10; step++ {
		var cur *loket.Attempt
		tried := map[int64]bool{}
		for i := range attempts {
			cur = &attempts[i]
			tried[cur.RouteID] = true
		}
		if cur == nil || cur.Outcome == string(supplier.Failed) {
			if o.InquiryID != 0 {
				// A bill is paid where it was found, under the inquiry's Ref: never
				// moved to another supplier. A refusal refunds.
				return s.settle(ctx, o, nil, supplier.Result{Outcome: supplier.Failed, Message: "the biller refused the payment"})
			}
			next := s.nextRoute(o.ProductID, tried)
			if next == nil {
				return s.settle(ctx, o, nil, supplier.Result{Outcome: supplier.Failed, Message: "no supplier could fill the order"})
			}
			seq := len(attempts) + 1
			if err := s.db.Write(ctx, uint64(o.ResellerID), func(t *store.Tx) error { return t.InsertAttempt(o.ID, seq, next) }); err != nil {
				if errors.Is(err, store.ErrSettled) {
					// Settled meanwhile (a callback): nothing more to send.
					s.log.Warn("order settled while moving to the next route; not sent again", "order", o.ID)
					return nil
				}
				return err
			}
			attempts = append(attempts, loket.Attempt{OrderID: o.ID, Seq: seq, RouteID: next.ID, SupplierID: next.SupplierID,
				SupplierCode: next.SupplierCode, SupplierRef: store.SupplierRef(o.ID, seq), Cost: next.Cost, Outcome: "new", StartedAt: time.Now()})
			sentHere[seq] = true
			continue
		}
		res := fit(s.ask(ctx, o, cur, sentHere[cur.Seq]))
		s.m.supplierCalls.With(string(res.Outcome)).Inc()
		s.observe(cur.SupplierID, res.Outcome)
		switch res.Outcome {
		case supplier.Success:
			return s.settle(ctx, o, cur, res)
		case supplier.Failed:
			if err := s.db.Write(ctx, uint64(o.ResellerID), func(t *store.Tx) error {
				return t.UpdateAttempt(o.ID, cur.Seq, string(supplier.Failed), res.TrxID, res.Message)
			}); err != nil {
				return err
			}
			cur.Outcome = string(supplier.Failed)
			continue // the next route, or a refund
		default:
			// Pending or unknown: the order stays pending; ask again later.
			d := pollDelay(j.Attempts, res.RetryAfter)
			if err := s.db.Write(ctx, uint64(o.ResellerID), func(t *store.Tx) error {
				if err := t.UpdateAttempt(o.ID, cur.Seq, string(res.Outcome), res.TrxID, res.Message); err != nil {
					return err
				}
				return t.Reschedule(j.Key, s.runner.Node(), time.Now().Add(d), s.runner.Lease(), res.Message)
			}); err != nil {
				return err
			}
			j.Attempts++
			s.runner.Later(j, d)
			s.applyEarly(ctx, cur, res.TrxID)
			return nil
		}
	}
	return fmt.Errorf("order %d: too many steps", o.ID)
}

// ask sends an attempt that was never answered, or asks about one that was. An error
// from the supplier is an unknown outcome, never a failure. first says the attempt was
// recorded in this run and so never sent before; an attempt still "new" otherwise may
// have gone out before a crash, and is sent again only to suppliers whose upstream
// recognises a repeated reference.
func (s *Service) ask(ctx context.Context, o *loket.Order, at *loket.Attempt, first bool) supplier.Result {
	sup, err := s.catalog.Supplier(at.SupplierID)
	if err != nil {
		return supplier.Result{Outcome: supplier.Unknown, Message: err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.SupplierTimeout)
	defer cancel()
	req := supplier.Request{Ref: at.SupplierRef, Code: at.SupplierCode, Target: o.Target, Fields: o.Fields, PlacedAt: at.StartedAt,
		TrxID: at.SupplierTrx}
	resend := at.Outcome == "new"
	if rl, ok := sup.(supplier.RefLess); ok && rl.RefLess() && !first {
		resend = false
	}
	var res supplier.Result
	if o.InquiryID != 0 {
		res, err = askBill(ctx, sup, at, o.Target, resend)
	} else if resend {
		req.Resend = !first
		res, err = sup.Order(ctx, req)
	} else {
		res, err = sup.Status(ctx, req)
	}
	if err != nil {
		return supplier.Result{Outcome: supplier.Unknown, Message: err.Error()}
	}
	switch res.Outcome {
	case supplier.Success, supplier.Failed, supplier.Pending:
		return res
	}
	res.Outcome = supplier.Unknown
	return res
}

// askBill pays a bill (send) or asks about its payment, under the inquiry's Ref (the
// attempt's) at the inquiry's cost (the attempt's): an upstream refuses a payment of a
// bill whose amount moved rather than charge the new amount.
func askBill(ctx context.Context, sup supplier.Supplier, at *loket.Attempt, customer string, send bool) (supplier.Result, error) {
	b, ok := sup.(supplier.Biller)
	if !ok {
		return supplier.Result{}, fmt.Errorf("supplier %d pays no bills", at.SupplierID)
	}
	req := supplier.BillRequest{Ref: at.SupplierRef, Code: at.SupplierCode, Customer: customer, TrxID: at.SupplierTrx,
		PlacedAt: at.StartedAt, Total: at.Cost}
	if send {
		return b.PayBill(ctx, req)
	}
	return b.BillStatus(ctx, req)
}

// fit makes what an upstream said fit to keep: its serial number, transaction id and
// message are recorded as sent, but for bytes no database takes (loket.CleanText).
// Every result of a supplier, answered or pushed, passes here before it is written.
func fit(res supplier.Result) supplier.Result {
	res.SN = loket.CleanText(res.SN, loket.MaxText)
	res.TrxID = loket.CleanText(res.TrxID, loket.MaxText)
	res.Message = loket.CleanText(res.Message, loket.MaxText)
	return res
}

// settle writes an order's final state: the attempt's outcome, the hold posted or
// voided, the job gone and the reseller's webhook queued, in one transaction.
func (s *Service) settle(ctx context.Context, o *loket.Order, at *loket.Attempt, res supplier.Result) error {
	ra, err := s.resellers.Auth(ctx, o.ResellerID)
	if err != nil {
		return err
	}
	st := store.Settlement{OrderID: o.ID, Success: res.Outcome == supplier.Success, SN: res.SN, Commission: o.Commission > 0}
	if st.Success {
		st.Message = "success"
		st.SupplierID, st.Cost = at.SupplierID, at.Cost
		if o.InquiryID != 0 && res.Price > 0 {
			if res.Price != at.Cost {
				s.log.Warn("a bill was paid at another price than its inquiry's", "order", o.ID, "inquiry_cost", at.Cost, "paid", res.Price)
			}
			st.Cost = res.Price // what the biller charged for this bill
		}
	} else {
		// What the reseller reads: never the supplier's own words, which may name it.
		st.Message = "failed"
	}
	if at != nil {
		st.AttemptSeq, st.AttemptOutcome, st.SupplierTrx, st.SupplierMsg = at.Seq, string(res.Outcome), res.TrxID, res.Message
	}
	var inquiry *loket.Inquiry
	if o.InquiryID != 0 {
		// The reseller's webhook carries the bill paid.
		if inquiry, err = s.db.Inquiry(ctx, o.InquiryID, 0); err != nil {
			return err
		}
	}
	var hook int64
	// A prepaid order paid from the balance may be settled in a set with others.
	inSet := o.Mode == loket.ModeSaldo && o.InquiryID == 0
	settled, err := s.db.WriteSettlement(ctx, uint64(o.ResellerID), st, inSet, func(t *store.Tx, so *loket.Order) error {
		so.Inquiry = inquiry
		if so.Mode == loket.ModeDropship {
			if err := t.SettleDropship(so, st.Success); err != nil {
				return err
			}
		}
		var err error
		hook, err = s.webhooks.QueueOrder(t, ra, so)
		return err
	})
	if err != nil {
		return err
	}
	if settled != nil {
		s.m.settled.With(settled.Status, settled.Surface).Inc()
		s.m.settleSeconds.With(settled.Status).Observe(time.Since(settled.CreatedAt).Seconds())
		s.webhooks.Send(hook)
	}
	return nil
}

// SettleByOperator decides a pending order by hand (the operator's answer to a flagged
// order). It is the same settlement as a supplier's, and happens at most once.
func (s *Service) SettleByOperator(ctx context.Context, orderID int64, success bool, sn, note string) (*loket.Order, error) {
	if err := loket.CheckTexts("sn", sn, "note", note); err != nil {
		return nil, err
	}
	o, err := s.db.Order(ctx, orderID, 0)
	if err != nil {
		return nil, err
	}
	if o.Status != loket.StatusPending {
		return nil, loket.Errorf(loket.ECONFLICT, "order %d is %s already", orderID, o.Status)
	}
	if o.Mode == loket.ModeDropship {
		d, err := s.db.Dropship(ctx, orderID)
		if err != nil {
			return nil, err
		}
		if d.PaymentStatus != loket.PaymentSettlement {
			return nil, loket.Errorf(loket.ECONFLICT, "dropship order %d is not paid yet: nothing to settle (it expires unpaid at no cost)", orderID)
		}
	}
	attempts, err := s.db.Attempts(ctx, orderID)
	if err != nil {
		return nil, err
	}
	res := supplier.Result{Outcome: supplier.Failed, Message: "operator: " + note}
	if success {
		res = supplier.Result{Outcome: supplier.Success, SN: sn, Message: "operator: " + note}
	}
	var at *loket.Attempt
	if len(attempts) > 0 {
		at = &attempts[len(attempts)-1]
	}
	if success && at == nil {
		return nil, loket.Errorf(loket.ECONFLICT, "order %d was never sent to a supplier", orderID)
	}
	if err := s.settle(ctx, o, at, res); err != nil {
		return nil, err
	}
	return s.db.Order(ctx, orderID, 0)
}
