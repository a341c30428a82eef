package web

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
)

type adminCatalogData struct {
	Cat      *loket.Catalog
	Brand    string // the brand whose products are listed
	Products []loket.Product
	Markups  []loket.MarkupRule
	Counts   map[string]int // brand code -> products
}

// adminCatalog shows categories, brands with their forms, one brand's products with
// their routes, and the markup rules; changes are made by importing a catalog file
// (the same format as `loket catalog import`), by markup rules (bulk price changes
// over a category or everything) and by route edits.
func (h *Handler) adminCatalog(w http.ResponseWriter, r *http.Request, s *sess) {
	ctx := r.Context()
	c, err := h.DB.LoadCatalog(ctx)
	if err != nil {
		h.fail(w, r, s, err)
		return
	}
	d := adminCatalogData{Cat: c, Brand: r.URL.Query().Get("brand"), Counts: map[string]int{}}
	if d.Brand == "" && len(c.Brands) > 0 {
		d.Brand = c.Brands[0].Code
	}
	for _, p := range c.Products {
		d.Counts[p.Brand]++
		if p.Brand == d.Brand {
			d.Products = append(d.Products, p)
		}
	}
	if d.Markups, err = h.DB.MarkupRules(ctx); err != nil {
		h.fail(w, r, s, err)
		return
	}
	h.render(w, http.StatusOK, "admin_catalog", h.newPage(w, r, s, "Katalog", "catalog", d))
}

func (h *Handler) adminCatalogImport(w http.ResponseWriter, r *http.Request, s *sess) {
	text := r.PostFormValue("file")
	name := "catalog.yaml"
	if f, hdr, err := r.FormFile("upload"); err == nil {
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxForm))
		if err != nil {
			h.back(w, r, "/admin/catalog", "err", h.errText(err))
			return
		}
		text, name = string(b), hdr.Filename
	}
	p := &page{Lang: lang(r)}
	if strings.TrimSpace(text) == "" {
		h.back(w, r, "/admin/catalog", "err", p.T("Isi file katalog kosong."))
		return
	}
	sum, err := catalog.Import(r.Context(), h.DB, strings.NewReader(text), name)
	if err != nil {
		h.back(w, r, "/admin/catalog", "err", h.errText(err))
		return
	}
	h.back(w, r, "/admin/catalog", "ok", p.Tf("Diimpor: %d kategori, %d brand, %d produk, %d rute.", sum.Categories, sum.Brands, sum.Products, sum.Routes))
}

func markupScope(r *http.Request) (string, string, bool) {
	scope, code := r.PostFormValue("scope"), strings.TrimSpace(r.PostFormValue("code"))
	switch scope {
	case loket.ScopeAll:
		return scope, "", true
	case loket.ScopeCategory, loket.ScopeProduct:
		return scope, code, code != ""
	}
	return "", "", false
}

// adminMarkup sets a markup rule: the bulk price change of a category, a product or
// everything, repricing what it covers from route costs.
func (h *Handler) adminMarkup(w http.ResponseWriter, r *http.Request, s *sess) {
	p := &page{Lang: lang(r)}
	scope, code, ok := markupScope(r)
	pct, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("percent")), ",", "."), 64)
	flat, okf := formMoney(r, "flat")
	round, okr := formMoney(r, "round")
	if !ok || err != nil || pct < 0 || pct > 1000 || !okf || flat < 0 || !okr || round < 1 || round > 1_000_000 {
		h.back(w, r, "/admin/catalog", "err", p.T("Periksa cakupan, persen, rupiah dan pembulatan."))
		return
	}
	var moved int
	err = h.DB.Direct(r.Context(), func(t *store.Tx) error {
		var err error
		if moved, err = t.SetMarkupRule(loket.MarkupRule{Scope: scope, ScopeCode: code, MarkupBP: int64(pct*100 + 0.5), MarkupFlat: flat, RoundTo: round}); err != nil {
			return err
		}
		return t.BumpCatalog()
	})
	if err != nil {
		h.back(w, r, "/admin/catalog", "err", h.errText(err))
		return
	}
	h.back(w, r, "/admin/catalog", "ok", p.Tf("Aturan markup disimpan; %d harga berubah.", moved))
}

func (h *Handler) adminMarkupDelete(w http.ResponseWriter, r *http.Request, s *sess) {
	p := &page{Lang: lang(r)}
	scope, code, ok := markupScope(r)
	if !ok {
		h.back(w, r, "/admin/catalog", "err", p.T("Periksa cakupan, persen, rupiah dan pembulatan."))
		return
	}
	var moved int
	err := h.DB.Direct(r.Context(), func(t *store.Tx) error {
		var err error
		if moved, err = t.DeleteMarkupRule(scope, code); err != nil {
			return err
		}
		return t.BumpCatalog()
	})
	if err != nil {
		h.back(w, r, "/admin/catalog", "err", h.errText(err))
		return
	}
	h.back(w, r, "/admin/catalog", "ok", p.Tf("Aturan markup dihapus; %d harga berubah.", moved))
}

// adminRoute adds or changes a route: which supplier sells a product, under what
// code, at what cost and priority (as `loket route add`).
func (h *Handler) adminRoute(w http.ResponseWriter, r *http.Request, s *sess) {
	p := &page{Lang: lang(r)}
	product, sup, code := strings.TrimSpace(r.PostFormValue("product")), r.PostFormValue("supplier"), strings.TrimSpace(r.PostFormValue("code"))
	cost, okc := formMoney(r, "cost")
	prio, okp := formInt(r, "priority")
	back := "/admin/catalog?brand=" + url.QueryEscape(r.PostFormValue("brand"))
	if product == "" || code == "" || !okc || cost < 0 || cost > loket.MaxAmount || !okp {
		h.back(w, r, back, "err", p.T("Isi produk, supplier, kode supplier, modal dan prioritas."))
		return
	}
	err := h.DB.Direct(r.Context(), func(t *store.Tx) error {
		pid, err := t.ProductID(product)
		if err != nil {
			return err
		}
		sid, err := t.SupplierID(sup)
		if err != nil {
			return err
		}
		if _, err = t.UpsertRoute(pid, sid, code, cost, int(prio)); err != nil {
			return err
		}
		if _, err := t.Reprice([]int64{pid}); err != nil {
			return err
		}
		return t.BumpCatalog()
	})
	if err != nil {
		h.back(w, r, back, "err", h.errText(err))
		return
	}
	h.back(w, r, back, "ok", p.T("Rute disimpan."))
}
