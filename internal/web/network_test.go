package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// The reseller's Jaringan page creates a downline with an opening balance, moves
// balance down once per form (a re-post moves nothing more), refuses taking back more
// than the downline has, sets its markup and suspends it; the operator's page sets
// the network's limits and shows the tree.
func TestNetworkPages(t *testing.T) {
	s := loketest.Start(t, "sqlite")
	ctx := context.Background()
	master := addReseller(t, s, 100_000, "rahasia-m")
	b := newBrowser(t, s)
	b.login("reseller", master.Username, "rahasia-m")
	st, body := b.get("/app/network")
	must(t, st, body, 200, `id="network-help"`, "Belum ada downline.", `id="new-downline"`, "saldo profit Anda")

	// Created with an opening balance moved from the upline's; its keys shown once.
	st, body = b.post("/app/network", url.Values{"username": {"agen1"}, "name": {"Agen Satu"}, "password": {"rahasia-agen"},
		"percent": {"2,5"}, "flat": {"100"}, "opening": {"20.000"}})
	must(t, st, body, 200, "Downline dibuat.", `id="api-key"`, `id="secret-key"`, "agen1", "2,5% + Rp 100", "Rp 20.000")
	agen, err := s.DB.Reseller(ctx, 0, "agen1")
	if err != nil {
		t.Fatal(err)
	}
	if got := loketest.Balance(t, s, master.ID); got != 80_000 {
		t.Fatalf("upline's balance %d, want 80000", got)
	}
	if got := loketest.Balance(t, s, agen.ID); got != 20_000 {
		t.Fatalf("downline's balance %d, want 20000", got)
	}
	st, body = b.post("/app/network", url.Values{"username": {"agen2"}, "password": {"rahasia-agen"}, "opening": {"500.000"}})
	must(t, st, body, 200, `class="flash err"`, "Saldo tidak cukup")

	// A move down, and the same form posted again: it moves once.
	st, body = b.get("/app/network")
	must(t, st, body, 200, `id="move"`, `id="markup"`)
	id := itoa(agen.ID)
	move := url.Values{"id": {id}, "direction": {"down"}, "amount": {"Rp 5.000"}, "note": {"modal"}, "key": {regexp1(t, body, `name="key" value="([^"]+)"`)}}
	st, body = b.post("/app/network/move", move)
	must(t, st, body, 200, "Rp 5.000 dipindahkan ke downline.")
	st, body = b.post("/app/network/move", move)
	must(t, st, body, 200)
	if got := loketest.Balance(t, s, agen.ID); got != 25_000 {
		t.Fatalf("after a move re-posted: downline's balance %d, want 25000", got)
	}
	// Taking back more than it has is refused, in Indonesian; some of it is not.
	st, body = b.post("/app/network/move", url.Values{"id": {id}, "direction": {"up"}, "amount": {"999.999"}, "key": {"WEBBIG"}})
	must(t, st, body, 200, `class="flash err"`, "Saldo tidak cukup")
	st, body = b.post("/app/network/move", url.Values{"id": {id}, "direction": {"up"}, "amount": {"3000"}, "key": {"WEBBACK"}})
	must(t, st, body, 200, "Rp 3.000 ditarik kembali dari downline.")
	if got, up := loketest.Balance(t, s, agen.ID), loketest.Balance(t, s, master.ID); got != 22_000 || up != 78_000 {
		t.Fatalf("balances %d (downline), %d (upline); want 22000, 78000", got, up)
	}
	// Another reseller's downline is not this one's to move.
	other := addReseller(t, s, 0, "rahasia-o")
	st, body = b.post("/app/network/move", url.Values{"id": {itoa(other.ID)}, "amount": {"1000"}, "key": {"WEBX"}})
	must(t, st, body, 200, `class="flash err"`, "tidak ditemukan")

	// Markups: over everything, and one product; over the operator's limit refused.
	st, body = b.post("/app/network/markup", url.Values{"id": {id}, "scope": {"all"}, "percent": {"3"}, "flat": {"0"}})
	must(t, st, body, 200, "Markup disimpan.", "3% + Rp 0")
	st, body = b.post("/app/network/markup", url.Values{"id": {id}, "scope": {"product"}, "code": {"HSA5"}, "percent": {"1,5"}, "flat": {"50"}})
	must(t, st, body, 200, "Markup disimpan.")
	st, body = b.post("/app/network/markup", url.Values{"id": {id}, "scope": {"all"}, "percent": {"90"}})
	must(t, st, body, 200, `class="flash err"`, "tidak valid")
	// Listed with a delete button; deleting it takes it off; another's is not found.
	st, body = b.get("/app/network")
	must(t, st, body, 200, `id="markups"`, `id="markup-`+id+`-product-HSA5"`, "1,5% + Rp 50", `action="/app/network/markup/delete"`)
	st, body = b.post("/app/network/markup/delete", url.Values{"id": {itoa(other.ID)}, "scope": {"product"}, "code": {"HSA5"}})
	must(t, st, body, 200, `class="flash err"`, "tidak ditemukan")
	st, body = b.post("/app/network/markup/delete", url.Values{"id": {id}, "scope": {"product"}, "code": {"HSA5"}})
	must(t, st, body, 200, "Markup dihapus.")
	if strings.Contains(body, `id="markups"`) {
		t.Fatal("the deleted markup is still listed")
	}

	// Suspended, then reactivated.
	st, body = b.post("/app/network/status", url.Values{"id": {id}, "status": {"suspended"}})
	must(t, st, body, 200, "Downline ditangguhkan.", "Aktifkan kembali")
	if r, _ := s.DB.Reseller(ctx, agen.ID, ""); r.Status != loket.ResellerSuspended {
		t.Fatalf("status %s, want suspended", r.Status)
	}
	st, body = b.post("/app/network/status", url.Values{"id": {id}, "status": {"active"}})
	must(t, st, body, 200, "Downline diaktifkan kembali.")
	st, body = b.get("/lang/en?back=/app/network")
	must(t, st, body, 200, "A downline pays your price plus your markup", "Move balance", "Take back")
	b.get("/lang/id?back=/app/network")

	// The operator: the limits, and the tree.
	addAdmin(t, s, "boss", "rahasia-boss")
	op := newBrowser(t, s)
	op.login("admin", "boss", "rahasia-boss")
	st, body = op.get("/admin/network")
	must(t, st, body, 200, `id="network-tree"`, `href="/admin/resellers/`+id+`">agen1</a>`, `id="network-limits"`, `value="50%"`)
	if !strings.Contains(body, `<td class="n">1</td>`) {
		t.Fatalf("the tree lacks agen1's level:\n%.3000s", body)
	}
	st, body = op.post("/admin/network/limits", url.Values{"max_depth": {"1"}, "max_percent": {"10"}, "max_flat": {"Rp 2.000"}})
	must(t, st, body, 200, "Tersimpan.", `value="10%"`, `value="2000"`)
	l, err := s.Core.Network.Limits(ctx)
	if err != nil || l != (loket.NetworkLimits{MaxDepth: 1, MaxMarkupBP: 1000, MaxMarkupFlat: 2000}) {
		t.Fatalf("limits %+v %v", l, err)
	}
	st, body = op.post("/admin/network/limits", url.Values{"max_depth": {"99"}, "max_percent": {"10"}, "max_flat": {"0"}})
	must(t, st, body, 200, `class="flash err"`)
	st, body = op.get("/admin/resellers/" + id)
	must(t, st, body, 200, `id="upline"><a href="/admin/resellers/`+itoa(master.ID)+`">`)
	st, body = op.get("/admin/resellers/" + itoa(master.ID))
	must(t, st, body, 200, `id="downline-count"><a href="/admin/network">1</a>`)

	// Within the new limits: 10% is too much now; depth 1 lets agen1 make none.
	st, body = b.post("/app/network/markup", url.Values{"id": {id}, "scope": {"all"}, "percent": {"12"}})
	must(t, st, body, 200, `class="flash err"`)
	ab := newBrowser(t, s)
	st, body = ab.login("reseller", "agen1", "rahasia-agen")
	must(t, st, body, 200, "Rp 22.000")
	ab.get("/app/network")
	st, body = ab.post("/app/network", url.Values{"username": {"subagen"}, "password": {"rahasia-sub"}})
	must(t, st, body, 200, `class="flash err"`, "Batas kedalaman jaringan dari operator sudah tercapai")
	loketest.VerifyLedger(t, s)
}
