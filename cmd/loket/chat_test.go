package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loket/loket/internal/chat"
	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
)

// The operator's chat commands: list the linked chats, broadcast to them (queued for
// the running server's channels) and unlink one.
func TestChatCommands(t *testing.T) {
	url := "sqlite:" + filepath.Join(t.TempDir(), "l.db")
	t.Setenv("LOKET_DATABASE_URL", url)
	loket := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(args, &out)
		return out.String(), err
	}
	if _, err := loket("reseller", "create", "--username", "sari"); err != nil {
		t.Fatal(err)
	}
	// Link a chat through the services, as a Telegram message would.
	ctx := context.Background()
	db, core := testCore(t, url)
	sari, err := db.Reseller(ctx, 0, "sari")
	if err != nil {
		t.Fatal(err)
	}
	if err := core.Chat.SetPIN(ctx, sari.ID, "2468"); err != nil {
		t.Fatal(err)
	}
	link, err := core.Chat.NewLink(ctx, sari.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := core.Chat.Deliver(ctx, chat.Message{Channel: "telegram", ID: "5:1", From: "5", Name: "Sari", Text: "LINK " + link.Code}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	out, err := loket("chat", "accounts", "--username", "sari")
	if err != nil || !strings.Contains(out, `"channel":"telegram"`) || !strings.Contains(out, `"address":"5"`) {
		t.Fatalf("chat accounts: %q %v", out, err)
	}
	if out, err := loket("chat", "broadcast", "--text", "Libur\\nbesok"); err != nil || out != "queued to 1 chats\n" {
		t.Fatalf("chat broadcast: %q %v", out, err)
	}
	if _, err := loket("chat", "broadcast"); err == nil {
		t.Fatal("a broadcast without text")
	}
	id := out[strings.Index(out, `"id":`)+5 : strings.Index(out, `,`)]
	if out, err := loket("chat", "unlink", "--id", id); err != nil || !strings.Contains(out, "unlinked chat "+id) {
		t.Fatalf("chat unlink: %q %v", out, err)
	}
	if _, err := loket("chat", "unlink", "--id", id); err == nil {
		t.Fatal("unlinked twice")
	}
}

// testCore opens the database at url with the domain services on it, as the commands
// do, for a test to set up what no command makes; close the database before running
// commands again.
func testCore(t *testing.T, url string) (*store.DB, *server.Core) {
	t.Helper()
	db, err := store.Open(url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := config.Load("loket", nil)
	if err != nil {
		t.Fatal(err)
	}
	core, err := server.NewCore(context.Background(), db, loketest.Log(), metrics.NewRegistry(), cfg)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	return db, core
}
