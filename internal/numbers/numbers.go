// Package numbers rents virtual phone numbers that receive OTP SMS (seed 000,
// docs/virtual-numbers.md). An activation is rented while the reseller's request
// waits, with its price reserved first; its job then polls the supplier for SMS, so a
// reseller's status checks only read the local row. A code that arrived makes the
// activation chargeable: it is posted when the reseller says done or when its window
// closes. Without a code it is refunded: on the reseller's cancel, on the timeout, or
// when the supplier drops it. A rent whose outcome is unknown stays pending, as an
// order does, until the supplier (or the operator) says whether a number was rented.
package numbers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/jobs"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/resellers"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/supplier"
	"github.com/loket/loket/internal/webhooks"
)

// Config tunes the service.
type Config struct {
	Timeout         time.Duration // an activation's window (LOKET_VN_TIMEOUT)
	Poll            time.Duration // how often open activations are asked about (LOKET_VN_POLL)
	SupplierTimeout time.Duration // one supplier call (LOKET_SUPPLIER_TIMEOUT)
	PendingDeadline time.Duration // a rent still unknown after this is flagged for the operator (LOKET_PENDING_DEADLINE)
}

// SyncEvery is how often the suppliers' virtual-number catalogs are synced.
const SyncEvery = 10 * time.Minute

// Service rents virtual numbers.
type Service struct {
	db        *store.DB
	log       *slog.Logger
	runner    *jobs.Runner
	catalog   *catalog.Service
	resellers *resellers.Service
	webhooks  *webhooks.Service
	cfg       Config
	synced    chan struct{}
	vnPricer  VNPricer
	m         struct {
		activations   *metrics.CounterVec
		supplierCalls *metrics.CounterVec
		sms           *metrics.CounterVec
		flagged       *metrics.CounterVec
	}
}

// New makes the service and registers the activation job and the catalog sync with the
// runner.
func New(db *store.DB, runner *jobs.Runner, cat *catalog.Service, rs *resellers.Service, hooks *webhooks.Service,
	log *slog.Logger, reg *metrics.Registry, cfg Config) *Service {
	s := &Service{db: db, log: log, runner: runner, catalog: cat, resellers: rs, webhooks: hooks, cfg: cfg, synced: make(chan struct{})}
	s.m.activations = reg.Counter("loket_vn_activations_total", "Virtual-number activations created and closed, by state.", "state")
	s.m.supplierCalls = reg.Counter("loket_vn_supplier_calls_total", "Virtual-number supplier calls, by call and outcome.", "call", "outcome")
	s.m.sms = reg.Counter("loket_vn_sms_total", "SMS received by virtual numbers.")
	s.m.flagged = reg.Counter("loket_vn_rents_flagged_total", "Virtual-number rents of unknown outcome flagged for the operator.")
	runner.Handle(store.JobVN, s.carry)
	// The catalog is synced at start and every SyncEvery. The first sync closes synced:
	// WaitSynced waits for it (bounded), so a fresh Loket, the demo, has its routes
	// before its first order.
	var first sync.Once
	runner.Every(SyncEvery, cfg.SupplierTimeout+30*time.Second, true, func(ctx context.Context) {
		if err := s.SyncVNCatalog(ctx); err != nil && !errors.Is(err, store.ErrClosed) {
			s.log.Warn("virtual-number catalog sync", "err", err)
		}
		first.Do(func() { close(s.synced) })
	})
	return s
}

// vnSupplier is the VNSupplier behind a registered supplier id.
func (s *Service) vnSupplier(id int64) (supplier.VNSupplier, error) {
	sup, err := s.catalog.Supplier(id)
	if err != nil {
		return nil, err
	}
	vs, ok := sup.(supplier.VNSupplier)
	if !ok {
		return nil, fmt.Errorf("supplier %d does not sell virtual numbers", id)
	}
	return vs, nil
}

// VNPricer prices a virtual number for a downline from the entry's base price: the
// chain top's level price plus the uplines' markups, and their commissions
// (network.Service.VNPrice).
type VNPricer func(ctx context.Context, r *loket.ResellerAuth, base loket.Money) (loket.Money, []store.Commission, error)

// SetVNPricer prices downlines' rents with f. Call before Start.
func (s *Service) SetVNPricer(f VNPricer) { s.vnPricer = f }

