// Package socx serves seed 002, the SOCX (Niskala) H2H reseller API, under
// /compat/socx/reseller/api/v1/: balance, purchase over JSON POST, HTTP GET, form POST
// and XML-RPC (topUpRequest), status by request_id, and the status reports (JSON, or
// XML-RPC topUpReport for orders placed over XML). It translates words and codes; every
// decision is the domain service's.
package socx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/loket/loket/internal/compat/input"
	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
)

// Surface names recorded on orders, which choose the report format.
const (
	SurfaceJSON = "socx"     // JSON POST, HTTP GET and form POST orders
	SurfaceXML  = "socx-xml" // XML-RPC orders
)

// Prefix is where the seed's base_url is mounted.
const Prefix = "/compat/socx/reseller/api/v1"

// Response codes of the seed's table that Loket answers with.
const (
	rcSuccess      = "00"
	rcPayload      = "01"
	rcAuth         = "02"
	rcProduct      = "05"
	rcTarget       = "07"
	rcInternal     = "08"
	rcMaintenance  = "09"
	rcRef          = "10"
	rcNotFound     = "11"
	rcDuplicate    = "17"
	rcBalance      = "18"
	rcPriceNotSet  = "19"
	rcClosed       = "22"
	rcBillerFailed = "23"
	rcLimit        = "36"
	rcPending      = "68"
)

// handler serves the surface.
type handler struct {
	svc loket.Services
}

// Mount adds the surface's routes to m and registers its report formats.
func Mount(m *httpx.Mux, svc loket.Services) {
	h := &handler{svc: svc}
	svc.Webhooks.SetNotifier(SurfaceJSON, h.reportJSON)
	svc.Webhooks.SetNotifier(SurfaceXML, h.reportXML)
	routes := []struct {
		path    string
		methods string
		fn      http.HandlerFunc
	}{
		{"/saldo", "GET POST", h.saldo},
		{"/purchase", "POST", h.purchaseJSON},
		{"/http/purchase", "GET POST", h.purchaseHTTP},
		{"/xml/purchase", "POST", h.purchaseXML},
		{"/status", "POST GET", h.status},
		{"/deposit_ticket", "POST", h.depositTicket},
	}
	for _, r := range routes {
		fn := onlyMethods(r.methods, r.fn)
		// Trailing slashes are forgiven: "{$}" matches the slash alone, not a subtree.
		m.Handle(Prefix+r.path, fn)
		m.Handle(Prefix+r.path+"/{$}", fn)
	}
	// Anything else under the mount answers in the seed's shape, never the mux's text.
	m.Handle("/compat/socx/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, errorBody{RC: rcPayload, Message: "GAGAL, Endpoint tidak dikenal: " + clip(r.URL.Path, 100)})
	}))
}

