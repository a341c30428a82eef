package store

import (
	"context"
	"database/sql"
	"math"
	"slices"

	"github.com/loket/loket/internal/loket"
)

// verifyChunk is how many entries Verify reads per statement: enough that the
// statements cost nothing beside the reading, few enough that progress moves
// every tenth of a second or so.
var verifyChunk int64 = 50_000

// verifyCarry bounds the transfers whose entries, read so far, do not sum to zero. A
// transfer's entries are written together, so only those cut by a chunk's end are
// carried; past the bound (entries of many transfers interleaved, which Loket does not
// write), the sums per transfer are asked of the whole table at once instead, as
// Verify did before it read in chunks.
var verifyCarry = 1 << 16

// verifyEntries reads every entry after the entry id after once, in chunks of ids,
// adding to sums (each account's entries' sum up to after, or empty to read them
// all): it checks that all entries sum to zero and that every transfer does, and
// returns what each account's entries sum to.
//
// From a checkpoint (after > 0) a transfer whose entries read do not sum to zero may
// have more at or below after: its entries are summed whole instead, through the
// index on transfer_id, so the reading stays as long as what came after.
func verifyEntries(ctx context.Context, snap *sql.Tx, after int64, sums map[int64]int64, progress func(done, total int64), add func(inv, format string, args ...any)) (map[int64]int64, error) {
	var total, done int64
	if progress != nil {
		q, args := `SELECT COUNT(*) FROM entries`, []any(nil)
		if after > 0 {
			q, args = q+` WHERE `+idAfter("id", "$1"), []any{after}
		}
		if err := snap.QueryRowContext(ctx, q, args...).Scan(&total); err != nil {
			return nil, err
		}
		progress(0, total)
	}
	if sums == nil {
		sums = map[int64]int64{} // account -> its entries' sum
	}
	carry := map[int64]int64{} // transfer -> the sum of its entries read so far, when not zero
	lo := int64(math.MinInt64)
	if after > 0 {
		lo = after
	}
	for {
		// The chunk is (lo, hi]: the next verifyChunk entries, or all the rest.
		var next sql.NullInt64
		err := snap.QueryRowContext(ctx, `SELECT id FROM entries WHERE id > $1 ORDER BY id LIMIT 1 OFFSET $2`, lo, verifyChunk-1).Scan(&next)
		if err != nil && err != sql.ErrNoRows {
			return nil, err
		}
		hi, last := next.Int64, !next.Valid
		if last {
			hi = math.MaxInt64
		}
		if carry != nil {
			if err := eachRow(ctx, snap, `SELECT transfer_id, SUM(amount) FROM entries WHERE id > $1 AND id <= $2
				GROUP BY transfer_id HAVING SUM(amount) <> 0`, func(r *sql.Rows) error {
				var id, s int64
				if err := r.Scan(&id, &s); err != nil {
					return err
				}
				if carry[id] += s; carry[id] == 0 {
					delete(carry, id)
				}
				return nil
			}, lo, hi); err != nil {
				return nil, err
			}
			if len(carry) > verifyCarry {
				carry = nil
			}
		}
		if err := eachRow(ctx, snap, `SELECT account_id, SUM(amount) FROM entries WHERE id > $1 AND id <= $2 GROUP BY account_id`,
			func(r *sql.Rows) error {
				var id, s int64
				if err := r.Scan(&id, &s); err != nil {
					return err
				}
				sums[id] += s
				return nil
			}, lo, hi); err != nil {
			return nil, err
		}
		if progress != nil {
			done = min(done+verifyChunk, total)
			if last {
				done = total
			}
			progress(done, total)
		}
		if last {
			break
		}
		lo = hi
	}
	var all int64 // every entry is one account's
	for _, s := range sums {
		all += s
	}
	if all != 0 {
		add("entries sum to zero", "all entries sum to %d", all)
	}
	if carry == nil {
		q := `SELECT transfer_id, SUM(amount) FROM entries GROUP BY transfer_id HAVING SUM(amount) <> 0 ORDER BY transfer_id LIMIT 20`
		var args []any
		if after > 0 {
			// Each transfer's entries looked up by its id (see verifyScope.commissions).
			q = `SELECT transfer_id, total FROM (SELECT t.transfer_id, (SELECT SUM(e.amount) FROM entries e WHERE e.transfer_id = t.transfer_id) AS total
				FROM (SELECT DISTINCT transfer_id FROM entries WHERE ` + idAfter("id", "$1") + `) t) n WHERE total <> 0 ORDER BY transfer_id LIMIT 20`
			args = []any{after}
		}
		return sums, eachRow(ctx, snap, q, func(r *sql.Rows) error {
			var id, s int64
			if err := r.Scan(&id, &s); err != nil {
				return err
			}
			add("entries sum to zero", "transfer %d sums to %d", id, s)
			return nil
		}, args...)
	}
	if after > 0 {
		// A transfer cut by the checkpoint: its entries, all of them.
		for id := range carry {
			var whole int64
			if err := snap.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM entries WHERE transfer_id = $1`, id).Scan(&whole); err != nil {
				return nil, err
			}
			if carry[id] = whole; whole == 0 {
				delete(carry, id)
			}
		}
	}
	ids := make([]int64, 0, len(carry))
	for id := range carry {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids[:min(len(ids), 20)] {
		add("entries sum to zero", "transfer %d sums to %d", id, carry[id])
	}
	return sums, nil
}

// idAfter is the condition that col, an entry id, is above the parameter param,
// written as a range closed on both ends: so bounded, SQLite reads that range of ids
// rather than scan a whole index (entries_transfer, entries_account) for the order a
// GROUP BY, DISTINCT or UNION wants, as it has no statistics to tell that the entries
// after a recent id are few.
func idAfter(col, param string) string {
	return col + " > " + param + " AND " + col + " <= 9223372036854775807"
}

// verifyAccounts checks every account against the sums of its entries: a tracked
// account's balance equals them, a reseller's account is not below zero. It returns
// the sums of the house accounts by code, for the checks of what they hold, and the
// totals by kind.
func verifyAccounts(ctx context.Context, snap *sql.Tx, sums map[int64]int64, add func(inv, format string, args ...any)) (houses map[string]int64, totals Totals, err error) {
	type broken struct {
		code      string
		bal, sum  int64
		mismatch  bool // a tracked balance that is not its entries' sum
		belowZero bool
	}
	var found []broken
	houses = map[string]int64{}
	err = eachRow(ctx, snap, `SELECT id, code, kind, tracked, balance FROM accounts ORDER BY id`, func(r *sql.Rows) error {
		var id, bal int64
		var code, kind string
		var tracked bool
		if err := r.Scan(&id, &code, &kind, &tracked, &bal); err != nil {
			return err
		}
		sum := sums[id]
		reseller := kind == KindResellerBalance || kind == KindResellerProfit
		if !reseller {
			houses[code] = sum
		}
		totals.add(kind, loket.Money(sum))
		b := broken{code: code, bal: bal, sum: sum, mismatch: tracked && bal != sum, belowZero: reseller && (sum < 0 || bal < 0)}
		if b.mismatch || b.belowZero {
			found = append(found, b)
		}
		return nil
	})
	if err != nil {
		return nil, totals, err
	}
	// At most 20 of each, the balances first.
	n := 0
	for _, b := range found {
		if b.mismatch && n < 20 {
			add("balance equals entries", "account %s stores %d, entries sum to %d", b.code, b.bal, b.sum)
			n++
		}
	}
	n = 0
	for _, b := range found {
		if b.belowZero && n < 20 {
			add("no reseller below zero", "account %s is at %d", b.code, b.sum)
			n++
		}
	}
	return houses, totals, nil
}