// OrderNumber rents a virtual number for a reseller: it reserves the price, asks the
// suppliers of the price-list entry in turn, and returns the activation waiting for
// its SMS. A supplier's refusal moves to the next; when all refuse the activation
// fails and is refunded at once (loket.ReasonNoNumber). An unknown answer (timeout,
// 5xx, garbage) is not a refusal: the activation is returned renting, its price still
// reserved, and its job asks that supplier what became of the rent (findRent).
func (s *Service) OrderNumber(ctx context.Context, r *loket.ResellerAuth, req loket.NumberRequest) (*loket.Activation, bool, error) {
	if req.Surface == "" {
		req.Surface = "api"
	}
	req.RefID = strings.TrimSpace(req.RefID)
	if len(req.RefID) > loket.MaxRefLen || !loket.Printable(req.RefID) {
		return nil, false, loket.FieldError(loket.EINVALID, "ref_id", "ref_id must be at most %d printable characters", loket.MaxRefLen)
	}
	req.ProviderID = strings.TrimSpace(req.ProviderID)
	req.OperatorID = strings.TrimSpace(req.OperatorID)
	if err := loket.CheckTexts("provider_id", req.ProviderID, "operator_id", req.OperatorID, "service_name", req.ServiceName); err != nil {
		return nil, false, err
	}
	if req.OperatorID == "" {
		req.OperatorID = "any"
	}
	if req.NumberID <= 0 {
		return nil, false, loket.FieldError(loket.EINVALID, "number_id", "number_id is required")
	}
	if req.ProviderID == "" || len(req.ProviderID) > 64 {
		return nil, false, loket.FieldError(loket.EINVALID, "provider_id", "provider_id is required")
	}
	if len(req.OperatorID) > 64 {
		return nil, false, loket.FieldError(loket.EINVALID, "operator_id", "operator_id is too long")
	}
	if req.PriceJual < 0 || req.PriceJual > loket.MaxAmount {
		return nil, false, loket.FieldError(loket.EINVALID, "price_jual", "price_jual must be between 0 and %d", loket.MaxAmount)
	}
	if req.MaxPrice < 0 || req.MaxPrice > loket.MaxAmount {
		return nil, false, loket.FieldError(loket.EINVALID, "max_price", "max_price must be between 0 and %d", loket.MaxAmount)
	}
	svc, err := s.numberService(ctx, req)
	if err != nil {
		return nil, false, err
	}
	price, country, err := s.db.VNPrice(ctx, svc.Code, req.NumberID, req.ProviderID)
	if err != nil {
		if loket.ErrorCode(err) == loket.ENOTFOUND {
			return nil, false, loket.FieldError(loket.EPRODUCT, "provider_id", "%s numbers from number_id %d and provider_id %s are not sold",
				svc.Name, req.NumberID, req.ProviderID)
		}
		return nil, false, err
	}
	if ok, err := s.db.HasVNOperator(ctx, req.NumberID, req.ProviderID, req.OperatorID); err != nil {
		return nil, false, err
	} else if !ok {
		return nil, false, loket.FieldError(loket.ENOTFOUND, "operator_id", "operator_id %q is not offered for number_id %d and provider_id %s",
			loket.Clip(req.OperatorID), req.NumberID, req.ProviderID)
	}
	charge := s.catalog.PriceFor(price.Price, r.Level)
	var commissions []store.Commission
	if r.UplineID != 0 && s.vnPricer != nil {
		// A downline pays its uplines' markups over everything on top.
		if charge, commissions, err = s.vnPricer(ctx, r, price.Price); err != nil {
			return nil, false, err
		}
	}
	if req.MaxPrice > 0 && charge > req.MaxPrice {
		return nil, false, loket.FieldError(loket.EPRICE, "max_price", "price %d is above max_price %d", charge, req.MaxPrice)
	}
	routes, err := s.db.VNRoutes(ctx, svc.Code, req.NumberID, req.ProviderID)
	if err != nil {
		return nil, false, err
	}
	if price.Stock <= 0 || len(routes) == 0 {
		return nil, false, loket.Errorf(loket.EOUTOFSTOCK, "no %s numbers in stock for number_id %d and provider_id %s", svc.Name, req.NumberID, req.ProviderID)
	}
	h := sha256.Sum256([]byte(fmt.Sprintf("%d|%d|%s|%s|%d|%d", svc.Code, req.NumberID, req.ProviderID, strings.ToLower(req.OperatorID),
		req.PriceJual, req.MaxPrice)))
	// The rent must be over before the job may look at a renting activation: each
	// route's call is bounded by the supplier timeout.
	rentBound := time.Duration(len(routes))*s.cfg.SupplierTimeout + 5*time.Second
	n := &store.NewActivation{ResellerID: r.ID, AccountID: r.BalanceAccountID, RefID: req.RefID, RequestHash: hex.EncodeToString(h[:16]),
		ServiceCode: svc.Code, ServiceName: svc.Name, NumberID: req.NumberID, Country: country, ProviderID: req.ProviderID,
		OperatorID: req.OperatorID, Price: charge, PriceJual: req.PriceJual, MaxPrice: req.MaxPrice, Surface: req.Surface,
		SupplierID: routes[0].SupplierID, Cost: routes[0].Cost,
		Window: s.cfg.Timeout + rentBound, Node: s.runner.Node(), JobAt: time.Now().Add(rentBound), Lease: s.runner.Lease(),
		Commissions: commissions}
	var act *loket.Activation
	var existed bool
	err = s.db.Write(ctx, uint64(r.ID), func(t *store.Tx) error {
		var err error
		act, existed, err = t.CreateActivation(n)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	if existed {
		act, err = s.db.Activation(ctx, act.ID, r.ID)
		return act, true, err
	}
	s.m.activations.With("created").Inc()
	// The reservation is made: see the rent through even if the caller hangs up.
	return s.rent(context.WithoutCancel(ctx), act, routes)
}

// numberService finds the service of a request: by code, by name, or, when it names
// none, the first (by code, as services are listed) priced for its country and
// provider. Seed 000's order names its service only by an optional label: its client
// took number_id and provider_id from one service's price list, and its example is of
// the first service, WhatsApp 14.
func (s *Service) numberService(ctx context.Context, req loket.NumberRequest) (*loket.VNService, error) {
	list, err := s.db.VNServices(ctx)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(req.ServiceName)
	for _, s := range list {
		if s.Active && ((req.ServiceCode != 0 && s.Code == req.ServiceCode) || (req.ServiceCode == 0 && name != "" && strings.EqualFold(s.Name, name))) {
			return &s, nil
		}
	}
	if req.ServiceCode != 0 {
		return nil, loket.FieldError(loket.EPRODUCT, "service", "unknown service %d", req.ServiceCode)
	}
	if name != "" {
		return nil, loket.FieldError(loket.EPRODUCT, "service_name", "unknown service %q", loket.Clip(name))
	}
	at, err := s.db.VNServicesAt(ctx, req.NumberID, req.ProviderID)
	if err != nil {
		return nil, err
	}
	for _, s := range at {
		if s.Active {
			return &s, nil
		}
	}
	return nil, loket.FieldError(loket.EPRODUCT, "provider_id", "no numbers are sold for number_id %d and provider_id %s", req.NumberID, req.ProviderID)
}

// vnRequest is what the supplier of a renting activation is (or was) asked for. Its
// updated_at is when the rent was sent there (store.Tx.RentingAt), so the rent and its
// lookups carry the same SentAt.
func vnRequest(act *loket.Activation) supplier.VNRequest {
	return supplier.VNRequest{Ref: fmt.Sprintf("LV%d", act.ID), ServiceCode: act.ServiceCode, ServiceName: act.ServiceName,
		NumberID: act.NumberID, Country: act.Country, ProviderID: act.ProviderID, OperatorID: act.OperatorID, MaxPrice: act.Price,
		SentAt: act.UpdatedAt}
}

// rent asks each route's supplier for a number until one gives it. Each supplier is
// recorded on the activation before it is asked, so that a rent whose answer is lost
// is looked up where it went.
func (s *Service) rent(ctx context.Context, act *loket.Activation, routes []store.VNRoute) (*loket.Activation, bool, error) {
	for _, rt := range routes {
		vs, err := s.vnSupplier(rt.SupplierID)
		if err != nil {
			s.log.Error("virtual-number route to an unusable supplier", "supplier", rt.SupplierID, "err", err)
			continue
		}
		if rt.SupplierID != act.SupplierID {
			at := time.Now().Truncate(time.Microsecond)
			var ok bool
			if err := s.db.Write(ctx, uint64(act.ResellerID), func(t *store.Tx) error {
				var err error
				ok, err = t.RentingAt(act.ID, rt.SupplierID, rt.Cost, at)
				return err
			}); err != nil {
				return nil, false, err
			}
			if !ok {
				return nil, false, fmt.Errorf("activation %d was closed while renting", act.ID)
			}
			act.SupplierID, act.Cost, act.UpdatedAt = rt.SupplierID, rt.Cost, at
		}
		cctx, cancel := context.WithTimeout(ctx, s.cfg.SupplierTimeout)
		num, err := vs.RentNumber(cctx, vnRequest(act))
		cancel()
		switch {
		case err == nil:
			s.m.supplierCalls.With("rent", "ok").Inc()
			return s.rented(ctx, act, num, vs)
		case supplier.IsRefusal(err):
			s.m.supplierCalls.With("rent", "refused").Inc()
			s.log.Info("virtual-number rent refused", "activation", act.ID, "supplier", rt.SupplierID, "err", err)
			continue
		}
		s.m.supplierCalls.With("rent", "unknown").Inc()
		// Unknown is not refused: the supplier may have rented a number. Trying the next
		// route could rent two; refunding could leave one unpaid. The reservation stays,
		// and the job asks this supplier what became of the rent.
		s.log.Warn("virtual-number rent outcome unknown: pending, the supplier will be asked", "activation", act.ID,
			"supplier", rt.SupplierID, "err", err)
		d := lookupDelay(time.Since(act.CreatedAt), s.cfg.Poll)
		if err := s.db.Write(ctx, uint64(act.ResellerID), func(t *store.Tx) error {
			if err := t.RentUnknown(act.ID, loket.MsgRentPending); err != nil {
				return err
			}
			return t.Reschedule(store.VNJobKey(act.ID), s.runner.Node(), time.Now().Add(d), s.runner.Lease(), clipErr(err))
		}); err != nil {
			return nil, false, err
		}
		s.runner.Later(store.Job{Key: store.VNJobKey(act.ID), Kind: store.JobVN, RefID: act.ID}, d)
		act.Message = loket.MsgRentPending
		return act, false, nil
	}
	if err := s.closeNumber(ctx, act, loket.VNFailed, "no supplier had a number", []string{loket.VNRenting}, false); err != nil {
		return nil, false, err
	}
	return nil, false, loket.ReasonError(loket.EOUTOFSTOCK, loket.ReasonNoNumber, "no number is available now; you were not charged (activation %d)", act.ID)
}

// lookupDelay is when to ask again about a rent of unknown outcome, age after it was
// made: a tenth of its age, so the questions thin out as it ages, between the poll
// interval and 5 minutes.
func lookupDelay(age, poll time.Duration) time.Duration {
	return min(max(age/10, poll), 5*time.Minute)
}

func clipErr(err error) string {
	if s := err.Error(); len(s) > 300 {
		return s[:300]
	}
	return err.Error()
}

// findRent settles a rent whose outcome is unknown (its answer was lost, or the node
// renting it stopped) by asking the supplier it was sent to, as an order's unknown
// attempt is asked about: a number found is recorded and the activation goes on as any
// other; a definite "not rented" refunds it; anything else leaves it pending and asks
// again later. It is never refunded on a guess: past LOKET_PENDING_DEADLINE (at once
// when the supplier offers no lookup) it is flagged for the operator, who decides it
// with SettleRent.
func (s *Service) findRent(ctx context.Context, act *loket.Activation, j store.Job) error {
	var num supplier.VNNumber
	vs, err := s.vnSupplier(act.SupplierID)
	switch {
	case act.SupplierID == 0:
		err = fmt.Errorf("no supplier recorded: %w", supplier.ErrNoLookup)
	case err != nil:
	default:
		f, ok := vs.(supplier.VNFinder)
		if !ok {
			err = supplier.ErrNoLookup
			break
		}
		cctx, cancel := context.WithTimeout(ctx, s.cfg.SupplierTimeout)
		num, err = f.FindNumber(cctx, vnRequest(act))
		cancel()
	}
	switch {
	case err == nil:
		s.m.supplierCalls.With("find", "ok").Inc()
		s.log.Info("virtual-number rent of unknown outcome found upstream", "activation", act.ID, "supplier", act.SupplierID,
			"supplier_ref", num.ID)
		_, _, err := s.rented(ctx, act, num, vs)
		return err
	case supplier.IsRefusal(err):
		s.m.supplierCalls.With("find", "not_rented").Inc()
		s.log.Info("virtual-number rent of unknown outcome not made upstream: refunded", "activation", act.ID,
			"supplier", act.SupplierID, "err", err)
		return s.closeNumber(ctx, act, loket.VNFailed, "no number was rented", []string{loket.VNRenting}, false)
	}
	s.m.supplierCalls.With("find", "unknown").Inc()
	age := time.Since(act.CreatedAt)
	flag := !act.Flagged && (errors.Is(err, supplier.ErrNoLookup) || age >= s.cfg.PendingDeadline)
	d := lookupDelay(age, s.cfg.Poll)
	var flagged bool
	if werr := s.db.Write(ctx, uint64(act.ResellerID), func(t *store.Tx) error {
		flagged = false
		if flag {
			var err error
			if flagged, err = t.FlagActivation(act.ID); err != nil {
				return err
			}
		}
		return t.Reschedule(j.Key, s.runner.Node(), time.Now().Add(d), s.runner.Lease(), clipErr(err))
	}); werr != nil {
		return werr
	}
	if flagged {
		s.m.flagged.With().Inc()
		s.log.Error("virtual-number rent of unknown outcome needs the operator (loket number settle)", "activation", act.ID,
			"supplier", act.SupplierID, "age", age.Round(time.Second), "err", err)
	} else {
		s.log.Warn("virtual-number rent outcome still unknown", "activation", act.ID, "supplier", act.SupplierID, "err", err)
	}
	s.runner.Later(j, d)
	return nil
}

// SettleRent decides by hand a rent of unknown outcome (the operator's answer to a
// flagged activation, from the supplier's own records). rented records the number the
// supplier assigned, its id and phone, and the activation goes on as any other: its
// window starts now, and it is charged only if a code arrives. Not rented refunds it.
// Either happens once, and only while the activation is renting.
func (s *Service) SettleRent(ctx context.Context, id int64, rented bool, supplierRef, phone, note string) (*loket.Activation, error) {
	act, err := s.db.Activation(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	if act.State != loket.VNRenting {
		return nil, loket.Errorf(loket.ECONFLICT, "activation %d is %s already", id, act.State)
	}
	supplierRef, phone, note = strings.TrimSpace(supplierRef), strings.TrimSpace(phone), strings.TrimSpace(note)
	msg := strings.TrimSpace("operator: " + note)
	var ok bool
	if rented {
		if supplierRef == "" || phone == "" {
			return nil, loket.Errorf(loket.EINVALID, "a rented number needs the supplier's id for it and its phone number")
		}
		err = s.db.Write(ctx, uint64(act.ResellerID), func(t *store.Tx) error {
			var err error
			if _, ok, err = t.Rented(id, act.SupplierID, act.Cost, supplierRef, phone, time.Now().Add(s.cfg.Timeout), time.Time{}); err != nil || !ok {
				return err
			}
			// Free for any node at once: its next run polls the number.
			return t.ScheduleJob(store.VNJobKey(id), time.Now(), msg)
		})
	} else {
		err = s.db.Write(ctx, uint64(act.ResellerID), func(t *store.Tx) error {
			var err error
			_, ok, err = t.CloseActivation(id, loket.VNFailed, msg, []string{loket.VNRenting}, false)
			return err
		})
		if err == nil && ok {
			s.m.activations.With(loket.VNFailed).Inc()
		}
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, loket.Errorf(loket.ECONFLICT, "activation %d changed meanwhile; look at it again", id)
	}
	return s.db.Activation(ctx, id, 0)
}

// rented records the number a supplier assigned and hands the activation to its job.
func (s *Service) rented(ctx context.Context, act *loket.Activation, num supplier.VNNumber, vs supplier.VNSupplier) (*loket.Activation, bool, error) {
	cost := act.Cost
	if num.Price > 0 {
		cost = num.Price
	}
	now := time.Now()
	expires := now.Add(s.cfg.Timeout)
	if !num.ExpiresAt.IsZero() && num.ExpiresAt.Before(expires) {
		expires = num.ExpiresAt
	}
	next := now.Add(min(s.cfg.Poll, max(time.Until(expires), 0)))
	var got *loket.Activation
	var ok bool
	err := s.db.Write(ctx, uint64(act.ResellerID), func(t *store.Tx) error {
		var err error
		got, ok, err = t.Rented(act.ID, act.SupplierID, cost, num.ID, num.Phone, expires, num.CancelAfter)
		if err != nil || !ok {
			return err
		}
		return t.Reschedule(store.VNJobKey(act.ID), s.runner.Node(), next, s.runner.Lease(), "")
	})
	if err == nil && !ok {
		// Decided meanwhile (by the operator): if as this very number, all is well.
		if now, rerr := s.db.Activation(ctx, act.ID, 0); rerr == nil && now.SupplierRef == num.ID && now.SupplierID == act.SupplierID {
			return now, false, nil
		}
		err = fmt.Errorf("activation %d was decided while renting", act.ID)
	}
	if err != nil {
		// The number is rented but Loket could not record it: give it back.
		s.log.Error("virtual number rented but not recorded; canceling it upstream", "activation", act.ID, "supplier_ref", num.ID, "err", err)
		cctx, cancel := context.WithTimeout(ctx, s.cfg.SupplierTimeout)
		if cerr := vs.SetNumberStatus(cctx, num.ID, supplier.VNCancel); cerr != nil {
			s.log.Error("cancel of an unrecorded number failed; the operator must reconcile", "activation", act.ID, "supplier_ref", num.ID, "err", cerr)
		}
		cancel()
		return nil, false, err
	}
	s.runner.Later(store.Job{Key: store.VNJobKey(act.ID), Kind: store.JobVN, RefID: act.ID}, time.Until(next))
	return got, false, nil
}

// closeNumber refunds an open activation (canceled or failed), once.
func (s *Service) closeNumber(ctx context.Context, act *loket.Activation, state, msg string, from []string, withCode bool) error {
	var ok bool
	err := s.db.Write(ctx, uint64(act.ResellerID), func(t *store.Tx) error {
		var err error
		_, ok, err = t.CloseActivation(act.ID, state, msg, from, withCode)
		return err
	})
	if err == nil && ok {
		s.m.activations.With(state).Inc()
	}
	return err
}

// finishNumber posts an open activation that has a code, once.
func (s *Service) finishNumber(ctx context.Context, act *loket.Activation, msg string) (bool, error) {
	var ok bool
	err := s.db.Write(ctx, uint64(act.ResellerID), func(t *store.Tx) error {
		var err error
		_, ok, err = t.FinishActivation(act.ID, msg)
		return err
	})
	if err == nil && ok {
		s.m.activations.With(loket.VNDone).Inc()
	}
	return ok, err
}

// tellSupplier sends an action upstream, bounded by the supplier timeout.
func (s *Service) tellSupplier(ctx context.Context, act *loket.Activation, action supplier.VNAction) error {
	vs, err := s.vnSupplier(act.SupplierID)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.SupplierTimeout)
	defer cancel()
	err = vs.SetNumberStatus(ctx, act.SupplierRef, action)
	switch {
	case err == nil:
		s.m.supplierCalls.With(string(action), "ok").Inc()
	case supplier.IsRefusal(err):
		s.m.supplierCalls.With(string(action), "refused").Inc()
	default:
		s.m.supplierCalls.With(string(action), "unknown").Inc()
	}
	return err
}

// Activation is one of a reseller's activations, with its SMS: a read of the local row,
// never a call upstream, so polling it every few seconds stays cheap.
func (s *Service) Activation(ctx context.Context, resellerID, id int64) (*loket.Activation, error) {
	return s.db.Activation(ctx, id, resellerID)
}

// ownNumber loads a reseller's activation for an action.
func (s *Service) ownNumber(ctx context.Context, r *loket.ResellerAuth, id int64) (*loket.Activation, error) {
	act, err := s.db.Activation(ctx, id, r.ID)
	if err != nil {
		return nil, err
	}
	if act.State == loket.VNRenting {
		return nil, loket.ReasonError(loket.ECONFLICT, loket.ReasonBusy, "activation %d is still being prepared (no number yet, nothing charged); check its status later", id)
	}
	return act, nil
}

func closedError(act *loket.Activation) *loket.Error {
	return loket.ReasonError(loket.ECONFLICT, loket.ReasonClosed, "activation %d is %s already", act.ID, act.State)
}

// CancelNumber cancels an activation that received no code and refunds it in full.
// A supplier's minimum time before a cancel is respected (loket.ReasonTooEarly says when).
// Canceling a canceled activation returns it as it is.
func (s *Service) CancelNumber(ctx context.Context, r *loket.ResellerAuth, id int64) (*loket.Activation, error) {
	act, err := s.ownNumber(ctx, r, id)
	if err != nil {
		return nil, err
	}
	switch {
	case act.State == loket.VNCanceled || act.State == loket.VNFailed:
		return act, nil
	case !act.Open():
		return nil, closedError(act)
	case act.SMSCount > 0:
		return nil, loket.ReasonError(loket.ECONFLICT, loket.ReasonCodeReceived, "activation %d received a code already; finish it with done", id)
	case !act.CancelAfter.IsZero() && time.Now().Before(act.CancelAfter):
		e := loket.ReasonError(loket.ECONFLICT, loket.ReasonTooEarly, "activation %d can be canceled from %s", id, act.CancelAfter.UTC().Format(time.RFC3339))
		e.RetryAt = act.CancelAfter
		return nil, e
	}
	ctx = context.WithoutCancel(ctx)
	if err := s.tellSupplier(ctx, act, supplier.VNCancel); err != nil {
		var ref *supplier.Refusal
		if errors.As(err, &ref) {
			if ref.RetryAfter > 0 {
				e := loket.ReasonError(loket.ECONFLICT, loket.ReasonTooEarly, "activation %d can be canceled from %s", id,
					time.Now().Add(ref.RetryAfter).UTC().Format(time.RFC3339))
				e.RetryAt = time.Now().Add(ref.RetryAfter)
				return nil, e
			}
			// Most often an SMS arrived meanwhile: the job will see it.
			return nil, loket.ReasonError(loket.ECONFLICT, loket.ReasonRefused, "the cancel of activation %d was refused (an SMS may have arrived); check its status", id)
		}
		s.log.Warn("virtual-number cancel outcome unknown", "activation", id, "err", err)
		return nil, loket.ReasonError(loket.EUNAVAILABLE, loket.ReasonUnreachable, "the supplier did not answer the cancel of activation %d; try again", id)
	}
	// The supplier took the cancel, so it charges nothing, even for an SMS that slipped
	// in meanwhile: refund whatever the local state.
	if err := s.closeNumber(ctx, act, loket.VNCanceled, "canceled by the reseller", []string{loket.VNWaiting, loket.VNReceived}, true); err != nil {
		return nil, err
	}
	return s.db.Activation(ctx, id, r.ID)
}

// FinishNumber finishes an activation that received a code: its price is charged for
// good. Finishing a finished activation returns it as it is.
func (s *Service) FinishNumber(ctx context.Context, r *loket.ResellerAuth, id int64) (*loket.Activation, error) {
	act, err := s.ownNumber(ctx, r, id)
	if err != nil {
		return nil, err
	}
	switch {
	case act.State == loket.VNDone:
		return act, nil
	case !act.Open():
		return nil, closedError(act)
	case act.SMSCount == 0:
		return nil, loket.ReasonError(loket.ECONFLICT, loket.ReasonNoCode, "activation %d has no code yet; wait for it or cancel", id)
	}
	ctx = context.WithoutCancel(ctx)
	// The code arrived, so the number is paid for whatever the supplier answers: its
	// own expiry finishes an activation it did not hear "done" for.
	if err := s.tellSupplier(ctx, act, supplier.VNFinish); err != nil {
		s.log.Warn("virtual-number done not confirmed upstream", "activation", id, "err", err)
	}
	if _, err := s.finishNumber(ctx, act, "done"); err != nil {
		return nil, err
	}
	return s.db.Activation(ctx, id, r.ID)
}

// ResendNumber asks for another SMS on an activation that received one. Every SMS is
// kept; the activation waits again until the next arrives.
func (s *Service) ResendNumber(ctx context.Context, r *loket.ResellerAuth, id int64) (*loket.Activation, error) {
	act, err := s.ownNumber(ctx, r, id)
	if err != nil {
		return nil, err
	}
	switch {
	case !act.Open():
		return nil, closedError(act)
	case act.SMSCount == 0:
		return nil, loket.ReasonError(loket.ECONFLICT, loket.ReasonNoCode, "activation %d has no code yet to resend", id)
	}
	ctx = context.WithoutCancel(ctx)
	if err := s.tellSupplier(ctx, act, supplier.VNResend); err != nil {
		if supplier.IsRefusal(err) {
			return nil, loket.ReasonError(loket.ECONFLICT, loket.ReasonRefused, "the supplier refused another SMS for activation %d", id)
		}
		return nil, loket.ReasonError(loket.EUNAVAILABLE, loket.ReasonUnreachable, "the supplier did not answer the resend of activation %d; try again", id)
	}
	if err := s.db.Write(ctx, uint64(act.ResellerID), func(t *store.Tx) error {
		_, err := t.ResendRequested(id, act.SMSCount)
		return err
	}); err != nil {
		return nil, err
	}
	return s.db.Activation(ctx, id, r.ID)
}

// carryNumber is an activation's job: look for new SMS, close it when the supplier
// did or when its window ends, else look again after the poll interval.
func (s *Service) carry(ctx context.Context, j store.Job) error {
	act, err := s.db.Activation(ctx, j.RefID, 0)
	if err != nil {
		if loket.ErrorCode(err) == loket.ENOTFOUND {
			return s.db.Write(ctx, 0, func(t *store.Tx) error { return t.DeleteJob(j.Key) })
		}
		return err
	}
	if !act.Open() {
		return s.db.Write(ctx, uint64(act.ResellerID), func(t *store.Tx) error { return t.DeleteJob(j.Key) })
	}
	if act.State == loket.VNRenting {
		// The rent's answer was lost, or the node renting it stopped (or could not
		// record the number): ask the supplier.
		return s.findRent(ctx, act, j)
	}
	count := act.SMSCount
	var st supplier.VNStatus
	// A supplier removed or disabled since counts as not answering: the window still
	// closes on time.
	vs, perr := s.vnSupplier(act.SupplierID)
	if perr == nil {
		cctx, cancel := context.WithTimeout(ctx, s.cfg.SupplierTimeout)
		st, perr = vs.NumberStatus(cctx, act.SupplierRef)
		cancel()
	}
	if perr == nil {
		s.m.supplierCalls.With("status", "ok").Inc()
		if count, err = s.storeSMS(ctx, act, st.SMS); err != nil {
			return err
		}
		switch {
		case st.State == supplier.VNCanceled && count == 0:
			return s.closeNumber(ctx, act, loket.VNCanceled, "canceled by the supplier", []string{loket.VNWaiting}, false)
		case st.State == supplier.VNCanceled:
			// Canceled upstream after a code arrived: the supplier charges nothing, so
			// neither does Loket.
			return s.closeNumber(ctx, act, loket.VNCanceled, "canceled by the supplier after a code", []string{loket.VNWaiting, loket.VNReceived}, true)
		case st.State == supplier.VNDone && count > 0:
			_, err := s.finishNumber(ctx, act, "done by the supplier")
			return err
		}
	} else {
		s.m.supplierCalls.With("status", "unknown").Inc()
		s.log.Warn("virtual-number status unknown", "activation", act.ID, "err", perr)
	}
	now := time.Now()
	if !now.Before(act.ExpiresAt) {
		if count > 0 {
			if err := s.tellSupplier(ctx, act, supplier.VNFinish); err != nil {
				s.log.Warn("virtual-number done at window end not confirmed upstream", "activation", act.ID, "err", err)
			}
			_, err := s.finishNumber(ctx, act, "window closed after a code")
			return err
		}
		// No code in time: give the number back and refund. A supplier charges nothing
		// for a number that received no SMS, so a failed cancel is only logged.
		if err := s.tellSupplier(ctx, act, supplier.VNCancel); err != nil {
			s.log.Warn("virtual-number cancel at timeout not confirmed upstream", "activation", act.ID, "err", err)
		}
		return s.closeNumber(ctx, act, loket.VNCanceled, loket.MsgTimeout, []string{loket.VNWaiting}, false)
	}
	next := now.Add(min(s.cfg.Poll, act.ExpiresAt.Sub(now)))
	if err := s.db.Write(ctx, uint64(act.ResellerID), func(t *store.Tx) error {
		return t.Reschedule(j.Key, s.runner.Node(), next, s.runner.Lease(), "")
	}); err != nil {
		return err
	}
	s.runner.Later(j, time.Until(next))
	return nil
}

// storeSMS keeps the messages not seen before and queues one webhook for each, in one
// transaction; it returns the activation's SMS count after.
func (s *Service) storeSMS(ctx context.Context, act *loket.Activation, msgs []supplier.SMS) (int, error) {
	count := act.SMSCount
	var fresh []supplier.SMS
	seen := map[string]bool{}
	for _, s := range act.SMS {
		seen[s.Code+"\x00"+s.Text] = true
	}
	for _, m := range msgs {
		m.Code, m.Text = strings.TrimSpace(m.Code), strings.TrimSpace(m.Text)
		if m.Code == "" && m.Text == "" {
			continue
		}
		if m.Code == "" {
			m.Code = codeIn(m.Text)
		}
		k := m.Code + "\x00" + m.Text
		if !seen[k] {
			seen[k] = true
			fresh = append(fresh, m)
		}
	}
	if len(fresh) == 0 {
		return count, nil
	}
	ra, err := s.resellers.Auth(ctx, act.ResellerID)
	if err != nil {
		return count, err
	}
	var hooks []int64
	var added int
	err = s.db.Write(ctx, uint64(act.ResellerID), func(t *store.Tx) error {
		hooks, added = hooks[:0], 0
		view := *act
		view.SMS = append([]loket.VNSMS(nil), act.SMS...)
		for _, m := range fresh {
			sms, ok, err := t.AddSMS(act.ID, loket.VNSMS{Code: m.Code, Text: m.Text, ReceivedAt: m.At})
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			added++
			view.State, view.SMSCount = loket.VNReceived, sms.Seq
			view.SMS = append(view.SMS, sms)
			v := view
			id, err := s.webhooks.QueueSMS(t, ra, &v, sms)
			if err != nil {
				return err
			}
			hooks = append(hooks, id)
		}
		return nil
	})
	if err != nil {
		return count, err
	}
	if added > 0 {
		s.m.sms.With().Add(float64(added))
	}
	s.webhooks.Send(hooks...)
	return count + added, nil
}

// codeIn finds an OTP code in a message that came without one: the first run of 4 to 8
// digits, a dash or space inside allowed ("123-456").
func codeIn(text string) string {
	var digits strings.Builder
	flush := func() string {
		if d := digits.String(); len(d) >= 4 && len(d) <= 8 {
			return d
		}
		digits.Reset()
		return ""
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c >= '0' && c <= '9':
			digits.WriteByte(c)
		case (c == '-' || c == ' ') && digits.Len() > 0 && i+1 < len(text) && text[i+1] >= '0' && text[i+1] <= '9':
		default:
			if d := flush(); d != "" {
				return d
			}
		}
	}
	return flush()
}

// SyncVNCatalog pulls the virtual-number catalog of every enabled supplier that sells
// numbers and writes it: new services, countries and operators are added (the
// operator's own edits of existing ones stand); each supplier's routes are replaced by
// its catalog's, at its costs; every entry's base price becomes its cheapest route's
// cost with the markup rule of numbers (LOKET_VN_MARKUP_BP when none is set: see
// store.Tx.VNPricer), its stock the routes' total; the moves are a change set of
// loket price history. A supplier that fails to answer keeps its routes.
func (s *Service) SyncVNCatalog(ctx context.Context) error {
	var errs []error
	for _, cfg := range s.catalog.SupplierList() {
		id := cfg.ID
		if !cfg.Enabled {
			continue
		}
		vs, err := s.vnSupplier(id)
		if err != nil {
			continue // not a seller of numbers
		}
		cctx, cancel := context.WithTimeout(ctx, s.cfg.SupplierTimeout)
		cat, err := vs.VNCatalog(cctx)
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("supplier %s: %w", cfg.Name, err))
			continue
		}
		if len(cat.Countries) == 0 {
			continue
		}
		priority := 10
		if cfg.Kind == "sim" {
			priority = 100 // the simulator is every route's last resort, as in the demo catalog
		}
		err = s.db.Write(ctx, 0, func(t *store.Tx) error {
			t.PriceCause("number catalog sync of " + cfg.Name)
			return writeVNCatalog(t, id, priority, cat)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("supplier %s: %w", cfg.Name, err))
		}
	}
	return errors.Join(errs...)
}