func onlyMethods(methods string, fn http.HandlerFunc) http.HandlerFunc {
	allowed := strings.Fields(methods)
	return func(w http.ResponseWriter, r *http.Request) {
		for _, m := range allowed {
			if r.Method == m {
				fn(w, r)
				return
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{RC: rcPayload, Message: "GAGAL, Method " + clip(r.Method, 20) + " tidak didukung; gunakan " + strings.Join(allowed, " atau ")})
	}
}

// purchaseBody is the purchase answer of the seed: also the status answer and the
// JSON report.
type purchaseBody struct {
	Code      string      `json:"code"`
	MSISDN    string      `json:"msisdn"`
	RequestID string      `json:"request_id"`
	RC        string      `json:"rc"`
	TrxID     int64       `json:"trxid"`
	Price     loket.Money `json:"price"`
	Balance   loket.Money `json:"balance"`
	SN        string      `json:"sn"`
	Message   string      `json:"message"`
}

// errorBody answers endpoints whose seed shape has no room for an rc (saldo, deposit
// ticket, unknown paths).
type errorBody struct {
	RC      string `json:"rc"`
	Message string `json:"message"`
}

// op is what a request asked for, which some errors read differently by.
type op int

const (
	opOrder   op = iota // purchase, status, saldo
	opDeposit           // deposit_ticket
)

// rcOf maps a domain error to the seed's rc and an Indonesian message: the one place
// this surface decides it.
func rcOf(o op, err error) (rc, msg string) {
	detail := loket.ErrorMessage(err)
	if msg, ok := input.TextMessage(err); ok {
		return rcPayload, "GAGAL, Invalid payload: " + msg
	}
	if o == opDeposit {
		switch loket.ErrorCode(err) {
		case loket.ELIMIT:
			// At most 3 open deposits per reseller.
			return rcLimit, "GAGAL, Akun mencapai batas maksimal tiket deposit yang belum dibayar (3). Bayar atau tunggu tiket lama kedaluwarsa"
		case loket.EUNAVAILABLE, loket.ENOTCONFIGURED:
			// No bank account set up, or no free unique code for this amount.
			return rcMaintenance, "GAGAL, Tiket deposit belum tersedia: " + detail + ". Hubungi admin untuk menambah saldo"
		case loket.ENOTFOUND:
			return rcNotFound, "GAGAL, Tiket deposit tidak ditemukan"
		}
	}
	switch loket.ErrorCode(err) {
	case loket.EINVALID, loket.EFIELD, loket.ETOOLARGE:
		return rcPayload, "GAGAL, Invalid payload: " + detail
	case loket.EUNAUTHORIZED:
		return rcAuth, "GAGAL, Invalid authorization: token tidak valid"
	case loket.EFORBIDDEN:
		return rcAuth, "GAGAL, Invalid authorization: " + detail
	case loket.EPRODUCT:
		return rcProduct, "GAGAL, Kode produk tidak dikenali"
	case loket.ETARGET:
		return rcTarget, "GAGAL, Nomor tujuan tidak valid"
	case loket.EINSUFFICIENT:
		return rcBalance, "GAGAL, Saldo deposit tidak cukup"
	case loket.EINACTIVE, loket.EUNAVAILABLE, loket.EOUTOFSTOCK:
		return rcClosed, "GAGAL, Produk sementara ditutup"
	case loket.EPRICE:
		return rcPriceNotSet, "GAGAL, Harga produk belum diset"
	case loket.ECONFLICT:
		return rcRef, "GAGAL, Ref code tidak valid: request_id sudah dipakai untuk transaksi lain"
	case loket.EDUPLICATE:
		return rcDuplicate, "GAGAL, Duplikasi transaksi: produk dan nomor yang sama masih diproses"
	case loket.ENOTFOUND:
		return rcNotFound, "GAGAL, Transaksi tidak ditemukan"
	case loket.ENOBILL:
		return rcBillerFailed, "GAGAL, Belum ada tagihan untuk nomor pelanggan ini"
	case loket.EBILLPAID:
		return rcBillerFailed, "GAGAL, Tagihan sudah dibayar"
	case loket.ECUSTOMER:
		return rcTarget, "GAGAL, Nomor pelanggan tidak ditemukan"
	case loket.EOVERLIMIT:
		return rcBillerFailed, "GAGAL, Tagihan melebihi batas pembayaran"
	case loket.EEXPIRED:
		return rcBillerFailed, "GAGAL, Cek tagihan sudah kedaluwarsa, silakan cek tagihan ulang"
	case loket.EAMOUNT:
		return rcBillerFailed, "GAGAL, Jumlah tagihan berubah, silakan cek tagihan ulang"
	case loket.ERATELIMIT:
		return rcLimit, "GAGAL, Akun mencapai batas maksimal limit"
	}
	return rcInternal, "GAGAL, Internal error"
}

// stateOf is an order's status in the seed's words. A failed order is already
// refunded; "23 Gagal Biller" is the table's general failure of the purchase itself.
func stateOf(o *loket.Order) (rc, msg string) {
	switch o.Status {
	case loket.StatusSuccess:
		return rcSuccess, "SUKSES"
	case loket.StatusFailed:
		return rcBillerFailed, "GAGAL, Gagal Biller. Saldo telah dikembalikan"
	}
	return rcPending, "PENDING, Transaksi sedang diproses"
}

// httpStatus is the HTTP status an rc is sent with: transaction answers are 200 (the
// rc carries the outcome, as H2H clients expect), a refused credential 401, our own
// failure 500.
func httpStatus(rc string) int {
	switch rc {
	case rcAuth:
		return http.StatusUnauthorized
	case rcInternal:
		return http.StatusInternalServerError
	}
	return http.StatusOK
}

func writeJSON(w http.ResponseWriter, status int, v any) { httpx.WriteJSON(w, status, v) }

// --- request parsing -------------------------------------------------------------

// params reads a request's parameters from the query and the body, whatever the body
// is: a JSON object (whatever the content type says), multipart form or urlencoded
// form. Names are lower-cased; JSON numbers and booleans become their text. The URL and
// every parameter are checked as text (input.Check); what was read is returned even
// with an error, for the answer to echo.
func params(w http.ResponseWriter, r *http.Request) (map[string]string, error) {
	out, err := readParams(w, r)
	if err == nil {
		err = input.Check(r, out)
	}
	return out, err
}

func readParams(w http.ResponseWriter, r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			out[strings.ToLower(strings.TrimSpace(k))] = v[0]
		}
	}
	if r.Body == nil {
		return out, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, httpx.MaxBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return out, loket.Errorf(loket.ETOOLARGE, "body lebih dari %d byte", httpx.MaxBody)
		}
		return out, loket.Errorf(loket.EINVALID, "body tidak terbaca")
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return out, nil
	}
	if trimmed[0] == '{' {
		if err := httpx.CheckJSON(trimmed); err != nil {
			return out, err
		}
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return out, loket.Errorf(loket.EINVALID, "body bukan JSON yang valid")
		}
		for k, v := range m {
			if s, ok := scalar(v); ok {
				out[strings.ToLower(strings.TrimSpace(k))] = s
			}
		}
		return out, nil
	}
	ct, p, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if strings.HasPrefix(ct, "multipart/") && p["boundary"] != "" {
		form, err := multipart.NewReader(bytes.NewReader(body), p["boundary"]).ReadForm(httpx.MaxBody)
		if err != nil {
			return out, loket.Errorf(loket.EINVALID, "body multipart tidak valid")
		}
		defer form.RemoveAll()
		for k, v := range form.Value {
			if len(v) > 0 {
				out[strings.ToLower(strings.TrimSpace(k))] = v[0]
			}
		}
		return out, nil
	}
	if trimmed[0] == '<' {
		return out, loket.Errorf(loket.EINVALID, "body XML hanya diterima di /xml/purchase")
	}
	vals, err := url.ParseQuery(string(trimmed))
	if err != nil {
		return out, loket.Errorf(loket.EINVALID, "body bukan JSON atau form yang valid")
	}
	for k, v := range vals {
		if len(v) > 0 {
			out[strings.ToLower(strings.TrimSpace(k))] = v[0]
		}
	}
	return out, nil
}

