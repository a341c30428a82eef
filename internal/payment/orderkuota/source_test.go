package orderkuota_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/loket/loket/internal/payment/orderkuota"
)

// The source passes on incoming entries only, and from its cursor less the overlap:
// the 16:59 WIB entry is dropped once the cursor is past 17:09 WIB.
func TestSourceCursor(t *testing.T) {
	c, _ := serve(t, http.StatusOK, "mutasi_ok.json")
	src := orderkuota.NewSource("ok", "qris", c)
	ps, next, err := src.Incoming(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].Ref != "015841279721" || ps[0].Method != "qris" || ps[1].Amount != 77777 {
		t.Fatalf("payments = %+v", ps)
	}
	newest := time.Date(2025, 7, 25, 10, 10, 26, 0, time.UTC)
	if next != newest.Format(time.RFC3339Nano) {
		t.Fatalf("cursor = %q", next)
	}
	ps, next2, err := src.Incoming(context.Background(), next)
	if err != nil || len(ps) != 1 || ps[0].Ref != "015841279721" || next2 != next {
		t.Fatalf("from the cursor: %+v %q %v", ps, next2, err)
	}
	later := newest.Add(time.Hour).Format(time.RFC3339Nano)
	if ps, next3, _ := src.Incoming(context.Background(), later); len(ps) != 0 || next3 != later {
		t.Fatalf("past everything: %+v %q", ps, next3)
	}
}
