package chestcloudx

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
)

// Deposits: payment/deposit opens a QRIS deposit, payment/status/{orderId} and
// payment/history show them, payment/cancel/{orderId} (a Loket addition) cancels one.
// The public orderId is "DEP-" + the Loket deposit id: lookups are scoped to the key's
// reseller, so a guessed id shows nothing of anyone else's.

const (
	depositPrefix   = "DEP-"
	maxOpenDeposits = 3   // the core's limit, for the message only
	historyLimit    = 100 // payment/history shows this many, newest first
	expiryLayout    = "2006-01-02 15:04:05"
)

// depositError marks an error of a deposit endpoint, so errorOf words it for deposits.
type depositError struct{ err error }

func (e depositError) Error() string { return e.err.Error() }
func (e depositError) Unwrap() error { return e.err }

func (h *handler) depositFail(w http.ResponseWriter, err error) { h.fail(w, depositError{err}) }

// depositOrderID is a deposit's public id.
func depositOrderID(d *loket.Deposit) string { return depositPrefix + strconv.FormatInt(d.ID, 10) }

// parseOrderID reads "DEP-55" (any case) or a bare "55".
func parseOrderID(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if len(s) >= len(depositPrefix) && strings.EqualFold(s[:len(depositPrefix)], depositPrefix) {
		s = s[len(depositPrefix):]
	}
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	return parseID(s)
}

// depositStatusWord is a Loket deposit state in the seed's (Midtrans-style) words.
func depositStatusWord(status string) string {
	switch status {
	case loket.DepositSuccess:
		return "settlement"
	case loket.DepositExpired:
		return "expired"
	case loket.DepositCancel:
		return "cancel"
	}
	return "pending"
}

// createDeposit: payment/deposit {amount, fee}. The fee Loket charges is the unique
// code added to the amount (amountToPay - amount); a client cannot set one, so a
// non-zero fee is refused rather than silently not added.
func (h *handler) createDeposit(w http.ResponseWriter, r *http.Request, p params, ra *loket.ResellerAuth) {
	raw := p.get("amount", "nominal")
	if raw == "" {
		h.depositFail(w, loket.Errorf(loket.EINVALID, "amount wajib diisi."))
		return
	}
	amount, isNum := parseID(raw)
	if !isNum {
		h.depositFail(w, loket.Errorf(loket.EINVALID, "amount harus bilangan bulat positif (rupiah)."))
		return
	}
	if fee := strings.TrimSpace(p.get("fee")); fee != "" {
		if f, err := strconv.ParseFloat(fee, 64); err != nil || f != 0 {
			h.depositFail(w, loket.Errorf(loket.EINVALID, "fee harus 0: biaya deposit adalah kode unik yang ditambahkan ke amountToPay."))
			return
		}
	}
	d, err := h.svc.Deposits.CreateDeposit(r.Context(), ra, loket.MethodQRIS, loket.Money(amount), surface)
	if err != nil {
		h.depositFail(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"status": "success", "data": map[string]any{
		"orderId":     depositOrderID(d),
		"amountToPay": d.Total,
		"qrCodeUrl":   h.svc.Deposits.PublicQRURL(d),
		"expiryTime":  d.ExpiresAt.In(wib).Format(expiryLayout),
	}})
}

// depositView is a deposit as payment/status and payment/history show it.
func depositView(d *loket.Deposit) map[string]any {
	return map[string]any{"orderId": depositOrderID(d), "status": depositStatusWord(d.Status), "amount": d.Amount}
}

// depositLookup reads the deposit id from the path (or, without one, the orderId
// parameter); an id that is not one of ours is not found.
func (h *handler) depositLookup(w http.ResponseWriter, pathID string, p params) (int64, bool) {
	ref := pathID
	if ref == "" {
		ref = p.get("orderId", "order_id", "id")
	}
	if ref == "" {
		h.depositFail(w, loket.Errorf(loket.EINVALID, "orderId wajib diisi."))
		return 0, false
	}
	id, valid := parseOrderID(ref)
	if !valid {
		h.depositFail(w, loket.Errorf(loket.ENOTFOUND, "no such deposit"))
		return 0, false
	}
	return id, true
}

// depositStatus: payment/status/{orderId}, answered without an envelope as the seed shows.
func (h *handler) depositStatus(pathID string) authedFunc {
	return func(w http.ResponseWriter, r *http.Request, p params, ra *loket.ResellerAuth) {
		id, found := h.depositLookup(w, pathID, p)
		if !found {
			return
		}
		d, err := h.svc.Deposits.Deposit(r.Context(), id, ra.ID)
		if err != nil {
			h.depositFail(w, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, depositView(d))
	}
}

// cancelDeposit: payment/cancel/{orderId}, a Loket addition, answered like payment/status.
func (h *handler) cancelDeposit(pathID string) authedFunc {
	return func(w http.ResponseWriter, r *http.Request, p params, ra *loket.ResellerAuth) {
		id, found := h.depositLookup(w, pathID, p)
		if !found {
			return
		}
		// Looked up first, so another reseller's id is not found rather than "not open".
		if _, err := h.svc.Deposits.Deposit(r.Context(), id, ra.ID); err != nil {
			h.depositFail(w, err)
			return
		}
		d, err := h.svc.Deposits.CancelDeposit(r.Context(), ra, id)
		if err != nil {
			h.depositFail(w, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, depositView(d))
	}
}

// depositHistory: payment/history, the caller's newest deposits first.
func (h *handler) depositHistory(w http.ResponseWriter, r *http.Request, _ params, ra *loket.ResellerAuth) {
	ds, err := h.svc.Deposits.Deposits(r.Context(), ra.ID, historyLimit)
	if err != nil {
		h.depositFail(w, err)
		return
	}
	out := make([]map[string]any, 0, len(ds))
	for _, d := range ds {
		out = append(out, depositView(d))
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"status": "success", "data": out})
}