func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// --- authentication ----------------------------------------------------------------

// identify finds the reseller of a request. The Bearer header (or X-API-Key) carries the
// API key; token, where the seed has one, may be the API key alone, or the secret key
// next to a Bearer API key. Loket keeps no index by secret key, so a secret key alone
// cannot name a reseller.
func (h *handler) identify(r *http.Request, token string) (*loket.ResellerAuth, error) {
	ctx := r.Context()
	token = strings.TrimSpace(token)
	bearer := httpx.APIKey(r)
	if bearer == "" {
		if token == "" {
			return nil, loket.Errorf(loket.EUNAUTHORIZED, "missing token")
		}
		return h.svc.Resellers.Authenticate(ctx, token, httpx.ClientIP(r))
	}
	ra, err := h.svc.Resellers.Authenticate(ctx, bearer, httpx.ClientIP(r))
	if err != nil {
		return nil, err
	}
	if token != "" && token != bearer && !h.svc.Resellers.CheckSecret(ra, token) {
		return nil, loket.Errorf(loket.EUNAUTHORIZED, "token does not belong to this key")
	}
	return ra, nil
}

// identifyBearer serves the endpoints the seed authenticates by header only: a token
// parameter is used only when there is no header, as the API key.
func (h *handler) identifyBearer(r *http.Request, token string) (*loket.ResellerAuth, error) {
	if httpx.APIKey(r) != "" {
		token = ""
	}
	return h.identify(r, token)
}

