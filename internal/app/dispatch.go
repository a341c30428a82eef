package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/supplier"
)

// enqueue hands a job to this node's workers unless it is queued here already.
func (a *App) enqueue(j store.Job) {
	if _, dup := a.inflight.LoadOrStore(j.Key, struct{}{}); dup {
		return
	}
	select {
	case a.work <- j:
	default:
		// Full: forget it here; the claim loop finds it in the database when its lock lapses.
		a.inflight.Delete(j.Key)
	}
}

// later runs j again after d, from memory; the job row says the same, for restarts.
func (a *App) later(j store.Job, d time.Duration) {
	time.AfterFunc(d, func() {
		if !a.closing.Load() {
			a.enqueue(j)
		}
	})
}

func (a *App) worker() {
	defer a.wg.Done()
	for {
		select {
		case <-a.stop:
			return
		case j := <-a.work:
			a.inflight.Delete(j.Key)
			// One run of a job at a time on this node: a poll's timer and a callback may
			// both hand it over. The second waits for the first, then runs on fresh state.
			if _, busy := a.running.LoadOrStore(j.Key, struct{}{}); busy {
				j.Fresh = nil
				a.later(j, 200*time.Millisecond)
				continue
			}
			a.runJob(j)
			a.running.Delete(j.Key)
		}
	}
}

func (a *App) runJob(j store.Job) {
	defer func() {
		if p := recover(); p != nil {
			a.Log.Error("job panicked", "job", j.Key, "panic", p)
		}
	}()
	ctx := context.Background()
	var err error
	switch j.Kind {
	case store.JobOrder:
		err = a.carryOrder(ctx, j)
	case store.JobWebhook:
		err = a.deliverWebhook(ctx, j)
	case store.JobPrices:
		err = a.tellPrices(ctx, j)
	case store.JobPriceSync:
		err = a.runPriceSync(ctx, j)
	case store.JobDropshipExpiry:
		err = a.expireDropship(ctx, j)
	case store.JobVN:
		err = a.carryNumber(ctx, j)
	default:
		err = fmt.Errorf("unknown job kind %q", j.Kind)
	}
	if err != nil && !errors.Is(err, store.ErrClosed) {
		a.Log.Error("job failed; it will be retried", "job", j.Key, "err", err)
	}
}

// claimLoop takes due jobs from the database: polls whose time has come, jobs of nodes
// that died, webhooks. Fresh orders never wait for it; they are handed over in memory.
func (a *App) claimLoop() {
	defer a.wg.Done()
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
		}
		if len(a.work) > cap(a.work)/2 {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		jobs, err := a.DB.ClaimJobs(ctx, a.cfg.Node, a.cfg.Lease, 500)
		cancel()
		if err != nil {
			if !errors.Is(err, store.ErrClosed) {
				a.Log.Error("claim jobs", "err", err)
			}
			continue
		}
		for _, j := range jobs {
			a.enqueue(j)
		}
	}
}

// flagLoop marks orders pending past the deadline for the operator. It never refunds
// them: only a supplier's definite answer (or the operator) may decide an order.
func (a *App) flagLoop() {
	defer a.wg.Done()
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		a.expireDeposits(ctx)
		ids, err := a.DB.FlagOverdue(ctx, time.Now().Add(-a.cfg.PendingDeadline))
		cancel()
		if err != nil {
			a.Log.Error("flag overdue orders", "err", err)
			continue
		}
		for _, id := range ids {
			a.m.ordersFlagged.With().Inc()
			a.Log.Warn("order pending past deadline; needs the operator", "order", id, "deadline", a.cfg.PendingDeadline)
		}
	}
}

// pollDelay is when to ask a supplier again about a pending order.
func pollDelay(n int, hint time.Duration) time.Duration {
	if hint > 0 {
		return min(max(hint+50*time.Millisecond, 200*time.Millisecond), 5*time.Minute)
	}
	steps := []time.Duration{2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute}
	if n < len(steps) {
		return steps[n]
	}
	return 5 * time.Minute
}

