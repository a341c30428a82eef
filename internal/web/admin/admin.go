// Package admin serves the operator's pages under /admin: the overview, orders,
// reports, resellers and their network, the catalog and prices, suppliers, deposits,
// chat, withdrawals and settings. One handler file per area; each page's template is
// in templates/ and is rendered with the core's layout and partials (package web).
// See docs/dashboards.md.
package admin

import (
	"embed"
	"html/template"
	"log/slog"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
)

//go:embed templates/*.html
var templateFiles embed.FS

func init() {
	web.AddTemplates(templateFiles, template.FuncMap{"cause": causeText, "dimHead": dimHead})
}

// Handler is the core's handler with what the operator's pages keep of their own.
type Handler struct {
	*web.Handler
	svc loket.Services
	cfg web.Config
	log *slog.Logger

	chart chartCache
}

// Mount registers the operator's pages, one file per area, behind the admin guard.
func Mount(core *web.Handler, handle web.Handle) {
	h := &Handler{Handler: core, svc: core.Services(), cfg: core.Config(), log: core.Log()}
	handle("GET /admin", h.Admin(h.overview))
	handle("GET /admin/{$}", h.Admin(h.overview))

	handle("GET /admin/orders", h.Admin(h.adminOrders))
	handle("GET /admin/orders/{id}", h.Admin(h.adminOrder))
	handle("POST /admin/orders/{id}/settle", h.Admin(h.adminSettle))

	handle("GET /admin/reports", h.Admin(h.adminReports))
	handle("GET /admin/reports.csv", h.Admin(h.adminReportsCSV))

	handle("GET /admin/resellers", h.Admin(h.adminResellers))
	handle("POST /admin/resellers", h.Admin(h.adminCreateReseller))
	handle("GET /admin/resellers/{id}", h.Admin(h.adminReseller))
	handle("POST /admin/resellers/{id}", h.Admin(h.adminUpdateReseller))
	handle("POST /admin/resellers/{id}/credit", h.Admin(h.adminCredit))
	handle("POST /admin/resellers/{id}/keys", h.Admin(h.adminResetKeys))
	handle("POST /admin/resellers/{id}/password", h.Admin(h.adminResellerPassword))
	handle("POST /admin/levels", h.Admin(h.adminSaveLevel))
	handle("GET /admin/network", h.Admin(h.adminNetwork))
	handle("POST /admin/network/limits", h.Admin(h.adminNetworkLimits))

	handle("GET /admin/catalog", h.Admin(h.adminCatalog))
	handle("POST /admin/catalog/import", h.Admin(h.adminCatalogImport))
	handle("POST /admin/catalog/markup", h.Admin(h.adminMarkup))
	handle("POST /admin/catalog/markup/delete", h.Admin(h.adminMarkupDelete))
	handle("POST /admin/catalog/route", h.Admin(h.adminRoute))
	handle("GET /admin/prices", h.Admin(h.adminPrices))
	handle("POST /admin/prices/{id}/undo", h.Admin(h.adminPriceUndo))

	handle("GET /admin/suppliers", h.Admin(h.adminSuppliers))
	handle("POST /admin/suppliers", h.Admin(h.adminSaveSupplier))
	handle("POST /admin/suppliers/{id}/enabled", h.Admin(h.adminSupplierEnabled))
	handle("POST /admin/suppliers/check", h.Admin(h.adminCheckSuppliers))
	handle("POST /admin/suppliers/{id}/sync", h.Admin(h.adminSyncSupplier))

	handle("GET /admin/deposits", h.Admin(h.adminDeposits))
	handle("POST /admin/deposits/{id}/confirm", h.Admin(h.adminConfirmDeposit))
	handle("POST /admin/payments/{id}/credit", h.Admin(h.adminCreditPayment))

	handle("GET /admin/chat", h.Admin(h.adminChat))
	handle("POST /admin/chat/settings", h.Admin(h.adminChatSettings))
	handle("POST /admin/chat/broadcast", h.Admin(h.adminBroadcast))
	handle("POST /admin/chat/unlink", h.Admin(h.adminChatUnlink))
	handle("GET /admin/withdrawals", h.Admin(h.adminWithdrawals))
	handle("POST /admin/withdrawals/{id}", h.Admin(h.adminDecideWithdrawal))
	handle("POST /admin/dropship/{id}/refund", h.Admin(h.adminRefundDropship))

	handle("GET /admin/settings", h.Admin(h.adminSettings))
	handle("POST /admin/settings/qris", h.Admin(h.adminSetQRIS))
	handle("POST /admin/settings/bank", h.Admin(h.adminAddBank))
	handle("POST /admin/settings/registration", h.Admin(h.adminRegistration))
}
