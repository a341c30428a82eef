package app

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
)

type brandGroup struct {
	Category string
	Brands   []loket.Brand
}

type orderFormData struct {
	Groups     []brandGroup
	Brand      *loket.Brand
	TargetKind string
	Products   []loket.Product
	Product    string
	Target     string
	Fields     map[string]string
	RefID      string // fixed when the form is shown, so a double submit is one order
	// Check is loket.CheckPLN when the brand's products are PLN tokens: the meter is
	// looked up ("Cek Meter") before the products show, and Meter is its owner.
	Check string
	Meter *loket.Meter
}

// orderForm: brand, then the brand's form fields, then the product at the reseller's
// price. Choosing a brand reloads the form (a select that submits itself; a button
// without JS).
func (h *Handler) orderForm(w http.ResponseWriter, r *http.Request, s *web.Session) {
	d := h.orderData(r, s, r.URL.Query().Get("brand"))
	p := h.NewPage(w, r, s, "Beli", "order", d)
	status := http.StatusOK
	if d.Check == loket.CheckPLN {
		if d.Target = strings.TrimSpace(r.URL.Query().Get("target")); d.Target != "" {
			if d.Meter, p.Error = h.checkMeter(r, s, p, d.Products[0].Code, d.Target); d.Meter == nil {
				status = http.StatusUnprocessableEntity
			}
		}
	}
	h.Render(w, status, "app_order", p)
}

func (h *Handler) orderData(r *http.Request, s *web.Session, brand string) *orderFormData {
	d := &orderFormData{RefID: refID(), Fields: map[string]string{}}
	products, err := h.svc.Network.Products(r.Context(), s.Reseller) // its own prices (a downline's too)
	if err != nil {
		h.log.Error("order form prices", "err", err)
		products = nil
	}
	sellable := map[string]bool{}
	for _, p := range products {
		if p.Active && !p.Postpaid() && (p.Stock == nil || *p.Stock > 0) {
			sellable[p.Brand] = true
		}
	}
	catNames := map[string]string{}
	kinds := map[string]string{}
	for _, c := range h.svc.Catalog.Categories() {
		catNames[c.Code] = c.Name
		kinds[c.Code] = c.TargetKind
	}
	groups := map[string]*brandGroup{}
	var order []string
	for _, b := range h.svc.Catalog.Brands() {
		if !b.Active || !sellable[b.Code] {
			continue
		}
		g := groups[b.Category]
		if g == nil {
			g = &brandGroup{Category: catNames[b.Category]}
			groups[b.Category] = g
			order = append(order, b.Category)
		}
		g.Brands = append(g.Brands, b)
		if b.Code == brand {
			bb := b
			d.Brand = &bb
			d.TargetKind = kinds[b.Category]
		}
	}
	for _, c := range order {
		d.Groups = append(d.Groups, *groups[c])
	}
	if d.Brand != nil {
		for _, p := range products {
			if p.Brand == d.Brand.Code && p.Active && (p.Stock == nil || *p.Stock > 0) {
				d.Products = append(d.Products, p)
				if p.CustomerCheck == loket.CheckPLN {
					d.Check = loket.CheckPLN
				}
			}
		}
		sort.SliceStable(d.Products, func(i, j int) bool { return d.Products[i].Price < d.Products[j].Price })
	}
	return d
}

// orderSubmit places the order through the order service, as the API would (surface "web"), and
// shows it.
func (h *Handler) orderSubmit(w http.ResponseWriter, r *http.Request, s *web.Session) {
	brand := r.PostFormValue("brand")
	req := loket.OrderRequest{Product: r.PostFormValue("product"), Target: strings.TrimSpace(r.PostFormValue("target")),
		Surface: "web"}
	req.RefID = formRef(r)
	fields := map[string]string{}
	for k, v := range r.PostForm {
		if key, ok := strings.CutPrefix(k, "f_"); ok && len(v) > 0 && strings.TrimSpace(v[0]) != "" {
			fields[key] = v[0]
		}
	}
	if len(fields) > 0 {
		req.Fields = fields
	}
	o, _, err := h.svc.Orders.CreateOrder(r.Context(), s.Reseller, req)
	if err != nil {
		d := h.orderData(r, s, brand)
		d.Product, d.Target, d.Fields, d.RefID = req.Product, req.Target, fields, req.RefID
		p := h.NewPage(w, r, s, "Beli", "order", d)
		if d.Check == loket.CheckPLN && d.Target != "" {
			d.Meter, _ = h.checkMeter(r, s, p, d.Products[0].Code, d.Target)
		}
		p.Error = h.ErrText(r, err)
		h.Render(w, http.StatusUnprocessableEntity, "app_order", p)
		return
	}
	http.Redirect(w, r, "/app/orders/"+strconv.FormatInt(o.ID, 10), http.StatusSeeOther)
}

type resellerOrdersData struct {
	Orders []*loket.Order
	Status string
	Next   int64
}

func (h *Handler) resellerOrders(w http.ResponseWriter, r *http.Request, s *web.Session) {
	q := r.URL.Query()
	d := resellerOrdersData{Status: q.Get("status")}
	f := loket.OrderFilter{ResellerID: s.SubjectID, Limit: 50, RefID: strings.TrimSpace(q.Get("ref"))}
	switch d.Status {
	case loket.StatusPending, loket.StatusSuccess, loket.StatusFailed:
		f.Status = d.Status
	default:
		d.Status = ""
	}
	f.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	var err error
	if d.Orders, err = h.svc.Orders.Orders(r.Context(), f); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	if len(d.Orders) == f.Limit {
		d.Next = d.Orders[len(d.Orders)-1].ID
	}
	h.Render(w, http.StatusOK, "app_orders", h.NewPage(w, r, s, "Riwayat pesanan", "orders", d))
}

func (h *Handler) resellerOrder(w http.ResponseWriter, r *http.Request, s *web.Session) {
	if o := h.ownOrder(w, r, s); o != nil {
		h.Render(w, http.StatusOK, "app_order_detail", h.NewPage(w, r, s, "Pesanan", "orders", o))
	}
}

// ownOrder is the reseller's order of the path's {id}; nil when there is none, and
// the page saying so is written.
func (h *Handler) ownOrder(w http.ResponseWriter, r *http.Request, s *web.Session) *loket.Order {
	return byPath(h, w, r, s, func(ctx context.Context, id int64) (*loket.Order, error) {
		return h.svc.Orders.Order(ctx, s.SubjectID, id)
	})
}

// byPath loads what the path's {id} names with get; nil when the id is not one or
// get fails, and the page saying so is written.
func byPath[T any](h *Handler, w http.ResponseWriter, r *http.Request, s *web.Session, get func(context.Context, int64) (*T, error)) *T {
	id, ok := web.PathID(r)
	if !ok {
		http.NotFound(w, r)
		return nil
	}
	v, err := get(r.Context(), id)
	if err != nil {
		h.Fail(w, r, s, err)
		return nil
	}
	return v
}

// resellerOrderStatus answers the page's polling while an order is pending.
func (h *Handler) resellerOrderStatus(w http.ResponseWriter, r *http.Request, s *web.Session) {
	id, ok := web.PathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	o, err := h.svc.Orders.Order(r.Context(), s.SubjectID, id)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	writeJSON(w, map[string]any{"status": o.Status, "sn": o.SN})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}