func writeVNCatalog(t *store.Tx, supplierID int64, priority int, cat supplier.VNCatalog) error {
	markup, err := t.VNPricer()
	if err != nil {
		return err
	}
	known := map[int64]bool{}
	for _, s := range cat.Services {
		if err := t.AddVNService(s); err != nil {
			return err
		}
		known[s.Code] = true
	}
	var routes []store.VNRoute
	for _, c := range cat.Countries {
		if err := t.AddVNCountry(c); err != nil {
			return err
		}
		for _, p := range c.Prices {
			if !known[p.ServiceCode] {
				continue
			}
			p.NumberID = c.NumberID
			if err := t.AddVNPrice(p, markup(p.ServiceCode, p.Price)); err != nil {
				return err
			}
			routes = append(routes, store.VNRoute{ServiceCode: p.ServiceCode, NumberID: c.NumberID, ProviderID: p.ProviderID,
				Cost: p.Price, Stock: p.Stock, Priority: priority})
		}
	}
	for _, o := range cat.Operators {
		for _, op := range o.Operators {
			if err := t.AddVNOperator(o.NumberID, o.ProviderID, op); err != nil {
				return err
			}
		}
	}
	return t.SyncVNRoutes(supplierID, routes)
}

// WaitSynced waits, at most for d, until the first catalog sync after the start is done.
func (s *Service) WaitSynced(d time.Duration) {
	select {
	case <-s.synced:
	case <-time.After(d):
	}
}

