package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// migrated makes a migrated SQLite database and returns what runs a loket command on
// it, with its output.
func migrated(t *testing.T) func(args ...string) (string, error) {
	db := "--database-url=sqlite:" + filepath.Join(t.TempDir(), "loket.db")
	loket := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(append(args, db), &out)
		return out.String(), err
	}
	if out, err := loket("migrate"); err != nil {
		t.Fatalf("migrate: %v %s", err, out)
	}
	return loket
}

// TestMarkupCommands: the operator sets a rule from the command line; the products it
// covers are repriced at once; the rule is listed and deleted; bad flags are refused.
func TestMarkupCommands(t *testing.T) {
	loket := migrated(t)
	if out, err := loket("supplier", "add", "--name=up", "--kind=sim"); err != nil {
		t.Fatalf("supplier add: %v %s", err, out)
	}
	if out, err := loket("catalog", "import", "../../internal/catalog/demo.yaml"); err != nil {
		t.Fatalf("import: %v %s", err, out)
	}
	// HSA5 routes to sim at 5300 (priority 100); a route of priority 1 at 5000 becomes
	// the reference.
	if out, err := loket("route", "add", "--product=HSA5", "--supplier=up", "--code=X5", "--cost=5000", "--priority=1"); err != nil {
		t.Fatalf("route add: %v %s", err, out)
	}
	// Without --yes and not on a terminal: the preview, and nothing changes.
	isTerminal = func() bool { return false }
	out, err := loket("markup", "set", "--scope=product", "--code=HSA5", "--percent=2.5", "--flat=100", "--round=50")
	if err != nil || !strings.Contains(out, `"applied":false`) || !strings.Contains(out, `{"product":"HSA5","old":5400,"new":5250}`) ||
		!strings.Contains(out, "nothing changed: add --yes to apply") {
		t.Fatalf("markup set preview: %v %s", err, out)
	}
	if out, err := loket("markup", "list"); err != nil || out != "" {
		t.Fatalf("the preview set a rule: %v %s", err, out)
	}
	out, err = loket("markup", "set", "--scope=product", "--code=HSA5", "--percent=2.5", "--flat=100", "--round=50", "--yes")
	if err != nil {
		t.Fatalf("markup set: %v %s", err, out)
	}
	var got struct {
		Applied  bool `json:"applied"`
		Products int  `json:"products"`
		Down     int  `json:"down"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || !got.Applied || got.Products != 1 || got.Down != 1 {
		t.Fatalf("markup set said %s", out)
	}
	// 5000 + 125 + 100 = 5225 -> 5250.
	if out, err := loket("markup", "list"); err != nil || !strings.Contains(out, `"scope_code":"HSA5"`) {
		t.Fatalf("markup list: %v %s", err, out)
	}
	if out, err := loket("supplier", "list"); err != nil || !strings.Contains(out, `"name":"up"`) {
		t.Fatalf("supplier list: %v %s", err, out)
	}
	if out, err := loket("supplier", "sync", "--name=up"); err != nil || !strings.Contains(out, `0 listed`) {
		t.Fatalf("supplier sync: %v %s", err, out)
	}
	for _, bad := range [][]string{
		{"markup", "set", "--scope=product"},
		{"markup", "set", "--scope=all", "--code=X"},
		{"markup", "set", "--scope=all", "--percent=-1"},
		{"markup", "set", "--scope=all", "--percent=1.234"},
		{"markup", "set", "--scope=all", "--round=0"},
		{"markup", "set", "--scope=category", "--code=nope"},
		{"markup", "delete", "--scope=category", "--code=pulsa"},
		{"supplier", "sync", "--name=nobody"},
	} {
		if out, err := loket(bad...); err == nil {
			t.Errorf("%v accepted: %s", bad, out)
		}
	}
	if out, err := loket("markup", "delete", "--scope=product", "--code=HSA5"); err != nil || !strings.Contains(out, "nothing changed") {
		t.Fatalf("markup delete preview: %v %s", err, out)
	}
	// Deleting the rule leaves the price and says which change set brings the old one back.
	if out, err := loket("markup", "delete", "--scope=product", "--code=HSA5", "--yes"); err != nil || !strings.Contains(out, `"set_by":1`) ||
		!strings.Contains(out, "loket price undo --id 1 does") {
		t.Fatalf("markup delete: %v %s", err, out)
	}
	if out, err := loket("markup", "list"); err != nil || out != "" {
		t.Fatalf("after delete: %v %q", err, out)
	}
	if out, err := loket("price", "history", "--format=table"); err != nil || !strings.Contains(out, "markup set product HSA5: 2.50% +100, round 50") {
		t.Fatalf("price history: %v %s", err, out)
	}
	if out, err := loket("price", "undo", "--id=1"); err != nil || !strings.Contains(out, `{"product":"HSA5","old":5250,"new":5400}`) || !strings.Contains(out, "nothing changed") {
		t.Fatalf("price undo preview: %v %s", err, out)
	}
	if out, err := loket("price", "undo", "--id=1", "--yes"); err != nil || !strings.Contains(out, `"undoes":1`) || !strings.Contains(out, "loket price undo --id 2 restores them") {
		t.Fatalf("price undo: %v %s", err, out)
	}
	if out, err := loket("price", "undo", "--id=1", "--yes"); err == nil || !strings.Contains(err.Error(), "HSA5 (now 5400)") {
		t.Fatalf("undoing a set twice: %v %s", err, out)
	}
	// The default rounding gives whole hundreds, up: 5000 (the route at priority 1)
	// + 1% = 5050 -> 5100.
	if out, err := loket("markup", "set", "--scope=all", "--percent=1", "--yes"); err != nil || !strings.Contains(out, `{"product":"HSA5","old":5400,"new":5100}`) {
		t.Fatalf("markup set with the default rounding: %v %s", err, out)
	}
	// Prices are not money: the ledger stays as it was.
	if out, err := loket("ledger", "verify"); err != nil {
		t.Fatalf("ledger verify after price changes: %v %s", err, out)
	}
	if out, err := loket("price", "history", "--limit=1"); err != nil || !strings.Contains(out, `round 100`) || strings.Count(out, "\n") != 1 {
		t.Fatalf("price history --limit=1: %v %s", err, out)
	}
}

// TestMarkupNumbers: a rule of scope numbers is set, listed and deleted from the
// command line; its code is a service's. (No catalog sync ran: the price list has no
// routes, so no price moves; internal/catalog's TestVNMarkupRules reprices.)
func TestMarkupNumbers(t *testing.T) {
	loket := migrated(t)
	if out, err := loket("catalog", "import", "../../internal/catalog/demo.yaml"); err != nil {
		t.Fatalf("import: %v %s", err, out)
	}
	if out, err := loket("markup", "set", "--scope=numbers", "--percent=25", "--yes"); err != nil || !strings.Contains(out, `"applied":true`) ||
		!strings.Contains(out, `"covered":2`) {
		t.Fatalf("markup set --scope numbers: %v %s", err, out)
	}
	if out, err := loket("markup", "set", "--scope=numbers", "--code=86", "--percent=5", "--yes"); err != nil || !strings.Contains(out, `"covered":1`) {
		t.Fatalf("markup set --scope numbers --code 86: %v %s", err, out)
	}
	if out, err := loket("markup", "list"); err != nil || !strings.Contains(out, `"scope":"numbers","markup_bp":2500`) ||
		!strings.Contains(out, `"scope":"numbers","scope_code":"86","markup_bp":500`) {
		t.Fatalf("markup list: %v %s", err, out)
	}
	for _, bad := range [][]string{
		{"markup", "set", "--scope=numbers", "--code=whatsapp"},
		{"markup", "set", "--scope=numbers", "--code=999"},
		{"markup", "delete", "--scope=numbers", "--code=14"},
	} {
		if out, err := loket(bad...); err == nil {
			t.Errorf("%v accepted: %s", bad, out)
		}
	}
	if out, err := loket("markup", "delete", "--scope=numbers", "--code=86", "--yes"); err != nil || !strings.Contains(out, `"applied":true`) {
		t.Fatalf("markup delete: %v %s", err, out)
	}
}

func TestBasisPoints(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "5": 500, "2.5": 250, "0.25": 25, "10%": 1000, ".5": 50, "100": 10000} {
		if got, err := basisPoints(in); err != nil || got != want {
			t.Errorf("basisPoints(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"-1", "abc", "1.234", "1e3", ""} {
		if got, err := basisPoints(in); err == nil && in != "" {
			t.Errorf("basisPoints(%q) = %d, want an error", in, got)
		}
	}
}
