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

// TestBillHeldOnce: the database holds a bill (bill_key) to one pending or successful
// payment: a second payment under another ref_id writes nothing and returns the first,
// a plain INSERT of a second is refused by the index itself, and a failed payment
// frees the bill.
func TestBillHeldOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db, 100_000)
		inquiry := func(ref string) int64 {
			in := &loket.Inquiry{ResellerID: f.reseller, ProductID: f.product.ID, Customer: "530000000001", RouteID: f.route.ID,
				SupplierID: f.route.SupplierID, SupplierCode: "pln", Ref: ref, Bill: loket.Bill{Customer: "530000000001", Name: "BUDI"},
				Amount: 50_000, Admin: 2_750, Commission: 1_000, Total: 51_750, Cost: 51_500, PeriodsKey: "202611", ValidUntil: time.Now().Add(time.Hour)}
			if err := db.Write(ctx, 1, func(tx *store.Tx) error { return tx.InsertInquiry(in) }); err != nil {
				t.Fatal(err)
			}
			return in.ID
		}
		pay := func(ref string, inq int64, supplierRef string) *store.NewOrder {
			n := f.order(ref, "530000000001", 0)
			n.Price, n.InquiryID, n.BillKey, n.FirstRef = 51_750, inq, "1|530000000001|202611", supplierRef
			return n
		}
		first, existed, err := f.create(t, pay("b1", inquiry("LKI1"), "LKI1"))
		if err != nil || existed || first.InquiryID == 0 {
			t.Fatalf("first payment = %+v, %v, %v", first, existed, err)
		}
		second, existed, err := f.create(t, pay("b2", inquiry("LKI2"), "LKI2"))
		if err != nil || !existed || second.ID != first.ID {
			t.Fatalf("second payment = %+v, existed %v, %v", second, existed, err)
		}
		if got := f.balance(t); got != 100_000-51_750 {
			t.Fatalf("balance = %d", got)
		}
		_, err = db.W.ExecContext(ctx, `INSERT INTO orders (reseller_id, ref_id, request_hash, product_id, product_code, product_name, target,
			price, status, created_at, updated_at, bill_key) VALUES ($1, 'raw', 'h', $2, 'HSA5', 'x', 't', 1, 'pending', 1, 1, '1|530000000001|202611')`,
			f.reseller, f.product.ID)
		if err == nil {
			t.Fatal("the index let a second pending payment of one bill in")
		}
		if err := db.Write(ctx, 1, func(tx *store.Tx) error {
			_, _, err := tx.SettleOrder(store.Settlement{OrderID: first.ID, Message: "failed"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		third, existed, err := f.create(t, pay("b3", inquiry("LKI3"), "LKI3"))
		if err != nil || existed || third.ID == first.ID {
			t.Fatalf("payment after a failure = %+v, existed %v, %v", third, existed, err)
		}
		atts, err := db.Attempts(ctx, third.ID)
		if err != nil || len(atts) != 1 || atts[0].SupplierRef != "LKI3" {
			t.Fatalf("attempts = %+v, %v", atts, err)
		}
		// The same inquiry again after its payment failed: its ref went upstream once.
		if err := db.Write(ctx, 1, func(tx *store.Tx) error {
			_, _, err := tx.SettleOrder(store.Settlement{OrderID: third.ID, Message: "failed"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		before := f.balance(t)
		if _, _, err := f.create(t, pay("b4", third.InquiryID, "LKI3")); loket.ErrorCode(err) != loket.ECONFLICT {
			t.Fatalf("paying a used inquiry ref again: %v", err)
		}
		if _, err := db.OrderByRef(ctx, f.reseller, "b4"); loket.ErrorCode(err) != loket.ENOTFOUND || f.balance(t) != before {
			t.Fatalf("a refused payment left a trace: %v, balance %d (was %d)", err, f.balance(t), before)
		}
		verify(t, db)
	})
}

// TestInquiryClientRef: a client's ref names one inquiry of a reseller: a second
// inquiry under it is not kept (ErrClientRef) and the first is found by it; inquiries
// without a ref are kept side by side.
func TestInquiryClientRef(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db, 0)
		insert := func(ref, clientRef string) (*loket.Inquiry, error) {
			in := &loket.Inquiry{ResellerID: f.reseller, ProductID: f.product.ID, Customer: "530000000001", RouteID: f.route.ID,
				SupplierID: f.route.SupplierID, SupplierCode: "pln", Ref: ref, ClientRef: clientRef, Bill: loket.Bill{Customer: "530000000001"},
				Amount: 50_000, Total: 51_750, Cost: 51_500, PeriodsKey: "202611", ValidUntil: time.Now().Add(time.Hour)}
			return in, db.Write(ctx, 1, func(tx *store.Tx) error { return tx.InsertInquiry(in) })
		}
		first, err := insert("LKIa", "df-1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := insert("LKIb", "df-1"); !errors.Is(err, store.ErrClientRef) {
			t.Fatalf("a second inquiry under df-1: %v", err)
		}
		got, err := db.InquiryByClientRef(ctx, f.reseller, "df-1")
		if err != nil || got.ID != first.ID || got.ClientRef != "df-1" || got.Ref != "LKIa" {
			t.Fatalf("by client ref: %+v %v", got, err)
		}
		for _, ref := range []string{"LKIc", "LKId"} {
			if _, err := insert(ref, ""); err != nil {
				t.Fatalf("an inquiry without a client ref: %v", err)
			}
		}
		if _, err := db.InquiryByClientRef(ctx, f.reseller+1, "df-1"); loket.ErrorCode(err) != loket.ENOTFOUND {
			t.Fatalf("another reseller's ref: %v", err)
		}
	})
}
