package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

// chromium finds a Chromium or Chrome binary: LOKET_CHROMIUM, else the usual names.
func chromium() string {
	if p := os.Getenv("LOKET_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// startDemo runs a server as `loket demo` does, with the simulated QRIS payment source
// (POST /sim/orderkuota/pay) that the deposit matcher polls.
func startDemo(t *testing.T) *server.Server {
	t.Helper()
	cfg, _, err := config.Load("loket", []string{"--addr=127.0.0.1:0", "--database-url=" + storetest.URL(t, "sqlite"),
		"--sim-delay=" + loketest.SimDelay.String(), "--allow-private-webhooks=1", "--supplier-timeout=300ms"})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Demo = true
	s, err := server.Start(context.Background(), cfg, loketest.Log(), nil, func(ctx context.Context, db *store.DB) error {
		_, err := catalog.LoadDemo(ctx, db)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Close(ctx)
	})
	return s
}

// TestBrowser drives the dashboards in headless Chromium at a phone's size: an
// operator signs in, creates a reseller and credits it; the reseller signs in, buys a
// product and sees it succeed, opens a QRIS deposit and sees it paid after the
// simulated payment. Screenshots of the main pages go to LOKET_SCREENSHOTS (default a
// temporary directory).
func TestBrowser(t *testing.T) {
	bin := chromium()
	if bin == "" {
		t.Skip("no Chromium found (apt-get install chromium, or set LOKET_CHROMIUM): skipping the browser test")
	}
	began := time.Now()
	shots := os.Getenv("LOKET_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	s := startDemo(t)
	loketest.SetupPayments(t, s)
	addAdmin(t, s, "operator", "rahasia-operator")

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(412, 915))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 180*time.Second)
	defer cancelT()
	// Accept every confirm() of a destructive action, as the person would.
	chromedp.ListenTarget(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			go chromedp.Run(ctx, page.HandleJavaScriptDialog(true))
		}
	})

	n := 0
	// shot saves a screenshot of the page, after checking that it does not scroll
	// sideways: every page fits the viewport, a phone's included.
	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var over string
			if err := chromedp.Evaluate(overflowJS, &over).Do(ctx); err != nil {
				return err
			}
			if over != "" {
				return fmt.Errorf("%s scrolls sideways: %s", name, over)
			}
			var buf []byte // quality 100: PNG
			if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
				return err
			}
			n++
			return os.WriteFile(filepath.Join(shots, fmt.Sprintf("%02d-%s.png", n, name)), buf, 0o644)
		})
	}
	run := func(step string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			var loc, html string
			chromedp.Run(ctx, chromedp.Location(&loc), chromedp.OuterHTML("main", &html, chromedp.ByQuery))
			t.Fatalf("%s: %v\nat %s:\n%.3000s", step, err, loc, html)
		}
	}
	// waitJS waits until expr is true, across the page loads a submit or a poll's
	// reload makes (a query during one fails; it is asked again).
	waitJS := func(expr string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			deadline := time.Now().Add(20 * time.Second)
			for {
				var ok bool
				err := chromedp.Evaluate(expr, &ok).Do(ctx)
				if err == nil && ok {
					return nil
				}
				if time.Now().After(deadline) {
					return fmt.Errorf("still not true after 20s: %s (%v)", expr, err)
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
	waitText := func(sel, want string) chromedp.Action {
		return waitJS(fmt.Sprintf(`(document.querySelector(%q)||{}).textContent === %q`, sel, want))
	}
	waitFor := func(sel string) chromedp.Action {
		return waitJS(fmt.Sprintf(`document.querySelector(%q) !== null`, sel))
	}
	signIn := func(as, user, password string) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.Navigate(s.URL + "/login"),
			chromedp.Click(`input[name=as][value=`+as+`]`, chromedp.ByQuery),
			chromedp.SendKeys("#u", user, chromedp.ByQuery),
			chromedp.SendKeys("#p", password, chromedp.ByQuery),
		}
	}
	submit := func(form string) chromedp.Action {
		return chromedp.Submit(form+` button[type=submit]`, chromedp.ByQuery)
	}
	signOut := chromedp.Tasks{chromedp.Click(`form.logout button`, chromedp.ByQuery), waitFor("#u")}

	// A phone's viewport (headless windows are at least 500 pixels wide).
	run("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	// The operator signs in, creates a reseller and credits it.
	run("operator signs in", signIn("admin", "operator", "rahasia-operator"), shot("login"),
		submit(`form[action="/login"]`), waitFor(".stats"))
	run("operator creates a reseller", chromedp.Navigate(s.URL+"/admin/resellers"),
		chromedp.SendKeys("#nu", "budi", chromedp.ByQuery), chromedp.SendKeys("#np", "rahasia-budi", chromedp.ByQuery),
		chromedp.SendKeys("#nn", "Budi Pulsa", chromedp.ByQuery), shot("admin-resellers"),
		submit("#new-reseller"), waitFor("#api-key"), shot("admin-reseller-keys"))
	run("operator credits the reseller", chromedp.Click(`a.button`, chromedp.ByQuery), waitFor("#credit"),
		chromedp.SendKeys("#amount", "100000", chromedp.ByQuery), chromedp.SendKeys("#note", "setoran awal", chromedp.ByQuery),
		submit("#credit"), waitText("#balance", "Rp 100.000"), shot("admin-reseller-credited"), signOut)

	// The reseller signs in and buys pulsa: brand, then its form, then the product.
	budi, err := s.DB.Reseller(context.Background(), 0, "budi")
	if err != nil {
		t.Fatal(err)
	}
	hsa5, err := s.Core.Catalog.Product("HSA5", budi.Level)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v: the operator's part done", time.Since(began).Round(time.Millisecond))
	run("reseller signs in", signIn("reseller", "budi", "rahasia-budi"), submit(`form[action="/login"]`),
		waitText("#balance", "Rp 100.000"), shot("app-home"))
	run("reseller orders", chromedp.Navigate(s.URL+"/app/order"),
		waitFor("#brand"), // choosing a brand submits the select's form (app.js)
		waitJS(fmt.Sprintf(`(() => { const s = document.querySelector('#brand'); if (!s) return false;
			s.value = %q; s.dispatchEvent(new Event('change')); return true })()`, hsa5.Brand)),
		waitFor("#order-form"),
		chromedp.SendKeys("#target", "081234567893", chromedp.ByQuery), // 3: pending, then success
		chromedp.SetValue("#product", "HSA5", chromedp.ByQuery), shot("app-order-form"),
		submit("#order-form"), waitFor("#order-status"), shot("app-order-pending"),
		waitText("#order-status", "Sukses"), shot("app-order-success"))

	t.Logf("%v: the order done", time.Since(began).Round(time.Millisecond))
	// A QRIS deposit: the QR with its countdown, paid through the simulated source.
	var total, depositURL string
	run("reseller opens a deposit", chromedp.Navigate(s.URL+"/app/deposit"),
		chromedp.SendKeys("#amount", "50000", chromedp.ByQuery), submit("#deposit-form"),
		waitFor("#deposit-total"), chromedp.Text("#deposit-total", &total, chromedp.ByQuery), chromedp.Location(&depositURL),
		waitJS(`document.querySelector('img.qr').complete && document.querySelector('img.qr').naturalWidth > 0`),
		shot("app-deposit-qr"))
	amount, err := strconv.ParseInt(strings.NewReplacer("Rp", "", ".", "", " ", "").Replace(total), 10, 64)
	if err != nil || amount < 50_001 || amount > 50_999 {
		t.Fatalf("deposit total %q", total)
	}
	resp, err := http.Post(s.URL+server.SimPath+"/pay", "application/json", strings.NewReader(fmt.Sprintf(`{"amount":%d,"brand_name":"DANA"}`, amount)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("simulated payment: %s", resp.Status)
	}
	run("the deposit is paid", waitFor("#deposit-paid"), shot("app-deposit-paid"))
	t.Logf("%v: the deposit paid", time.Since(began).Round(time.Millisecond))
	want := 100_000 - hsa5.Price + 50_000
	run("the balance shows it", chromedp.Navigate(s.URL+"/app"), waitText("#balance", rupiahText(int64(want))), shot("app-home-after"),
		chromedp.Navigate(s.URL+"/app/ledger"), waitFor("table"), shot("app-ledger"),
		chromedp.Navigate(s.URL+"/app/orders"), waitFor("table"), shot("app-orders"),
		chromedp.Navigate(s.URL+"/app/keys"), waitFor("#ip"), shot("app-keys"),
		signOut)
	if got := loketest.Balance(t, s, budi.ID); got != want {
		t.Fatalf("balance %d, want %d", got, want)
	}

	// Bills, PLN tokens and receipts, at a phone's width and a desk's.
	if _, err := s.Core.Resellers.Credit(context.Background(), budi.ID, 1_000_000, "untuk tagihan", "browser-bills"); err != nil {
		t.Fatal(err)
	}
	var billURL, orderURL, sn, tokenURL string
	run("reseller checks a bill", signIn("reseller", "budi", "rahasia-budi"), submit(`form[action="/login"]`), waitFor("#balance"),
		chromedp.Navigate(s.URL+"/app/bills"), waitFor("#bill-form"),
		chromedp.SetValue("#product", "pln", chromedp.ByQuery),
		chromedp.SendKeys("#customer_no", "530000000003", chromedp.ByQuery), // 3: no bill
		submit("#bill-form"), waitFor(".flash.err"), shot("app-bills-no-bill"),
		chromedp.SetValue("#customer_no", "530000000001", chromedp.ByQuery),
		shot("app-bills"), submit("#bill-form"), waitFor("#pay-form"), chromedp.Location(&billURL), shot("app-bill"))
	run("reseller pays the bill", submit("#pay-form"), waitFor("#order-status"), // the confirm() is accepted
		waitText("#order-status", "Sukses"), waitJS(`document.querySelector('#order-sn').textContent.length >= 16`),
		chromedp.Text("#order-sn", &sn, chromedp.ByQuery), chromedp.Location(&orderURL), shot("app-bill-paid"),
		chromedp.Click("#receipt-link", chromedp.ByQuery), waitFor("#receipt"),
		waitJS(fmt.Sprintf(`document.querySelector('#receipt').textContent.includes(%q)`, sn)), shot("app-bill-receipt"))
	run("reseller checks a meter and buys a token", chromedp.Navigate(s.URL+"/app/order?brand=PLN"), waitFor("#meter-form"),
		chromedp.SendKeys("#target", "530000000001", chromedp.ByQuery), submit("#meter-form"), waitFor("#meter-name"),
		chromedp.SetValue("#product", "PLN20", chromedp.ByQuery), shot("app-order-pln-meter"),
		submit("#order-form"), waitFor("#order-status"), waitText("#order-status", "Sukses"), waitFor("#order-token"),
		chromedp.Location(&tokenURL), shot("app-order-pln-token"))
	run("the token's receipt and the meter check", chromedp.Navigate(tokenURL+"/struk"), waitFor("#receipt"), shot("app-pln-receipt"),
		chromedp.Navigate(s.URL+"/app/pln?customer_no=530000000001"), waitFor("#meter-name"), shot("app-pln-check"))
	t.Logf("%v: the bill paid and the token bought", time.Since(began).Round(time.Millisecond))
	desk := chromedp.Tasks{chromedp.EmulateViewport(1366, 900)}
	for _, p := range []struct{ name, url, sel string }{
		{"bills", s.URL + "/app/bills", "#bill-form"},
		{"bill", billURL, "#pay-form"},
		{"bill-paid", orderURL, "#order-sn"},
		{"bill-receipt", orderURL + "/struk", "#receipt"},
		{"order-pln-meter", s.URL + "/app/order?brand=PLN&target=530000000001", "#meter-name"},
		{"pln-receipt", tokenURL + "/struk", "#receipt"},
		{"orders", s.URL + "/app/orders", "table"},
		{"pln-check", s.URL + "/app/pln?customer_no=530000000001", "#meter-name"},
		{"bill-en", s.URL + "/lang/en?back=" + url.QueryEscape(strings.TrimPrefix(billURL, s.URL)), "#pay-form"},
	} {
		desk = append(desk, chromedp.Navigate(p.url), waitFor(p.sel), shot("desk-app-"+p.name))
	}
	run("the new pages at a desk's width", desk, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Reload(), waitFor("#pay-form"), shot("app-bill-en"), chromedp.Navigate(s.URL+"/lang/id?back=/app"), waitFor("#balance"),
		signOut)

	// The operator's main pages, with the order and the deposit in them.
	run("operator pages", signIn("admin", "operator", "rahasia-operator"), submit(`form[action="/login"]`),
		waitFor(".chart"), shot("admin-overview"),
		chromedp.Navigate(s.URL+"/admin/orders"), waitFor("table"), shot("admin-orders"),
		chromedp.Click(`table a[href^="/admin/orders/"]`, chromedp.ByQuery), waitFor("dl"), shot("admin-order"),
		chromedp.Navigate(s.URL+"/admin/catalog"), waitFor("#products"), shot("admin-catalog"),
		chromedp.Navigate(s.URL+"/admin/suppliers"), waitFor("section.card"), shot("admin-suppliers"),
		chromedp.Navigate(s.URL+"/admin/deposits"), waitFor("table"), shot("admin-deposits"),
		chromedp.Navigate(s.URL+"/admin/settings"), waitFor("#q"), shot("admin-settings"),
		chromedp.Navigate(s.URL+"/admin/reports"), waitFor("svg.chart"), shot("admin-reports"),
		chromedp.Navigate(s.URL+"/admin/reports?by=product"), waitFor("table.report"), shot("admin-reports-product"),
		chromedp.Navigate(s.URL+"/admin/orders?target=530000000001"), waitFor("table"),
		chromedp.Click(`table a[href^="/admin/orders/"]`, chromedp.ByQuery), waitFor("dl"), shot("admin-order-token"),
		chromedp.Navigate(s.URL+"/admin/orders/"+path.Base(orderURL)), waitFor("#admin-bill"), shot("admin-order-bill"),
		chromedp.EmulateViewport(1366, 900), chromedp.Reload(), waitFor("#admin-bill"), shot("desk-admin-order-bill"),
		chromedp.Navigate(s.URL+"/admin"), waitFor(".chart"), shot("desk-admin-overview"),
		chromedp.Navigate(s.URL+"/admin/reports"), waitFor("svg.chart"), shot("desk-admin-reports"),
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(s.URL+"/lang/en?back=/admin"), waitFor(".chart"), shot("admin-overview-en"),
		chromedp.Navigate(s.URL+"/lang/id?back=/admin"), waitFor(".chart"))

	// Every page, at a phone's width and a desk's: none scrolls sideways, not even
	// inside a box (a table cut off behind a scrollbar counts), and each is kept as a
	// screenshot. A price change is made first, so the price history has a line.
	if _, err := s.Core.Catalog.SetMarkupRule(context.Background(), loket.MarkupRule{Scope: loket.ScopeProduct, ScopeCode: "HSA10", MarkupBP: 100, RoundTo: 100}, true); err != nil {
		t.Fatal(err)
	}
	// A downline of budi, so the network pages have rows.
	budiAuth, err := s.Core.Resellers.AuthByID(context.Background(), budi.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Core.Network.CreateDownline(context.Background(), budiAuth, loket.NewDownline{Username: "agen-budi",
		Name: "Agen Budi Pulsa Sejahtera Abadi", Password: "rahasia-agen", MarkupBP: 250, MarkupFlat: 100, Opening: 10_000}); err != nil {
		t.Fatal(err)
	}
	tokenID := path.Base(tokenURL)
	tour := func(who string, pages []struct{ name, url, sel string }) {
		t.Helper()
		for _, width := range []struct {
			name string
			set  chromedp.Action
		}{{"phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)}, {"desk", chromedp.EmulateViewport(1366, 900)}} {
			tasks := chromedp.Tasks{width.set}
			for _, p := range pages {
				tasks = append(tasks, chromedp.Navigate(s.URL+p.url), waitFor(p.sel), shot("tour-"+width.name+"-"+who+"-"+p.name))
			}
			run(who+" pages at "+width.name+" width", tasks)
		}
	}
	tour("admin", []struct{ name, url, sel string }{
		{"overview", "/admin", ".chart"},
		{"orders", "/admin/orders", "table"},
		{"order", "/admin/orders/" + tokenID, "dl"},
		{"resellers", "/admin/resellers", "#new-reseller"},
		{"reseller", "/admin/resellers/" + strconv.FormatInt(budi.ID, 10), "#credit"},
		{"network", "/admin/network", "#network-tree"},
		{"catalog", "/admin/catalog", "#products"},
		{"prices", "/admin/prices", "#price-history"},
		{"suppliers", "/admin/suppliers", "section.card"},
		{"deposits", "/admin/deposits", "#dropship"},
		{"withdrawals", "/admin/withdrawals", "table"},
		{"chat", "/admin/chat", "#broadcast"},
		{"settings", "/admin/settings", "#q"},
		{"reports", "/admin/reports", "svg.chart"},
		{"reports-reseller", "/admin/reports?by=reseller", "table.report"},
		{"docs", "/docs", "h1"},
		{"docs-en", "/docs?lang=en", "h1"},
	})
	run("operator signs out", chromedp.Navigate(s.URL+"/admin"), waitFor(".chart"), signOut, signIn("reseller", "budi", "rahasia-budi"), submit(`form[action="/login"]`), waitFor("#balance"))
	tour("app", []struct{ name, url, sel string }{
		{"home", "/app", "#balance"},
		{"order", "/app/order", "#brand"},
		{"orders", "/app/orders", "table"},
		{"order-detail", "/app/orders/" + tokenID, "#order-status"},
		{"receipt", "/app/orders/" + tokenID + "/struk", "#receipt"},
		{"deposit", "/app/deposit", "#unique-code-note"},
		{"deposit-detail", strings.TrimPrefix(depositURL, s.URL), "#deposit-paid"},
		{"ledger", "/app/ledger", "table"},
		{"bills", "/app/bills", "#bill-form"},
		{"pln", "/app/pln", "form"},
		{"profit", "/app/profit", "#profit"},
		{"network", "/app/network", "#downlines"},
		{"keys", "/app/keys", "#ip"},
		{"chat", "/app/chat", "#pin-form"},
		{"docs", "/app/docs", "table"},
	})
	run("reseller signs out", signOut, chromedp.Navigate(s.URL+"/login"), waitFor("#u"), shot("tour-desk-login"))
	loketest.VerifyLedger(t, s)
	t.Logf("browser test took %v; %d screenshots in %s", time.Since(began).Round(time.Millisecond), n, shots)
}

// overflowJS says why the page scrolls sideways ("" when it does not): the widths and
// the first elements that stick out.
// A box that scrolls sideways inside the page (a wide table in its .table) counts too,
// since what it hides is as cut off; code (pre) and the tab bar (nav) may scroll.
const overflowJS = `(() => {
	const d = document.documentElement;
	const name = e => e.tagName + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : "");
	if (d.scrollWidth > d.clientWidth) {
		const out = [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > d.clientWidth + 1 && !e.closest("pre, nav"))
			.slice(0, 6).map(name);
		return d.scrollWidth + " > " + d.clientWidth + ": " + out.join(", ");
	}
	const boxes = [...document.querySelectorAll("body *")].filter(e => {
		const o = getComputedStyle(e).overflowX;
		return (o === "auto" || o === "scroll") && e.scrollWidth > e.clientWidth + 1 && !e.closest("pre, nav");
	});
	return boxes.length ? "inside " + boxes.slice(0, 4).map(e => name(e) + " (" + e.scrollWidth + " > " + e.clientWidth + ")").join(", ") : "";
})()`

// rupiahText is how the pages write an amount.
func rupiahText(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return "Rp " + b.String()
}
