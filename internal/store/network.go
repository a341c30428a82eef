package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/loket/loket/internal/loket"
)

// ResellerByReferral finds the reseller a referral code belongs to.
func (db *DB) ResellerByReferral(ctx context.Context, code string) (*loket.ResellerAuth, error) {
	a, err := scanResellerAuth(db.queryRow(ctx, `SELECT `+resellerAuthCols+` FROM resellers WHERE referral_code = $1`, code))
	if noRows(err) {
		return nil, loket.FieldError(loket.ENOTFOUND, "referral_code", "no reseller has the referral code %q", loket.Clip(code))
	}
	return a, err
}

// TransferNetwork is a balance transfer between an upline and its downline.
const TransferNetwork = "network_transfer"

// Commission is an upline's share of a downline's order: the difference between the
// price its downline pays and its own, credited to its profit account when the order
// succeeds.
type Commission struct {
	ResellerID int64
	AccountID  int64 // the upline's profit account
	Level      int   // 1: the buyer's upline, 2: that one's upline...
	Amount     loket.Money
}

// SumCommissions adds commissions up.
func SumCommissions(cs []Commission) loket.Money {
	var s loket.Money
	for _, c := range cs {
		s += c.Amount
	}
	return s
}

// insertCommissions records an order's commissions with it. They may not exceed what
// the buyer pays.
func (t *Tx) insertCommissions(orderID int64, price loket.Money, cs []Commission) error {
	if len(cs) == 0 {
		return nil
	}
	if s := SumCommissions(cs); s > price {
		return fmt.Errorf("order %d: commissions %d exceed its price %d", orderID, s, price)
	}
	for _, c := range cs {
		if c.Amount <= 0 {
			continue
		}
		if _, err := t.Exec(`INSERT INTO order_commissions (order_id, reseller_id, account_id, level, amount) VALUES ($1, $2, $3, $4, $5)`,
			orderID, c.ResellerID, c.AccountID, c.Level, c.Amount); err != nil {
			return fmt.Errorf("order %d: commission: %w", orderID, err)
		}
	}
	return nil
}

// orderCommissions reads an order's commissions.
func (t *Tx) orderCommissions(orderID int64) ([]Commission, error) {
	var out []Commission
	err := scanAll(t.Query(`SELECT reseller_id, account_id, level, amount FROM order_commissions WHERE order_id = $1 ORDER BY level`, orderID))(
		func(r *sql.Rows) error {
			var c Commission
			err := r.Scan(&c.ResellerID, &c.AccountID, &c.Level, &c.Amount)
			out = append(out, c)
			return err
		})
	return out, err
}

// Upline is one reseller of a downline's chain, as pricing needs it.
type Upline struct {
	ID              int64
	Level           string // the operator's price level (meaningful at the top)
	Status          string
	ProfitAccountID int64
	Depth           int
	UplineID        int64 // 0 at the top
}

// Chain is a reseller and its uplines, the reseller first and the operator's reseller
// (depth 0) last.
func (db *DB) Chain(ctx context.Context, resellerID int64) ([]Upline, error) {
	var out []Upline
	err := db.each(ctx, `WITH RECURSIVE c(id, n) AS (
			SELECT id, 0 FROM resellers WHERE id = $1
			UNION ALL SELECT r.referred_by, c.n + 1 FROM resellers r JOIN c ON r.id = c.id WHERE r.referred_by IS NOT NULL AND c.n < 64
		)
		SELECT r.id, r.level, r.status, r.profit_account_id, r.depth, COALESCE(r.referred_by, 0) FROM c JOIN resellers r ON r.id = c.id ORDER BY c.n`,
		func(r *sql.Rows) error {
			var u Upline
			err := r.Scan(&u.ID, &u.Level, &u.Status, &u.ProfitAccountID, &u.Depth, &u.UplineID)
			out = append(out, u)
			return err
		}, resellerID)
	if err == nil && len(out) == 0 {
		return nil, loket.Errorf(loket.ENOTFOUND, "no reseller %d", resellerID)
	}
	return out, err
}