// Activations lists a reseller's activations, newest first, before the id before (0:
// from the newest).
func (s *Service) Activations(ctx context.Context, resellerID, before int64, limit int) ([]*loket.Activation, error) {
	return s.db.Activations(ctx, resellerID, before, limit)
}

// ActivationByRef returns a reseller's activation by its ref_id.
func (s *Service) ActivationByRef(ctx context.Context, resellerID int64, ref string) (*loket.Activation, error) {
	if err := loket.CheckText("ref_id", ref, loket.MaxText); err != nil {
		return nil, err
	}
	return s.db.ActivationByRef(ctx, resellerID, ref)
}

// ListActivations lists activations for the operator.
func (s *Service) ListActivations(ctx context.Context, f loket.ActivationFilter) ([]*loket.Activation, error) {
	if err := loket.CheckText("state", f.State, loket.MaxText); err != nil {
		return nil, err
	}
	return s.db.ListActivations(ctx, f)
}

// Services lists the services numbers are sold for.
func (s *Service) Services(ctx context.Context) ([]loket.VNService, error) {
	return s.db.VNServices(ctx)
}

// ServicesAt lists the services priced for a country (number_id) and provider.
func (s *Service) ServicesAt(ctx context.Context, numberID int64, providerID string) ([]loket.VNService, error) {
	if err := loket.CheckText("provider_id", providerID, loket.MaxText); err != nil {
		return nil, err
	}
	return s.db.VNServicesAt(ctx, numberID, providerID)
}

// Countries lists the countries numbers of a service come from, with their prices.
func (s *Service) Countries(ctx context.Context, serviceCode int64) ([]loket.VNCountry, error) {
	return s.db.VNCountries(ctx, serviceCode)
}

// Operators lists the mobile operators of a country (by name) and provider.
func (s *Service) Operators(ctx context.Context, country, providerID string) ([]loket.VNOperator, error) {
	if err := loket.CheckTexts("country", country, "provider_id", providerID); err != nil {
		return nil, err
	}
	return s.db.VNOperators(ctx, country, providerID)
}

// OperatorsAt lists the mobile operators of a country (number_id) and provider.
func (s *Service) OperatorsAt(ctx context.Context, numberID int64, providerID string) ([]loket.VNOperator, error) {
	if err := loket.CheckText("provider_id", providerID, loket.MaxText); err != nil {
		return nil, err
	}
	return s.db.VNOperatorsAt(ctx, numberID, providerID)
}
