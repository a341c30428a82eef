package admin

import (
	"context"
	"net/http"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
)

type adminSuppliersData struct {
	Suppliers []loket.SupplierState
	Kinds     []string
}

func (h *Handler) adminSuppliers(w http.ResponseWriter, r *http.Request, s *web.Session) {
	d := adminSuppliersData{Suppliers: h.svc.Orders.Suppliers(), Kinds: h.svc.Catalog.SupplierKinds()}
	h.Render(w, http.StatusOK, "admin_suppliers", h.NewPage(w, r, s, "Supplier", "suppliers", d))
}

// adminSaveSupplier adds a supplier or changes its settings, by name (as `loket
// supplier add`). Empty credentials keep the stored ones; a supplier switched off
// stays off.
func (h *Handler) adminSaveSupplier(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	_, err := h.svc.Catalog.AddSupplier(r.Context(), loket.Supplier{Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"),
		BaseURL: r.PostFormValue("base_url"), APIKey: r.PostFormValue("api_key"), Secret: r.PostFormValue("secret"),
		MemberID: r.PostFormValue("member_id")})
	switch {
	case loket.ErrorField(err) == "name":
		h.Back(w, r, "/admin/suppliers", "err", p.T("Nama supplier wajib diisi, tanpa spasi atau garis miring."))
	case err != nil:
		h.Back(w, r, "/admin/suppliers", "err", h.ErrText(r, err))
	default:
		h.Back(w, r, "/admin/suppliers", "ok", p.T("Supplier disimpan."))
	}
}

// adminSupplierEnabled switches a supplier on or off: off, dispatch skips its routes.
func (h *Handler) adminSupplierEnabled(w http.ResponseWriter, r *http.Request, s *web.Session) {
	id, ok := web.PathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	p := &web.Page{Lang: web.Lang(r)}
	err := h.svc.Catalog.SetSupplierEnabled(r.Context(), id, r.PostFormValue("enabled") == "1")
	if loket.ErrorCode(err) == loket.ENOTFOUND {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		h.Back(w, r, "/admin/suppliers", "err", h.ErrText(r, err))
		return
	}
	h.Back(w, r, "/admin/suppliers", "ok", p.T("Tersimpan."))
}

// adminCheckSuppliers asks every enabled supplier for its balance now: the
// connection test.
func (h *Handler) adminCheckSuppliers(w http.ResponseWriter, r *http.Request, s *web.Session) {
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	h.svc.Orders.CheckBalances(ctx)
	p := &web.Page{Lang: web.Lang(r)}
	h.Back(w, r, "/admin/suppliers", "ok", p.T("Koneksi dan saldo supplier diperiksa."))
}

func (h *Handler) adminSyncSupplier(w http.ResponseWriter, r *http.Request, s *web.Session) {
	id, ok := web.PathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	res, err := h.svc.Catalog.SyncPrices(r.Context(), id)
	if err != nil {
		h.Back(w, r, "/admin/suppliers", "err", h.ErrText(r, err))
		return
	}
	h.Back(w, r, "/admin/suppliers", "ok", res.Summary())
}
