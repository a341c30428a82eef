package web

import (
	"net/http"

	"github.com/loket/loket/internal/loket"
)

// mountReseller registers the reseller's pages. They show the reseller's own prices,
// orders and money, and never a supplier's name or cost (Loket is white-label to them).
func (h *Handler) mountReseller(handle func(string, http.HandlerFunc)) {
	handle("GET /app", h.reseller(h.resellerHome))
	handle("GET /app/{$}", h.reseller(h.resellerHome))

	handle("GET /app/order", h.reseller(h.orderForm))
	handle("POST /app/order", h.reseller(h.orderSubmit))
	handle("GET /app/orders", h.reseller(h.resellerOrders))
	handle("GET /app/orders.csv", h.reseller(h.resellerOrdersCSV))
	handle("GET /app/orders/{id}", h.reseller(h.resellerOrder))
	handle("GET /app/orders/{id}/status", h.reseller(h.resellerOrderStatus))
	handle("GET /app/orders/{id}/struk", h.reseller(h.receipt))
	handle("GET /app/bills", h.reseller(h.billsForm))
	handle("POST /app/bills", h.reseller(h.billsInquire))
	handle("GET /app/bills/{id}", h.reseller(h.billPage))
	handle("POST /app/bills/{id}/pay", h.reseller(h.billPay))
	handle("GET /app/pln", h.reseller(h.plnCheck))
	handle("GET /app/ledger", h.reseller(h.resellerLedger))
	handle("GET /app/ledger.csv", h.reseller(h.resellerLedgerCSV))

	handle("GET /app/deposit", h.reseller(h.depositForm))
	handle("POST /app/deposit", h.reseller(h.depositSubmit))
	handle("GET /app/deposits/{id}", h.reseller(h.depositPage))
	handle("GET /app/deposits/{id}/status", h.reseller(h.depositStatus))
	handle("POST /app/deposits/{id}/cancel", h.reseller(h.depositCancel))

	handle("GET /app/profit", h.reseller(h.profitPage))
	handle("POST /app/profit/withdraw", h.reseller(h.profitWithdraw))
	handle("POST /app/profit/move", h.reseller(h.profitMove))

	handle("GET /app/network", h.reseller(h.networkPage))
	handle("POST /app/network", h.reseller(h.networkCreate))
	handle("POST /app/network/move", h.reseller(h.networkMove))
	handle("POST /app/network/markup", h.reseller(h.networkMarkup))
	handle("POST /app/network/markup/delete", h.reseller(h.networkMarkupDelete))
	handle("POST /app/network/status", h.reseller(h.networkStatus))

	handle("GET /app/chat", h.reseller(h.chatPage))
	handle("POST /app/chat/pin", h.reseller(h.chatSetPIN))
	handle("POST /app/chat/link", h.reseller(h.chatLink))
	handle("POST /app/chat/unlink", h.reseller(h.chatUnlink))
	handle("GET /app/keys", h.reseller(h.keysPage))
	handle("POST /app/keys/regenerate", h.reseller(h.keysRegenerate))
	handle("POST /app/keys/ip", h.reseller(h.keysIP))
	handle("POST /app/webhook", h.reseller(h.webhookSave))
	handle("POST /app/webhook/test", h.reseller(h.webhookTest))
	handle("GET /app/docs", h.reseller(h.docsPage))
}

type resellerHomeData struct {
	Reseller *loket.Reseller
	Orders   []*loket.Order
	Deposits []*loket.Deposit
}

func (h *Handler) resellerHome(w http.ResponseWriter, r *http.Request, s *sess) {
	ctx := r.Context()
	var d resellerHomeData
	var err error
	if d.Reseller, err = h.svc.Resellers.Reseller(ctx, s.SubjectID, ""); err != nil {
		h.fail(w, r, s, err)
		return
	}
	if d.Orders, err = h.svc.Orders.Orders(ctx, loket.OrderFilter{ResellerID: s.SubjectID, Limit: 10}); err != nil {
		h.fail(w, r, s, err)
		return
	}
	deps, err := h.svc.Deposits.Deposits(ctx, s.SubjectID, 10)
	if err != nil {
		h.fail(w, r, s, err)
		return
	}
	for _, dep := range deps {
		if dep.Status == loket.DepositPending {
			d.Deposits = append(d.Deposits, dep)
		}
	}
	h.render(w, http.StatusOK, "app_home", h.newPage(w, r, s, "Beranda", "home", d))
}
