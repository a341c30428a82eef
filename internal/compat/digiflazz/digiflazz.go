// Package digiflazz serves Digiflazz's buyer API (developer.digiflazz.com/api/buyer) as
// a compatibility surface under /compat/digiflazz: balance (cek-saldo), the prepaid
// and postpaid price lists, deposit tickets by bank transfer, prepaid top-ups and their
// status by re-sending the same ref_id, postpaid bills (inq-pasca, pay-pasca,
// status-pasca: pasca.go), the PLN check, testing mode, and the signed webhooks
// Digiflazz pushes.
// Every request is signed md5(username + key + X) as Digiflazz signs it, with the
// reseller's Loket username and secret key. docs/compat-digiflazz.md says how a
// program written for Digiflazz is pointed at Loket and what differs.
package digiflazz

import (
	"context"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/loket/loket/internal/compat/input"
	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/ratelimit"
)

// Surface is the name orders placed here carry, and the notifier's key.
const Surface = "digiflazz"

// prefix is where the surface is mounted: Digiflazz's paths (/v1/...) follow it.
const prefix = "/compat/digiflazz"

// Sign suffixes of the requests that sign a fixed word (docs: Cek Saldo, Daftar Harga,
// Deposit); a top-up signs its ref_id.
const (
	signBalance   = "depo"
	signPriceList = "pricelist"
	signDeposit   = "deposit"
)

// authFailures is how many requests that fail to authenticate (unknown username,
// wrong signature) one client address may send a minute; past it, the address waits.
const authFailures = 20

// Response codes of Digiflazz's table that Loket answers (docs: Response Code).
const (
	rcSuccess      = "00"
	rcFailed       = "02"
	rcPending      = "03"
	rcPayload      = "40"
	rcSignature    = "41"
	rcSKU          = "43"
	rcBalance      = "44"
	rcIP           = "45"
	rcRefID        = "49"
	rcNotFound     = "50"
	rcUnavailable  = "53"
	rcWrongNumber  = "54"
	rcMulti        = "63"
	rcTicket       = "64"
	rcStock        = "68"
	rcMaxPrice     = "69"
	rcLimit        = "85"
	rcNotAllowed   = "88"
	rcRouterIssue  = "99"
	statusSuccess  = "Sukses"
	statusPending  = "Pending"
	statusFailed   = "Gagal"
	messageSuccess = "Transaksi Sukses"
	messagePending = "Transaksi Pending"
	messageFailed  = "Transaksi Gagal"
)

type handler struct {
	svc     loket.Services
	log     *slog.Logger
	authLim *ratelimit.Limiter
}

// Mount adds the surface's routes to m and registers its webhook format.
func Mount(m *httpx.Mux, svc loket.Services) {
	h := &handler{svc: svc, log: m.Log(),
		authLim: ratelimit.New(authFailures, time.Minute, ratelimit.WithStore(svc.Limits))}
	svc.Webhooks.SetNotifier(Surface, notify)
	// Digiflazz pushes no price news: a program written for it would not read the
	// native price.updated, so resellers who last ordered here are sent none.
	svc.Webhooks.SetPriceNotifier(Surface, func([]loket.PriceUpdate) (string, string, []byte, error) { return "", "", nil, nil })
	svc.Webhooks.SetHeaders(WebhookEvent, headers)
	svc.Webhooks.SetHeaders(PascaWebhookEvent, pascaHeaders)
	svc.Webhooks.AllowOrderURL(Surface)
	v1 := prefix + "/v1"
	m.Handle(v1+"/cek-saldo", h.post(h.balance, h.fail))
	m.Handle(v1+"/price-list", h.post(h.priceList, h.fail))
	m.Handle(v1+"/deposit", h.post(h.deposit, h.fail))
	// A top-up is refused in the transaction's shape, even before its body is read.
	m.Handle(v1+"/transaction", h.post(h.transaction, func(w http.ResponseWriter, err error) { h.failTrx(w, trxRequest{}, err, 0) }))
	m.Handle(v1+"/inquiry-pln", h.post(h.plnCheck, h.fail))
	m.Handle(prefix+"/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, refusal(http.StatusNotFound, rcPayload, "Endpoint tidak ditemukan"))
	}))
}

