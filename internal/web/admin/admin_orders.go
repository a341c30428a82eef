package admin

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
)

type adminOrdersData struct {
	Ref, Target, Reseller, Status string
	Stuck                         bool
	Orders                        []*loket.OrderRow
	Next                          int64
}

// adminOrders lists orders, searched by ref, target, reseller and status, or the
// stuck ones (pending past the deadline).
func (h *Handler) adminOrders(w http.ResponseWriter, r *http.Request, s *web.Session) {
	q := r.URL.Query()
	d := adminOrdersData{Ref: strings.TrimSpace(q.Get("ref")), Target: strings.TrimSpace(q.Get("target")),
		Reseller: strings.ToLower(strings.TrimSpace(q.Get("reseller"))), Status: q.Get("status"), Stuck: q.Get("stuck") == "1"}
	ctx := r.Context()
	var err error
	if d.Stuck {
		d.Orders, err = h.svc.Reports.PendingOrders(ctx, true, 200)
	} else {
		f := loket.OrderSearch{Ref: d.Ref, Target: d.Target, Limit: 50}
		switch d.Status {
		case loket.StatusPending, loket.StatusSuccess, loket.StatusFailed:
			f.Status = d.Status
		default:
			d.Status = ""
		}
		f.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
		if d.Reseller != "" {
			res, rerr := h.svc.Resellers.Reseller(ctx, 0, d.Reseller)
			if rerr != nil {
				p := h.NewPage(w, r, s, "Pesanan", "orders", d)
				p.Error = p.T("Reseller tidak ditemukan.")
				h.Render(w, http.StatusOK, "admin_orders", p)
				return
			}
			f.ResellerID = res.ID
		}
		// A phone number is stored as 08...: search for it so written, and for the
		// text as typed when that finds nothing (a game ID is not a phone number).
		if n, ok := loket.NormalizeMSISDN(d.Target); ok && n != d.Target {
			f.Target = n
			if d.Orders, err = h.svc.Reports.SearchOrders(ctx, f); err == nil && len(d.Orders) == 0 {
				f.Target = d.Target
			}
		}
		if len(d.Orders) == 0 && err == nil {
			d.Orders, err = h.svc.Reports.SearchOrders(ctx, f)
		}
		if err == nil && len(d.Orders) == f.Limit {
			d.Next = d.Orders[len(d.Orders)-1].ID
		}
	}
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	h.Render(w, http.StatusOK, "admin_orders", h.NewPage(w, r, s, "Pesanan", "orders", d))
}

type adminOrderData struct {
	Order    *loket.OrderRow
	Attempts []loket.Attempt
	Names    map[int64]string // supplier id -> name
	Webhooks []*loket.Webhook
	Pending  bool
	Dropship *loket.Dropship // a dropship order's payment, margin and refund
	Bill     *loket.Inquiry  // the inquiry a bill's payment pays: its supplier's cost
}

func (h *Handler) adminOrder(w http.ResponseWriter, r *http.Request, s *web.Session) {
	id, ok := web.PathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	ctx := r.Context()
	o, err := h.svc.Reports.OrderRowByID(ctx, id)
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	d := adminOrderData{Order: o, Names: map[int64]string{}, Pending: o.Status == loket.StatusPending}
	if d.Attempts, err = h.svc.Orders.Attempts(ctx, id); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	for _, st := range h.svc.Orders.Suppliers() {
		d.Names[st.ID] = st.Name
	}
	if d.Webhooks, err = h.svc.Reports.OrderWebhooks(ctx, o.ResellerID, id); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	if o.InquiryID != 0 {
		if full, err := h.svc.Orders.Order(ctx, 0, id); err == nil {
			d.Bill = full.Inquiry
		}
	}
	if ds, err := h.svc.Dropship.Dropship(ctx, id); err == nil {
		d.Dropship = ds
		// An unpaid dropship order has nothing to settle by hand; it expires on its own.
		d.Pending = d.Pending && ds.PaymentStatus == loket.PaymentSettlement
	}
	h.Render(w, http.StatusOK, "admin_order", h.NewPage(w, r, s, "Pesanan", "orders", d))
}

// adminSettle decides a pending order by hand: success with an SN, or failure with a
// refund (the hold is voided). The app settles it as the jobs would, once.
func (h *Handler) adminSettle(w http.ResponseWriter, r *http.Request, s *web.Session) {
	id, ok := web.PathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	to := "/admin/orders/" + strconv.FormatInt(id, 10)
	success := r.PostFormValue("outcome") == "success"
	sn, note := strings.TrimSpace(r.PostFormValue("sn")), strings.TrimSpace(r.PostFormValue("note"))
	p := &web.Page{Lang: web.Lang(r)}
	if success && sn == "" {
		h.Back(w, r, to, "err", p.T("SN wajib diisi untuk menyatakan sukses."))
		return
	}
	if note == "" {
		h.Back(w, r, to, "err", p.T("Catatan wajib diisi."))
		return
	}
	h.log.Info("dashboard settle", "admin", s.Username, "order", id, "success", success)
	if _, err := h.svc.Orders.SettleByOperator(r.Context(), id, success, sn, note); err != nil {
		h.Back(w, r, to, "err", h.ErrText(r, err))
		return
	}
	h.Back(w, r, to, "ok", p.T("Pesanan diselesaikan."))
}
