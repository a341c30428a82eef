package digiflazz

import (
	"context"
	"net/http"
	"strings"

	"github.com/loket/loket/internal/compat/input"
	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
)

// trxData is the data of a top-up's answer (docs: Topup), of its status check and,
// with trx_id, of a webhook.
type trxData struct {
	TrxID          string      `json:"trx_id,omitempty"`
	RefID          string      `json:"ref_id"`
	CustomerNo     string      `json:"customer_no"`
	BuyerSKUCode   string      `json:"buyer_sku_code"`
	Message        string      `json:"message"`
	Status         string      `json:"status"`
	RC             string      `json:"rc"`
	SN             string      `json:"sn"`
	BuyerLastSaldo loket.Money `json:"buyer_last_saldo"`
	Price          loket.Money `json:"price"`
	Tele           string      `json:"tele"`
	WA             string      `json:"wa"`
}

// trxRequest is what a top-up asks for.
type trxRequest struct {
	username, sku, customerNo, refID string
	maxPrice                         loket.Money
	cbURL                            string
	testing                          bool
	command                          string // a postpaid command (pasca.go), "" for a top-up
}

// readTrx reads a top-up's parameters. ref_id must be what the order keeps, exactly
// as sent: the signature is made over it, and it is the order's key.
func readTrx(q request) (trxRequest, error) {
	var t trxRequest
	var err error
	for _, f := range []struct {
		key string
		v   *string
	}{{"username", &t.username}, {"buyer_sku_code", &t.sku}, {"customer_no", &t.customerNo}, {"ref_id", &t.refID}} {
		if *f.v, err = q.need(f.key); err != nil {
			return t, err
		}
	}
	if t.refID != q.raw("ref_id") || len(t.refID) > loket.MaxRefLen || !loket.Printable(t.refID) {
		return t, payloadError("Payload Error: ref_id harus 1-%d karakter yang dapat dicetak, tanpa spasi di awal atau akhir", loket.MaxRefLen)
	}
	switch cmd := strings.ToLower(q.Get("commands")); cmd {
	case "", cmdInquire, cmdPay, cmdStatus:
		t.command = cmd
	default:
		return t, payloadError("Payload Error: commands harus %s, %s, %s atau %s", cmdInquire, cmdPay, cmdStatus, cmdPLNCheck)
	}
	if t.maxPrice, err = parseMaxPrice(q.Get("max_price")); err != nil {
		return t, err
	}
	t.cbURL = q.Get("cb_url")
	t.testing = truthy(q.Get("testing"))
	return t, nil
}

// refused is a refusal's data: Digiflazz's transaction shape, status Gagal, with
// what the request said.
func refused(t trxRequest, rc, message string, balance loket.Money) trxData {
	return trxData{RefID: t.refID, CustomerNo: t.customerNo, BuyerSKUCode: t.sku, Message: message, Status: statusFailed,
		RC: rc, BuyerLastSaldo: balance}
}

// failTrx answers a refused top-up in Digiflazz's transaction shape. A fault of
// Loket's own (HTTP 500) reads Pending with rc 99: whether the order was written is
// not known, and a status check (the same request again) finds out.
func (h *handler) failTrx(w http.ResponseWriter, t trxRequest, err error, balance loket.Money) {
	status, rc, msg := h.status(w, err)
	d := refused(t, rc, msg, balance)
	if status >= 500 {
		d.Status = statusPending
	}
	httpx.WriteJSON(w, status, envelope{Data: d})
}

