package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

// VerifyProgress reads the entries in chunks and tells how far it is; what it finds
// does not depend on the chunks, nor on whether transfers are carried between them
// or summed over the whole table.
func TestVerifyProgress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db, 1000)
		for i := range 10 {
			f.credit(t, loket.Money(100+i), fmt.Sprint("p", i))
		}
		var total int64
		if err := db.R.QueryRow(`SELECT COUNT(*) FROM entries`).Scan(&total); err != nil {
			t.Fatal(err)
		}
		type call struct{ done, total int64 }
		verify := func(chunk int64, carry int) ([]loket.Violation, []call) {
			t.Helper()
			store.SetVerifyChunks(t.Cleanup, chunk, carry)
			var calls []call
			v, err := db.VerifyProgress(ctx, func(done, total int64) { calls = append(calls, call{done, total}) })
			if err != nil {
				t.Fatal(err)
			}
			return v, calls
		}
		v, calls := verify(3, 1<<16)
		if len(v) != 0 {
			t.Fatalf("violations on a sound ledger: %v", v)
		}
		if len(calls) < 3 || calls[0] != (call{0, total}) || calls[len(calls)-1] != (call{total, total}) {
			t.Fatalf("progress %v, want from 0 to %d", calls, total)
		}
		for i := 1; i < len(calls); i++ {
			if calls[i].done < calls[i-1].done || calls[i].total != total {
				t.Fatalf("progress went back: %v", calls)
			}
		}
		// Break two transfers (one cut by a chunk's end) and a balance; then every way
		// of reading finds the same.
		var first, last int64
		if err := db.R.QueryRow(`SELECT MIN(transfer_id), MAX(transfer_id) FROM entries`).Scan(&first, &last); err != nil {
			t.Fatal(err)
		}
		for _, tr := range []int64{first, last} {
			if _, err := db.W.Exec(`INSERT INTO entries (transfer_id, account_id, amount, created_at) SELECT transfer_id, account_id, 7, created_at FROM entries WHERE transfer_id = $1 ORDER BY id LIMIT 1`, tr); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.W.Exec(`UPDATE accounts SET balance = balance + 1 WHERE id = $1`, f.account); err != nil {
			t.Fatal(err)
		}
		// A balanced transfer that takes the reseller below zero and puts money in flight
		// that no hold reserves.
		adj, err := db.EnsureAccount(ctx, store.AccAdjustments, store.KindAdjustments)
		if err != nil {
			t.Fatal(err)
		}
		inflight, err := db.EnsureAccount(ctx, store.AccInFlight, store.KindInFlight)
		if err != nil {
			t.Fatal(err)
		}
		var tr int64
		if err := db.W.QueryRow(`INSERT INTO transfers (key, kind, created_at) VALUES ('tamper', 'adjustment', 0) RETURNING id`).Scan(&tr); err != nil {
			t.Fatal(err)
		}
		for _, l := range []store.Leg{{Account: f.account, Amount: -50000}, {Account: adj, Amount: 49000}, {Account: inflight, Amount: 1000}} {
			if _, err := db.W.Exec(`INSERT INTO entries (transfer_id, account_id, amount, created_at) VALUES ($1, $2, $3, 0)`, tr, l.Account, l.Amount); err != nil {
				t.Fatal(err)
			}
		}
		want, _ := verify(1<<30, 0) // one chunk, the transfers summed by one statement
		var invariants []string
		for _, x := range want {
			invariants = append(invariants, x.Invariant)
		}
		// The house accounts' entries written behind the ledger's back no longer match
		// their rollups either (in flight's and adjustments').
		if len(want) != 8 || !slices.Equal(slices.Compact(invariants), []string{"entries sum to zero", "balance equals entries",
			"no reseller below zero", "rollups match their rows", "in flight equals pending holds"}) {
			t.Errorf("want the entries' sum, two transfers, a balance, a reseller below zero, two rollups and money in flight: %v", want)
		}
		for _, c := range []struct {
			chunk int64
			carry int
		}{{1, 1 << 16}, {2, 1 << 16}, {3, 0}, {1 << 30, 1 << 16}} {
			if got, _ := verify(c.chunk, c.carry); !slices.Equal(got, want) {
				t.Errorf("chunk %d, carry %d: %v, want %v", c.chunk, c.carry, got, want)
			}
		}
	})
}
