package web

import "net/http"

// mountAdmin registers the operator's pages, one file per area.
func (h *Handler) mountAdmin(handle func(string, http.HandlerFunc)) {
	handle("GET /admin", h.admin(h.overview))
	handle("GET /admin/{$}", h.admin(h.overview))

	handle("GET /admin/orders", h.admin(h.adminOrders))
	handle("GET /admin/orders/{id}", h.admin(h.adminOrder))
	handle("POST /admin/orders/{id}/settle", h.admin(h.adminSettle))

	handle("GET /admin/reports", h.admin(h.adminReports))
	handle("GET /admin/reports.csv", h.admin(h.adminReportsCSV))

	handle("GET /admin/resellers", h.admin(h.adminResellers))
	handle("POST /admin/resellers", h.admin(h.adminCreateReseller))
	handle("GET /admin/resellers/{id}", h.admin(h.adminReseller))
	handle("POST /admin/resellers/{id}", h.admin(h.adminUpdateReseller))
	handle("POST /admin/resellers/{id}/credit", h.admin(h.adminCredit))
	handle("POST /admin/resellers/{id}/keys", h.admin(h.adminResetKeys))
	handle("POST /admin/resellers/{id}/password", h.admin(h.adminResellerPassword))
	handle("POST /admin/levels", h.admin(h.adminSaveLevel))
	handle("GET /admin/network", h.admin(h.adminNetwork))
	handle("POST /admin/network/limits", h.admin(h.adminNetworkLimits))

	handle("GET /admin/catalog", h.admin(h.adminCatalog))
	handle("POST /admin/catalog/import", h.admin(h.adminCatalogImport))
	handle("POST /admin/catalog/markup", h.admin(h.adminMarkup))
	handle("POST /admin/catalog/markup/delete", h.admin(h.adminMarkupDelete))
	handle("POST /admin/catalog/route", h.admin(h.adminRoute))
	handle("GET /admin/prices", h.admin(h.adminPrices))
	handle("POST /admin/prices/{id}/undo", h.admin(h.adminPriceUndo))

	handle("GET /admin/suppliers", h.admin(h.adminSuppliers))
	handle("POST /admin/suppliers", h.admin(h.adminSaveSupplier))
	handle("POST /admin/suppliers/{id}/enabled", h.admin(h.adminSupplierEnabled))
	handle("POST /admin/suppliers/check", h.admin(h.adminCheckSuppliers))
	handle("POST /admin/suppliers/{id}/sync", h.admin(h.adminSyncSupplier))

	handle("GET /admin/deposits", h.admin(h.adminDeposits))
	handle("POST /admin/deposits/{id}/confirm", h.admin(h.adminConfirmDeposit))
	handle("POST /admin/payments/{id}/credit", h.admin(h.adminCreditPayment))

	handle("GET /admin/chat", h.admin(h.adminChat))
	handle("POST /admin/chat/settings", h.admin(h.adminChatSettings))
	handle("POST /admin/chat/broadcast", h.admin(h.adminBroadcast))
	handle("POST /admin/chat/unlink", h.admin(h.chatUnlink))
	handle("GET /admin/withdrawals", h.admin(h.adminWithdrawals))
	handle("POST /admin/withdrawals/{id}", h.admin(h.adminDecideWithdrawal))
	handle("POST /admin/dropship/{id}/refund", h.admin(h.adminRefundDropship))

	handle("GET /admin/settings", h.admin(h.adminSettings))
	handle("POST /admin/settings/qris", h.admin(h.adminSetQRIS))
	handle("POST /admin/settings/bank", h.admin(h.adminAddBank))
	handle("POST /admin/settings/registration", h.admin(h.adminRegistration))
}
