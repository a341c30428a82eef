package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
)

// Limits on what an order may carry.
const (
	maxRefLen    = 64
	maxTargetLen = 64
	maxFields    = 16
	maxFieldLen  = 128
)

// CreateOrder accepts an order: checks it, prices it for the reseller's level, and
// writes the order, its reservation, its first supplier attempt and its dispatch job in
// one transaction. A repeated ref_id returns the first order (created=false) and
// charges nothing; the same ref_id with another request is a conflict.
func (a *App) CreateOrder(ctx context.Context, r *loket.ResellerAuth, req loket.OrderRequest) (*loket.Order, bool, error) {
	start := time.Now()
	if req.Surface == "" {
		req.Surface = "api"
	}
	req.RefID = strings.TrimSpace(req.RefID)
	if req.RefID == "" {
		req.RefID = "auto-" + auth.RandomCode(16)
	}
	if len(req.RefID) > maxRefLen || !printable(req.RefID) {
		return nil, false, loket.FieldError(loket.EINVALID, "ref_id", "ref_id must be 1-%d printable characters", maxRefLen)
	}
	view := a.catalog.Load()
	p, ok := view.byCode[strings.ToUpper(strings.TrimSpace(req.Product))]
	if !ok || req.Product == "" {
		return nil, false, loket.FieldError(loket.EPRODUCT, "product", "unknown product %q", clip(req.Product))
	}
	if !p.Active {
		return nil, false, loket.FieldError(loket.EINACTIVE, "product", "product %s is not available now", p.Code)
	}
	target, fields, err := checkTarget(p, req.Target, req.Fields)
	if err != nil {
		return nil, false, err
	}
	price := view.price(p, r.Level)
	if req.MaxPrice < 0 || req.MaxPrice > loket.MaxAmount {
		return nil, false, loket.FieldError(loket.EINVALID, "max_price", "max_price must be between 0 and %d", loket.MaxAmount)
	}
	if req.MaxPrice > 0 && price > req.MaxPrice {
		return nil, false, loket.FieldError(loket.EPRICE, "max_price", "price %d is above max_price %d", price, req.MaxPrice)
	}
	route := a.firstRoute(view, p.ID)
	if route == nil {
		return nil, false, loket.FieldError(loket.EUNAVAILABLE, "product", "product %s cannot be bought now", p.Code)
	}
	n := &store.NewOrder{
		ResellerID: r.ID, AccountID: r.BalanceAccountID, RefID: req.RefID,
		RequestHash: requestHash(p.Code, target, fields, req.MaxPrice),
		Product:     p, Target: target, Fields: fields, Price: price, Surface: req.Surface,
		FirstRoute: route, Node: a.cfg.Node, Lease: a.cfg.Lease,
	}
	if a.cfg.GuardWindow > 0 {
		n.GuardWindow = a.cfg.GuardWindow
	}
	var o *loket.Order
	var existed bool
	err = a.DB.Write(ctx, uint64(r.ID), func(t *store.Tx) error {
		var err error
		o, existed, err = t.CreateOrder(n)
		if err == nil && !existed {
			o := o
			fresh := &store.FreshOrder{Order: o, Attempt: loket.Attempt{OrderID: o.ID, Seq: 1, RouteID: route.ID, SupplierID: route.SupplierID,
				SupplierCode: route.SupplierCode, SupplierRef: store.SupplierRef(o.ID, 1), Cost: route.Cost, Outcome: "new", StartedAt: o.CreatedAt}}
			t.AfterCommit(func() {
				a.enqueue(store.Job{Key: store.OrderJobKey(o.ID), Kind: store.JobOrder, RefID: o.ID, Fresh: fresh})
			})
		}
		return err
	})
	if err != nil {
		a.m.orderRefused.With(req.Surface, loket.ErrorCode(err)).Inc()
		return nil, false, err
	}
	if !existed {
		a.m.orderCreated.With(req.Surface).Inc()
		a.m.orderCreateSeconds.With(req.Surface).ObserveSince(start)
	}
	return o, !existed, nil
}

// firstRoute is the route an order tries first: by priority, the first whose
// supplier is usable now (enabled, answering, funded for the cost).
func (a *App) firstRoute(view *catalogView, productID int64) *loket.Route {
	return a.nextRoute(productID, nil)
}

// nextRoute is the first usable route after the ones an order has tried.
func (a *App) nextRoute(productID int64, tried map[int64]bool) *loket.Route {
	for _, r := range a.catalog.Load().routes[productID] {
		if tried[r.ID] {
			continue
		}
		if ok, _ := a.usable(&r); ok {
			r := r
			return &r
		}
	}
	return nil
}

