package store

import (
	"context"
	"database/sql"

	"github.com/loket/loket/internal/loket"
)

// JobPrices is the one job that tells resellers of price changes.
const JobPrices = "prices"

// PriceChange is a product's base price moving.
type PriceChange struct {
	ID        int64
	ProductID int64
	Code      string
	Old, New  loket.Money
}

// ProductBasePrice returns a product's base price by code (ok false when there is no
// such product).
func (t *Tx) ProductBasePrice(code string) (loket.Money, bool, error) {
	var p loket.Money
	err := t.QueryRow(`SELECT base_price FROM products WHERE code = $1`, code).Scan(&p)
	if noRows(err) {
		return 0, false, nil
	}
	return p, err == nil, err
}

// PriceCause says what this transaction's base price changes are caused by ("markup
// set all 2% +0 round 100", "price sync of digi", "import"); it is the cause of the
// change set they are recorded in. Call it before the first change.
func (t *Tx) PriceCause(cause string) { t.priceCause = cause }

// PriceSetCause is the cause of this transaction's change set.
func (t *Tx) PriceSetCause() string { return t.priceCause }

// PriceSet is the id of the change set this transaction's base price changes were
// recorded in, or 0 when none moved yet.
func (t *Tx) PriceSet() int64 { return t.priceSet }

// RecordPriceChange notes a base price change in this transaction's change set (made
// at its first change) and makes sure the fan-out job exists, in the transaction that
// changed the price.
func (t *Tx) RecordPriceChange(productID int64, old, new loket.Money) error {
	now := Now()
	if err := t.openPriceSet(now); err != nil {
		return err
	}
	if _, err := t.Exec(`INSERT INTO price_changes (product_id, old_price, new_price, created_at, set_id) VALUES ($1, $2, $3, $4, $5)`,
		productID, old, new, now, t.priceSet); err != nil {
		return err
	}
	// Moving run_at tells a fan-out already running that more came in after it looked:
	// it then does not delete the job (DeleteJobIfRunAt) and runs again.
	_, err := t.Exec(`INSERT INTO jobs (key, kind, ref_id, run_at, locked_by, locked_until, created_at) VALUES ($1, $1, 0, $2, '', 0, $2)
		ON CONFLICT (key) DO UPDATE SET run_at = excluded.run_at`, JobPrices, now)
	return err
}

// openPriceSet makes this transaction's change set unless it has one.
func (t *Tx) openPriceSet(now int64) error {
	if t.priceSet != 0 {
		return nil
	}
	cause := t.priceCause
	if cause == "" {
		cause = "price change"
	}
	return t.QueryRow(`INSERT INTO price_change_sets (created_at, cause, undoes) VALUES ($1, $2, $3) RETURNING id`,
		now, truncate(cause, 500), t.priceUndo).Scan(&t.priceSet)
}

// JobRunAt returns a job's run_at (ok false when there is no such job).
func (t *Tx) JobRunAt(key string) (int64, bool, error) {
	var at int64
	err := t.QueryRow(`SELECT run_at FROM jobs WHERE key = $1`, key).Scan(&at)
	if noRows(err) {
		return 0, false, nil
	}
	return at, err == nil, err
}

// DeleteJobIfRunAt deletes a job unless it was rescheduled since run_at was read, and
// reports whether it did.
func (t *Tx) DeleteJobIfRunAt(key string, runAt int64) (bool, error) {
	res, err := t.Exec(`DELETE FROM jobs WHERE key = $1 AND run_at = $2`, key, runAt)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// TakePriceChanges marks up to limit untold changes told and returns them, oldest
// first. Used in the transaction that queues the webhooks, so each is told once.
func (t *Tx) TakePriceChanges(limit int) ([]PriceChange, error) {
	rows, err := t.Query(`SELECT c.id, c.product_id, p.code, c.old_price, c.new_price FROM price_changes c JOIN products p ON p.id = c.product_id
		WHERE NOT c.told ORDER BY c.id LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	var out []PriceChange
	for rows.Next() {
		var c PriceChange
		if err := rows.Scan(&c.ID, &c.ProductID, &c.Code, &c.Old, &c.New); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, c := range out {
		res, err := t.Exec(`UPDATE price_changes SET told = TRUE WHERE id = $1 AND NOT told`, c.ID)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil, ErrSettled // another node told it: this batch rolls back and runs again
		}
	}
	return out, nil
}

// WebhookReseller is a reseller with a webhook URL, the level its prices follow, its
// upline (0: none; a downline's prices follow its chain) and the surface it last
// ordered through (whose dialect its price news is told in).
type WebhookReseller struct {
	ID          int64
	Level       string
	URL         string
	LastSurface string
	UplineID    int64
}

const webhookResellerCols = `r.id, r.level, r.webhook_url, COALESCE(r.referred_by, 0),
	COALESCE((SELECT o.surface FROM orders o WHERE o.reseller_id = r.id ORDER BY o.id DESC LIMIT 1), '')`

// WebhookResellers lists the active resellers that have a webhook URL.
func (db *DB) WebhookResellers(ctx context.Context) ([]WebhookReseller, error) {
	return db.webhookResellers(ctx, `SELECT `+webhookResellerCols+`
		FROM resellers r WHERE r.webhook_url <> '' AND r.status = 'active' ORDER BY r.id`)
}

// SubtreeWebhookResellers lists the active resellers with a webhook URL among a
// reseller and everyone below it (its downlines, theirs...).
func (db *DB) SubtreeWebhookResellers(ctx context.Context, resellerID int64) ([]WebhookReseller, error) {
	return db.webhookResellers(ctx, `WITH RECURSIVE sub(id, n) AS (
			SELECT id, 0 FROM resellers WHERE id = $1
			UNION ALL SELECT r.id, sub.n + 1 FROM resellers r JOIN sub ON r.referred_by = sub.id WHERE sub.n < 64
		)
		SELECT `+webhookResellerCols+` FROM sub JOIN resellers r ON r.id = sub.id
		WHERE r.webhook_url <> '' AND r.status = 'active' ORDER BY r.id`, resellerID)
}

func (db *DB) webhookResellers(ctx context.Context, query string, args ...any) ([]WebhookReseller, error) {
	var out []WebhookReseller
	err := db.each(ctx, query, func(r *sql.Rows) error {
		var w WebhookReseller
		if err := r.Scan(&w.ID, &w.Level, &w.URL, &w.UplineID, &w.LastSurface); err != nil {
			return err
		}
		out = append(out, w)
		return nil
	}, args...)
	return out, err
}