// dfError is an answer of this surface that has no domain error behind it.
type dfError struct {
	status  int
	rc      string
	message string
}

func (e *dfError) Error() string { return "rc " + e.rc + ": " + e.message }

func refusal(status int, rc, format string, args ...any) error {
	return &dfError{status: status, rc: rc, message: fmt.Sprintf(format, args...)}
}

func payloadError(format string, args ...any) error {
	return refusal(http.StatusBadRequest, rcPayload, format, args...)
}

// reply maps an error to Digiflazz's answer: the HTTP status, the rc and its message.
// It is the one place domain codes become Digiflazz's. A refusal is HTTP 400 (Digiflazz
// answers refusals with a 4xx and the rc in data), a rate limit 429, and a fault of
// Loket's own 500 with rc 99, which Digiflazz documents as pending: the client asks
// again with the same ref_id, which finds the order if it was written and places it
// if it was not.
func reply(err error) (int, string, string) {
	var de *dfError
	if errors.As(err, &de) {
		return de.status, de.rc, de.message
	}
	if msg, ok := input.TextMessage(err); ok {
		return http.StatusBadRequest, rcPayload, "Payload Error: " + msg
	}
	code := loket.ErrorCode(err)
	switch {
	case code == loket.EFORBIDDEN && loket.ErrorReason(err) == loket.ReasonIPNotAllowed:
		return http.StatusBadRequest, rcIP, "IP Anda tidak kami kenali"
	case code == loket.EPRODUCT && loket.ErrorReason(err) == loket.ReasonPostpaid:
		return http.StatusBadRequest, rcSKU, "SKU tidak di temukan atau Non-Aktif: produk pascabayar, gunakan commands inq-pasca dan pay-pasca"
	case code == loket.EPRODUCT && loket.ErrorReason(err) == loket.ReasonPrepaid:
		return http.StatusBadRequest, rcSKU, "SKU tidak di temukan atau Non-Aktif: produk prabayar, kirim tanpa commands"
	case (code == loket.EFIELD || code == loket.EINVALID) && loket.ErrorField(err) != "":
		return http.StatusBadRequest, rcPayload, "Payload Error: " + loket.ErrorField(err) + " tidak valid"
	}
	if a, ok := answers[code]; ok {
		return a.status, a.rc, a.message
	}
	return http.StatusInternalServerError, rcRouterIssue, "Sistem sedang gangguan, coba lagi"
}

// rcAnswer is Digiflazz's answer to a refusal: HTTP status, rc and message.
type rcAnswer struct {
	status      int
	rc, message string
}

