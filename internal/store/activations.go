package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/loket/loket/internal/loket"
)

// Transfer kinds of activations.
const (
	TransferVNReserve = "vn_reserve"
	TransferVNPost    = "vn_post"
	TransferVNVoid    = "vn_void"
)

// JobVN is the kind of the one job per open activation (key vn:<id>): it polls the
// supplier for SMS and closes the activation when its window ends.
const JobVN = "vn"

// VNJobKey is the key of an activation's job.
func VNJobKey(id int64) string { return fmt.Sprintf("vn:%d", id) }

// VNRoute is a supplier that rents numbers for a price-list entry.
type VNRoute struct {
	ServiceCode int64
	NumberID    int64
	ProviderID  string
	SupplierID  int64
	Cost        loket.Money
	Stock       int64
	Priority    int
}

const activationCols = `id, reseller_id, COALESCE(ref_id, ''), request_hash, service_code, service_name, number_id, country, provider_id,
	operator_id, price, price_jual, max_price, COALESCE(supplier_id, 0), cost, supplier_ref, phone, state, sms_count, message, surface,
	account_id, hold, created_at, updated_at, expires_at, cancel_after, settled_at, flagged_at`

func scanActivation(row interface{ Scan(...any) error }) (*loket.Activation, error) {
	var a loket.Activation
	var c, u, e, ca int64
	var settled, flagged sql.NullInt64
	if err := row.Scan(&a.ID, &a.ResellerID, &a.RefID, &a.RequestHash, &a.ServiceCode, &a.ServiceName, &a.NumberID, &a.Country,
		&a.ProviderID, &a.OperatorID, &a.Price, &a.PriceJual, &a.MaxPrice, &a.SupplierID, &a.Cost, &a.SupplierRef, &a.Phone,
		&a.State, &a.SMSCount, &a.Message, &a.Surface, &a.AccountID, &a.Hold, &c, &u, &e, &ca, &settled, &flagged); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt, a.ExpiresAt, a.SettledAt = Time(c), Time(u), Time(e), TimePtr(settled)
	if ca > 0 {
		a.CancelAfter = Time(ca)
	}
	a.Flagged = flagged.Valid
	return &a, nil
}

// NewActivation is what CreateActivation writes.
type NewActivation struct {
	ResellerID  int64
	AccountID   int64
	RefID       string // "" for none
	RequestHash string
	ServiceCode int64
	ServiceName string
	NumberID    int64
	Country     string
	ProviderID  string
	OperatorID  string
	Price       loket.Money
	PriceJual   loket.Money
	MaxPrice    loket.Money
	Surface     string
	// SupplierID and Cost are the first route's: the supplier is recorded before it is
	// asked, so a rent whose answer is lost can be looked up there (RentingAt records
	// the next route's after a refusal).
	SupplierID int64
	Cost       loket.Money
	Window     time.Duration // expires_at = now + Window (renting is bounded by the job's run_at)
	// The job vn:<id> is written locked by Node until JobAt plus Lease: the node renting
	// the number owns it; if that node dies, another finds the activation renting.
	Node  string
	JobAt time.Time
	Lease time.Duration
	// Commissions are a downline's uplines' shares of Price: recorded with the
	// activation, posted to their profit accounts when it is done.
	Commissions []Commission
}

