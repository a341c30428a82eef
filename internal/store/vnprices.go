package store

import (
	"database/sql"
	"strconv"

	"github.com/loket/loket/internal/loket"
)

// The base prices of the virtual-number price list (vn_prices) are stored: the catalog
// sync and the markup rules of scope numbers write them, each move recorded in the
// transaction's change set (vn_price_changes), as products' are.

// RecordVNPriceChange notes a price-list entry's base price change in this
// transaction's change set (made at its first change). Resellers are not told of it
// by webhook: their price lists of numbers are read when they rent.
func (t *Tx) RecordVNPriceChange(serviceCode, numberID int64, providerID string, old, new loket.Money) error {
	now := Now()
	if err := t.openPriceSet(now); err != nil {
		return err
	}
	_, err := t.Exec(`INSERT INTO vn_price_changes (set_id, service_code, number_id, provider_id, old_price, new_price, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.priceSet, serviceCode, numberID, providerID, old, new, now)
	return err
}

// setVNPrice moves an entry's base price from old to price and records it.
func (t *Tx) setVNPrice(serviceCode, numberID int64, providerID string, old, price loket.Money) error {
	if _, err := t.Exec(`UPDATE vn_prices SET price = $4 WHERE service_code = $1 AND number_id = $2 AND provider_id = $3`,
		serviceCode, numberID, providerID, price); err != nil {
		return err
	}
	return t.RecordVNPriceChange(serviceCode, numberID, providerID, old, price)
}

// VNPricer returns what makes a supplier's cost of a service's number a base price:
// the markup rule of scope numbers for the service, else the one for the whole price
// list, else LOKET_VN_MARKUP_BP (DB.VNMarkupBP, rounded up to whole rupiah). Never
// below the cost.
func (t *Tx) VNPricer() (func(serviceCode int64, cost loket.Money) loket.Money, error) {
	rules := map[int64]loket.MarkupRule{}
	err := scanAll(t.Query(`SELECT scope_id, markup_bp, markup_flat, round_to FROM markup_rules WHERE scope = $1`, loket.ScopeNumbers))(func(r *sql.Rows) error {
		var m loket.MarkupRule
		if err := r.Scan(&m.ScopeID, &m.MarkupBP, &m.MarkupFlat, &m.RoundTo); err != nil {
			return err
		}
		rules[m.ScopeID] = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	fallback := t.db.VNMarkupBP
	return func(serviceCode int64, cost loket.Money) loket.Money {
		m, ok := rules[serviceCode]
		if !ok {
			m, ok = rules[0]
		}
		price := cost.PlusBP(fallback)
		if ok {
			price = m.Apply(cost)
		}
		return max(price, cost)
	}, nil
}

// RepriceVN sets the base price and stock of every price-list entry a route serves
// (of one service, or all when serviceCode is 0): the price is the cheapest route's
// cost priced by VNPricer, the stock the routes' total. Entries no route serves keep
// their price and get stock 0. Each price move is recorded (RecordVNPriceChange). It
// returns how many prices moved.
func (t *Tx) RepriceVN(serviceCode int64) (int, error) {
	price, err := t.VNPricer()
	if err != nil {
		return 0, err
	}
	type entry struct {
		svc, num    int64
		prov        string
		price, cost loket.Money
		stock       int64
		routed      bool
	}
	var entries []entry
	q := `SELECT p.service_code, p.number_id, p.provider_id, p.price, MIN(r.cost), COALESCE(SUM(r.stock), 0), COUNT(r.supplier_id)
		FROM vn_prices p LEFT JOIN vn_routes r ON r.service_code = p.service_code AND r.number_id = p.number_id AND r.provider_id = p.provider_id`
	var args []any
	if serviceCode != 0 {
		q += ` WHERE p.service_code = $1`
		args = append(args, serviceCode)
	}
	err = scanAll(t.Query(q+` GROUP BY p.service_code, p.number_id, p.provider_id, p.price ORDER BY p.service_code, p.number_id, p.provider_id`, args...))(func(r *sql.Rows) error {
		var e entry
		var cost sql.NullInt64
		var n int64
		if err := r.Scan(&e.svc, &e.num, &e.prov, &e.price, &cost, &e.stock, &n); err != nil {
			return err
		}
		e.cost, e.routed = loket.Money(cost.Int64), n > 0
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return 0, err
	}
	moved := 0
	for _, e := range entries {
		if !e.routed {
			if _, err := t.Exec(`UPDATE vn_prices SET stock = 0 WHERE service_code = $1 AND number_id = $2 AND provider_id = $3`, e.svc, e.num, e.prov); err != nil {
				return moved, err
			}
			continue
		}
		p := price(e.svc, e.cost)
		if _, err := t.Exec(`UPDATE vn_prices SET price = $4, stock = $5 WHERE service_code = $1 AND number_id = $2 AND provider_id = $3`,
			e.svc, e.num, e.prov, p, e.stock); err != nil {
			return moved, err
		}
		if p != e.price {
			if err := t.RecordVNPriceChange(e.svc, e.num, e.prov, e.price, p); err != nil {
				return moved, err
			}
			moved++
		}
	}
	return moved, nil
}

// vnServiceCode is the service a markup rule of scope numbers narrows to: 0 for the
// whole price list (no code), else the service's code, which must exist.
func (t *Tx) vnServiceCode(code string) (int64, error) {
	if code == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(code, 10, 64)
	if err != nil || n <= 0 {
		return 0, loket.FieldError(loket.EINVALID, "code", "scope numbers takes a service's code (a number such as 14), or none for every service, not %q", code)
	}
	var name string
	err = t.QueryRow(`SELECT name FROM vn_services WHERE code = $1`, n).Scan(&name)
	if noRows(err) {
		return 0, loket.Errorf(loket.ENOTFOUND, "no virtual-number service %d", n)
	}
	return n, err
}