func requestHash(product, target string, fields map[string]string, maxPrice loket.Money) string {
	h := sha256.New()
	h.Write([]byte(product + "\x00" + target + "\x00"))
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		h.Write([]byte(k + "=" + fields[k] + "\x00"))
	}
	if maxPrice > 0 {
		h.Write([]byte{byte(maxPrice), byte(maxPrice >> 8), byte(maxPrice >> 16), byte(maxPrice >> 24), byte(maxPrice >> 32)})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func printable(s string) bool {
	for _, c := range s {
		if !unicode.IsPrint(c) {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// NormalizeMSISDN turns +62 8xx, 62 8xx and 08xx (with spaces, dots or dashes) into
// 08xx, and reports whether the result is an Indonesian mobile number.
func NormalizeMSISDN(s string) (string, bool) {
	var b strings.Builder
	for i, c := range strings.TrimSpace(s) {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == ' ' || c == '-' || c == '.':
		case c == '+' && i == 0:
		default:
			return "", false
		}
	}
	n := b.String()
	switch {
	case strings.HasPrefix(n, "62"):
		n = "0" + n[2:]
	case strings.HasPrefix(n, "8"):
		n = "0" + n
	}
	if len(n) < 10 || len(n) > 13 || !strings.HasPrefix(n, "08") || n[2] == '0' {
		return "", false
	}
	return n, true
}

// checkTarget validates an order's target and form fields for p, returning them
// normalised. For brands with a form, the target is the form's first field; the other
// fields come from fields (a target missing may be given as that first field too).
func checkTarget(p *loket.Product, target string, fields map[string]string) (string, map[string]string, error) {
	target = strings.TrimSpace(target)
	if len(fields) > maxFields {
		return "", nil, loket.FieldError(loket.EFIELD, "fields", "too many fields")
	}
	clean := map[string]string{}
	for k, v := range fields {
		v = strings.TrimSpace(v)
		if strings.HasPrefix(k, "_") {
			// Keys starting with "_" are Loket's own, between it and its adapters.
			return "", nil, loket.FieldError(loket.EFIELD, k, "field names may not start with _")
		}
		if len(k) > 64 || len(v) > maxFieldLen || !printable(k) || !printable(v) {
			return "", nil, loket.FieldError(loket.EFIELD, "fields", "field %q is too long or not printable", clip(k))
		}
		clean[k] = v
	}
	switch p.TargetKind {
	case loket.TargetMSISDN:
		n, ok := NormalizeMSISDN(target)
		if !ok {
			return "", nil, loket.FieldError(loket.ETARGET, "target", "%q is not an Indonesian mobile number", clip(target))
		}
		return n, nil, nil
	case loket.TargetMeter:
		if len(target) < 6 || len(target) > 20 || strings.Trim(target, "0123456789") != "" {
			return "", nil, loket.FieldError(loket.ETARGET, "target", "meter number must be 6-20 digits")
		}
		return target, nil, nil
	}
	if len(p.Forms) > 0 {
		first := p.Forms[0].Key
		if target == "" {
			target = clean[first]
		} else if v, ok := clean[first]; ok && v != target {
			return "", nil, loket.FieldError(loket.EFIELD, first, "target and field %q disagree", first)
		}
		delete(clean, first)
		out := map[string]string{}
		for i, f := range p.Forms {
			v := target
			if i > 0 {
				v = clean[f.Key]
			}
			if v == "" {
				return "", nil, loket.FieldError(loket.EFIELD, f.Key, "%s (%s) is required", f.Label, f.Key)
			}
			if f.Type == loket.FieldDropdown {
				ok := false
				for _, o := range f.Options {
					if o.Code == v {
						ok = true
						break
					}
				}
				if !ok {
					return "", nil, loket.FieldError(loket.EFIELD, f.Key, "%q is not a choice of %s", clip(v), f.Label)
				}
			}
			if i > 0 {
				out[f.Key] = v
			}
		}
		for k := range clean {
			if _, ok := out[k]; !ok {
				return "", nil, loket.FieldError(loket.EFIELD, k, "%s does not take field %q", p.Brand, clip(k))
			}
		}
		if len(out) == 0 {
			out = nil
		}
		return target, out, nil
	}
	if target == "" || len(target) > maxTargetLen || !printable(target) {
		return "", nil, loket.FieldError(loket.ETARGET, "target", "target must be 1-%d printable characters", maxTargetLen)
	}
	if len(clean) == 0 {
		clean = nil
	}
	return target, clean, nil
}

// Order returns one of a reseller's orders.
func (a *App) Order(ctx context.Context, resellerID, id int64) (*loket.Order, error) {
	return a.DB.Order(ctx, id, resellerID)
}

// Orders lists a reseller's orders.
func (a *App) Orders(ctx context.Context, f loket.OrderFilter) ([]*loket.Order, error) {
	return a.DB.ListOrders(ctx, f)
}
