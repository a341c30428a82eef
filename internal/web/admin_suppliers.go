package web

import (
	"context"
	"net/http"
	"time"

	"github.com/loket/loket/internal/loket"
)

type adminSuppliersData struct {
	Suppliers []loket.SupplierState
	Kinds     []string
}

func (h *Handler) adminSuppliers(w http.ResponseWriter, r *http.Request, s *sess) {
	d := adminSuppliersData{Suppliers: h.svc.Orders.Suppliers(), Kinds: h.svc.Catalog.SupplierKinds()}
	h.render(w, http.StatusOK, "admin_suppliers", h.newPage(w, r, s, "Supplier", "suppliers", d))
}

// adminSaveSupplier adds a supplier or changes its settings, by name (as `loket
// supplier add`). Empty credentials keep the stored ones; a supplier switched off
// stays off.
func (h *Handler) adminSaveSupplier(w http.ResponseWriter, r *http.Request, s *sess) {
	p := &page{Lang: lang(r)}
	_, err := h.svc.Catalog.AddSupplier(r.Context(), loket.Supplier{Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"),
		BaseURL: r.PostFormValue("base_url"), APIKey: r.PostFormValue("api_key"), Secret: r.PostFormValue("secret"),
		MemberID: r.PostFormValue("member_id")})
	switch {
	case loket.ErrorField(err) == "name":
		h.back(w, r, "/admin/suppliers", "err", p.T("Nama supplier wajib diisi, tanpa spasi atau garis miring."))
	case err != nil:
		h.back(w, r, "/admin/suppliers", "err", h.errText(r, err))
	default:
		h.back(w, r, "/admin/suppliers", "ok", p.T("Supplier disimpan."))
	}
}

// adminSupplierEnabled switches a supplier on or off: off, dispatch skips its routes.
func (h *Handler) adminSupplierEnabled(w http.ResponseWriter, r *http.Request, s *sess) {
	id, ok := pathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	p := &page{Lang: lang(r)}
	err := h.svc.Catalog.SetSupplierEnabled(r.Context(), id, r.PostFormValue("enabled") == "1")
	if loket.ErrorCode(err) == loket.ENOTFOUND {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		h.back(w, r, "/admin/suppliers", "err", h.errText(r, err))
		return
	}
	h.back(w, r, "/admin/suppliers", "ok", p.T("Tersimpan."))
}

// adminCheckSuppliers asks every enabled supplier for its balance now: the
// connection test.
func (h *Handler) adminCheckSuppliers(w http.ResponseWriter, r *http.Request, s *sess) {
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	h.svc.Orders.CheckBalances(ctx)
	p := &page{Lang: lang(r)}
	h.back(w, r, "/admin/suppliers", "ok", p.T("Koneksi dan saldo supplier diperiksa."))
}

func (h *Handler) adminSyncSupplier(w http.ResponseWriter, r *http.Request, s *sess) {
	id, ok := pathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	res, err := h.svc.Catalog.SyncPrices(r.Context(), id)
	if err != nil {
		h.back(w, r, "/admin/suppliers", "err", h.errText(r, err))
		return
	}
	h.back(w, r, "/admin/suppliers", "ok", res.Summary())
}
