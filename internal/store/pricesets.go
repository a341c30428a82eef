package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/loket/loket/internal/loket"
)

// PriceSetMoves lists the base price moves of a change set, in the order they were
// made.
func (t *Tx) PriceSetMoves(setID int64) ([]loket.PriceMove, error) {
	rows, err := t.Query(`SELECT p.code, c.old_price, c.new_price FROM price_changes c JOIN products p ON p.id = c.product_id
		WHERE c.set_id = $1 ORDER BY c.id`, setID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []loket.PriceMove
	for rows.Next() {
		var m loket.PriceMove
		if err := rows.Scan(&m.Product, &m.Old, &m.New); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// PriceChangeSets lists the latest limit change sets, newest first, with how many
// products each moved, up and down (not the moves themselves).
func (db *DB) PriceChangeSets(ctx context.Context, limit int) ([]loket.PriceChangeSet, error) {
	var out []loket.PriceChangeSet
	err := db.each(ctx, `SELECT s.id, s.created_at, s.cause, s.undoes,
		(SELECT count(*) FROM price_changes c WHERE c.set_id = s.id),
		(SELECT count(*) FROM price_changes c WHERE c.set_id = s.id AND c.new_price > c.old_price),
		(SELECT count(*) FROM price_changes c WHERE c.set_id = s.id AND c.new_price < c.old_price)
		FROM price_change_sets s ORDER BY s.id DESC LIMIT $1`, func(r *sql.Rows) error {
		var s loket.PriceChangeSet
		var at int64
		if err := r.Scan(&s.ID, &at, &s.Cause, &s.Undoes, &s.Products, &s.Up, &s.Down); err != nil {
			return err
		}
		s.At = Time(at)
		out = append(out, s)
		return nil
	}, limit)
	return out, err
}

// UndoPriceSet restores the base prices a change set moved to what they were before
// it, as a change set of its own (so an undo can be undone too); it returns that new
// set, with its moves. A product whose price moved again since (a later change of it
// is recorded, or its price is not the one the set left) is refused, naming it, unless
// force is set: then it too goes back to the price from before the set.
func (t *Tx) UndoPriceSet(setID int64, force bool) (*loket.PriceChangeSet, error) {
	var cause string
	err := t.QueryRow(`SELECT cause FROM price_change_sets WHERE id = $1`, setID).Scan(&cause)
	if noRows(err) {
		return nil, loket.Errorf(loket.ENOTFOUND, "no price change set %d (loket price history lists them)", setID)
	}
	if err != nil {
		return nil, err
	}
	type undo struct {
		product  int64
		code     string
		old, new loket.Money
		last     int64 // the set's last change of the product
	}
	rows, err := t.Query(`SELECT c.id, c.product_id, p.code, c.old_price, c.new_price FROM price_changes c JOIN products p ON p.id = c.product_id
		WHERE c.set_id = $1 ORDER BY c.id`, setID)
	if err != nil {
		return nil, err
	}
	var order []int64
	byProduct := map[int64]*undo{}
	for rows.Next() {
		var id, pid int64
		var code string
		var old, new loket.Money
		if err := rows.Scan(&id, &pid, &code, &old, &new); err != nil {
			rows.Close()
			return nil, err
		}
		u, ok := byProduct[pid]
		if !ok { // the first change of a product in the set holds its price from before
			u = &undo{product: pid, code: code, old: old}
			byProduct[pid] = u
			order = append(order, pid)
		}
		u.new, u.last = new, id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var moved []string
	now := make(map[int64]loket.Money, len(order))
	for _, pid := range order {
		u := byProduct[pid]
		var price loket.Money
		var later int
		if err := t.QueryRow(`SELECT p.base_price, (SELECT count(*) FROM price_changes c WHERE c.product_id = p.id AND c.id > $2)
			FROM products p WHERE p.id = $1`, pid, u.last).Scan(&price, &later); err != nil {
			return nil, err
		}
		now[pid] = price
		if later > 0 || price != u.new {
			moved = append(moved, fmt.Sprintf("%s (now %d)", u.code, price))
		}
	}
	if len(moved) > 0 && !force {
		if len(moved) > 10 {
			moved = append(moved[:10], fmt.Sprintf("and %d more", len(moved)-10))
		}
		return nil, loket.Errorf(loket.ECONFLICT, "price change set %d cannot be undone: its products changed again since: %s; undo the later sets first, or force it", setID, strings.Join(moved, ", "))
	}
	t.priceCause, t.priceUndo = fmt.Sprintf("undo of #%d (%s)", setID, cause), setID
	for _, pid := range order {
		u := byProduct[pid]
		if now[pid] == u.old {
			continue
		}
		if _, err := t.Exec(`UPDATE products SET base_price = $1, updated_at = $2 WHERE id = $3`, u.old, Now(), pid); err != nil {
			return nil, err
		}
		if err := t.RecordPriceChange(pid, now[pid], u.old); err != nil {
			return nil, err
		}
	}
	set := &loket.PriceChangeSet{ID: t.priceSet, At: Time(Now()), Cause: t.priceCause, Undoes: setID}
	if t.priceSet != 0 {
		if set.Changes, err = t.PriceSetMoves(t.priceSet); err != nil {
			return nil, err
		}
		if err := t.BumpCatalog(); err != nil {
			return nil, err
		}
	}
	set.Count()
	return set, nil
}
