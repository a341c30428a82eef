package sim

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/loket/loket/internal/supplier"
)

func TestVirtualNumber(t *testing.T) {
	ctx := context.Background()
	s := New(100 * time.Millisecond)
	req := supplier.VNRequest{Ref: "LV1", ServiceCode: 14, NumberID: 340437, ProviderID: "3837", OperatorID: "telkomsel"}
	if _, err := s.RentNumber(ctx, supplier.VNRequest{Ref: "LV0", ServiceCode: 14, NumberID: 340437, ProviderID: "3837", MaxPrice: 999}); !supplier.IsRefusal(err) {
		t.Errorf("max price below cost: %v, want a refusal", err)
	}
	if _, err := s.RentNumber(ctx, supplier.VNRequest{Ref: "LV0", ServiceCode: 14, NumberID: 340437, ProviderID: "3837", OperatorID: "xl"}); !supplier.IsRefusal(err) {
		t.Errorf("unknown operator: %v, want a refusal", err)
	}
	n, err := s.RentNumber(ctx, req)
	if err != nil || n.Price != 1000 || !regexp.MustCompile(`^\+62 8\d\d \d{4} \d{4}$`).MatchString(n.Phone) {
		t.Fatalf("rent: %+v %v", n, err)
	}
	if err := s.SetNumberStatus(ctx, n.ID, supplier.VNResend); !supplier.IsRefusal(err) {
		t.Errorf("resend before a code: %v", err)
	}
	wait := func(codes int) supplier.VNStatus {
		t.Helper()
		deadline := time.Now().Add(time.Second)
		for {
			st, err := s.NumberStatus(ctx, n.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.SMS) == codes && st.State == supplier.VNReceived {
				return st
			}
			if time.Now().After(deadline) {
				t.Fatalf("no code %d: %+v", codes, st)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	st := wait(1)
	if !regexp.MustCompile(`^\d{6}$`).MatchString(st.SMS[0].Code) {
		t.Errorf("code %q", st.SMS[0].Code)
	}
	if err := s.SetNumberStatus(ctx, n.ID, supplier.VNCancel); !supplier.IsRefusal(err) {
		t.Errorf("cancel after a code: %v", err)
	}
	if err := s.SetNumberStatus(ctx, n.ID, supplier.VNResend); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.NumberStatus(ctx, n.ID); st.State != supplier.VNWaiting {
		t.Errorf("after resend: %+v", st)
	}
	st = wait(2)
	if st.SMS[0].Code == st.SMS[1].Code {
		t.Errorf("the same code twice: %+v", st.SMS)
	}
	if err := s.SetNumberStatus(ctx, n.ID, supplier.VNFinish); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.NumberStatus(ctx, n.ID); st.State != supplier.VNDone || len(st.SMS) != 2 {
		t.Errorf("after done: %+v", st)
	}

	// Canceled before its code: canceled, and the code never shows.
	n2, _ := s.RentNumber(ctx, supplier.VNRequest{Ref: "LV2", ServiceCode: 86, NumberID: 340437, ProviderID: "3837"})
	if err := s.SetNumberStatus(ctx, n2.ID, supplier.VNCancel); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if st, _ := s.NumberStatus(ctx, n2.ID); st.State != supplier.VNCanceled || len(st.SMS) != 0 {
		t.Errorf("canceled: %+v", st)
	}
	if cat, _ := s.VNCatalog(ctx); len(cat.Services) != 2 || len(cat.Countries[0].Prices) != 2 {
		t.Errorf("catalog: %+v", cat)
	}
}

// TestFindNumber: the simulator finds a rent by Loket's ref and the time it was sent
// among those it remembers; any other was not rented.
func TestFindNumber(t *testing.T) {
	ctx := context.Background()
	s := New(time.Second)
	sent := time.Now()
	req := supplier.VNRequest{Ref: "LVfind1", ServiceCode: 86, NumberID: 340437, ProviderID: "3837", OperatorID: "telkomsel", SentAt: sent}
	n, err := s.RentNumber(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.FindNumber(ctx, req); err != nil || got != n {
		t.Errorf("find: %+v, %v; want %+v", got, err, n)
	}
	other := req
	other.Ref = "LVfind2"
	if _, err := s.FindNumber(ctx, other); !supplier.IsRefusal(err) {
		t.Errorf("find of a ref never rented: %v, want a refusal", err)
	}
	// Another Loket's rent under the same ref, sent at another time.
	later := req
	later.SentAt = sent.Add(time.Microsecond)
	if _, err := s.FindNumber(ctx, later); !supplier.IsRefusal(err) {
		t.Errorf("find of another rent under the ref: %v, want a refusal", err)
	}
}