// CreateActivation writes an activation in state renting, its reservation (the price
// from the reseller's balance to in flight, key vn:<id>:reserve) and its job, in the
// caller's transaction. A used (reseller, ref_id) returns the existing activation with
// existed=true and writes nothing; with another request it is a conflict.
func (t *Tx) CreateActivation(n *NewActivation) (a *loket.Activation, existed bool, err error) {
	if n.Price <= 0 {
		return nil, false, loket.Errorf(loket.EUNAVAILABLE, "this number has no price set")
	}
	now := Now()
	var ref, sup any
	if n.RefID != "" {
		ref = n.RefID
	}
	if n.SupplierID != 0 {
		sup = n.SupplierID
	}
	a, err = scanActivation(t.QueryRow(`INSERT INTO vn_activations (reseller_id, ref_id, request_hash, service_code, service_name, number_id,
		country, provider_id, operator_id, price, price_jual, max_price, state, surface, account_id, hold, created_at, updated_at, expires_at,
		supplier_id, cost)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'renting', $13, $14, 'pending', $15, $15, $16, $17, $18)
		ON CONFLICT (reseller_id, ref_id) DO NOTHING RETURNING `+activationCols,
		n.ResellerID, ref, n.RequestHash, n.ServiceCode, n.ServiceName, n.NumberID, n.Country, n.ProviderID, n.OperatorID,
		n.Price, n.PriceJual, n.MaxPrice, n.Surface, n.AccountID, now, now+n.Window.Microseconds(), sup, n.Cost))
	if noRows(err) {
		prev, err := scanActivation(t.QueryRow(`SELECT `+activationCols+` FROM vn_activations WHERE reseller_id = $1 AND ref_id = $2`,
			n.ResellerID, n.RefID))
		if err != nil {
			return nil, false, fmt.Errorf("activation by ref: %w", err)
		}
		if prev.RequestHash != n.RequestHash {
			return nil, false, loket.FieldError(loket.ECONFLICT, "ref_id", "ref_id %q was used for another request", n.RefID)
		}
		return prev, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("insert activation: %w", err)
	}
	inflight, err := t.HouseAccount(AccInFlight, KindInFlight)
	if err != nil {
		return nil, false, err
	}
	res, err := t.Transfer(fmt.Sprintf("vn:%d:reserve", a.ID), TransferVNReserve, nil, "", []Leg{{n.AccountID, -n.Price}, {inflight, n.Price}}, n.AccountID)
	if err != nil {
		return nil, false, err
	}
	if res.Duplicate {
		return nil, false, fmt.Errorf("reserve activation %d: already reserved", a.ID)
	}
	if s := SumCommissions(n.Commissions); s > n.Price {
		return nil, false, fmt.Errorf("activation %d: commissions %d exceed its price %d", a.ID, s, n.Price)
	}
	for _, c := range n.Commissions {
		if _, err := t.Exec(`INSERT INTO activation_commissions (activation_id, reseller_id, account_id, level, amount) VALUES ($1, $2, $3, $4, $5)`,
			a.ID, c.ResellerID, c.AccountID, c.Level, c.Amount); err != nil {
			return nil, false, fmt.Errorf("activation %d: commission: %w", a.ID, err)
		}
	}
	if err := t.EnqueueJob(VNJobKey(a.ID), JobVN, a.ID, n.JobAt, n.Node, n.Lease); err != nil {
		return nil, false, err
	}
	return a, false, nil
}

