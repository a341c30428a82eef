package store_test

import (
	"context"
	"testing"

	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

// A callback may settle an attempt before the dispatcher records the answer to its
// send; the dispatcher's late "pending" must not make the attempt read pending again.
func TestUpdateAttemptKeepsAFinalOutcome(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db, 20000)
		for _, final := range []string{"success", "failed"} {
			o, _, err := f.create(t, f.order("ua-"+final, map[string]string{"success": "081234567891", "failed": "081234567892"}[final], 0))
			if err != nil {
				t.Fatal(err)
			}
			write := func(outcome, trx, msg string) {
				t.Helper()
				if err := db.Write(ctx, 1, func(tx *store.Tx) error { return tx.UpdateAttempt(o.ID, 1, outcome, trx, msg) }); err != nil {
					t.Fatal(err)
				}
			}
			write("unknown", "", "no answer")
			write("pending", "T1", "accepted")
			write(final, "T1", "by callback")
			write("pending", "T2", "late answer to the send")
			at, err := db.Attempts(ctx, o.ID)
			if err != nil || len(at) != 1 {
				t.Fatalf("attempts = %+v, %v", at, err)
			}
			if at[0].Outcome != final || at[0].SupplierTrx != "T1" || at[0].Message != "by callback" {
				t.Errorf("attempt = %+v, want %s as the callback left it", at[0], final)
			}
		}
	})
}
