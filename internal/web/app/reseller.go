// Package app serves the reseller's pages under /app: the home page, ordering and
// bills, orders and the ledger, deposits, profit, the network of downlines, chat, API
// keys and docs. They show the reseller's own prices, orders and money, and never a
// supplier's name or cost (Loket is white-label to them). One handler file per area;
// each page's template is in templates/ and is rendered with the core's layout and
// partials (package web). See docs/dashboards.md.
package app

import (
	"embed"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
)

//go:embed templates/*.html
var templateFiles embed.FS

func init() { web.AddTemplates(templateFiles, template.FuncMap{"plnToken": parseToken}) }

// Handler is the core's handler with what the reseller's pages keep of their own.
type Handler struct {
	*web.Handler
	svc loket.Services
	cfg web.Config
	log *slog.Logger
}

// Mount registers the reseller's pages behind the reseller guard.
func Mount(core *web.Handler, handle web.Handle) {
	h := &Handler{Handler: core, svc: core.Services(), cfg: core.Config(), log: core.Log()}
	handle("GET /app", h.Reseller(h.resellerHome))
	handle("GET /app/{$}", h.Reseller(h.resellerHome))

	handle("GET /app/order", h.Reseller(h.orderForm))
	handle("POST /app/order", h.Reseller(h.orderSubmit))
	handle("GET /app/orders", h.Reseller(h.resellerOrders))
	handle("GET /app/orders.csv", h.Reseller(h.resellerOrdersCSV))
	handle("GET /app/orders/{id}", h.Reseller(h.resellerOrder))
	handle("GET /app/orders/{id}/status", h.Reseller(h.resellerOrderStatus))
	handle("GET /app/orders/{id}/struk", h.Reseller(h.receipt))
	handle("GET /app/bills", h.Reseller(h.billsForm))
	handle("POST /app/bills", h.Reseller(h.billsInquire))
	handle("GET /app/bills/{id}", h.Reseller(h.billPage))
	handle("POST /app/bills/{id}/pay", h.Reseller(h.billPay))
	handle("GET /app/pln", h.Reseller(h.plnCheck))
	handle("GET /app/ledger", h.Reseller(h.resellerLedger))
	handle("GET /app/ledger.csv", h.Reseller(h.resellerLedgerCSV))

	handle("GET /app/deposit", h.Reseller(h.depositForm))
	handle("POST /app/deposit", h.Reseller(h.depositSubmit))
	handle("GET /app/deposits/{id}", h.Reseller(h.depositPage))
	handle("GET /app/deposits/{id}/status", h.Reseller(h.depositStatus))
	handle("POST /app/deposits/{id}/cancel", h.Reseller(h.depositCancel))

	handle("GET /app/profit", h.Reseller(h.profitPage))
	handle("POST /app/profit/withdraw", h.Reseller(h.profitWithdraw))
	handle("POST /app/profit/move", h.Reseller(h.profitMove))

	handle("GET /app/network", h.Reseller(h.networkPage))
	handle("POST /app/network", h.Reseller(h.networkCreate))
	handle("POST /app/network/move", h.Reseller(h.networkMove))
	handle("POST /app/network/markup", h.Reseller(h.networkMarkup))
	handle("POST /app/network/markup/delete", h.Reseller(h.networkMarkupDelete))
	handle("POST /app/network/status", h.Reseller(h.networkStatus))

	handle("GET /app/chat", h.Reseller(h.chatPage))
	handle("POST /app/chat/pin", h.Reseller(h.chatSetPIN))
	handle("POST /app/chat/link", h.Reseller(h.chatLink))
	handle("POST /app/chat/unlink", h.Reseller(h.chatUnlink))
	handle("GET /app/keys", h.Reseller(h.keysPage))
	handle("POST /app/keys/regenerate", h.Reseller(h.keysRegenerate))
	handle("POST /app/keys/ip", h.Reseller(h.keysIP))
	handle("POST /app/webhook", h.Reseller(h.webhookSave))
	handle("POST /app/webhook/test", h.Reseller(h.webhookTest))
	handle("GET /app/docs", h.Reseller(h.docsPage))
}

type resellerHomeData struct {
	Reseller *loket.Reseller
	Orders   []*loket.Order
	Deposits []*loket.Deposit
}

func (h *Handler) resellerHome(w http.ResponseWriter, r *http.Request, s *web.Session) {
	ctx := r.Context()
	var d resellerHomeData
	var err error
	if d.Reseller, err = h.svc.Resellers.Reseller(ctx, s.SubjectID, ""); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	if d.Orders, err = h.svc.Orders.Orders(ctx, loket.OrderFilter{ResellerID: s.SubjectID, Limit: 10}); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	deps, err := h.svc.Deposits.Deposits(ctx, s.SubjectID, 10)
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	for _, dep := range deps {
		if dep.Status == loket.DepositPending {
			d.Deposits = append(d.Deposits, dep)
		}
	}
	h.Render(w, http.StatusOK, "app_home", h.NewPage(w, r, s, "Beranda", "home", d))
}
