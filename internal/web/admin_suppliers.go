package web

import (
	"context"
	"net/http"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/supplier"
)

type adminSuppliersData struct {
	Suppliers []loket.SupplierState
	Kinds     []string
}

func (h *Handler) adminSuppliers(w http.ResponseWriter, r *http.Request, s *sess) {
	d := adminSuppliersData{Suppliers: h.App.Suppliers(), Kinds: supplier.Kinds()}
	h.render(w, http.StatusOK, "admin_suppliers", h.newPage(w, r, s, "Supplier", "suppliers", d))
}

// refreshCatalog has this node's catalog cache read a change just committed now,
// rather than at its next check of the version marker, so the next page shows it.
func (h *Handler) refreshCatalog(ctx context.Context) {
	h.App.RefreshCatalog(ctx)
}

// adminSaveSupplier adds a supplier or changes its settings, by name (as `loket
// supplier add`). Empty credentials keep the stored ones; a supplier switched off
// stays off.
func (h *Handler) adminSaveSupplier(w http.ResponseWriter, r *http.Request, s *sess) {
	p := &page{Lang: lang(r)}
	_, err := h.App.AddSupplier(r.Context(), loket.Supplier{Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"),
		BaseURL: r.PostFormValue("base_url"), APIKey: r.PostFormValue("api_key"), Secret: r.PostFormValue("secret"),
		MemberID: r.PostFormValue("member_id")})
	switch {
	case loket.ErrorField(err) == "name":
		h.back(w, r, "/admin/suppliers", "err", p.T("Nama supplier wajib diisi, tanpa spasi atau garis miring."))
	case err != nil:
		h.back(w, r, "/admin/suppliers", "err", h.errText(err))
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
	var sup *loket.Supplier
	for _, st := range h.App.Suppliers() {
		if st.ID == id {
			x := st.Supplier
			sup = &x
		}
	}
	if sup == nil {
		http.NotFound(w, r)
		return
	}
	sup.Enabled = r.PostFormValue("enabled") == "1"
	sup.APIKey, sup.Secret = "", "" // kept as stored
	err := h.DB.Direct(r.Context(), func(t *store.Tx) error {
		if _, err := t.UpsertSupplier(*sup); err != nil {
			return err
		}
		return t.BumpCatalog()
	})
	if err != nil {
		h.back(w, r, "/admin/suppliers", "err", h.errText(err))
		return
	}
	h.refreshCatalog(r.Context())
	h.back(w, r, "/admin/suppliers", "ok", p.T("Tersimpan."))
}

// adminCheckSuppliers asks every enabled supplier for its balance now: the
// connection test.
func (h *Handler) adminCheckSuppliers(w http.ResponseWriter, r *http.Request, s *sess) {
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	h.App.CheckBalances(ctx)
	p := &page{Lang: lang(r)}
	h.back(w, r, "/admin/suppliers", "ok", p.T("Koneksi dan saldo supplier diperiksa."))
}

func (h *Handler) adminSyncSupplier(w http.ResponseWriter, r *http.Request, s *sess) {
	id, ok := pathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	res, err := h.App.SyncPrices(r.Context(), id)
	if err != nil {
		h.back(w, r, "/admin/suppliers", "err", h.errText(err))
		return
	}
	h.back(w, r, "/admin/suppliers", "ok", res.Summary())
}