// answers are Digiflazz's words for Loket's error codes (IP allowlist refusals and
// fields named are worded in reply).
var answers = map[string]rcAnswer{
	loket.EUNAUTHORIZED:  {http.StatusBadRequest, rcSignature, "Signature Anda salah"},
	loket.EFORBIDDEN:     {http.StatusBadRequest, rcNotAllowed, "Akun Anda tidak dapat melakukan aksi ini"},
	loket.EPRODUCT:       {http.StatusBadRequest, rcSKU, "SKU tidak di temukan atau Non-Aktif"},
	loket.EINACTIVE:      {http.StatusBadRequest, rcSKU, "SKU tidak di temukan atau Non-Aktif"},
	loket.EUNAVAILABLE:   {http.StatusBadRequest, rcUnavailable, "Produk Sedang Tidak Tersedia"},
	loket.ENOTCONFIGURED: {http.StatusBadRequest, rcUnavailable, "Layanan belum tersedia"},
	loket.ELIMIT:         {http.StatusBadRequest, rcLimit, "Limitasi tercapai"},
	loket.EOUTOFSTOCK:    {http.StatusBadRequest, rcStock, "Stok habis"},
	loket.EINSUFFICIENT:  {http.StatusBadRequest, rcBalance, "Saldo tidak cukup"},
	loket.EPRICE:         {http.StatusBadRequest, rcMaxPrice, "Harga produk lebih besar dari max_price"},
	loket.EDUPLICATE:     {http.StatusBadRequest, rcMulti, "Transaksi dengan produk dan nomor yang sama sedang diproses"},
	loket.ECONFLICT:      {http.StatusBadRequest, rcRefID, "Ref ID tidak unik"},
	loket.ETARGET:        {http.StatusBadRequest, rcWrongNumber, "Nomor Tujuan Salah"},
	loket.ENOTFOUND:      {http.StatusBadRequest, rcNotFound, "Transaksi Tidak Ditemukan"},
	loket.EFIELD:         {http.StatusBadRequest, rcPayload, "Payload Error"},
	loket.EINVALID:       {http.StatusBadRequest, rcPayload, "Payload Error"},
	loket.ETOOLARGE:      {http.StatusRequestEntityTooLarge, rcPayload, "Payload Error: body terlalu besar"},
	loket.ERATELIMIT:     {http.StatusTooManyRequests, rcLimit, "Limitasi transaksi tercapai, coba lagi dalam 1 menit"},
	// Bills (pasca.go). Digiflazz's table has no code for a bill paid already or a
	// check that expired: both are rc 02 in words its clients read (a payment refused
	// so is failed, nothing charged).
	loket.ENOBILL:    {http.StatusBadRequest, rcBillAbsent, "Tagihan belum tersedia"},
	loket.EBILLPAID:  {http.StatusBadRequest, rcFailed, "Transaksi Gagal: tagihan sudah terbayar"},
	loket.ECUSTOMER:  {http.StatusBadRequest, rcWrongNumber, "Nomor Tujuan Salah"},
	loket.EOVERLIMIT: {http.StatusBadRequest, rcOverLimit, "Tagihan melebihi batas pembayaran"},
	loket.EEXPIRED:   {http.StatusBadRequest, rcFailed, "Transaksi Gagal: cek tagihan sudah kedaluwarsa, cek tagihan lagi"},
	loket.EAMOUNT:    {http.StatusBadRequest, rcAmount, "Nominal tidak valid: tagihan berubah, cek tagihan lagi"},
}

// errorData is the data of a refusal on the endpoints other than transaction.
type errorData struct {
	RC      string `json:"rc"`
	Message string `json:"message"`
}

// envelope is every answer's shape: Digiflazz wraps all in "data".
type envelope struct {
	Data any `json:"data"`
}

func ok(w http.ResponseWriter, data any) { httpx.WriteJSON(w, http.StatusOK, envelope{Data: data}) }

// status is reply's answer to err, logging Loket's own faults and telling a rate
// limit's wait in Retry-After.
func (h *handler) status(w http.ResponseWriter, err error) (int, string, string) {
	status, rc, msg := reply(err)
	switch {
	case status >= 500:
		h.log.Error("digiflazz: request failed", "err", err)
	case status == http.StatusTooManyRequests:
		httpx.RetryAfter(w, time.Until(loket.ErrorRetryAt(err)))
	}
	return status, rc, msg
}

func (h *handler) fail(w http.ResponseWriter, err error) {
	status, rc, msg := h.status(w, err)
	httpx.WriteJSON(w, status, envelope{Data: errorData{RC: rc, Message: msg}})
}

// request is one call's input, read liberally (input.Read: JSON, whatever the
// Content-Type says, or a form; keys in any case).
type request struct {
	input.Params
}

// raw is a parameter exactly as sent (signatures are made over it), or "".
func (q request) raw(key string) string { return q.Params[key] }

// need is a parameter that must be there, trimmed.
func (q request) need(key string) (string, error) {
	v := q.Get(key)
	if v == "" {
		return "", payloadError("Payload Error: %s wajib diisi", key)
	}
	return v, nil
}