// RentingAt records the supplier a renting activation is about to be sent to (the
// next route after a refusal), before it is asked, at time at. While an activation is
// renting, its updated_at is when its rent was sent to that supplier (recorded just
// before: supplier.VNRequest.SentAt, the same in the rent and in its lookups).
func (t *Tx) RentingAt(id, supplierID int64, cost loket.Money, at time.Time) (bool, error) {
	res, err := t.Exec(`UPDATE vn_activations SET supplier_id = $2, cost = $3, updated_at = $4 WHERE id = $1 AND state = 'renting'`,
		id, supplierID, cost, at.UnixMicro())
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RentUnknown keeps a renting activation whose supplier's answer was lost pending,
// with the message its reseller reads meanwhile; its job then asks the supplier.
// updated_at stays the time the rent was sent.
func (t *Tx) RentUnknown(id int64, message string) error {
	_, err := t.Exec(`UPDATE vn_activations SET message = $2 WHERE id = $1 AND state = 'renting'`, id, truncate(message, 200))
	return err
}

// FlagActivation marks an open activation for the operator (a rent nobody can settle
// without them), once.
func (t *Tx) FlagActivation(id int64) (bool, error) {
	res, err := t.Exec(`UPDATE vn_activations SET flagged_at = $2 WHERE id = $1 AND hold = 'pending' AND flagged_at IS NULL`, id, Now())
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Rented records the number a supplier assigned to a renting activation and when the
// job should look at it first. ok is false when the activation is no longer renting.
func (t *Tx) Rented(id, supplierID int64, cost loket.Money, supplierRef, phone string, expires, cancelAfter time.Time) (*loket.Activation, bool, error) {
	ca := int64(0)
	if !cancelAfter.IsZero() {
		ca = cancelAfter.UnixMicro()
	}
	a, err := scanActivation(t.QueryRow(`UPDATE vn_activations SET state = 'waiting', supplier_id = $2, cost = $3, supplier_ref = $4, phone = $5,
		expires_at = $6, cancel_after = $7, updated_at = $8, message = '' WHERE id = $1 AND state = 'renting' RETURNING `+activationCols,
		id, supplierID, cost, truncate(supplierRef, 128), truncate(phone, 64), expires.UnixMicro(), ca, Now()))
	if noRows(err) {
		return nil, false, nil
	}
	return a, err == nil, err
}

// AddSMS stores a message of an open activation once (by code and text) and moves it
// to received. added is false when the message was stored before or the activation is
// closed: a message after a cancel is never kept and changes nothing.
func (t *Tx) AddSMS(id int64, m loket.VNSMS) (sms loket.VNSMS, added bool, err error) {
	var one int
	err = t.QueryRow(`SELECT 1 FROM vn_sms WHERE activation_id = $1 AND code = $2 AND text = $3`, id, m.Code, m.Text).Scan(&one)
	if err == nil {
		return sms, false, nil
	}
	if !noRows(err) {
		return sms, false, err
	}
	var seq int
	err = t.QueryRow(`UPDATE vn_activations SET sms_count = sms_count + 1, state = 'received', updated_at = $2
		WHERE id = $1 AND state IN ('waiting', 'received') RETURNING sms_count`, id, Now()).Scan(&seq)
	if noRows(err) {
		return sms, false, nil
	}
	if err != nil {
		return sms, false, err
	}
	at := m.ReceivedAt
	if at.IsZero() {
		at = time.Now()
	}
	m.Seq, m.ReceivedAt = seq, at.UTC()
	m.Code, m.Text = truncate(m.Code, 32), truncate(m.Text, 1000)
	if _, err := t.Exec(`INSERT INTO vn_sms (activation_id, seq, code, text, received_at) VALUES ($1, $2, $3, $4, $5)`,
		id, seq, m.Code, m.Text, at.UnixMicro()); err != nil {
		return sms, false, fmt.Errorf("insert sms: %w", err)
	}
	return m, true, nil
}

// ResendRequested moves a received activation back to waiting for the next SMS,
// unless an SMS beyond the seen ones arrived meanwhile (the next one is here already).
func (t *Tx) ResendRequested(id int64, seen int) (bool, error) {
	res, err := t.Exec(`UPDATE vn_activations SET state = 'waiting', updated_at = $2 WHERE id = $1 AND state = 'received' AND sms_count = $3`,
		id, Now(), seen)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// FinishActivation posts an open activation that received a code: state done, the
// price out of in flight to the supplier's payable (cost) and revenue (the rest), key
// vn:<id>:settle. ok is false (and nothing moves) when it is closed or has no code.
func (t *Tx) FinishActivation(id int64, message string) (*loket.Activation, bool, error) {
	a, err := scanActivation(t.QueryRow(`UPDATE vn_activations SET state = 'done', hold = 'posted', message = $2, settled_at = $3, updated_at = $3
		WHERE id = $1 AND hold = 'pending' AND state IN ('waiting', 'received') AND sms_count > 0 RETURNING `+activationCols,
		id, truncate(message, 200), Now()))
	if noRows(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	inflight, err := t.HouseAccount(AccInFlight, KindInFlight)
	if err != nil {
		return nil, false, err
	}
	legs := []Leg{{inflight, -a.Price}}
	cost := a.Cost // a cost above the price shows as negative revenue
	if cost != 0 && a.SupplierID != 0 {
		payable, err := t.HouseAccount(SupplierAccount(a.SupplierID), KindSupplierPayable)
		if err != nil {
			return nil, false, err
		}
		legs = append(legs, Leg{payable, cost})
	} else {
		cost = 0
	}
	rest := a.Price - cost
	var tracked []int64
	err = scanAll(t.Query(`SELECT account_id, amount FROM activation_commissions WHERE activation_id = $1 ORDER BY level`, id))(func(r *sql.Rows) error {
		var l Leg
		if err := r.Scan(&l.Account, &l.Amount); err != nil {
			return err
		}
		legs, tracked, rest = append(legs, l), append(tracked, l.Account), rest-l.Amount
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if rest != 0 {
		revenue, err := t.HouseAccount(AccRevenue, KindRevenue)
		if err != nil {
			return nil, false, err
		}
		legs = append(legs, Leg{revenue, rest})
	}
	res, err := t.Transfer(fmt.Sprintf("vn:%d:settle", id), TransferVNPost, nil, "", legs, tracked...)
	if err != nil {
		return nil, false, err
	}
	if res.Duplicate {
		return nil, false, fmt.Errorf("post activation %d: %w", id, ErrSettled)
	}
	return a, true, t.DeleteJob(VNJobKey(id))
}

// CloseActivation refunds an open activation: state (canceled or failed), the price
// back from in flight to the reseller, key vn:<id>:settle. fromStates limits which open
// states it applies to; withCode allows it after an SMS arrived (the supplier took the
// cancel). ok is false (nothing moves) otherwise.
func (t *Tx) CloseActivation(id int64, state, message string, fromStates []string, withCode bool) (*loket.Activation, bool, error) {
	if state != loket.VNCanceled && state != loket.VNFailed {
		return nil, false, fmt.Errorf("close activation: bad state %q", state)
	}
	q := `UPDATE vn_activations SET state = $2, hold = 'voided', message = $3, settled_at = $4, updated_at = $4
		WHERE id = $1 AND hold = 'pending' AND state IN (`
	args := []any{id, state, truncate(message, 200), Now()}
	for i, s := range fromStates {
		if i > 0 {
			q += ", "
		}
		args = append(args, s)
		q += fmt.Sprintf("$%d", len(args))
	}
	q += ")"
	if !withCode {
		q += " AND sms_count = 0"
	}
	a, err := scanActivation(t.QueryRow(q+" RETURNING "+activationCols, args...))
	if noRows(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	inflight, err := t.HouseAccount(AccInFlight, KindInFlight)
	if err != nil {
		return nil, false, err
	}
	res, err := t.Transfer(fmt.Sprintf("vn:%d:settle", id), TransferVNVoid, nil, "", []Leg{{inflight, -a.Price}, {a.AccountID, a.Price}}, a.AccountID)
	if err != nil {
		return nil, false, err
	}
	if res.Duplicate {
		return nil, false, fmt.Errorf("void activation %d: %w", id, ErrSettled)
	}
	return a, true, t.DeleteJob(VNJobKey(id))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Activation loads an activation with its SMS; resellerID limits it to one reseller's
// (0: any).
func (db *DB) Activation(ctx context.Context, id, resellerID int64) (*loket.Activation, error) {
	a, err := scanActivation(db.queryRow(ctx, `SELECT `+activationCols+` FROM vn_activations WHERE id = $1 AND ($2 = 0 OR reseller_id = $2)`,
		id, resellerID))
	if noRows(err) {
		return nil, loket.Errorf(loket.ENOTFOUND, "no such activation")
	}
	if err != nil {
		return nil, err
	}
	if a.SMSCount > 0 {
		if a.SMS, err = db.activationSMS(ctx, id); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// ActivationByRef loads a reseller's activation by ref_id.
func (db *DB) ActivationByRef(ctx context.Context, resellerID int64, ref string) (*loket.Activation, error) {
	var id int64
	err := db.queryRow(ctx, `SELECT id FROM vn_activations WHERE reseller_id = $1 AND ref_id = $2`, resellerID, ref).Scan(&id)
	if noRows(err) {
		return nil, loket.Errorf(loket.ENOTFOUND, "no such activation")
	}
	if err != nil {
		return nil, err
	}
	return db.Activation(ctx, id, resellerID)
}

func (db *DB) activationSMS(ctx context.Context, id int64) ([]loket.VNSMS, error) {
	var out []loket.VNSMS
	err := db.each(ctx, `SELECT seq, code, text, received_at FROM vn_sms WHERE activation_id = $1 ORDER BY seq`, func(r *sql.Rows) error {
		var m loket.VNSMS
		var at int64
		if err := r.Scan(&m.Seq, &m.Code, &m.Text, &at); err != nil {
			return err
		}
		m.ReceivedAt = Time(at)
		out = append(out, m)
		return nil
	}, id)
	return out, err
}

// Activations lists a reseller's activations, newest first, before id before (0: from
// the newest), without their SMS.
func (db *DB) Activations(ctx context.Context, resellerID, before int64, limit int) ([]*loket.Activation, error) {
	var out []*loket.Activation
	err := db.each(ctx, `SELECT `+activationCols+` FROM vn_activations WHERE reseller_id = $1 AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3`,
		func(r *sql.Rows) error {
			a, err := scanActivation(r)
			if err == nil {
				out = append(out, a)
			}
			return err
		}, resellerID, before, limit)
	return out, err
}

// VNRoutes lists the suppliers of a price-list entry in the order to try them:
// priority, then cost.
func (db *DB) VNRoutes(ctx context.Context, serviceCode, numberID int64, providerID string) ([]VNRoute, error) {
	var out []VNRoute
	err := db.each(ctx, `SELECT r.service_code, r.number_id, r.provider_id, r.supplier_id, r.cost, r.stock, r.priority FROM vn_routes r
		JOIN suppliers s ON s.id = r.supplier_id WHERE r.service_code = $1 AND r.number_id = $2 AND r.provider_id = $3 AND s.enabled AND r.stock > 0
		ORDER BY r.priority, r.cost, r.supplier_id`, func(r *sql.Rows) error {
		var v VNRoute
		if err := r.Scan(&v.ServiceCode, &v.NumberID, &v.ProviderID, &v.SupplierID, &v.Cost, &v.Stock, &v.Priority); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	}, serviceCode, numberID, providerID)
	return out, err
}

// VNPrice is one price-list entry, or ENOTFOUND.
func (db *DB) VNPrice(ctx context.Context, serviceCode, numberID int64, providerID string) (*loket.VNPrice, string, error) {
	p := loket.VNPrice{ServiceCode: serviceCode, NumberID: numberID, ProviderID: providerID}
	var country string
	err := db.queryRow(ctx, `SELECT p.server_id, p.price, p.rate_bp, p.stock, c.name FROM vn_prices p JOIN vn_countries c ON c.number_id = p.number_id
		WHERE p.service_code = $1 AND p.number_id = $2 AND p.provider_id = $3`, serviceCode, numberID, providerID).
		Scan(&p.ServerID, &p.Price, &p.RateBP, &p.Stock, &country)
	if noRows(err) {
		return nil, "", loket.Errorf(loket.ENOTFOUND, "no price for service %d, number_id %d, provider_id %s", serviceCode, numberID, providerID)
	}
	return &p, country, err
}

// VNServicesAt lists the services that have a price for a country and provider.
func (db *DB) VNServicesAt(ctx context.Context, numberID int64, providerID string) ([]loket.VNService, error) {
	var out []loket.VNService
	err := db.each(ctx, `SELECT s.code, s.name, s.image, s.active FROM vn_prices p JOIN vn_services s ON s.code = p.service_code
		WHERE p.number_id = $1 AND p.provider_id = $2 ORDER BY s.code`, func(r *sql.Rows) error {
		var s loket.VNService
		if err := r.Scan(&s.Code, &s.Name, &s.Image, &s.Active); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	}, numberID, providerID)
	return out, err
}

// HasVNOperator reports whether a country and provider offer an operator.
func (db *DB) HasVNOperator(ctx context.Context, numberID int64, providerID, operator string) (bool, error) {
	var n int
	err := db.queryRow(ctx, `SELECT count(*) FROM vn_operators WHERE number_id = $1 AND provider_id = $2 AND lower(id) = lower($3)`,
		numberID, providerID, operator).Scan(&n)
	return n > 0, err
}

// SyncVNRoutes replaces a supplier's routes with those of its latest catalog and
// reprices every entry (RepriceVN): the entry's base price is the cheapest route's
// cost with the markup of numbers, its stock the routes' total. Entries no route
// serves any more keep their price and get stock 0.
func (t *Tx) SyncVNRoutes(supplierID int64, routes []VNRoute) error {
	now := Now()
	if _, err := t.Exec(`DELETE FROM vn_routes WHERE supplier_id = $1`, supplierID); err != nil {
		return err
	}
	for _, r := range routes {
		if _, err := t.Exec(`INSERT INTO vn_routes (service_code, number_id, provider_id, supplier_id, cost, stock, priority, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (service_code, number_id, provider_id, supplier_id) DO UPDATE
			SET cost = excluded.cost, stock = excluded.stock, updated_at = excluded.updated_at`,
			r.ServiceCode, r.NumberID, r.ProviderID, supplierID, r.Cost, max(r.Stock, 0), r.Priority, now); err != nil {
			return err
		}
	}
	_, err := t.RepriceVN(0)
	return err
}

// verifyActivations checks that every activation of the scope agrees with its
// reservation: open states hold a pending reservation, done is posted (and had a
// code), canceled and failed are voided; and that the transfers say the same: one
// reserve each, a settle exactly when the hold is no longer pending.
func verifyActivations(ctx context.Context, snap *sql.Tx, sc verifyScope, add func(inv, format string, args ...any)) error {
	with, args := sc.activations()
	if err := eachRow(ctx, snap, with+`SELECT id, state, hold, sms_count FROM vn_activations
		WHERE `+sc.activationIn("id")+` AND ((state IN ('renting', 'waiting', 'received') AND hold <> 'pending') OR (state = 'done' AND (hold <> 'posted' OR sms_count = 0))
		   OR (state IN ('canceled', 'failed') AND hold <> 'voided')) LIMIT 20`,
		func(r *sql.Rows) error {
			var id, n int64
			var st, h string
			if err := r.Scan(&id, &st, &h, &n); err != nil {
				return err
			}
			add("activation matches its reservation", "activation %d is %s with %d SMS but its reservation is %s", id, st, n, h)
			return nil
		}, args...); err != nil {
		return err
	}
	return eachRow(ctx, snap, with+`SELECT a.id, a.hold, COALESCE(rs.kind, ''), COALESCE(st.kind, '') FROM vn_activations a
		LEFT JOIN transfers rs ON rs.key = 'vn:' || a.id || ':reserve'
		LEFT JOIN transfers st ON st.key = 'vn:' || a.id || ':settle'
		WHERE `+sc.activationIn("a.id")+` AND (rs.id IS NULL OR (a.hold = 'pending' AND st.id IS NOT NULL) OR (a.hold = 'posted' AND COALESCE(st.kind, '') <> 'vn_post')
		   OR (a.hold = 'voided' AND COALESCE(st.kind, '') <> 'vn_void')) LIMIT 20`,
		func(r *sql.Rows) error {
			var id int64
			var h, rk, sk string
			if err := r.Scan(&id, &h, &rk, &sk); err != nil {
				return err
			}
			add("activation matches its transfers", "activation %d's reservation is %s; reserve transfer %q, settle transfer %q", id, h, rk, sk)
			return nil
		}, args...)
}

// AddVNService adds a service a supplier's catalog names, unless it exists: the
// operator's name, image and switch of an existing one stand.
func (t *Tx) AddVNService(s loket.VNService) error {
	_, err := t.Exec(`INSERT INTO vn_services (code, name, image, active) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING`,
		s.Code, truncate(s.Name, 100), truncate(s.Image, 500), true)
	return err
}

// AddVNCountry adds a country unless it exists.
func (t *Tx) AddVNCountry(c loket.VNCountry) error {
	_, err := t.Exec(`INSERT INTO vn_countries (number_id, name, prefix) VALUES ($1, $2, $3) ON CONFLICT (number_id) DO NOTHING`,
		c.NumberID, truncate(c.Name, 100), truncate(c.Prefix, 16))
	return err
}

// AddVNPrice adds a price-list entry at price, or takes the supplier's server and
// success rate for an existing one (its price and stock follow from the routes).
func (t *Tx) AddVNPrice(p loket.VNPrice, price loket.Money) error {
	_, err := t.Exec(`INSERT INTO vn_prices (service_code, number_id, provider_id, server_id, price, rate_bp, stock)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (service_code, number_id, provider_id) DO UPDATE SET server_id = excluded.server_id, rate_bp = excluded.rate_bp`,
		p.ServiceCode, p.NumberID, truncate(p.ProviderID, 64), p.ServerID, price, p.RateBP, max(p.Stock, 0))
	return err
}

// AddVNOperator adds an operator of a country and provider unless it exists.
func (t *Tx) AddVNOperator(numberID int64, providerID string, o loket.VNOperator) error {
	_, err := t.Exec(`INSERT INTO vn_operators (number_id, provider_id, id, name, image) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (number_id, provider_id, id) DO NOTHING`, numberID, truncate(providerID, 64), truncate(o.ID, 64), truncate(o.Name, 100), truncate(o.Image, 500))
	return err
}

// VNOperatorsAt lists the operators of a country (by number_id) and provider.
func (db *DB) VNOperatorsAt(ctx context.Context, numberID int64, providerID string) ([]loket.VNOperator, error) {
	var out []loket.VNOperator
	err := db.each(ctx, `SELECT id, name, image FROM vn_operators WHERE number_id = $1 AND provider_id = $2 ORDER BY id = 'any' DESC, id`,
		func(r *sql.Rows) error {
			var o loket.VNOperator
			if err := r.Scan(&o.ID, &o.Name, &o.Image); err != nil {
				return err
			}
			out = append(out, o)
			return nil
		}, numberID, providerID)
	return out, err
}

// ListActivations lists activations, newest first, without their SMS.
func (db *DB) ListActivations(ctx context.Context, f loket.ActivationFilter) ([]*loket.Activation, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	q := `SELECT ` + activationCols + ` FROM vn_activations WHERE ($1 = 0 OR reseller_id = $1) AND ($2 = '' OR state = $2)`
	if f.Flagged {
		q += ` AND flagged_at IS NOT NULL`
	}
	var out []*loket.Activation
	err := db.each(ctx, q+` ORDER BY id DESC LIMIT $3`, func(r *sql.Rows) error {
		a, err := scanActivation(r)
		if err == nil {
			out = append(out, a)
		}
		return err
	}, f.ResellerID, f.State, f.Limit)
	return out, err
}
