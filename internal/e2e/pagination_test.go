package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/loketest"
)

// TestPagination lists orders a page at a time by next_cursor, newest first, with
// every filter; and shows no reseller another's orders.
func TestPagination(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		ctx := context.Background()
		r := newReseller(t, s, 500_000)
		other := newReseller(t, s, 500_000)
		theirs, _, err := other.C.CreateOrder(ctx, client.OrderRequest{Product: "S5", Target: msisdn(99, 0), RefID: "pg-0"})
		if err != nil {
			t.Fatal(err)
		}

		before := time.Now().Add(-time.Second)
		var ids []int64 // oldest first
		status := map[int64]string{}
		for i := range 7 {
			digit := 0
			if i%3 == 1 {
				digit = 2 // orders 1 and 4 fail
			}
			o, _, err := r.C.CreateOrder(ctx, client.OrderRequest{Product: "S5", Target: msisdn(i, digit), RefID: fmt.Sprintf("pg-%d", i)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, o.ID)
		}
		for _, id := range ids {
			status[id] = waitOrder(t, r.C, id, 3*time.Second).Status
		}

		// list follows next_cursor to the end, checking the pages' shape.
		list := func(opt client.ListOptions) []client.Order {
			t.Helper()
			var all []client.Order
			for page := 0; ; page++ {
				if page > 20 {
					t.Fatalf("%+v: no end to the pages", opt)
				}
				l, err := r.C.Orders(ctx, opt)
				if err != nil {
					t.Fatalf("%+v: %v", opt, err)
				}
				if opt.Limit > 0 && len(l.Orders) > opt.Limit {
					t.Errorf("%+v: %d orders on a page", opt, len(l.Orders))
				}
				if l.Orders == nil {
					t.Errorf("%+v: orders is null, want []", opt)
				}
				all = append(all, l.Orders...)
				if l.NextCursor == "" {
					return all
				}
				opt.Cursor = l.NextCursor
			}
		}
		idsOf := func(os []client.Order) []int64 {
			var out []int64
			for _, o := range os {
				out = append(out, o.ID)
			}
			return out
		}
		newestFirst := func(want []int64) []int64 {
			out := make([]int64, 0, len(want))
			for i := len(want) - 1; i >= 0; i-- {
				out = append(out, want[i])
			}
			return out
		}
		same := func(name string, got, want []int64) {
			t.Helper()
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: got %v, want %v", name, got, want)
			}
		}

		l, err := r.C.Orders(ctx, client.ListOptions{Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Orders) != 3 || l.NextCursor == "" {
			t.Errorf("first page: %d orders, next_cursor %q", len(l.Orders), l.NextCursor)
		}
		all := list(client.ListOptions{Limit: 3})
		same("limit 3", idsOf(all), newestFirst(ids))
		for _, o := range all {
			if o.Status != status[o.ID] {
				t.Errorf("order %d listed %s, is %s", o.ID, o.Status, status[o.ID])
			}
		}
		same("default limit", idsOf(list(client.ListOptions{})), newestFirst(ids))
		same("limit 7", idsOf(list(client.ListOptions{Limit: 7})), newestFirst(ids))
		same("limit 1", idsOf(list(client.ListOptions{Limit: 1})), newestFirst(ids))

		var okIDs, failedIDs []int64
		for _, id := range ids {
			if status[id] == client.StatusSuccess {
				okIDs = append(okIDs, id)
			} else {
				failedIDs = append(failedIDs, id)
			}
		}
		if len(failedIDs) != 2 {
			t.Fatalf("statuses %v: want 2 failed", status)
		}
		same("success", idsOf(list(client.ListOptions{Status: client.StatusSuccess, Limit: 3})), newestFirst(okIDs))
		same("failed", idsOf(list(client.ListOptions{Status: client.StatusFailed, Limit: 3})), newestFirst(failedIDs))
		same("failed limit 2", idsOf(list(client.ListOptions{Status: client.StatusFailed, Limit: 2})), newestFirst(failedIDs))
		same("pending", idsOf(list(client.ListOptions{Status: client.StatusPending, Limit: 3})), nil)
		same("ref_id pg-4", idsOf(list(client.ListOptions{RefID: "pg-4"})), []int64{ids[4]})
		same("ref_id pg-4 failed", idsOf(list(client.ListOptions{RefID: "pg-4", Status: client.StatusFailed})), []int64{ids[4]})
		same("ref_id pg-4 success", idsOf(list(client.ListOptions{RefID: "pg-4", Status: client.StatusSuccess})), nil)
		same("ref_id unknown", idsOf(list(client.ListOptions{RefID: "nope"})), nil)
		same("from before", idsOf(list(client.ListOptions{From: before, Limit: 3})), newestFirst(ids))
		same("from later", idsOf(list(client.ListOptions{From: time.Now().Add(time.Hour)})), nil)
		same("to before", idsOf(list(client.ListOptions{To: before})), nil)
		same("from and to", idsOf(list(client.ListOptions{From: before, To: time.Now().Add(time.Hour), Limit: 4})), newestFirst(ids))

		// Another reseller's order is neither listed nor readable.
		same("other's ref_id", idsOf(list(client.ListOptions{RefID: "pg-0"})), []int64{ids[0]})
		_, err = r.C.Order(ctx, theirs.ID)
		wantAPIError(t, err, http.StatusNotFound, client.CodeNotFound)
		same("theirs", idsOf(func() []client.Order {
			l, err := other.C.Orders(ctx, client.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return l.Orders
		}()), []int64{theirs.ID})
	})
}