// post reads a POST's parameters and calls fn; any other method, and a body that
// cannot be read, is refused with fail, in the endpoint's shape.
func (h *handler) post(fn func(http.ResponseWriter, *http.Request, request), fail func(http.ResponseWriter, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			fail(w, refusal(http.StatusMethodNotAllowed, rcPayload, "Method tidak diizinkan, gunakan POST"))
			return
		}
		p, err := input.Read(w, r)
		if err != nil {
			fail(w, err)
			return
		}
		fn(w, r, request{p})
	}
}

// sign is Digiflazz's signature: md5(username + key + suffix), lower-case hex.
func sign(username, key, suffix string) string {
	sum := md5.Sum([]byte(username + key + suffix))
	return hex.EncodeToString(sum[:])
}

// authenticate finds the reseller behind username and checks sign, made over suffix
// with the reseller's secret key (the Digiflazz key). Failures count per client
// address; past authFailures a minute the address is refused before any look-up.
func (h *handler) authenticate(ctx context.Context, r *http.Request, q request, suffix string) (*loket.ResellerAuth, error) {
	username, err := q.need("username")
	if err != nil {
		return nil, err
	}
	got, err := q.need("sign")
	if err != nil {
		return nil, err
	}
	ip := httpx.ClientIP(r)
	limKey := Surface + ":auth:" + ip
	if err := h.authLim.Blocked(ctx, limKey); err != nil {
		return nil, err
	}
	got = strings.ToLower(got)
	ra, err := h.svc.Resellers.AuthenticateSigned(ctx, username, ip, func(key string) bool {
		want := sign(q.raw("username"), key, suffix)
		return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
	})
	if loket.ErrorCode(err) == loket.EUNAUTHORIZED {
		if aerr := h.authLim.Add(ctx, limKey); aerr != nil {
			return nil, aerr
		}
	}
	return ra, err
}

// balanceData is the answer to cek-saldo.
type balanceData struct {
	Deposit loket.Money `json:"deposit"`
}

func (h *handler) balance(w http.ResponseWriter, r *http.Request, q request) {
	ra, err := h.authenticate(r.Context(), r, q, signBalance)
	if err != nil {
		h.fail(w, err)
		return
	}
	if cmd := q.Get("cmd"); cmd != "" && !strings.EqualFold(cmd, "deposit") {
		h.fail(w, payloadError("Payload Error: cmd harus deposit"))
		return
	}
	rs, err := h.svc.Resellers.Reseller(r.Context(), ra.ID, "")
	if err != nil {
		h.fail(w, err)
		return
	}
	ok(w, balanceData{Deposit: rs.Balance})
}

// depositData is the answer to deposit: the bank ticket.
type depositData struct {
	RC            string      `json:"rc"`
	Bank          string      `json:"bank"`
	PaymentMethod string      `json:"payment_method"`
	AccountNo     string      `json:"account_no"`
	AccountName   string      `json:"account_name"`
	Notes         string      `json:"notes"`
	Amount        loket.Money `json:"amount"`
}

