package chestcloudx

import (
	"strings"
	"testing"

	"github.com/loket/loket/internal/loket"
)

// A failed dropship order's report speaks of the customer's payment, never of a
// balance refund (the balance was never charged).
func TestNotifyDropshipWords(t *testing.T) {
	for _, c := range []struct {
		o    loket.Order
		want string
	}{
		{loket.Order{ID: 1, Status: loket.StatusFailed, Mode: loket.ModeSaldo}, "saldo sudah dikembalikan"},
		{loket.Order{ID: 2, Status: loket.StatusFailed, Mode: loket.ModeDropship}, "pembayaran customer akan dikembalikan"},
		{loket.Order{ID: 3, Status: loket.StatusFailed, Mode: loket.ModeDropship, Message: "payment expired"}, "tanpa biaya"},
	} {
		_, _, b, err := notify(&c.o, 0)
		if err != nil || !strings.Contains(string(b), c.want) {
			t.Errorf("order %d: %s (%v), want %q", c.o.ID, b, err, c.want)
		}
	}
}
