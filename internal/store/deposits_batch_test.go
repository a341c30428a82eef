package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

// A payment of a batch kept by a concurrent writer after the batch claimed a deposit
// for it (the source reported one ref with two amounts): the batch is refused, not
// credited with a payment that is not its own; run again, it sees the payment as kept
// and the deposit stays open. On SQLite writers never overlap.
func TestBatchRace(t *testing.T) {
	for _, engine := range storetest.Engines() {
		if engine != "postgres" {
			continue
		}
		t.Run(engine, func(t *testing.T) {
			db := storetest.Open(t, engine)
			f := setup(t, db, 0)
			ctx := context.Background()
			if _, err := db.EnsureAccount(ctx, store.PaymentAccount("src"), store.KindPaymentSource); err != nil {
				t.Fatal(err)
			}
			var dep *loket.Deposit
			if err := db.Direct(ctx, func(tx *store.Tx) error {
				var err error
				dep, err = tx.CreateDeposit(store.NewDeposit{ResellerID: f.reseller, Method: "qris", Amount: 50000, UniqueCode: 7, Expires: time.Hour})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			held, release := make(chan struct{}), make(chan struct{})
			errA := make(chan error, 1)
			go func() {
				errA <- db.Direct(ctx, func(tx *store.Tx) error {
					out, err := tx.RecordPayments("src", []loket.Payment{{Ref: "r1", Method: "qris", Amount: 999}})
					if err == nil && out[0].Deposit != nil {
						err = errors.New("999 paid a deposit")
					}
					close(held)
					<-release
					return err
				})
			}()
			<-held
			errB := make(chan error, 1)
			go func() {
				errB <- db.Direct(ctx, func(t *store.Tx) error {
					_, err := t.RecordPayments("src", []loket.Payment{{Ref: "r1", Method: "qris", Amount: loket.Money(dep.PayAmount)}})
					return err
				})
			}()
			// B claims the deposit, then waits on A's r1.
			for waited := 0; ; waited++ {
				var n int
				if err := db.R.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
					WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO payments (id, source%'`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n > 0 {
					break
				}
				if waited == 200 {
					t.Fatal("the second batch never waited on the first")
				}
				time.Sleep(50 * time.Millisecond)
			}
			close(release)
			if err := <-errA; err != nil {
				t.Fatal(err)
			}
			if err := <-errB; !errors.Is(err, store.ErrBatchRace) {
				t.Fatalf("the racing batch: %v, want ErrBatchRace", err)
			}
			var out []loket.PaymentOutcome
			if err := db.Direct(ctx, func(tx *store.Tx) error {
				var err error
				out, err = tx.RecordPayments("src", []loket.Payment{{Ref: "r1", Method: "qris", Amount: loket.Money(dep.PayAmount)}})
				return err
			}); err != nil || !out[0].Duplicate {
				t.Fatalf("run again: %+v %v", out, err)
			}
			if d, _ := db.Deposit(ctx, dep.ID, 0); d.Status != loket.DepositPending {
				t.Fatalf("deposit %+v", d)
			}
			verify(t, db)
		})
	}
}
