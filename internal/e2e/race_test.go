package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/loketest"
)

// TestConcurrentOrders races 100 orders of one reseller against a balance for exactly
// K of them. The balance never goes below zero, every order is either accepted or
// refused for want of balance, and the money adds up to the successes alone.
func TestConcurrentOrders(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		const n, k = 100, 20
		p := productPrice(t, s, "S5")

		// All succeed: exactly K are accepted, the rest refused, the balance spent.
		t.Run("exact", func(t *testing.T) {
			r := newReseller(t, s, p*k)
			res := raceOrders(t, r, n, func(i int) int { return 0 })
			if res.accepted != k || res.refused != n-k {
				t.Errorf("accepted %d, refused %d; want %d and %d", res.accepted, res.refused, k, n-k)
			}
			if res.success != k || res.failed != 0 {
				t.Errorf("%d successes, %d failures; want %d and 0", res.success, res.failed, k)
			}
			if got := me(t, r).Balance; got != 0 {
				t.Errorf("final balance %d, want 0", got)
			}
			checkRunningBalance(t, allLedger(t, r.C, 200), 0)
		})

		// Half fail and are refunded at once, freeing balance for later orders: at
		// least K are accepted, at most K succeed, and the balance is what the
		// successes left.
		t.Run("mixed", func(t *testing.T) {
			r := newReseller(t, s, p*k)
			res := raceOrders(t, r, n, func(i int) int { return (i % 2) * 2 })
			if res.accepted+res.refused != n {
				t.Errorf("accepted %d + refused %d != %d", res.accepted, res.refused, n)
			}
			if res.accepted < k {
				t.Errorf("only %d accepted; a balance for %d was there", res.accepted, k)
			}
			if res.success > k {
				t.Errorf("%d successes with a balance for %d", res.success, k)
			}
			if res.success+res.failed != res.accepted {
				t.Errorf("%d successes + %d failures != %d accepted", res.success, res.failed, res.accepted)
			}
			want := p*k - int64(res.success)*p
			if got := me(t, r).Balance; got != want {
				t.Errorf("final balance %d, want %d - %d × %d = %d", got, p*k, res.success, p, want)
			}
			checkRunningBalance(t, allLedger(t, r.C, 200), want)
		})
		loketest.VerifyLedger(t, s)
	})
}

type raceResult struct {
	accepted, refused, success, failed int
}

// raceOrders places n orders of S5 at once, target i ending in digit(i), while another
// goroutine watches the balance; then waits for all accepted orders to settle.
func raceOrders(t *testing.T, r *reseller, n int, digit func(i int) int) raceResult {
	t.Helper()
	ctx := context.Background()
	var res raceResult
	var accepted, refused atomic.Int64
	ids := make(chan int64, n)
	stop := make(chan struct{})
	var watch sync.WaitGroup
	watch.Add(1)
	go func() {
		defer watch.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			m, err := r.C.Me(ctx)
			if err != nil {
				t.Errorf("me: %v", err)
				return
			}
			if m.Balance < 0 {
				t.Errorf("balance %d below zero", m.Balance)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	var wg sync.WaitGroup
	begin := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-begin
			o, created, err := r.C.CreateOrder(ctx, client.OrderRequest{Product: "S5", Target: msisdn(i, digit(i)),
				RefID: fmt.Sprintf("race-%d", i)})
			var ae *client.Error
			switch {
			case err == nil && created:
				accepted.Add(1)
				ids <- o.ID
			case errors.As(err, &ae) && ae.StatusCode == http.StatusPaymentRequired && ae.Code == client.CodeInsufficientBalance:
				refused.Add(1)
			default:
				t.Errorf("order %d: created=%v %v", i, created, err)
			}
		}()
	}
	close(begin)
	wg.Wait()
	close(ids)
	for id := range ids {
		o := waitOrder(t, r.C, id, 10*time.Second)
		switch o.Status {
		case client.StatusSuccess:
			res.success++
		case client.StatusFailed:
			res.failed++
		}
	}
	close(stop)
	watch.Wait()
	res.accepted, res.refused = int(accepted.Load()), int(refused.Load())
	t.Logf("accepted %d, refused %d, success %d, failed %d", res.accepted, res.refused, res.success, res.failed)
	return res
}