// carryOrder moves an order one step: send its current attempt, or ask about it, and
// record what the supplier said. Every decision is written before the next call.
func (a *App) carryOrder(ctx context.Context, j store.Job) error {
	var o *loket.Order
	var attempts []loket.Attempt
	fresh := j.Fresh != nil
	if fresh {
		o, attempts = j.Fresh.Order, []loket.Attempt{j.Fresh.Attempt}
		j.Fresh = nil // a later run reads what was written since
	} else {
		var err error
		o, err = a.DB.Order(ctx, j.RefID, 0)
		if err != nil {
			if loket.ErrorCode(err) == loket.ENOTFOUND {
				return a.DB.Write(ctx, 0, func(t *store.Tx) error { return t.DeleteJob(j.Key) })
			}
			return err
		}
		if o.Status != loket.StatusPending {
			return a.DB.Write(ctx, uint64(o.ResellerID), func(t *store.Tx) error { return t.DeleteJob(j.Key) })
		}
		if attempts, err = a.DB.Attempts(ctx, o.ID); err != nil {
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
			next := a.nextRoute(o.ProductID, tried)
			if next == nil {
				return a.settle(ctx, o, nil, supplier.Result{Outcome: supplier.Failed, Message: "no supplier could fill the order"})
			}
			seq := len(attempts) + 1
			if err := a.DB.Write(ctx, uint64(o.ResellerID), func(t *store.Tx) error { return t.InsertAttempt(o.ID, seq, next) }); err != nil {
				if errors.Is(err, store.ErrSettled) {
					// Settled meanwhile (a callback): nothing more to send.
					a.Log.Warn("order settled while moving to the next route; not sent again", "order", o.ID)
					return nil
				}
				return err
			}
			attempts = append(attempts, loket.Attempt{OrderID: o.ID, Seq: seq, RouteID: next.ID, SupplierID: next.SupplierID,
				SupplierCode: next.SupplierCode, SupplierRef: store.SupplierRef(o.ID, seq), Cost: next.Cost, Outcome: "new", StartedAt: time.Now()})
			sentHere[seq] = true
			continue
		}
		res := a.ask(ctx, o, cur, sentHere[cur.Seq])
		a.m.supplierCalls.With(string(res.Outcome)).Inc()
		a.observe(cur.SupplierID, res.Outcome)
		switch res.Outcome {
		case supplier.Success:
			return a.settle(ctx, o, cur, res)
		case supplier.Failed:
			if err := a.DB.Write(ctx, uint64(o.ResellerID), func(t *store.Tx) error {
				return t.UpdateAttempt(o.ID, cur.Seq, string(supplier.Failed), res.TrxID, res.Message)
			}); err != nil {
				return err
			}
			cur.Outcome = string(supplier.Failed)
			continue // the next route, or a refund
		default:
			// Pending or unknown: the order stays pending; ask again later.
			d := pollDelay(j.Attempts, res.RetryAfter)
			if err := a.DB.Write(ctx, uint64(o.ResellerID), func(t *store.Tx) error {
				if err := t.UpdateAttempt(o.ID, cur.Seq, string(res.Outcome), res.TrxID, res.Message); err != nil {
					return err
				}
				return t.Reschedule(j.Key, a.cfg.Node, time.Now().Add(d), a.cfg.Lease, res.Message)
			}); err != nil {
				return err
			}
			j.Attempts++
			a.later(j, d)
			a.applyEarly(ctx, cur, res.TrxID)
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
func (a *App) ask(ctx context.Context, o *loket.Order, at *loket.Attempt, first bool) supplier.Result {
	s, err := a.supplierFor(at.SupplierID)
	if err != nil {
		return supplier.Result{Outcome: supplier.Unknown, Message: err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.SupplierTimeout)
	defer cancel()
	req := supplier.Request{Ref: at.SupplierRef, Code: at.SupplierCode, Target: o.Target, Fields: o.Fields, PlacedAt: at.StartedAt,
		TrxID: at.SupplierTrx}
	resend := at.Outcome == "new"
	if rl, ok := s.(supplier.RefLess); ok && rl.RefLess() && !first {
		resend = false
	}
	var res supplier.Result
	if resend {
		req.Resend = !first
		res, err = s.Order(ctx, req)
	} else {
		res, err = s.Status(ctx, req)
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

// settle writes an order's final state: the attempt's outcome, the hold posted or
// voided, the job gone and the reseller's webhook queued, in one transaction.
func (a *App) settle(ctx context.Context, o *loket.Order, at *loket.Attempt, res supplier.Result) error {
	ra, err := a.resellerByID(ctx, o.ResellerID)
	if err != nil {
		return err
	}
	s := store.Settlement{OrderID: o.ID, Success: res.Outcome == supplier.Success, SN: res.SN}
	if s.Success {
		s.Message = "success"
		s.SupplierID, s.Cost = at.SupplierID, at.Cost
	} else {
		// What the reseller reads: never the supplier's own words, which may name it.
		s.Message = "failed"
	}
	if at != nil {
		s.AttemptSeq, s.AttemptOutcome, s.SupplierTrx, s.SupplierMsg = at.Seq, string(res.Outcome), res.TrxID, res.Message
	}
	var settled *loket.Order
	var hook int64
	err = a.DB.Write(ctx, uint64(o.ResellerID), func(t *store.Tx) error {
		hook = 0
		so, ok, err := t.SettleOrder(s)
		if err != nil || !ok {
			settled = nil
			return err
		}
		settled = so
		if so.Mode == loket.ModeDropship {
			if err := t.SettleDropship(so, s.Success); err != nil {
				return err
			}
		}
		hook, err = a.queueOrderWebhook(t, ra, so)
		return err
	})
	if err != nil {
		return err
	}
	if settled != nil {
		a.m.orderSettled.With(settled.Status, settled.Surface).Inc()
		a.m.orderSettleSeconds.With(settled.Status).Observe(time.Since(settled.CreatedAt).Seconds())
		if hook != 0 {
			a.enqueue(store.Job{Key: fmt.Sprintf("webhook:%d", hook), Kind: store.JobWebhook, RefID: hook})
		}
	}
	return nil
}

// SettleByOperator decides a pending order by hand (the operator's answer to a flagged
// order). It is the same settlement as a supplier's, and happens at most once.
func (a *App) SettleByOperator(ctx context.Context, orderID int64, success bool, sn, note string) (*loket.Order, error) {
	o, err := a.DB.Order(ctx, orderID, 0)
	if err != nil {
		return nil, err
	}
	if o.Status != loket.StatusPending {
		return nil, loket.Errorf(loket.ECONFLICT, "order %d is %s already", orderID, o.Status)
	}
	if o.Mode == loket.ModeDropship {
		d, err := a.DB.Dropship(ctx, orderID)
		if err != nil {
			return nil, err
		}
		if d.PaymentStatus != loket.PaymentSettlement {
			return nil, loket.Errorf(loket.ECONFLICT, "dropship order %d is not paid yet: nothing to settle (it expires unpaid at no cost)", orderID)
		}
	}
	attempts, err := a.DB.Attempts(ctx, orderID)
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
	if err := a.settle(ctx, o, at, res); err != nil {
		return nil, err
	}
	return a.DB.Order(ctx, orderID, 0)
}
