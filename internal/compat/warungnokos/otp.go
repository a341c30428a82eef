package warungnokos

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
)

// Buying numbers: otp/order, otp/status, otp/set_status are Loket's virtual-number
// activations (docs/virtual-numbers.md), in the seed's words.

// Activation trxIds are "WN" and ten digits, the activation id zero-padded
// ("WN0000000125"), below the deposits' range (depositBase): which kind a trxId names
// needs no lookup. A trxId is only looked up among the caller's own activations.
func activationTrxID(id int64) string { return fmt.Sprintf("WN%010d", id) }

// activationID reads an activation trxId back ("WN0000000125", the letters in any case).
func activationID(trx string) (int64, bool) {
	trx = strings.TrimSpace(trx)
	if len(trx) < 3 || !strings.EqualFold(trx[:2], "WN") {
		return 0, false
	}
	digits := trx[2:]
	if strings.Trim(digits, "0123456789") != "" || len(digits) > 12 {
		return 0, false
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n <= 0 || n >= depositBase {
		return 0, false
	}
	return n, true
}

// otpStatus is the seed's word for an activation: waiting (for a code, also again after
// a resend, and while it is being rented: then without a phoneNumber yet), completed (a
// code is here, or it is done), canceled (refunded: canceled, timed out, or no number
// could be rented).
func otpStatus(a *loket.Activation) string {
	switch a.State {
	case loket.VNReceived, loket.VNDone:
		return "completed"
	case loket.VNCanceled, loket.VNFailed:
		return "canceled"
	}
	return "waiting"
}

// msgPreparing tells a reseller that its number is not there yet: the supplier's
// answer to the rent was lost and it is being asked (the price stays reserved).
const msgPreparing = "Nomor sedang disiapkan. Cek otp/status lagi beberapa saat lagi; saldo hanya terpakai jika kode OTP masuk."

// isoMillis is the seed's createdAt: UTC ISO 8601 with milliseconds.
func isoMillis(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

type orderView struct {
	TrxID       string      `json:"trxId"`
	ServiceName string      `json:"serviceName"`
	PhoneNumber string      `json:"phoneNumber"`
	Amount      loket.Money `json:"amount"`
	Status      string      `json:"status"`
	CreatedAt   string      `json:"createdAt"`
	// Beyond the seed: what was charged, and when the activation closes; the ref_id
	// the order was sent with; while the number is being prepared (status waiting, no
	// phoneNumber yet), a message that says so.
	Price     loket.Money `json:"price"`
	ExpiresAt string      `json:"expiresAt"`
	RefID     string      `json:"ref_id,omitempty"`
	Message   string      `json:"message,omitempty"`
}

func newOrderView(act *loket.Activation) orderView {
	v := orderView{TrxID: activationTrxID(act.ID), ServiceName: act.ServiceName, PhoneNumber: act.Phone, Amount: act.PriceJual,
		Status: otpStatus(act), CreatedAt: isoMillis(act.CreatedAt), Price: act.Price, ExpiresAt: isoMillis(act.ExpiresAt), RefID: act.RefID}
	if act.State == loket.VNRenting {
		v.Message = msgPreparing
	}
	return v
}

// order: POST otp/order {number_id, provider_id, operator_id, price_jual, service_name}.
// amount echoes price_jual, as the seed's example does; price is what was charged.
// Beyond the seed, ref_id makes the order idempotent (the same ref_id again answers
// the same activation) and findable with otp/orders, as a Loket buying here sends it.
// A number whose rent is still being settled answers status waiting without a
// phoneNumber, and a message.
func (h *handler) order(w http.ResponseWriter, r *http.Request, c *call) {
	for _, k := range []string{"number_id", "provider_id", "operator_id", "price_jual"} {
		if c.p.get(k) == "" {
			h.fail(w, loket.FieldError(loket.EINVALID, k, "%s wajib diisi.", k))
			return
		}
	}
	numberID, isID := parseID(c.p.get("number_id"))
	if !isID {
		h.fail(w, loket.FieldError(loket.EINVALID, "number_id", "number_id tidak valid: pakai number_id dari daftar negara."))
		return
	}
	priceJual, isNum := parseID(c.p.get("price_jual"))
	if !isNum || loket.Money(priceJual) > loket.MaxAmount {
		h.fail(w, loket.FieldError(loket.EINVALID, "price_jual", "price_jual harus berupa angka bulat lebih dari 0."))
		return
	}
	provider, operator := c.p.get("provider_id"), c.p.get("operator_id")
	if err := h.checkNumber(r, c.p.get("number_id"), provider, operator); err != nil {
		h.fail(w, err)
		return
	}
	svc, err := h.orderService(r, c, numberID, provider)
	if err != nil {
		h.fail(w, err)
		return
	}
	var maxPrice loket.Money
	if v := c.p.get("max_price", "maxPrice"); v != "" {
		n, ok := parseID(v)
		if !ok || loket.Money(n) > loket.MaxAmount {
			h.fail(w, loket.FieldError(loket.EINVALID, "max_price", "max_price harus berupa angka bulat lebih dari 0."))
			return
		}
		maxPrice = loket.Money(n)
	}
	req := loket.NumberRequest{RefID: c.p.get("ref_id", "refId"), NumberID: numberID, ProviderID: provider, OperatorID: operator, PriceJual: loket.Money(priceJual),
		MaxPrice: maxPrice, Surface: surface}
	if svc != nil {
		req.ServiceCode = svc.Code
	}
	act, _, err := h.svc.Numbers.OrderNumber(r.Context(), c.ra, req)
	if err != nil {
		h.fail(w, err)
		return
	}
	ok(w, newOrderView(act))
}

// orders: GET otp/orders?ref_id=, beyond the seed: the caller's activation ordered
// with that ref_id, as a list of none or one, with the ref_id echoed:
// {"success":true,"ref_id":"LV12","data":[{...otp/order's data...}]}. A Loket that
// lost the answer to an otp/order here finds by it whether a number was rented.
func (h *handler) orders(w http.ResponseWriter, r *http.Request, c *call) {
	ref := c.arg(0, "ref_id", "refId")
	if ref == "" {
		h.fail(w, loket.FieldError(loket.EINVALID, "ref_id", "ref_id wajib diisi."))
		return
	}
	list := []orderView{}
	act, err := h.svc.Numbers.ActivationByRef(r.Context(), c.ra.ID, ref)
	switch {
	case err == nil:
		list = append(list, newOrderView(act))
	case loket.ErrorCode(err) != loket.ENOTFOUND:
		h.fail(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"success": true, "ref_id": ref, "data": list})
}

// orderService is the service an order names: service_code (beyond the seed) or the
// service_name label, among those the country and provider sell. For an order that
// names none it is nil, and the numbers service takes the first they sell
// (loket.NumberRequest).
func (h *handler) orderService(r *http.Request, c *call, numberID int64, provider string) (*loket.VNService, error) {
	if v := c.p.get("service_code", "service_id", "serviceId"); v != "" {
		return h.service(r, v)
	}
	name := c.p.get("service_name", "serviceName", "service")
	if name == "" {
		return nil, nil
	}
	at, err := h.svc.Numbers.ServicesAt(r.Context(), numberID, provider)
	if err != nil {
		return nil, err
	}
	for _, s := range at {
		if s.Active && (strings.EqualFold(s.Name, name) || strconv.FormatInt(s.Code, 10) == name) {
			return &s, nil
		}
	}
	return nil, loket.FieldError(loket.ENOTFOUND, "service_name", "Layanan %q tidak tersedia untuk number_id %d dan provider_id %s.", name, numberID, provider)
}

type statusView struct {
	Success bool   `json:"success"`
	Status  string `json:"status"`
	OTPCode string `json:"otp_code"`
	// Beyond the seed: the number, the full text of the latest SMS, every code so far
	// (oldest first) and every SMS.
	TrxID       string       `json:"trxId"`
	PhoneNumber string       `json:"phoneNumber"`
	SMS         string       `json:"sms"`
	OTPCodes    []string     `json:"otp_codes"`
	Messages    []smsView    `json:"messages"`
	ExpiresAt   string       `json:"expiresAt"`
	Detail      *statusExtra `json:"detail,omitempty"`
}

type smsView struct {
	Code       string `json:"code"`
	Text       string `json:"text"`
	ReceivedAt string `json:"receivedAt"`
}

type statusExtra struct {
	Message string `json:"message"`
}

// orderStatus: GET otp/status/{orderId}. A read of Loket's own row, never a call
// upstream: polling it every 4-5 s, as the seed advises, costs one indexed read.
// otp_code is the latest code while the status is completed, "" otherwise (after a
// resend the status is waiting again until the new code arrives).
func (h *handler) orderStatus(w http.ResponseWriter, r *http.Request, c *call) {
	trx := c.arg(0, "orderId", "trxId", "order_id", "id")
	if trx == "" {
		h.fail(w, loket.Errorf(loket.EINVALID, "orderId wajib diisi (contoh: /otp/status/WN0000000125)."))
		return
	}
	act, err := h.activation(r, c, trx)
	if err != nil {
		h.fail(w, err)
		return
	}
	v := statusView{Success: true, Status: otpStatus(act), TrxID: activationTrxID(act.ID), PhoneNumber: act.Phone,
		OTPCodes: []string{}, Messages: []smsView{}, ExpiresAt: isoMillis(act.ExpiresAt)}
	for _, m := range act.SMS {
		v.OTPCodes = append(v.OTPCodes, m.Code)
		v.Messages = append(v.Messages, smsView{Code: m.Code, Text: m.Text, ReceivedAt: isoMillis(m.ReceivedAt)})
		v.SMS = m.Text
	}
	if v.Status == "completed" && len(act.SMS) > 0 {
		v.OTPCode = act.SMS[len(act.SMS)-1].Code
	}
	switch act.State {
	case loket.VNRenting:
		v.Detail = &statusExtra{Message: msgPreparing}
	case loket.VNFailed:
		v.Detail = &statusExtra{Message: "Nomor tidak tersedia. Saldo dikembalikan."}
	case loket.VNCanceled:
		v.Detail = &statusExtra{Message: "Pesanan dibatalkan. Saldo dikembalikan."}
		if act.Message == loket.MsgTimeout {
			v.Detail.Message = "Waktu habis tanpa SMS. Pesanan dibatalkan dan saldo dikembalikan."
		}
	}
	writeJSON(w, v)
}

// activation finds the caller's activation a trxId names.
func (h *handler) activation(r *http.Request, c *call, trx string) (*loket.Activation, error) {
	id, ok := activationID(trx)
	if !ok {
		return nil, loket.Errorf(loket.ENOTFOUND, "Pesanan %s tidak ditemukan.", clipTrx(trx))
	}
	act, err := h.svc.Numbers.Activation(r.Context(), c.ra.ID, id)
	if loket.ErrorCode(err) == loket.ENOTFOUND {
		return nil, loket.Errorf(loket.ENOTFOUND, "Pesanan %s tidak ditemukan.", clipTrx(trx))
	}
	return act, err
}

func clipTrx(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// setStatus: POST otp/set_status {trxId, action_status: cancel | done | resend}.
func (h *handler) setStatus(w http.ResponseWriter, r *http.Request, c *call) {
	trx := c.p.get("trxId", "orderId", "trx_id")
	action := strings.ToLower(c.p.get("action_status", "action"))
	switch {
	case trx == "":
		h.fail(w, loket.FieldError(loket.EINVALID, "trxId", "trxId wajib diisi."))
		return
	case action == "":
		h.fail(w, loket.FieldError(loket.EINVALID, "action_status", "action_status wajib diisi: cancel, done atau resend."))
		return
	case action != "cancel" && action != "done" && action != "resend":
		h.fail(w, loket.FieldError(loket.EINVALID, "action_status", "action_status tidak dikenal: %q (pilih cancel, done atau resend).", action))
		return
	}
	act, err := h.activation(r, c, trx)
	if err != nil {
		h.fail(w, err)
		return
	}
	switch action {
	case "cancel":
		_, err = h.svc.Numbers.CancelNumber(r.Context(), c.ra, act.ID)
	case "done":
		_, err = h.svc.Numbers.FinishNumber(r.Context(), c.ra, act.ID)
	case "resend":
		_, err = h.svc.Numbers.ResendNumber(r.Context(), c.ra, act.ID)
	}
	if err != nil {
		h.fail(w, numberErr{err: err, action: action})
		return
	}
	writeJSON(w, map[string]any{"success": true, "message": "Status berhasil diubah menjadi " + action})
}

// numberErr carries the action a refused set_status was for, so its message can say
// what to do instead.
type numberErr struct {
	err    error
	action string
}

func (e numberErr) Error() string { return e.err.Error() }
func (e numberErr) Unwrap() error { return e.err }

// numberMessage words a refused activation request in the seed's language; ok is false
// for errors that are not about an activation.
func numberMessage(err error) (string, bool) {
	var ne *loket.Error
	if !errors.As(err, &ne) || ne.Reason == "" {
		return "", false
	}
	action := ""
	var ae numberErr
	if errors.As(err, &ae) {
		action = ae.action
	}
	switch ne.Reason {
	case loket.ReasonTooEarly:
		wait := max(time.Until(ne.RetryAt).Round(time.Second), time.Second)
		return fmt.Sprintf("Pembatalan bisa dilakukan setelah %s WIB (%s lagi).", ne.RetryAt.In(wib).Format("15:04:05"), wait), true
	case loket.ReasonCodeReceived:
		return "SMS sudah masuk, pesanan tidak bisa dibatalkan. Gunakan done atau resend.", true
	case loket.ReasonNoCode:
		if action == "resend" {
			return "Belum ada SMS masuk, belum bisa kirim ulang kode.", true
		}
		return "Belum ada SMS masuk. Tunggu kode OTP atau batalkan pesanan.", true
	case loket.ReasonClosed:
		return "Pesanan sudah selesai atau dibatalkan, status tidak bisa diubah.", true
	case loket.ReasonBusy:
		return msgPreparing, true
	case loket.ReasonRefused:
		return "Permintaan ditolak server. Cek status pesanan lalu coba lagi.", true
	case loket.ReasonUnreachable:
		return "Server sedang sibuk, coba lagi sebentar.", true
	case loket.ReasonNoNumber:
		return "Stok nomor habis. Pesanan tidak dibuat dan saldo tidak dipotong.", true
	}
	return "", false
}

// writeJSON writes a 200 answer as is (no data envelope).
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// smsWebhook is what a reseller on this surface receives when a number gets an SMS:
// the status answer's fields, with the trxId and the new message.
type smsWebhook struct {
	Event       string `json:"event"`
	TrxID       string `json:"trxId"`
	ServiceName string `json:"serviceName"`
	PhoneNumber string `json:"phoneNumber"`
	Status      string `json:"status"`
	OTPCode     string `json:"otp_code"`
	SMS         string `json:"sms"`
	ReceivedAt  string `json:"receivedAt"`
}

func notifySMS(a *loket.Activation, m loket.VNSMS) (string, string, []byte, error) {
	b, err := json.Marshal(smsWebhook{Event: "otp.received", TrxID: activationTrxID(a.ID), ServiceName: a.ServiceName, PhoneNumber: a.Phone,
		Status: "completed", OTPCode: m.Code, SMS: m.Text, ReceivedAt: isoMillis(m.ReceivedAt)})
	return "otp.received", "application/json", b, err
}