// deposit opens a deposit ticket paid by bank transfer to one of the operator's
// accounts: the amount to transfer is the one asked plus a unique code, which is how
// the transfer is recognised (Digiflazz's "amount" of the answer is that total too).
func (h *handler) deposit(w http.ResponseWriter, r *http.Request, q request) {
	ctx := r.Context()
	ra, err := h.authenticate(ctx, r, q, signDeposit)
	if err != nil {
		h.fail(w, err)
		return
	}
	raw, err := q.need("amount")
	if err != nil {
		h.fail(w, err)
		return
	}
	amount, okAmount := input.ParseID(raw)
	if !okAmount || amount > int64(loket.MaxAmount) {
		h.fail(w, payloadError("Payload Error: amount tidak valid"))
		return
	}
	want, err := q.need("bank")
	if err != nil {
		h.fail(w, err)
		return
	}
	if _, err := q.need("owner_name"); err != nil {
		h.fail(w, err)
		return
	}
	banks, err := h.svc.Deposits.BankAccounts(ctx)
	if err != nil {
		h.fail(w, err)
		return
	}
	bank, names := loket.FindBank(banks, want)
	switch {
	case len(banks) == 0:
		h.fail(w, refusal(http.StatusBadRequest, rcTicket, "Tarik tiket gagal: deposit lewat transfer bank belum tersedia"))
		return
	case bank == nil:
		h.fail(w, refusal(http.StatusBadRequest, rcTicket, "Tarik tiket gagal: bank tidak tersedia, pilih %s", strings.ToUpper(strings.Join(names, " / "))))
		return
	}
	d, err := h.svc.Deposits.CreateDeposit(ctx, ra, loket.MethodBank, loket.Money(amount), Surface)
	if err != nil {
		// A deposit's refusals are "the ticket failed" (rc 64), with the reason.
		why := map[string]string{
			loket.ELIMIT:         "masih ada tiket deposit yang belum dibayar, bayar atau tunggu hingga kedaluwarsa",
			loket.EUNAVAILABLE:   "kode unik sedang habis, coba nominal lain",
			loket.ENOTCONFIGURED: "deposit lewat transfer bank belum tersedia",
			loket.EINVALID:       "nominal di luar batas deposit",
		}[loket.ErrorCode(err)]
		if _, isText := input.TextMessage(err); why == "" || isText {
			h.fail(w, err)
			return
		}
		h.fail(w, refusal(http.StatusBadRequest, rcTicket, "Tarik tiket gagal: %s", why))
		return
	}
	ok(w, depositData{RC: rcSuccess, Bank: bank.Bank, PaymentMethod: "Bank Transfer", AccountNo: bank.AccountNo,
		AccountName: bank.Beneficiary, Notes: depositNotes(d), Amount: d.Total})
}

// depositNotes is the ticket's notes: Loket matches a transfer by its amount alone,
// so the notes name the ticket and say so.
func depositNotes(d *loket.Deposit) string {
	return fmt.Sprintf("DEP%d: transfer tepat %d sebelum %s WIB", d.ID, d.Total, d.ExpiresAt.In(wib).Format("2006-01-02 15:04"))
}

// wib is the time people read in (Indonesia's western zone).
var wib = time.FixedZone("WIB", 7*3600)

// priceItem is one product of the price list (docs: Daftar Harga).
type priceItem struct {
	ProductName         string      `json:"product_name"`
	Category            string      `json:"category"`
	Brand               string      `json:"brand"`
	Type                string      `json:"type"`
	SellerName          string      `json:"seller_name"`
	Price               loket.Money `json:"price"`
	BuyerSKUCode        string      `json:"buyer_sku_code"`
	BuyerProductStatus  bool        `json:"buyer_product_status"`
	SellerProductStatus bool        `json:"seller_product_status"`
	UnlimitedStock      bool        `json:"unlimited_stock"`
	Stock               int64       `json:"stock"`
	Multi               bool        `json:"multi"`
	StartCutOff         string      `json:"start_cut_off"`
	EndCutOff           string      `json:"end_cut_off"`
	Desc                string      `json:"desc"`
}

// SellerName is every product's seller_name: Loket is the reseller's one seller, and
// no upstream is named (white label), so the list says "Pusat" (the reseller's
// "server pusat").
const SellerName = "Pusat"

// pascaPriceItem is one product of the postpaid price list (cmd "pasca"): admin is
// the operator's admin fee per bill period, commission the reseller's per period.
type pascaPriceItem struct {
	ProductName         string      `json:"product_name"`
	Category            string      `json:"category"`
	Brand               string      `json:"brand"`
	SellerName          string      `json:"seller_name"`
	Admin               loket.Money `json:"admin"`
	Commission          loket.Money `json:"commission"`
	BuyerSKUCode        string      `json:"buyer_sku_code"`
	BuyerProductStatus  bool        `json:"buyer_product_status"`
	SellerProductStatus bool        `json:"seller_product_status"`
	StartCutOff         string      `json:"start_cut_off"`
	EndCutOff           string      `json:"end_cut_off"`
	Desc                string      `json:"desc"`
}

