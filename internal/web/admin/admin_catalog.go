package admin

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
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
func (h *Handler) adminCatalog(w http.ResponseWriter, r *http.Request, s *web.Session) {
	ctx := r.Context()
	if err := h.svc.Catalog.Refresh(ctx); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	c := h.svc.Catalog.Catalog()
	var err error
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
	if d.Markups, err = h.svc.Catalog.MarkupRules(ctx); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	h.Render(w, http.StatusOK, "admin_catalog", h.NewPage(w, r, s, "Katalog", "catalog", d))
}

func (h *Handler) adminCatalogImport(w http.ResponseWriter, r *http.Request, s *web.Session) {
	text := r.PostFormValue("file")
	name := "catalog.yaml"
	if f, hdr, err := r.FormFile("upload"); err == nil {
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, web.MaxForm))
		if err != nil {
			h.Back(w, r, "/admin/catalog", "err", h.ErrText(r, err))
			return
		}
		text, name = string(b), hdr.Filename
	}
	p := &web.Page{Lang: web.Lang(r)}
	if strings.TrimSpace(text) == "" {
		h.Back(w, r, "/admin/catalog", "err", p.T("Isi file katalog kosong."))
		return
	}
	sum, err := h.svc.Catalog.Import(r.Context(), strings.NewReader(text), name)
	if err != nil {
		h.Back(w, r, "/admin/catalog", "err", h.ErrText(r, err))
		return
	}
	h.Back(w, r, "/admin/catalog", "ok", p.Tf("Diimpor: %d kategori, %d brand, %d produk, %d rute.", sum.Categories, sum.Brands, sum.Products, sum.Routes))
}

// adminMarkup sets a markup rule: the bulk price change of a category, a product or
// everything, repricing what it covers from route costs.
func (h *Handler) adminMarkup(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	scope, code := web.MarkupScope(r)
	pct, perr := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("percent")), ",", "."), 64)
	flat, okf := web.FormMoney(r, "flat")
	round, okr := web.FormMoney(r, "round")
	formOK := perr == nil && pct >= 0 && pct <= 1000 && okf && okr
	var moved *loket.MarkupChange
	var err error
	apply := r.PostFormValue("confirm") == "1"
	if formOK {
		moved, err = h.svc.Catalog.SetMarkupRule(r.Context(), loket.MarkupRule{Scope: scope, ScopeCode: code, MarkupBP: int64(pct*100 + 0.5), MarkupFlat: flat, RoundTo: round}, apply)
	}
	switch {
	case formOK && err == nil && !apply:
		h.markupPreview(w, r, s, moved, false, "percent", "flat", "round")
	case !formOK || loket.ErrorCode(err) == loket.EINVALID:
		h.Back(w, r, "/admin/catalog", "err", p.T("Periksa cakupan, persen, rupiah dan pembulatan."))
	case err != nil:
		h.Back(w, r, "/admin/catalog", "err", h.ErrText(r, err))
	default:
		h.Back(w, r, "/admin/catalog", "ok", p.Tf("Aturan markup disimpan; %d harga berubah.", moved.Products))
	}
}

func (h *Handler) adminMarkupDelete(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	scope, code := web.MarkupScope(r)
	apply := r.PostFormValue("confirm") == "1"
	moved, err := h.svc.Catalog.DeleteMarkupRule(r.Context(), scope, code, apply)
	switch {
	case err == nil && !apply:
		h.markupPreview(w, r, s, moved, true)
	case loket.ErrorCode(err) == loket.EINVALID:
		h.Back(w, r, "/admin/catalog", "err", p.T("Periksa cakupan, persen, rupiah dan pembulatan."))
	case err != nil:
		h.Back(w, r, "/admin/catalog", "err", h.ErrText(r, err))
	default:
		h.Back(w, r, "/admin/catalog", "ok", p.Tf("Aturan markup dihapus; %d harga berubah.", moved.Products))
	}
}

// markupPreview shows what a markup rule's change (or its deletion) would do, product
// by product, with a button that posts the same form again, confirmed.
func (h *Handler) markupPreview(w http.ResponseWriter, r *http.Request, s *web.Session, c *loket.MarkupChange, deleting bool, fields ...string) {
	d := struct {
		Change *loket.MarkupChange
		Undo   int64 // 0: the markup form's route
		Delete bool
		Fields map[string]string
	}{c, 0, deleting, map[string]string{"scope": r.PostFormValue("scope"), "code": r.PostFormValue("code")}}
	for _, f := range fields {
		d.Fields[f] = r.PostFormValue(f)
	}
	h.Render(w, http.StatusOK, "admin_markup_preview", h.NewPage(w, r, s, "Pratinjau perubahan harga", "catalog", &d))
}

// adminRoute adds or changes a route: which supplier sells a product, under what
// code, at what cost and priority (as `loket route add`).
func (h *Handler) adminRoute(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	cost, okc := web.FormMoney(r, "cost")
	prio, okp := web.FormInt(r, "priority")
	back := "/admin/catalog?brand=" + url.QueryEscape(r.PostFormValue("brand"))
	var err error
	if okc && okp {
		_, err = h.svc.Catalog.AddRoute(r.Context(), loket.NewRoute{Product: r.PostFormValue("product"), Supplier: r.PostFormValue("supplier"),
			SupplierCode: r.PostFormValue("code"), Cost: cost, Priority: int(prio)})
	}
	switch {
	case !okc || !okp || loket.ErrorCode(err) == loket.EINVALID:
		h.Back(w, r, back, "err", p.T("Isi produk, supplier, kode supplier, modal dan prioritas."))
	case err != nil:
		h.Back(w, r, back, "err", h.ErrText(r, err))
	default:
		h.Back(w, r, back, "ok", p.T("Rute disimpan."))
	}
}
