package webhooks_test

import (
	"context"
	"testing"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

// A webhook written by a node that runs its jobs is that node's to deliver (its job
// locked for a lease, so no other claims it meanwhile); one written by a process that
// does not run them (a CLI command) is left for any node to claim at once.
func TestWebhookJobOwner(t *testing.T) {
	notify := func(c *server.Core) {
		c.Webhooks.SetNotifier("api", func(o *loket.Order, _ loket.Money) (string, string, []byte, error) {
			return "order.updated", "application/json", []byte(`{}`), nil
		})
	}
	queue := func(t *testing.T, c *server.Core) string {
		t.Helper()
		ctx := context.Background()
		ra := loketest.Buyer(t, c, "hook", 1000)
		ra.WebhookURL = "https://example.com/hook"
		var id int64
		if err := c.DB.Write(ctx, 0, func(tx *store.Tx) error {
			var err error
			id, err = c.Webhooks.QueueOrder(tx, ra, &loket.Order{ID: 7, ResellerID: ra.ID, Surface: "api", Status: loket.StatusSuccess})
			return err
		}); err != nil || id == 0 {
			t.Fatalf("queue: %d, %v", id, err)
		}
		var by string
		if err := c.DB.R.QueryRow(`SELECT locked_by FROM jobs WHERE key = $1`, store.WebhookJobKey(id)).Scan(&by); err != nil {
			t.Fatal(err)
		}
		return by
	}
	t.Run("running", func(t *testing.T) {
		c := loketest.CoreWith(t, "sqlite", notify, "--node=node-a")
		if by := queue(t, c); by != "node-a" {
			t.Errorf("locked by %q, want node-a", by)
		}
	})
	t.Run("not running", func(t *testing.T) {
		c := loketest.CoreOn(t, storetest.Open(t, "sqlite"), "--node=cli")
		notify(c)
		if by := queue(t, c); by != "" {
			t.Errorf("locked by %q, want none", by)
		}
	})
}