// DownlineMarkup is an upline's markup for one downline: over everything (scope all),
// a category or a product.
type DownlineMarkup struct {
	DownlineID int64
	Scope      string
	ScopeID    int64
	MarkupBP   int64
	MarkupFlat loket.Money
}

// DownlineMarkups reads the markups of the given downlines.
func (db *DB) DownlineMarkups(ctx context.Context, downlineIDs []int64) ([]DownlineMarkup, error) {
	var out []DownlineMarkup
	for _, id := range downlineIDs {
		err := db.each(ctx, `SELECT downline_id, scope, scope_id, markup_bp, markup_flat FROM downline_markups WHERE downline_id = $1`,
			func(r *sql.Rows) error {
				var m DownlineMarkup
				err := r.Scan(&m.DownlineID, &m.Scope, &m.ScopeID, &m.MarkupBP, &m.MarkupFlat)
				out = append(out, m)
				return err
			}, id)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SetDownlineMarkup sets an upline's markup for its downline over a scope.
func (t *Tx) SetDownlineMarkup(m DownlineMarkup) error {
	if m.MarkupBP < 0 || m.MarkupFlat < 0 {
		return loket.FieldError(loket.EINVALID, "markup", "a markup may not be negative")
	}
	_, err := t.Exec(`INSERT INTO downline_markups (downline_id, scope, scope_id, markup_bp, markup_flat, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (downline_id, scope, scope_id) DO UPDATE SET markup_bp = excluded.markup_bp, markup_flat = excluded.markup_flat,
		updated_at = excluded.updated_at`, m.DownlineID, m.Scope, m.ScopeID, m.MarkupBP, m.MarkupFlat, Now())
	return err
}

// DeleteDownlineMarkup removes a markup of a scope narrower than all.
func (t *Tx) DeleteDownlineMarkup(downlineID int64, scope string, scopeID int64) error {
	_, err := t.Exec(`DELETE FROM downline_markups WHERE downline_id = $1 AND scope = $2 AND scope_id = $3`, downlineID, scope, scopeID)
	return err
}

// SetUpline makes upline the upline of a reseller with no downlines yet, at its
// depth + 1. A reseller that is upline's own ancestor (a cycle) or itself is refused;
// so is a reseller that already has an upline.
func (t *Tx) SetUpline(resellerID, uplineID int64) error {
	if resellerID == uplineID {
		return loket.Errorf(loket.EINVALID, "a reseller cannot be its own upline")
	}
	var cycle int
	if err := t.QueryRow(`WITH RECURSIVE c(id, n) AS (
			SELECT id, 0 FROM resellers WHERE id = $1
			UNION ALL SELECT r.referred_by, c.n + 1 FROM resellers r JOIN c ON r.id = c.id WHERE r.referred_by IS NOT NULL AND c.n < 64
		) SELECT count(*) FROM c WHERE id = $2`, uplineID, resellerID).Scan(&cycle); err != nil {
		return err
	}
	if cycle > 0 {
		return loket.Errorf(loket.ECONFLICT, "reseller %d is an upline of %d: that would make a cycle", resellerID, uplineID)
	}
	res, err := t.Exec(`UPDATE resellers SET referred_by = $2, depth = (SELECT depth + 1 FROM resellers WHERE id = $2)
		WHERE id = $1 AND referred_by IS NULL AND NOT EXISTS (SELECT 1 FROM resellers d WHERE d.referred_by = $1)`, resellerID, uplineID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return loket.Errorf(loket.ECONFLICT, "reseller %d has an upline or downlines already", resellerID)
	}
	return nil
}

// NetworkTransfer moves balance between an upline and one of its direct downlines
// (down: from the upline; up: back from the downline), once per key, never taking
// either below zero. The same key again with the same move is that move (nothing
// moves again); with another move (another downline, direction or amount) it is a
// conflict, never a silent success.
func (t *Tx) NetworkTransfer(key string, fromAccount, toAccount int64, amount loket.Money, note string) (TransferResult, error) {
	if amount <= 0 || amount > loket.MaxAmount {
		return TransferResult{}, loket.FieldError(loket.EINVALID, "amount", "amount must be between 1 and %d", loket.MaxAmount)
	}
	res, err := t.Transfer("network:"+key, TransferNetwork, nil, note, []Leg{{fromAccount, -amount}, {toAccount, amount}}, fromAccount, toAccount)
	if err != nil || !res.Duplicate {
		return res, err
	}
	var same int
	if err := t.QueryRow(`SELECT count(*) FROM entries WHERE transfer_id = $1 AND
		((account_id = $2 AND amount = $3) OR (account_id = $4 AND amount = $5))`, res.ID, fromAccount, -amount, toAccount, amount).Scan(&same); err != nil {
		return res, err
	}
	if same != 2 {
		return res, loket.FieldError(loket.ECONFLICT, "key", "the key %q was used for another move", loket.Clip(key))
	}
	return res, nil
}

// verifyActivationCommissions checks that the uplines' commissions posted for
// virtual-number rents are those recorded with done activations, and nothing for
// others (of the activations of the scope).
func verifyActivationCommissions(ctx context.Context, snap *sql.Tx, sc verifyScope, add func(inv, format string, args ...any)) error {
	with, args := sc.activationCommissions()
	return eachRow(ctx, snap, with+`SELECT a.id, a.hold, a.price, COALESCE(c.total, 0), COALESCE(p.total, 0) FROM c JOIN vn_activations a ON a.id = c.id
		LEFT JOIN p ON p.id = a.id
		WHERE COALESCE(c.total, 0) > a.price OR (a.hold = 'posted' AND COALESCE(p.total, 0) <> COALESCE(c.total, 0))
		   OR (a.hold <> 'posted' AND COALESCE(p.total, 0) <> 0)
		LIMIT 20`, func(r *sql.Rows) error {
		var id, price, recorded, posted int64
		var hold string
		if err := r.Scan(&id, &hold, &price, &recorded, &posted); err != nil {
			return err
		}
		add("commissions match their orders", "activation %d (%s, price %d) records commission %d, %d posted", id, hold, price, recorded, posted)
		return nil
	}, args...)
}

// verifyCommissions checks that every commission posted belongs to a succeeded order
// and is the one recorded with it, to the upline's own profit account, and that no
// order's commissions exceed its price (of the orders of the scope: from a checkpoint,
// the commissions posted by their settlements and by the transfers since).
func verifyCommissions(ctx context.Context, snap *sql.Tx, sc verifyScope, add func(inv, format string, args ...any)) error {
	with, args := sc.commissions()
	from := `x JOIN orders o ON o.id = x.order_id`
	if sc.from != nil {
		// Each order looked up by its id (see verifyScope.commissions).
		from = `(SELECT x.order_id AS id, (SELECT status FROM orders WHERE id = x.order_id) AS status,
			(SELECT price FROM orders WHERE id = x.order_id) AS price, (SELECT commission FROM orders WHERE id = x.order_id) AS commission FROM x) o`
	}
	return eachRow(ctx, snap, with+`SELECT o.id, o.status, o.price, o.commission, COALESCE(c.total, 0), COALESCE(p.total, 0),
			(SELECT count(*) FROM order_commissions k JOIN resellers r ON r.id = k.reseller_id WHERE k.order_id = o.id AND r.profit_account_id <> k.account_id)
		FROM `+from+` LEFT JOIN c ON c.order_id = o.id LEFT JOIN p ON p.order_id = o.id
		WHERE COALESCE(c.total, 0) <> o.commission OR COALESCE(c.total, 0) > o.price
		   OR (o.status = 'success' AND COALESCE(p.total, 0) <> COALESCE(c.total, 0))
		   OR (o.status <> 'success' AND COALESCE(p.total, 0) <> 0)
		   OR (SELECT count(*) FROM order_commissions k JOIN resellers r ON r.id = k.reseller_id WHERE k.order_id = o.id AND r.profit_account_id <> k.account_id) > 0
		LIMIT 20`, func(r *sql.Rows) error {
		var id, price, recorded, sum, posted, wrong int64
		var status string
		if err := r.Scan(&id, &status, &price, &recorded, &sum, &posted, &wrong); err != nil {
			return err
		}
		add("commissions match their orders", "order %d (%s, price %d) records commission %d, has %d in rows, %d posted; %d rows to another account",
			id, status, price, recorded, sum, posted, wrong)
		return nil
	}, args...)
}

const downlineCols = `r.id, r.username, r.name, r.status, r.depth, COALESCE(r.referred_by, 0), b.balance,
	COALESCE(m.markup_bp, 0), COALESCE(m.markup_flat, 0),
	(SELECT count(*) FROM resellers d WHERE d.referred_by = r.id),
	(SELECT COALESCE(SUM(s.orders), 0) FROM sales_days s WHERE s.dim = 'reseller' AND s.key = r.id),
	(SELECT COALESCE(SUM(s.sales), 0) FROM sales_days s WHERE s.dim = 'reseller' AND s.key = r.id),
	r.created_at`

const downlineFrom = ` FROM resellers r JOIN accounts b ON b.id = r.balance_account_id
	LEFT JOIN downline_markups m ON m.downline_id = r.id AND m.scope = 'all' AND m.scope_id = 0`

func scanDownline(r *sql.Rows) (loket.Downline, error) {
	var d loket.Downline
	var created int64
	err := r.Scan(&d.ID, &d.Username, &d.Name, &d.Status, &d.Depth, &d.UplineID, &d.Balance, &d.MarkupBP, &d.MarkupFlat,
		&d.Downlines, &d.Orders, &d.Sales, &created)
	d.CreatedAt = Time(created)
	return d, err
}

// Downlines lists an upline's direct downlines; Commission is what the upline earned
// on the orders of each and of its own downlines.
func (db *DB) Downlines(ctx context.Context, uplineID int64) ([]loket.Downline, error) {
	var out []loket.Downline
	idx := map[int64]int{}
	err := db.each(ctx, `SELECT `+downlineCols+downlineFrom+` WHERE r.referred_by = $1 ORDER BY r.id`, func(r *sql.Rows) error {
		d, err := scanDownline(r)
		idx[d.ID] = len(out)
		out = append(out, d)
		return err
	}, uplineID)
	if err != nil || len(out) == 0 {
		return out, err
	}
	err = db.each(ctx, `WITH RECURSIVE sub(root, id, n) AS (
			SELECT id, id, 0 FROM resellers WHERE referred_by = $1
			UNION ALL SELECT sub.root, r.id, sub.n + 1 FROM resellers r JOIN sub ON r.referred_by = sub.id WHERE sub.n < 64
		)
		SELECT sub.root, COALESCE(SUM(c.amount), 0) FROM sub JOIN orders o ON o.reseller_id = sub.id AND o.status = 'success'
		JOIN order_commissions c ON c.order_id = o.id AND c.reseller_id = $1 GROUP BY sub.root`, func(r *sql.Rows) error {
		var root int64
		var sum loket.Money
		if err := r.Scan(&root, &sum); err != nil {
			return err
		}
		if i, ok := idx[root]; ok {
			out[i].Commission = sum
		}
		return nil
	}, uplineID)
	return out, err
}

// NetworkTree lists every reseller with its place in the network, uplines before
// their downlines; Commission is what each earned from its downlines' orders.
func (db *DB) NetworkTree(ctx context.Context, limit int) ([]loket.Downline, error) {
	var out []loket.Downline
	err := db.each(ctx, `SELECT `+downlineCols+`,
		(SELECT COALESCE(SUM(c.amount), 0) FROM order_commissions c JOIN orders o ON o.id = c.order_id WHERE c.reseller_id = r.id AND o.status = 'success')`+
		downlineFrom+` ORDER BY r.depth, r.id LIMIT $1`, func(r *sql.Rows) error {
		var d loket.Downline
		var created int64
		err := r.Scan(&d.ID, &d.Username, &d.Name, &d.Status, &d.Depth, &d.UplineID, &d.Balance, &d.MarkupBP, &d.MarkupFlat,
			&d.Downlines, &d.Orders, &d.Sales, &created, &d.Commission)
		d.CreatedAt = Time(created)
		out = append(out, d)
		return err
	}, limit)
	return out, err
}