// --- endpoints ---------------------------------------------------------------------

func (h *handler) saldo(w http.ResponseWriter, r *http.Request) {
	_, perr := params(w, r)
	ra, err := h.identifyBearer(r, r.URL.Query().Get("token"))
	if err == nil {
		err = perr
	}
	if err != nil {
		rc, msg := rcOf(opOrder, err)
		writeJSON(w, httpStatus(rc), errorBody{RC: rc, Message: msg})
		return
	}
	res, err := h.svc.Resellers.Reseller(r.Context(), ra.ID, "")
	if err != nil {
		rc, msg := rcOf(opOrder, err)
		writeJSON(w, httpStatus(rc), errorBody{RC: rc, Message: msg})
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Balance loket.Money `json:"balance"`
	}{res.Balance})
}

// depositTicketBody is the seed's deposit ticket.
type depositTicketBody struct {
	Instruction string       `json:"instruction"`
	Amount      loket.Money  `json:"amount"`
	Banks       []ticketBank `json:"banks"`
	Unique      loket.Money  `json:"unique"`
	AdminFee    loket.Money  `json:"admin_fee"`
	GrandTotal  loket.Money  `json:"grand_total"`
	ValidBefore string       `json:"valid_before"`
}

type ticketBank struct {
	ID              int    `json:"id"`
	AccountNo       string `json:"account_no"`
	BankName        string `json:"bank_name"`
	BeneficiaryName string `json:"beneficiary_name"`
	Status          int    `json:"status"`
}

// wib is the seed's local time (valid_before, the instruction).
var wib = time.FixedZone("WIB", 7*3600)

// errNoBanks says the operator has set up no account to transfer to.
var errNoBanks = loket.Errorf(loket.EUNAVAILABLE, "belum ada rekening bank tujuan deposit")

// depositTicket opens a bank-transfer deposit: the payer transfers grand_total (amount
// plus the unique code) to one of the operator's accounts before valid_before, and the
// amount is credited once the transfer is seen.
func (h *handler) depositTicket(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) {
		rc, msg := rcOf(opDeposit, err)
		writeJSON(w, httpStatus(rc), errorBody{RC: rc, Message: msg})
	}
	p, perr := params(w, r)
	ra, err := h.identifyBearer(r, p["token"])
	if err == nil && ra != nil {
		err = perr
	}
	var amount loket.Money
	if err == nil {
		amount, err = parseAmount(p["amount"])
	}
	if err != nil {
		fail(err)
		return
	}
	ctx := r.Context()
	accounts, err := h.svc.Deposits.BankAccounts(ctx)
	if err == nil && len(accounts) == 0 {
		err = errNoBanks
	}
	if err != nil {
		fail(err)
		return
	}
	d, err := h.svc.Deposits.CreateDeposit(ctx, ra, loket.MethodBank, amount, SurfaceJSON)
	if err != nil {
		fail(err)
		return
	}
	writeJSON(w, http.StatusOK, ticketBody(d, accounts))
}

// ticketBody renders a bank deposit as the seed's ticket. grand_total is the total to
// transfer (amount + unique); the seed's own example prints 100101 for 1,000,000 + 101,
// a typo its instruction contradicts ("Rp. 1,000,101").
func ticketBody(d *loket.Deposit, accounts []loket.BankAccount) depositTicketBody {
	out := depositTicketBody{Amount: d.Amount, Unique: d.UniqueCode, AdminFee: 0, GrandTotal: d.Total,
		ValidBefore: d.ExpiresAt.In(wib).Format("02/01/2006 15:04:05"), Banks: []ticketBank{}}
	var to []string
	for i, b := range accounts {
		out.Banks = append(out.Banks, ticketBank{ID: i + 1, AccountNo: b.AccountNo, BankName: b.Bank, BeneficiaryName: b.Beneficiary, Status: 1})
		to = append(to, b.Bank+" "+b.AccountNo)
	}
	out.Instruction = "Mohon transfer nominal Rp. " + thousands(d.Total) + " (harus sama), ke rekening " + strings.Join(to, ", ") +
		" sebelum " + out.ValidBefore + " Terima kasih"
	return out
}

