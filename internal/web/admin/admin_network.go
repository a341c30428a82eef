package admin

import (
	"net/http"
	"strings"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
)

// treeRow is a reseller of the network tree as the operator's page shows it.
type treeRow struct {
	loket.Downline
	Upline string // its upline's username
	Indent string // one mark per level below the operator's resellers
}

type adminNetworkData struct {
	Rows   []treeRow
	Limits loket.NetworkLimits
	Linked int // resellers with an upline
}

// treeOrder puts each reseller under its upline (depth first, by id), as the tree
// reads; Tree gives them by depth.
func treeOrder(all []loket.Downline) []treeRow {
	kids := map[int64][]loket.Downline{}
	names := map[int64]string{}
	for _, d := range all {
		kids[d.UplineID] = append(kids[d.UplineID], d)
		names[d.ID] = d.Username
	}
	out := make([]treeRow, 0, len(all))
	seen := map[int64]bool{}
	var add func(d loket.Downline)
	add = func(d loket.Downline) {
		if seen[d.ID] {
			return
		}
		seen[d.ID] = true
		out = append(out, treeRow{Downline: d, Upline: names[d.UplineID], Indent: strings.Repeat("· ", d.Depth)})
		for _, k := range kids[d.ID] {
			add(k)
		}
	}
	for _, d := range kids[0] {
		add(d)
	}
	for _, d := range all { // under an upline past the rows Tree gives
		add(d)
	}
	return out
}

// adminNetwork: the whole network tree and the operator's limits on it.
func (h *Handler) adminNetwork(w http.ResponseWriter, r *http.Request, s *web.Session) {
	ctx := r.Context()
	var d adminNetworkData
	tree, err := h.svc.Network.Tree(ctx)
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	d.Rows = treeOrder(tree)
	for _, t := range tree {
		if t.UplineID != 0 {
			d.Linked++
		}
	}
	if d.Limits, err = h.svc.Network.Limits(ctx); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	h.Render(w, http.StatusOK, "admin_network", h.NewPage(w, r, s, "Jaringan", "network", d))
}

func (h *Handler) adminNetworkLimits(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	depth, okd := web.FormInt(r, "max_depth")
	bp, okp := web.FormBP(r, "max_percent")
	flat, okf := web.FormMoney(r, "max_flat")
	if !okd || !okp || !okf {
		h.Back(w, r, "/admin/network", "err", p.T("Periksa kedalaman, persen dan rupiah."))
		return
	}
	l := loket.NetworkLimits{MaxDepth: int(depth), MaxMarkupBP: bp, MaxMarkupFlat: flat}
	h.log.Info("dashboard network limits", "admin", s.Username, "max_depth", l.MaxDepth, "max_markup_bp", l.MaxMarkupBP, "max_markup_flat", l.MaxMarkupFlat)
	if err := h.svc.Network.SetLimits(r.Context(), l); err != nil {
		h.Back(w, r, "/admin/network", "err", h.ErrText(r, err))
		return
	}
	h.Back(w, r, "/admin/network", "ok", p.T("Tersimpan."))
}
