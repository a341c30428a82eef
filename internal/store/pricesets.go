package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/loket/loket/internal/loket"
)

// PriceSetMoves lists the base price moves of a change set, in the order they were
// made: the products', then the virtual-number price-list entries' (named by
// loket.VNEntryLabel).
func (t *Tx) PriceSetMoves(setID int64) ([]loket.PriceMove, error) {
	moves, err := t.priceSetChanges(setID)
	if err != nil {
		return nil, err
	}
	out := make([]loket.PriceMove, len(moves))
	for i, m := range moves {
		out[i] = loket.PriceMove{Product: m.entry.label, Old: m.old, New: m.new}
	}
	return out, nil
}

// priceEntry is what a recorded base price change moved: a product, or a price-list
// entry of virtual numbers (product 0).
type priceEntry struct {
	product  int64
	svc, num int64
	prov     string
	label    string
}

// priceChange is one recorded change of a set.
type priceChange struct {
	id       int64 // in its table (price_changes or vn_price_changes)
	entry    priceEntry
	old, new loket.Money
}

// priceSetChanges lists the recorded changes of a set: the products', then the
// price-list entries' of numbers, each in the order they were made.
func (t *Tx) priceSetChanges(setID int64) ([]priceChange, error) {
	var out []priceChange
	err := scanAll(t.Query(`SELECT c.id, c.product_id, p.code, c.old_price, c.new_price FROM price_changes c JOIN products p ON p.id = c.product_id
		WHERE c.set_id = $1 ORDER BY c.id`, setID))(func(r *sql.Rows) error {
		var c priceChange
		if err := r.Scan(&c.id, &c.entry.product, &c.entry.label, &c.old, &c.new); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = scanAll(t.Query(`SELECT id, service_code, number_id, provider_id, old_price, new_price FROM vn_price_changes
		WHERE set_id = $1 ORDER BY id`, setID))(func(r *sql.Rows) error {
		var c priceChange
		e := &c.entry
		if err := r.Scan(&c.id, &e.svc, &e.num, &e.prov, &c.old, &c.new); err != nil {
			return err
		}
		e.label = loket.VNEntryLabel(e.svc, e.num, e.prov)
		out = append(out, c)
		return nil
	})
	return out, err
}

// current is the entry's base price now and how many of its changes are recorded
// after the change with id last.
func (e priceEntry) current(t *Tx, last int64) (price loket.Money, later int, err error) {
	if e.product != 0 {
		err = t.QueryRow(`SELECT p.base_price, (SELECT count(*) FROM price_changes c WHERE c.product_id = p.id AND c.id > $2)
			FROM products p WHERE p.id = $1`, e.product, last).Scan(&price, &later)
		return price, later, err
	}
	err = t.QueryRow(`SELECT p.price, (SELECT count(*) FROM vn_price_changes c WHERE c.service_code = p.service_code
			AND c.number_id = p.number_id AND c.provider_id = p.provider_id AND c.id > $4)
		FROM vn_prices p WHERE p.service_code = $1 AND p.number_id = $2 AND p.provider_id = $3`, e.svc, e.num, e.prov, last).Scan(&price, &later)
	return price, later, err
}

// set moves the entry's base price from old to price and records it.
func (e priceEntry) set(t *Tx, old, price loket.Money) error {
	if e.product == 0 {
		return t.setVNPrice(e.svc, e.num, e.prov, old, price)
	}
	if _, err := t.Exec(`UPDATE products SET base_price = $1, updated_at = $2 WHERE id = $3`, price, Now(), e.product); err != nil {
		return err
	}
	return t.RecordPriceChange(e.product, old, price)
}

// PriceChangeSets lists the latest limit change sets, newest first, with how many
// products (and price-list entries of numbers) each moved, up and down (not the moves
// themselves).
func (db *DB) PriceChangeSets(ctx context.Context, limit int) ([]loket.PriceChangeSet, error) {
	var out []loket.PriceChangeSet
	// count counts the set's changes of products and of price-list entries of numbers.
	count := func(cond string) string {
		return `(SELECT count(*) FROM price_changes c WHERE c.set_id = s.id` + cond + `) +
		(SELECT count(*) FROM vn_price_changes c WHERE c.set_id = s.id` + cond + `)`
	}
	err := db.each(ctx, `SELECT s.id, s.created_at, s.cause, s.undoes, `+count("")+`, `+count(" AND c.new_price > c.old_price")+`, `+
		count(" AND c.new_price < c.old_price")+`
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

// UndoPriceSet restores the base prices a change set moved (of products and of
// virtual-number price-list entries) to what they were before it, as a change set of
// its own (so an undo can be undone too); it returns that new set, with its moves. A
// product or entry whose price moved again since (a later change of it is recorded, or
// its price is not the one the set left) is refused, naming it, unless force is set:
// then it too goes back to the price from before the set.
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
		entry    priceEntry
		old, new loket.Money
		last     int64 // the set's last change of the entry
	}
	changes, err := t.priceSetChanges(setID)
	if err != nil {
		return nil, err
	}
	var order []*undo
	byEntry := map[priceEntry]*undo{}
	for _, c := range changes {
		u, ok := byEntry[c.entry]
		if !ok { // the first change of an entry in the set holds its price from before
			u = &undo{entry: c.entry, old: c.old}
			byEntry[c.entry] = u
			order = append(order, u)
		}
		u.new, u.last = c.new, c.id
	}
	var moved []string
	now := make(map[*undo]loket.Money, len(order))
	for _, u := range order {
		price, later, err := u.entry.current(t, u.last)
		if err != nil {
			return nil, err
		}
		now[u] = price
		if later > 0 || price != u.new {
			moved = append(moved, fmt.Sprintf("%s (now %d)", u.entry.label, price))
		}
	}
	if len(moved) > 0 && !force {
		if len(moved) > 10 {
			moved = append(moved[:10], fmt.Sprintf("and %d more", len(moved)-10))
		}
		return nil, loket.Errorf(loket.ECONFLICT, "price change set %d cannot be undone: its products changed again since: %s; undo the later sets first, or force it", setID, strings.Join(moved, ", "))
	}
	t.priceCause, t.priceUndo = fmt.Sprintf("undo of #%d (%s)", setID, cause), setID
	for _, u := range order {
		if now[u] == u.old {
			continue
		}
		if err := u.entry.set(t, now[u], u.old); err != nil {
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