// parseAmount reads a whole number of rupiah: "1000000", 1000000, 1e6 or 1000000.0;
// a fraction, a sign or words are refused.
func parseAmount(s string) (loket.Money, error) {
	s = strings.TrimSpace(s)
	bad := loket.FieldError(loket.EINVALID, "amount", "amount wajib diisi dengan angka bulat lebih dari 0")
	if s == "" {
		return 0, bad
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n <= 0 || loket.Money(n) > loket.MaxAmount {
			return 0, bad
		}
		return loket.Money(n), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f != math.Trunc(f) || f > float64(loket.MaxAmount) {
		return 0, bad
	}
	return loket.Money(f), nil
}

// thousands writes n with comma thousands separators, as the seed does: 1,000,101.
func thousands(n loket.Money) string { return loket.Thousands(n, ',') }

func (h *handler) purchaseJSON(w http.ResponseWriter, r *http.Request) {
	h.purchaseForm(w, r, false)
}

func (h *handler) purchaseHTTP(w http.ResponseWriter, r *http.Request) {
	h.purchaseForm(w, r, true)
}

// purchaseForm serves the JSON POST and the HTTP GET/POST purchase: the same fields,
// the same answer.
func (h *handler) purchaseForm(w http.ResponseWriter, r *http.Request, tokenParam bool) {
	p, perr := params(w, r)
	echo := purchaseBody{Code: clip(p["code"], 64), MSISDN: clip(p["msisdn"], 64), RequestID: clip(p["request_id"], 64)}
	identify := h.identify
	if !tokenParam {
		identify = h.identifyBearer
	}
	ra, err := identify(r, p["token"])
	if err == nil {
		err = perr
	}
	if err != nil {
		rc, msg := rcOf(opOrder, err)
		echo.RC, echo.Message = rc, msg
		if ra != nil {
			echo.Balance = h.balance(r.Context(), ra.ID)
		}
		writeJSON(w, httpStatus(rc), echo)
		return
	}
	res := h.purchase(r.Context(), ra, purchaseReq{Code: p["code"], MSISDN: p["msisdn"], RequestID: p["request_id"], Extra: p}, SurfaceJSON)
	writeJSON(w, httpStatus(res.RC), res)
}

func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	p, perr := params(w, r)
	ref := strings.TrimSpace(p["request_id"])
	out := purchaseBody{RequestID: clip(ref, 64)}
	ra, err := h.identifyBearer(r, p["token"])
	if err == nil {
		err = perr
	}
	if err == nil && ref == "" {
		err = loket.FieldError(loket.EINVALID, "request_id", "request_id wajib diisi")
	}
	var o *loket.Order
	if err == nil {
		o, err = h.svc.Orders.OrderByRef(r.Context(), ra.ID, ref)
	}
	if err != nil {
		out.RC, out.Message = rcOf(opOrder, err)
		if ra != nil {
			out.Balance = h.balance(r.Context(), ra.ID)
		}
		writeJSON(w, httpStatus(out.RC), out)
		return
	}
	writeJSON(w, http.StatusOK, h.orderBody(o, h.balance(r.Context(), ra.ID)))
}

// --- the purchase itself ------------------------------------------------------------

type purchaseReq struct {
	Code, MSISDN, RequestID string
	Extra                   map[string]string // further parameters: form fields of games
}

