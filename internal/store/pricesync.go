package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/loket/loket/internal/loket"
)

// JobPriceSync is the kind of the job that pulls one supplier's price list; its key is
// PriceSyncJobKey(supplier id).
const JobPriceSync = "pricesync"

// PriceSyncJobKey is the key of a supplier's price sync job.
func PriceSyncJobKey(supplierID int64) string { return fmt.Sprintf("pricesync:%d", supplierID) }

// SupplierPrice is what a supplier's price list says about one of its codes.
type SupplierPrice struct {
	Code      string
	Cost      loket.Money
	Available bool
}

// maxListed bounds the names a PriceSync keeps for the operator.
const maxListed = 50

func note(list *[]string, v string) {
	if len(*list) < maxListed {
		*list = append(*list, v)
	}
}

// ApplySupplierPrices sets the cost and availability of every route of supplierID whose
// code the list names, then reprices the products whose routes changed (Reprice). A
// full list also reports the codes our routes buy that it does not name; they are left
// as they are, since a list cut short must not switch routes off. A zero cost is not
// believed (an upstream does not give products away) and is refused.
func (t *Tx) ApplySupplierPrices(supplierID int64, prices []SupplierPrice, full bool) (*loket.PriceSync, error) {
	res := &loket.PriceSync{Listed: len(prices)}
	now := Now()
	touched := map[int64]bool{}
	seen := map[string]bool{}
	for _, p := range prices {
		code := strings.TrimSpace(p.Code)
		if code == "" {
			continue
		}
		if seen[code] {
			continue // the first entry of a code wins
		}
		seen[code] = true
		if p.Cost <= 0 {
			note(&res.Refused, code+": no price")
			continue
		}
		rows, err := t.Query(`SELECT id, product_id, cost, upstream_active FROM routes WHERE supplier_id = $1 AND supplier_code = $2`, supplierID, code)
		if err != nil {
			return nil, err
		}
		type hit struct {
			id, product int64
			cost        loket.Money
			available   bool
		}
		var hits []hit
		for rows.Next() {
			var h hit
			if err := rows.Scan(&h.id, &h.product, &h.cost, &h.available); err != nil {
				rows.Close()
				return nil, err
			}
			hits = append(hits, h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(hits) > 0 {
			res.Matched++
		}
		for _, h := range hits {
			if h.cost == p.Cost && h.available == p.Available {
				if _, err := t.Exec(`UPDATE routes SET cost_synced_at = $1 WHERE id = $2`, now, h.id); err != nil {
					return nil, err
				}
				continue
			}
			if _, err := t.Exec(`UPDATE routes SET cost = $1, upstream_active = $2, cost_synced_at = $3 WHERE id = $4`, p.Cost, p.Available, now, h.id); err != nil {
				return nil, err
			}
			if h.cost != p.Cost {
				res.Costs++
				note(&res.Changes, fmt.Sprintf("%s %d -> %d", code, h.cost, p.Cost))
			}
			if !p.Available && h.available {
				res.Unavailable++
				note(&res.Changes, code+" unavailable")
			}
			if p.Available && !h.available {
				note(&res.Changes, code+" available again")
			}
			touched[h.product] = true
		}
	}
	if full {
		rows, err := t.Query(`SELECT DISTINCT supplier_code FROM routes WHERE supplier_id = $1 ORDER BY supplier_code`, supplierID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var code string
			if err := rows.Scan(&code); err != nil {
				rows.Close()
				return nil, err
			}
			if !seen[code] {
				note(&res.Unlisted, code)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for id := range touched {
		res.Products = append(res.Products, id)
	}
	sort.Slice(res.Products, func(i, j int) bool { return res.Products[i] < res.Products[j] })
	n, err := t.Reprice(res.Products)
	if err != nil {
		return nil, err
	}
	res.Repriced = n
	if len(res.Products) > 0 {
		if err := t.BumpCatalog(); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// NoteSupplierPrices records when and how a supplier's price list was last applied.
func (t *Tx) NoteSupplierPrices(supplierID int64, note string) error {
	_, err := t.Exec(`UPDATE suppliers SET prices_synced_at = $1, prices_note = $2 WHERE id = $3`, Now(), truncate(note, 500), supplierID)
	return err
}

// SetMarkupRule creates or replaces the rule of a scope (code names the category or
// product, or the service of numbers; empty for all and for the whole price list of
// numbers) and reprices the products, or the price-list entries of numbers, it covers.
// It returns how many base prices moved.
func (t *Tx) SetMarkupRule(m loket.MarkupRule) (int, error) {
	if m.MarkupBP < 0 || m.MarkupFlat < 0 {
		return 0, loket.FieldError(loket.EINVALID, "markup", "a markup may not be negative: Loket does not sell below cost")
	}
	if m.RoundTo < 1 {
		m.RoundTo = loket.DefaultRoundTo
	}
	id, err := t.markupScopeID(m.Scope, m.ScopeCode)
	if err != nil {
		return 0, err
	}
	if t.priceCause == "" {
		t.priceCause = fmt.Sprintf("%s: %d.%02d%% +%d, round %d", MarkupCause("set", m.Scope, m.ScopeCode), m.MarkupBP/100, m.MarkupBP%100, m.MarkupFlat, m.RoundTo)
	}
	if _, err := t.Exec(`INSERT INTO markup_rules (scope, scope_id, markup_bp, markup_flat, round_to, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (scope, scope_id) DO UPDATE SET markup_bp = excluded.markup_bp, markup_flat = excluded.markup_flat,
		round_to = excluded.round_to, updated_at = excluded.updated_at`, m.Scope, id, m.MarkupBP, m.MarkupFlat, m.RoundTo, Now()); err != nil {
		return 0, err
	}
	return t.repriceScope(m.Scope, id)
}

// DeleteMarkupRule removes the rule of a scope. The products it covered keep their
// base price, or follow a wider rule that still covers them. The price-list entries of
// numbers are repriced at once by the wider rule of numbers, or LOKET_VN_MARKUP_BP,
// as the next catalog sync would.
func (t *Tx) DeleteMarkupRule(scope, code string) (int, error) {
	id, err := t.markupScopeID(scope, code)
	if err != nil {
		return 0, err
	}
	res, err := t.Exec(`DELETE FROM markup_rules WHERE scope = $1 AND scope_id = $2`, scope, id)
	if err != nil {
		return 0, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, loket.Errorf(loket.ENOTFOUND, "no markup rule for %s %s", scope, code)
	}
	if t.priceCause == "" {
		t.priceCause = MarkupCause("delete", scope, code)
	}
	return t.repriceScope(scope, id)
}

// MarkupCause is how the change set of a markup rule's change begins its cause:
// "markup set category pulsa", "markup delete all".
func MarkupCause(verb, scope, code string) string {
	return strings.TrimSpace("markup " + verb + " " + scope + " " + code)
}

// LastMarkupSet is the id of the latest change set that setting the rule of a scope
// moved prices in (0 when none is recorded).
func (t *Tx) LastMarkupSet(scope, code string) (int64, error) {
	var id int64
	err := t.QueryRow(`SELECT id FROM price_change_sets WHERE cause LIKE $1 ORDER BY id DESC LIMIT 1`, MarkupCause("set", scope, code)+":%").Scan(&id)
	if noRows(err) {
		return 0, nil
	}
	return id, err
}

// MarkupCovered counts the prepaid products the rule of a scope covers (the
// price-list entries, for numbers).
func (t *Tx) MarkupCovered(scope, code string) (int, error) {
	id, err := t.markupScopeID(scope, code)
	if err != nil {
		return 0, err
	}
	q := `SELECT count(*) FROM products p JOIN brands b ON b.id = p.brand_id WHERE p.kind = 'prepaid'`
	var args []any
	switch scope {
	case loket.ScopeNumbers:
		q = `SELECT count(*) FROM vn_prices`
		if id != 0 {
			q += ` WHERE service_code = $1`
			args = append(args, id)
		}
	case loket.ScopeCategory:
		q += ` AND b.category_id = $1`
		args = append(args, id)
	case loket.ScopeProduct:
		q += ` AND p.id = $1`
		args = append(args, id)
	}
	var n int
	err = t.QueryRow(q, args...).Scan(&n)
	return n, err
}

func (t *Tx) markupScopeID(scope, code string) (int64, error) {
	switch scope {
	case loket.ScopeAll:
		return 0, nil
	case loket.ScopeCategory:
		return t.CategoryID(code)
	case loket.ScopeProduct:
		return t.ProductID(code)
	case loket.ScopeNumbers:
		return t.vnServiceCode(code)
	}
	return 0, loket.FieldError(loket.EINVALID, "scope", "scope must be %s, not %q", strings.Join(loket.MarkupScopes, ", "), scope)
}

func (t *Tx) repriceScope(scope string, id int64) (int, error) {
	if scope == loket.ScopeNumbers {
		return t.RepriceVN(id)
	}
	q := `SELECT p.id FROM products p`
	var args []any
	switch scope {
	case loket.ScopeCategory:
		q += ` JOIN brands b ON b.id = p.brand_id WHERE b.category_id = $1`
		args = append(args, id)
	case loket.ScopeProduct:
		q += ` WHERE p.id = $1`
		args = append(args, id)
	}
	rows, err := t.Query(q+` ORDER BY p.id`, args...)
	if err != nil {
		return 0, err
	}
	var ids []int64
	for rows.Next() {
		var pid int64
		if err := rows.Scan(&pid); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, pid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n, err := t.Reprice(ids)
	if err != nil {
		return 0, err
	}
	if n > 0 {
		err = t.BumpCatalog()
	}
	return n, err
}

// Reprice sets each product's base price from its markup rule and its reference cost:
// the cost of the first route dispatch would try (by priority) that is switched on, whose
// supplier is enabled and whose upstream lists it. A product no rule covers, or with no
// such route, keeps its price. Each move is recorded (RecordPriceChange) so resellers
// are told. It returns how many prices moved.
func (t *Tx) Reprice(productIDs []int64) (int, error) {
	moved := 0
	for _, id := range productIDs {
		var base loket.Money
		var category int64
		err := t.QueryRow(`SELECT p.base_price, b.category_id FROM products p JOIN brands b ON b.id = p.brand_id WHERE p.id = $1 AND p.kind = 'prepaid'`, id).Scan(&base, &category)
		if noRows(err) {
			continue
		}
		if err != nil {
			return moved, err
		}
		var m loket.MarkupRule
		err = t.QueryRow(`SELECT markup_bp, markup_flat, round_to FROM markup_rules
			WHERE (scope = 'product' AND scope_id = $1) OR (scope = 'category' AND scope_id = $2) OR scope = 'all'
			ORDER BY CASE scope WHEN 'product' THEN 0 WHEN 'category' THEN 1 ELSE 2 END LIMIT 1`, id, category).Scan(&m.MarkupBP, &m.MarkupFlat, &m.RoundTo)
		if noRows(err) {
			continue
		}
		if err != nil {
			return moved, err
		}
		var cost loket.Money
		err = t.QueryRow(`SELECT r.cost FROM routes r JOIN suppliers s ON s.id = r.supplier_id
			WHERE r.product_id = $1 AND r.active AND r.upstream_active AND s.enabled ORDER BY r.priority, r.id LIMIT 1`, id).Scan(&cost)
		if noRows(err) {
			continue
		}
		if err != nil {
			return moved, err
		}
		price := m.Apply(cost)
		if price == base {
			continue
		}
		if _, err := t.Exec(`UPDATE products SET base_price = $1, updated_at = $2 WHERE id = $3`, price, Now(), id); err != nil {
			return moved, err
		}
		if err := t.RecordPriceChange(id, base, price); err != nil {
			return moved, err
		}
		moved++
	}
	return moved, nil
}

// MarkupRules lists the rules, widest first.
func (db *DB) MarkupRules(ctx context.Context) ([]loket.MarkupRule, error) {
	var out []loket.MarkupRule
	err := db.each(ctx, `SELECT m.id, m.scope, m.scope_id,
		COALESCE(c.code, p.code, CASE WHEN m.scope = 'numbers' AND m.scope_id <> 0 THEN CAST(m.scope_id AS TEXT) END, ''),
		m.markup_bp, m.markup_flat, m.round_to, m.updated_at
		FROM markup_rules m
		LEFT JOIN categories c ON m.scope = 'category' AND c.id = m.scope_id
		LEFT JOIN products p ON m.scope = 'product' AND p.id = m.scope_id
		ORDER BY CASE m.scope WHEN 'all' THEN 0 WHEN 'category' THEN 1 WHEN 'product' THEN 2 ELSE 3 END, m.scope_id <> 0, 4`, func(r *sql.Rows) error {
		var m loket.MarkupRule
		var at int64
		if err := r.Scan(&m.ID, &m.Scope, &m.ScopeID, &m.ScopeCode, &m.MarkupBP, &m.MarkupFlat, &m.RoundTo, &at); err != nil {
			return err
		}
		m.UpdatedAt = Time(at)
		out = append(out, m)
		return nil
	})
	return out, err
}
