package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loket/loket/internal/loket"
)

// The operator's network commands: the limits printed and set (amounts as people
// write them), the tree with each reseller's upline, and balance moved down and back
// within a network on the upline's behalf, once per key.
func TestNetworkCommands(t *testing.T) {
	url := "sqlite:" + filepath.Join(t.TempDir(), "l.db")
	t.Setenv("LOKET_DATABASE_URL", url)
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(args, &out)
		return out.String(), err
	}
	if _, err := cli("reseller", "create", "--username", "induk", "--balance", "100.000"); err != nil {
		t.Fatal(err)
	}
	if out, err := cli("network", "limits"); err != nil || out != `{"max_depth":3,"max_markup_bp":5000,"max_markup_flat":10000}`+"\n" {
		t.Fatalf("network limits: %q %v", out, err)
	}
	out, err := cli("network", "limits", "--max-depth", "2", "--max-markup-percent", "12.5", "--max-markup-flat", "Rp 2.500")
	if err != nil || out != `{"max_depth":2,"max_markup_bp":1250,"max_markup_flat":2500}`+"\n" {
		t.Fatalf("network limits set: %q %v", out, err)
	}
	if out, err := cli("network", "limits", "--max-depth", "1"); err != nil || out != `{"max_depth":1,"max_markup_bp":1250,"max_markup_flat":2500}`+"\n" {
		t.Fatalf("network limits, one of them: %q %v", out, err)
	}
	if _, err := cli("network", "limits", "--max-depth", "99"); err == nil || !strings.Contains(errMessage(err), "between 0 and 20") {
		t.Fatalf("a depth too deep: %v", err)
	}
	if _, err := cli("network", "limits", "--max-markup-percent", "lots"); err == nil || !strings.Contains(errMessage(err), "network limits: --max-markup-percent") {
		t.Fatalf("a bad percent: %v", err)
	}

	// A downline of induk, made as its dashboard would.
	ctx := context.Background()
	db, core := testCore(t, url)
	induk, err := db.Reseller(ctx, 0, "induk")
	if err != nil {
		t.Fatal(err)
	}
	ra, err := core.Resellers.AuthByID(ctx, induk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := core.Network.CreateDownline(ctx, ra, loket.NewDownline{Username: "agen", MarkupBP: 1000, MarkupFlat: 100}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli("reseller", "create", "--username", "lain"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	if out, err := cli("network", "tree"); err != nil || !strings.Contains(out, `"username":"agen"`) || !strings.Contains(out, `"depth":1`) ||
		!strings.Contains(out, `"upline":"induk"`) || !strings.Contains(out, `"markup_bp":1000`) {
		t.Fatalf("network tree: %q %v", out, err)
	}
	out, err = cli("network", "tree", "--format", "table")
	if err != nil || !strings.HasPrefix(out, "ID ") || !strings.Contains(out, "UPLINE") || len(strings.Split(strings.TrimSpace(out), "\n")) != 4 {
		t.Fatalf("network tree as a table: %q %v", out, err)
	}

	for range 2 { // the same key moves once
		out, err := cli("network", "move", "--from", "induk", "--to", "agen", "--amount", "Rp 30.000", "--key", "modal", "--note", "modal awal")
		if err != nil || out != `{"from":"induk","balance":70000,"to":"agen","downline_balance":30000}`+"\n" {
			t.Fatalf("network move: %q %v", out, err)
		}
	}
	out, err = cli("network", "move", "--from", "induk", "--to", "agen", "--amount", "5.000", "--key", "balik", "--up")
	if err != nil || out != `{"from":"induk","balance":75000,"to":"agen","downline_balance":25000}`+"\n" {
		t.Fatalf("network move --up: %q %v", out, err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", "induk", "--to", "agen", "--amount", "999.999", "--key", "k1", "--up"}, "insufficient balance"},
		{[]string{"--from", "lain", "--to", "agen", "--amount", "1000", "--key", "k2"}, "not your downline"},
		{[]string{"--from", "agen", "--to", "induk", "--amount", "1000", "--key", "k3"}, "not your downline"},
		{[]string{"--from", "induk", "--to", "agen", "--amount", "0", "--key", "k4"}, "--amount must be between 1"},
		{[]string{"--from", "induk", "--to", "agen", "--amount", "1000"}, "--key is required"},
	} {
		if _, err := cli(append([]string{"network", "move"}, tc.args...)...); err == nil || !strings.Contains(errMessage(err), tc.want) {
			t.Errorf("network move %v: %v, want %q", tc.args, err, tc.want)
		}
	}
	if out, err := cli("network", "tree"); err != nil || !strings.Contains(out, `"balance":25000`) {
		t.Fatalf("network tree after the moves: %q %v", out, err)
	}
}