// noCutOff is how Digiflazz writes both ends of a product sold at all hours.
const noCutOff = "0:0"

// cutOff is a product's cut-off window as Digiflazz writes it, hour unpadded ("23:45",
// "0:30"); "0:0" twice for none (or a window that cannot be read).
func cutOff(p *loket.Product) (start, end string) {
	from, to, err := loket.ParseCutOff(p.CutOff)
	if err != nil || from == to {
		return noCutOff, noCutOff
	}
	hm := func(m int) string { return fmt.Sprintf("%d:%02d", m/60, m%60) }
	return hm(from), hm(to)
}

func (h *handler) priceList(w http.ResponseWriter, r *http.Request, q request) {
	ra, err := h.authenticate(r.Context(), r, q, signPriceList)
	if err != nil {
		h.fail(w, err)
		return
	}
	var pasca bool
	switch cmd := strings.ToLower(q.Get("cmd")); cmd {
	case "prepaid", "":
	case "pasca":
		pasca = true
	default:
		h.fail(w, payloadError("Payload Error: cmd harus prepaid atau pasca"))
		return
	}
	// The documented filters: code (the buyer SKU), category, brand and type.
	code, category, brand, typ := q.Get("code"), q.Get("category"), q.Get("brand"), q.Get("type")
	categories := map[string]string{}
	for _, c := range h.svc.Catalog.Categories() {
		categories[c.Code] = c.Name
	}
	prepaid, postpaid := []priceItem{}, []pascaPriceItem{}
	products, err := h.svc.Network.Products(r.Context(), ra) // the buyer's own prices (a downline's too)
	if err != nil {
		h.fail(w, err)
		return
	}
	for _, p := range products {
		if p.Postpaid() != pasca || code != "" && !strings.EqualFold(code, p.Code) {
			continue // each list has its own kind
		}
		cat := categories[p.Category]
		if cat == "" {
			cat = p.Category
		}
		desc := p.Description
		if desc == "" {
			desc = "-"
		}
		if category != "" && !strings.EqualFold(category, cat) || brand != "" && !strings.EqualFold(brand, p.BrandName) ||
			typ != "" && !pasca && !strings.EqualFold(typ, "Umum") {
			continue
		}
		start, end := cutOff(&p)
		if pasca {
			postpaid = append(postpaid, pascaPriceItem{ProductName: p.Name, Category: cat, Brand: p.BrandName, SellerName: SellerName,
				Admin: p.AdminFee, Commission: p.Commission, BuyerSKUCode: p.Code, BuyerProductStatus: p.Active,
				SellerProductStatus: p.Active, StartCutOff: start, EndCutOff: end, Desc: desc})
			continue
		}
		it := priceItem{ProductName: p.Name, Category: cat, Brand: p.BrandName, Type: "Umum",
			SellerName: SellerName, Price: p.Price, BuyerSKUCode: p.Code, BuyerProductStatus: p.Active,
			SellerProductStatus: p.Active, UnlimitedStock: p.Stock == nil, Multi: true,
			StartCutOff: start, EndCutOff: end, Desc: desc}
		if p.Stock != nil {
			it.Stock = max(*p.Stock, 0)
		}
		prepaid = append(prepaid, it)
	}
	if pasca {
		ok(w, postpaid)
		return
	}
	ok(w, prepaid)
}

// parseMaxPrice reads max_price: absent or 0 is no limit.
func parseMaxPrice(s string) (loket.Money, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if n, ok := input.ParseID(s); ok && n <= int64(loket.MaxAmount) {
		return loket.Money(n), nil
	}
	if s == "0" {
		return 0, nil
	}
	return 0, payloadError("Payload Error: max_price tidak valid")
}

// truthy reads a boolean parameter as Digiflazz's clients send it.
func truthy(s string) bool {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	return err == nil && b
}