func (h *handler) transaction(w http.ResponseWriter, r *http.Request, q request) {
	ctx := r.Context()
	if strings.EqualFold(q.Get("commands"), cmdPLNCheck) {
		h.plnCheck(w, r, q)
		return
	}
	t, err := readTrx(q)
	fail := h.failTrx
	if q.Get("commands") != "" {
		fail = h.failPasca // the postpaid shape, even when the body is refused
	}
	if err != nil {
		fail(w, t, err, 0)
		return
	}
	ra, err := h.authenticate(ctx, r, q, t.refID)
	if err != nil {
		fail(w, t, err, 0)
		return
	}
	if t.command != "" {
		h.pasca(w, r, ra, t)
		return
	}
	if t.testing {
		h.testTrx(w, r, ra, t)
		return
	}
	// A ref_id seen before is a status check: the order as it is now, whatever the
	// catalog says today; never a second order.
	o, err := h.svc.Orders.OrderByRef(ctx, ra.ID, t.refID)
	switch {
	case err == nil:
		h.answerExisting(w, r, ra, t, o)
		return
	case loket.ErrorCode(err) != loket.ENOTFOUND:
		h.failTrx(w, t, err, h.balanceOf(ctx, ra))
		return
	}
	if t.cbURL != "" {
		// Kept before the order is written, so that no settlement comes first.
		if err := h.svc.Webhooks.SetOrderURL(ctx, ra.ID, t.refID, t.cbURL); err != nil {
			h.failTrx(w, t, cbError(err), h.balanceOf(ctx, ra))
			return
		}
	}
	o, created, err := h.svc.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: t.sku, Target: t.customerNo,
		RefID: t.refID, MaxPrice: t.maxPrice, Surface: Surface})
	if err != nil {
		if status, _, _ := reply(err); t.cbURL != "" && status < 500 && loket.ErrorCode(err) != loket.ECONFLICT {
			// Refused: no order has this ref_id, so its report address goes too. (A
			// fault of Loket's own may have written the order: its cb_url stays.)
			if derr := h.svc.Webhooks.SetOrderURL(ctx, ra.ID, t.refID, ""); derr != nil {
				h.log.Warn("digiflazz: forgetting a refused order's cb_url", "err", derr)
			}
		}
		h.failTrx(w, t, err, h.balanceOf(ctx, ra))
		return
	}
	if !created {
		// The same ref_id came twice at once: the other request wrote it.
		h.answerExisting(w, r, ra, t, o)
		return
	}
	h.answer(w, r, ra, o, t.customerNo)
}

// cbError words a cb_url the webhook checks refuse.
func cbError(err error) error {
	if _, isText := input.TextMessage(err); isText {
		return err
	}
	if loket.ErrorCode(err) == loket.EINVALID {
		return payloadError("Payload Error: cb_url tidak valid (%s)", loket.ErrorMessage(err))
	}
	return err
}

// answerExisting answers a top-up whose ref_id names an order already: its state if
// the request is the same (Digiflazz's status check), rc 49 if it is another.
func (h *handler) answerExisting(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth, t trxRequest, o *loket.Order) {
	if !strings.EqualFold(o.ProductCode, t.sku) || !sameTarget(o.Target, t.customerNo) {
		h.failTrx(w, t, loket.Errorf(loket.ECONFLICT, "ref_id used by another order"), h.balanceOf(r.Context(), ra))
		return
	}
	h.answer(w, r, ra, o, t.customerNo)
}

// sameTarget reports whether a request's customer_no is the order's target, as Loket
// normalised it (a mobile number may come as 62812... or 0812...).
func sameTarget(target, customerNo string) bool {
	customerNo = strings.TrimSpace(customerNo)
	if target == customerNo {
		return true
	}
	n, ok := loket.NormalizeMSISDN(customerNo)
	return ok && n == target
}

// balanceOf is the reseller's balance now, for buyer_last_saldo (0 if it cannot be
// read: the field is information, not a promise).
func (h *handler) balanceOf(ctx context.Context, ra *loket.ResellerAuth) loket.Money {
	rs, err := h.svc.Resellers.Reseller(ctx, ra.ID, "")
	if err != nil {
		return 0
	}
	return rs.Balance
}

// orderData is an order in Digiflazz's words.
func orderData(o *loket.Order, customerNo string, balance loket.Money) trxData {
	d := trxData{RefID: o.RefID, CustomerNo: customerNo, BuyerSKUCode: o.ProductCode, SN: o.SN, BuyerLastSaldo: balance, Price: o.Price}
	switch o.Status {
	case loket.StatusSuccess:
		d.Status, d.RC, d.Message = statusSuccess, rcSuccess, messageSuccess
	case loket.StatusFailed:
		d.Status, d.RC, d.Message, d.SN = statusFailed, rcFailed, messageFailed, ""
	default:
		d.Status, d.RC, d.Message, d.SN = statusPending, rcPending, messagePending, ""
	}
	return d
}

// answer writes an order's state as a top-up's answer. customer_no is said back as
// the request wrote it (a client compares it with what it sent).
func (h *handler) answer(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth, o *loket.Order, customerNo string) {
	ok(w, orderData(o, customerNo, h.balanceOf(r.Context(), ra)))
}
