package web_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/loket/loket/internal/chat"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// The reseller's Chat page sets the transaction PIN (confirmed by the account's
// password), makes a link code and lists and unlinks the linked chats; the operator's
// page saves the alert settings, broadcasts, and unlinks any chat.
func TestChatPages(t *testing.T) {
	s := loketest.Start(t, "sqlite")
	ctx := context.Background()
	res := addReseller(t, s, 50_000, "rahasia-r")
	b := newBrowser(t, s)
	b.login("reseller", res.Username, "rahasia-r")
	st, body := b.get("/app/chat")
	must(t, st, body, 200, "Atur PIN transaksi dulu.", `id="chat-help"`, "KODE.TUJUAN.PIN")
	st, body = b.post("/app/chat/pin", url.Values{"pin": {"1234"}, "pin2": {"1243"}, "password": {"rahasia-r"}})
	must(t, st, body, 200, "Kedua PIN tidak sama.")
	st, body = b.post("/app/chat/pin", url.Values{"pin": {"1234"}, "pin2": {"1234"}, "password": {"salah"}})
	must(t, st, body, 200, "Password akun salah.")
	st, body = b.post("/app/chat/pin", url.Values{"pin": {"12"}, "pin2": {"12"}, "password": {"rahasia-r"}})
	must(t, st, body, 200, "PIN harus 4 sampai 6 angka.")
	st, body = b.post("/app/chat/pin", url.Values{"pin": {"123456"}, "pin2": {"123456"}, "password": {"rahasia-r"}})
	must(t, st, body, 200, "PIN transaksi disimpan.", "Buat kode")
	st, body = b.post("/app/chat/link", url.Values{})
	must(t, st, body, 200, `id="link-code"`)
	code := regexp1(t, body, `id="link-code">LINK ([A-Z0-9]{4}-[A-Z0-9]{4})<`)

	// The chat sends the code (as a channel delivers it) and shows up on both pages.
	if err := s.Core.Chat.Deliver(ctx, chat.Message{Channel: "telegram", ID: "77:1", From: "77", Name: "Kasir Toko", Text: "LINK " + code}); err != nil {
		t.Fatal(err)
	}
	st, body = b.get("/app/chat")
	must(t, st, body, 200, "<td>telegram</td><td>77</td><td>Kasir Toko</td>")
	addAdmin(t, s, "boss", "rahasia-boss")
	op := newBrowser(t, s)
	op.login("admin", "boss", "rahasia-boss")
	st, body = op.get("/admin/chat")
	must(t, st, body, 200, `id="broadcast"`, "Kasir Toko", `name="alert_stuck" value="1" checked`)
	st, body = op.post("/admin/chat/settings", url.Values{"contact": {"@TokoBot"}, "operators": {"telegram:999, xmpp:boss@example.com"}, "alert_stuck": {"1"}})
	must(t, st, body, 200, "Tersimpan.", `value="telegram:999, xmpp:boss@example.com"`, `name="alert_low_balance" value="1" >`)
	st, body = op.post("/admin/chat/settings", url.Values{"operators": {"whatsapp:0812"}})
	must(t, st, body, 200, "Tulis chat operator sebagai telegram:ID atau xmpp:JID")
	st, body = op.post("/admin/chat/broadcast", url.Values{"text": {"Server maintenance jam 23.00 WIB"}})
	must(t, st, body, 200, "Pengumuman dikirim ke 1 chat.")
	st, body = op.get("/admin/resellers/" + itoa(res.ID))
	must(t, st, body, 200, `id="reseller-chats"`, "Kasir Toko")
	st, body = b.get("/app/chat")
	must(t, st, body, 200, "Kirim pesan ke: @TokoBot.")
	accounts, err := s.Core.Chat.Accounts(ctx, res.ID)
	if err != nil || len(accounts) != 1 {
		t.Fatalf("accounts %+v %v", accounts, err)
	}
	st, body = op.post("/admin/chat/unlink", url.Values{"account": {itoa(accounts[0].ID)}, "back": {"/admin/resellers/" + itoa(res.ID)}})
	must(t, st, body, 200, "Chat dilepas dari akun.", `id="reseller-chats"`)
	if a, _ := s.Core.Chat.Accounts(ctx, res.ID); len(a) != 0 {
		t.Fatalf("still linked: %+v", a)
	}
	if code := loket.ErrorCode(s.Core.Chat.Unlink(ctx, res.ID, accounts[0].ID)); code != loket.ENOTFOUND {
		t.Fatalf("unlinking twice: %s", code)
	}
}
