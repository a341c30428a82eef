package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

// TestActivationMoney: an activation's reservation is posted or voided exactly once,
// SMS are kept once each and never after it closed, and the ledger verifies throughout.
func TestActivationMoney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db, 3000)
		newAct := func(ref string) *loket.Activation {
			t.Helper()
			var a *loket.Activation
			err := db.Write(ctx, 1, func(tx *store.Tx) error {
				var err error
				a, _, err = tx.CreateActivation(&store.NewActivation{ResellerID: f.reseller, AccountID: f.account, RefID: ref, RequestHash: "h",
					ServiceCode: 14, ServiceName: "WhatsApp", NumberID: 340437, ProviderID: "3837", OperatorID: "any", Price: 1100,
					Surface: "api", Window: time.Minute, JobAt: time.Now().Add(time.Minute)})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		write := func(fn func(tx *store.Tx) error) {
			t.Helper()
			if err := db.Write(ctx, 1, fn); err != nil {
				t.Fatal(err)
			}
		}
		verify := func() {
			t.Helper()
			v, err := db.Verify(ctx)
			if err != nil || len(v) > 0 {
				t.Fatalf("verify: %v %v", v, err)
			}
		}
		balance := func(want loket.Money) {
			t.Helper()
			r, err := db.Reseller(ctx, f.reseller, "")
			if err != nil || r.Balance != want {
				t.Fatalf("balance %v (%v), want %d", r, err, want)
			}
		}

		a := newAct("one")
		balance(1900)
		verify()
		write(func(tx *store.Tx) error {
			_, ok, err := tx.Rented(a.ID, f.route.SupplierID, 1000, "UP1", "+62 811", time.Now().Add(time.Minute), time.Time{})
			if !ok && err == nil {
				t.Error("not rented")
			}
			return err
		})
		// The same ref_id: the same activation, nothing reserved again.
		if b := newAct("one"); b.ID != a.ID {
			t.Errorf("ref reused: %d, want %d", b.ID, a.ID)
		}
		balance(1900)
		// Finishing without a code moves nothing.
		write(func(tx *store.Tx) error {
			if _, ok, err := tx.FinishActivation(a.ID, "x"); ok || err != nil {
				t.Errorf("finish without a code: %v %v", ok, err)
			}
			return nil
		})
		// Two SMS, one reported twice.
		write(func(tx *store.Tx) error {
			for _, c := range []string{"111111", "111111", "222222"} {
				if _, _, err := tx.AddSMS(a.ID, loket.VNSMS{Code: c, Text: "kode " + c}); err != nil {
					return err
				}
			}
			return nil
		})
		got, err := db.Activation(ctx, a.ID, f.reseller)
		if err != nil || got.SMSCount != 2 || len(got.SMS) != 2 || got.SMS[1].Seq != 2 || got.State != loket.VNReceived {
			t.Fatalf("after SMS: %+v %v", got, err)
		}
		write(func(tx *store.Tx) error {
			if _, ok, err := tx.FinishActivation(a.ID, "done"); !ok || err != nil {
				t.Errorf("finish: %v %v", ok, err)
			}
			// A void after the post moves nothing.
			if _, ok, err := tx.CloseActivation(a.ID, loket.VNCanceled, "x", []string{loket.VNWaiting, loket.VNReceived}, true); ok || err != nil {
				t.Errorf("close after finish: %v %v", ok, err)
			}
			return nil
		})
		balance(1900)
		verify()

		// Canceled before a code: refunded once; a code after it is not kept.
		b := newAct("two")
		balance(800)
		write(func(tx *store.Tx) error {
			if _, ok, err := tx.Rented(b.ID, f.route.SupplierID, 1000, "UP2", "+62 812", time.Now().Add(time.Minute), time.Time{}); !ok || err != nil {
				t.Errorf("rented: %v %v", ok, err)
			}
			for i := 0; i < 2; i++ {
				_, ok, err := tx.CloseActivation(b.ID, loket.VNCanceled, "canceled", []string{loket.VNWaiting}, false)
				if err != nil || ok != (i == 0) {
					t.Errorf("close %d: %v %v", i, ok, err)
				}
			}
			if _, added, err := tx.AddSMS(b.ID, loket.VNSMS{Code: "333333"}); added || err != nil {
				t.Errorf("sms after cancel: %v %v", added, err)
			}
			if _, ok, err := tx.FinishActivation(b.ID, "x"); ok || err != nil {
				t.Errorf("finish after cancel: %v %v", ok, err)
			}
			return nil
		})
		balance(1900)
		if got, _ := db.Activation(ctx, b.ID, 0); got.SMSCount != 0 || got.Hold != loket.HoldVoided {
			t.Errorf("canceled: %+v", got)
		}
		// Beyond the balance: refused whole.
		newAct("three")
		err = db.Write(ctx, 1, func(tx *store.Tx) error {
			_, _, err := tx.CreateActivation(&store.NewActivation{ResellerID: f.reseller, AccountID: f.account, RefID: "four", Price: 1100,
				ServiceCode: 14, NumberID: 340437, ProviderID: "3837", OperatorID: "any", Window: time.Minute, JobAt: time.Now()})
			return err
		})
		if loket.ErrorCode(err) != loket.EINSUFFICIENT {
			t.Errorf("over the balance: %v", err)
		}
		balance(800)
		verify()
	})
}
