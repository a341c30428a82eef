package admin

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
)

type adminChatData struct {
	Channels   []string
	Contact    string
	Operators  string // chat.operators
	LowBalance string // supplier.low_balance ("": LOKET_SUPPLIER_LOW_BALANCE)
	Default    loket.Money
	Alerts     []string // the kinds chosen (chat.alerts; all when unset)
	Kinds      []string
	Accounts   []loket.ChatAccount
}

// adminChat: ordering by chat, the operator's side: the channels this node reads,
// where resellers write (shown on their Chat page), the operator's chats for alerts
// and which alerts, a broadcast to every linked chat, and every linked chat (unlink).
func (h *Handler) adminChat(w http.ResponseWriter, r *http.Request, s *web.Session) {
	ctx := r.Context()
	d := adminChatData{Channels: h.svc.Chat.Channels(), Kinds: loket.AlertKinds, Default: h.cfg.LowBalance}
	c, err := h.svc.Chat.Settings(ctx)
	if err == nil {
		d.LowBalance, err = h.svc.Settings.Setting(ctx, loket.SettingLowBalance)
	}
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	d.Contact, d.Operators, d.Alerts = c.Contact, strings.Join(c.Operators, ", "), c.Alerts
	if d.Accounts, err = h.svc.Chat.Accounts(ctx, 0); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	h.Render(w, http.StatusOK, "admin_chat", h.NewPage(w, r, s, "Chat", "chat", d))
}

// On reports whether an alert kind is chosen.
func (d adminChatData) On(kind string) bool { return slices.Contains(d.Alerts, kind) }

// adminChatSettings saves where resellers write and the operator's alerts.
func (h *Handler) adminChatSettings(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	c := loket.ChatSettings{Contact: r.PostFormValue("contact"), Alerts: []string{}}
	for _, k := range loket.AlertKinds {
		if r.PostFormValue("alert_"+k) == "1" {
			c.Alerts = append(c.Alerts, k)
		}
	}
	for _, op := range strings.FieldsFunc(r.PostFormValue("operators"), func(c rune) bool { return c == ',' || c == '\n' || c == '\r' }) {
		if op = strings.TrimSpace(op); op != "" {
			c.Operators = append(c.Operators, op)
		}
	}
	low := strings.TrimSpace(r.PostFormValue("low_balance"))
	if low != "" {
		m, err := loket.ParseMoney(low)
		if err != nil || m < 0 {
			h.Back(w, r, "/admin/chat", "err", p.T("Batas saldo rendah harus jumlah rupiah, misalnya 500.000."))
			return
		}
		low = m.String()
	}
	err := h.svc.Chat.SetSettings(r.Context(), c)
	if loket.ErrorField(err) == "operators" {
		h.Back(w, r, "/admin/chat", "err", p.T("Tulis chat operator sebagai telegram:ID atau xmpp:JID."))
		return
	}
	if err == nil {
		err = h.svc.Settings.SetSetting(r.Context(), loket.SettingLowBalance, low)
	}
	if err != nil {
		h.Back(w, r, "/admin/chat", "err", h.ErrText(r, err))
		return
	}
	// The new threshold counts from the next balance check: ask the suppliers now.
	go h.svc.Orders.CheckBalances(context.WithoutCancel(r.Context()))
	h.Back(w, r, "/admin/chat", "ok", p.T("Tersimpan."))
}

// adminBroadcast sends a notice to every linked chat.
func (h *Handler) adminBroadcast(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	n, err := h.svc.Chat.Broadcast(r.Context(), r.PostFormValue("text"))
	if err != nil {
		h.Back(w, r, "/admin/chat", "err", h.ErrText(r, err))
		return
	}
	h.log.Info("dashboard chat broadcast", "admin", s.Username, "chats", n)
	h.Back(w, r, "/admin/chat", "ok", p.Tf("Pengumuman dikirim ke %d chat.", n))
}

// adminChatUnlink removes any reseller's linked chat (the reseller's page, its own:
// app.chatUnlink); the way back is the operator's page it came from.
func (h *Handler) adminChatUnlink(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	id, err := strconv.ParseInt(r.PostFormValue("account"), 10, 64)
	back, reseller := "/admin/chat", int64(0)
	if b := r.PostFormValue("back"); strings.HasPrefix(b, "/admin/") && !strings.HasPrefix(b, "//") {
		back = b
	}
	if err != nil {
		h.Back(w, r, back, "err", p.T("Chat tidak ditemukan."))
		return
	}
	if err := h.svc.Chat.Unlink(r.Context(), reseller, id); err != nil {
		h.Back(w, r, back, "err", h.ErrText(r, err))
		return
	}
	h.Back(w, r, back, "ok", p.T("Chat dilepas dari akun."))
}