// purchase places (or finds again) an order and answers in the seed's shape.
func (h *handler) purchase(ctx context.Context, ra *loket.ResellerAuth, req purchaseReq, surface string) purchaseBody {
	req.Code, req.MSISDN, req.RequestID = strings.TrimSpace(req.Code), strings.TrimSpace(req.MSISDN), strings.TrimSpace(req.RequestID)
	out := purchaseBody{Code: clip(req.Code, 64), MSISDN: clip(req.MSISDN, 64), RequestID: clip(req.RequestID, 64)}
	fail := func(err error) purchaseBody {
		out.RC, out.Message = rcOf(opOrder, err)
		out.Balance = h.balance(ctx, ra.ID)
		return out
	}
	for _, f := range []struct{ name, v string }{{"code", req.Code}, {"msisdn", req.MSISDN}, {"request_id", req.RequestID}} {
		if f.v == "" {
			return fail(loket.FieldError(loket.EINVALID, f.name, "%s wajib diisi", f.name))
		}
	}
	// A used request_id answers with that transaction as it is now, before anything
	// else is checked: the product may have closed since, the balance may be short.
	if o, err := h.svc.Orders.OrderByRef(ctx, ra.ID, req.RequestID); err == nil {
		if !sameOrder(o, req) {
			return fail(loket.Errorf(loket.ECONFLICT, "request_id used"))
		}
		return h.orderBody(o, h.balance(ctx, ra.ID))
	} else if loket.ErrorCode(err) != loket.ENOTFOUND {
		return fail(err)
	}
	p, err := h.svc.Network.Product(ctx, ra, req.Code)
	if err != nil {
		return fail(err)
	}
	out.Price = p.Price
	if p.Price <= 0 {
		return fail(loket.Errorf(loket.EPRICE, "price not set"))
	}
	or := loket.OrderRequest{Product: p.Code, RefID: req.RequestID, Surface: surface}
	if len(p.Forms) > 0 {
		// A game: msisdn is the form's first field (the account id); the others may be
		// sent as extra parameters under their own keys (e.g. server).
		or.Fields = map[string]string{p.Forms[0].Key: req.MSISDN}
		for _, f := range p.Forms[1:] {
			if v, ok := req.Extra[strings.ToLower(f.Key)]; ok {
				or.Fields[f.Key] = v
			}
		}
	} else {
		or.Target = req.MSISDN
	}
	o, _, err := h.svc.Orders.CreateOrder(ctx, ra, or)
	if err != nil {
		return fail(err)
	}
	return h.orderBody(o, h.balance(ctx, ra.ID))
}

// sameOrder reports whether a repeated request_id asks for the order it named before.
func sameOrder(o *loket.Order, req purchaseReq) bool {
	if !strings.EqualFold(o.ProductCode, req.Code) {
		return false
	}
	for k, v := range o.Fields {
		if got, ok := req.Extra[strings.ToLower(k)]; ok && strings.TrimSpace(got) != v {
			return false
		}
	}
	if o.Target == req.MSISDN {
		return true
	}
	a, ok1 := loket.NormalizeMSISDN(o.Target)
	b, ok2 := loket.NormalizeMSISDN(req.MSISDN)
	return ok1 && ok2 && a == b
}

func (h *handler) orderBody(o *loket.Order, balance loket.Money) purchaseBody {
	rc, msg := stateOf(o)
	return purchaseBody{Code: o.ProductCode, MSISDN: o.Target, RequestID: o.RefID, RC: rc, TrxID: o.ID,
		Price: o.Price, Balance: balance, SN: o.SN, Message: msg}
}

// balance is a reseller's balance now, or 0 when it cannot be read (it is shown, not
// relied on).
func (h *handler) balance(ctx context.Context, id int64) loket.Money {
	r, err := h.svc.Resellers.Reseller(ctx, id, "")
	if err != nil {
		return 0
	}
	return r.Balance
}

// --- reports -----------------------------------------------------------------------

// reportJSON renders a final state of an order placed over JSON/GET/form: the purchase
// shape, with the balance right after the settlement (refund included).
func (h *handler) reportJSON(o *loket.Order, balance loket.Money) (string, string, []byte, error) {
	b, err := json.Marshal(h.orderBody(o, balance))
	return "order.updated", "application/json", b, err
}

// reportXML renders the seed's topUpReport of an order placed over XML-RPC.
func (h *handler) reportXML(o *loket.Order, _ loket.Money) (string, string, []byte, error) {
	rc, msg := stateOf(o)
	var b bytes.Buffer
	writeMethodCall(&b, "topUpReport", []member{
		{"RESPONSECODE", rc}, {"REQUESTID", o.RefID}, {"MESSAGE", msg}, {"TRANSACTIONID", strconv.FormatInt(o.ID, 10)},
		{"SN", o.SN}, {"MSISDN", o.Target}, {"PRICE", o.Price.String()},
	})
	return "topUpReport", "text/xml", b.Bytes(), nil
}

func clip(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "")
}
