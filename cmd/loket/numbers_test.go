package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

func TestNumberList(t *testing.T) {
	db := "--database-url=sqlite:" + filepath.Join(t.TempDir(), "loket.db")
	var out bytes.Buffer
	if err := run([]string{"migrate", db}, &out); err != nil { // a listing makes no database
		t.Fatal(err)
	}
	out.Reset()
	for _, args := range [][]string{{"number", "list", db}, {"number", "list", "--flagged", "--state", "failed", db}} {
		if err := run(args, &out); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	if out.Len() != 0 {
		t.Errorf("activations on an empty database: %s", out.String())
	}
	if err := run([]string{"number", "lease", db}, &out); err == nil {
		t.Error("unknown subcommand accepted")
	}
	if err := run([]string{"number"}, &out); err == nil {
		t.Error("missing subcommand accepted")
	}
}

// TestNumberSettle: the operator decides renting activations by hand (a rent whose
// outcome the supplier left unknown): failed refunds one, rented records the number
// of another; an activation no longer renting is refused; bad arguments are refused
// before the database is opened.
func TestNumberSettle(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dbURL := storetest.URL(t, engine)
			db, err := store.Open(dbURL, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := catalog.LoadDemo(ctx, db); err != nil {
				t.Fatal(err)
			}
			c := loketest.CoreOn(t, db)
			r := loketest.Buyer(t, c, "settle", 5000)
			if err := c.Numbers.SyncVNCatalog(ctx); err != nil {
				t.Fatal(err)
			}
			routes, err := db.VNRoutes(ctx, 14, 340437, "3837")
			if err != nil || len(routes) == 0 {
				t.Fatalf("routes %v %v", routes, err)
			}
			var ids []int64
			for range 2 {
				if err := db.Write(ctx, uint64(r.ID), func(tx *store.Tx) error {
					a, _, err := tx.CreateActivation(&store.NewActivation{ResellerID: r.ID, AccountID: r.BalanceAccountID, ServiceCode: 14,
						ServiceName: "WhatsApp", NumberID: 340437, ProviderID: "3837", OperatorID: "any", Price: 1100, Surface: "api",
						SupplierID: routes[0].SupplierID, Cost: routes[0].Cost, Window: time.Hour, Node: "gone", JobAt: time.Now().Add(time.Hour),
						Lease: time.Minute})
					if err == nil {
						ids = append(ids, a.ID)
					}
					return err
				}); err != nil {
					t.Fatal(err)
				}
			}
			db.Close()

			settle := func(args ...string) (map[string]any, error) {
				var out bytes.Buffer
				err := run(append([]string{"number", "settle", "--database-url=" + dbURL}, args...), &out)
				var m map[string]any
				if err == nil {
					if e := json.Unmarshal(out.Bytes(), &m); e != nil {
						t.Fatalf("number settle %v: %q is not JSON", args, out.String())
					}
				}
				return m, err
			}
			id := func(i int) string { return strconv.FormatInt(ids[i], 10) }
			for _, bad := range [][]string{{"--id", id(0), "--status", "success"}, {"--id", id(0), "--status", "rented", "--supplier-ref", "SV1"},
				{"--status", "failed"}} {
				if _, err := settle(bad...); err == nil {
					t.Errorf("number settle %v accepted", bad)
				}
			}
			if m, err := settle("--id", id(0), "--status", "failed", "--note", "not in the supplier's list"); err != nil ||
				m["state"] != loket.VNFailed || m["hold"] != loket.HoldVoided {
				t.Fatalf("failed: %v %v", m, err)
			}
			if _, err := settle("--id", id(0), "--status", "failed"); err == nil || !strings.Contains(err.Error(), "already") {
				t.Errorf("settled twice: %v", err)
			}
			if m, err := settle("--id", id(1), "--status", "rented", "--supplier-ref", "SV1-LV2", "--phone", "+62 812 0000 0001"); err != nil ||
				m["state"] != loket.VNWaiting || m["hold"] != loket.HoldPending || m["phone"] != "+62 812 0000 0001" {
				t.Fatalf("rented: %v %v", m, err)
			}
			var out bytes.Buffer
			if err := run([]string{"ledger", "verify", "--database-url=" + dbURL}, &out); err != nil {
				t.Errorf("ledger verify: %v %s", err, out.String())
			}
		})
	}
}
