package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
)

type chatPageData struct {
	Channels []string
	Contact  string // where to write (the operator's setting chat.contact)
	HasPIN   bool
	Link     *loket.ChatLink // a code just made
	Accounts []loket.ChatAccount
	Help     string
}

// chatPage: ordering by chat. The reseller sets a transaction PIN (with its password),
// makes a one-time code and sends it from the chat to link it, sees its linked chats
// (and unlinks one), and the formats to type.
func (h *Handler) chatPage(w http.ResponseWriter, r *http.Request, s *sess) {
	d, err := h.chatData(r, s.SubjectID)
	if err != nil {
		h.fail(w, r, s, err)
		return
	}
	h.render(w, http.StatusOK, "app_chat", h.newPage(w, r, s, "Chat", "chat", d))
}

func (h *Handler) chatData(r *http.Request, resellerID int64) (*chatPageData, error) {
	ctx := r.Context()
	d := &chatPageData{Channels: h.svc.Chat.Channels(), Help: h.svc.Chat.Help()}
	var err error
	if d.HasPIN, err = h.svc.Chat.HasPIN(ctx, resellerID); err != nil {
		return nil, err
	}
	if d.Accounts, err = h.svc.Chat.Accounts(ctx, resellerID); err != nil {
		return nil, err
	}
	if d.Contact, err = h.svc.Settings.Setting(ctx, loket.SettingChatContact); err != nil {
		return nil, err
	}
	return d, nil
}

// chatSetPIN sets the transaction PIN; the account's password confirms it (a PIN
// spends the balance from any linked chat).
func (h *Handler) chatSetPIN(w http.ResponseWriter, r *http.Request, s *sess) {
	p := &page{Lang: lang(r)}
	pin, again := strings.TrimSpace(r.PostFormValue("pin")), strings.TrimSpace(r.PostFormValue("pin2"))
	if pin != again {
		h.back(w, r, "/app/chat", "err", p.T("Kedua PIN tidak sama."))
		return
	}
	if _, err := h.svc.Resellers.Login(r.Context(), s.Username, r.PostFormValue("password"), httpx.ClientIP(r)); err != nil {
		h.back(w, r, "/app/chat", "err", p.T("Password akun salah."))
		return
	}
	if err := h.svc.Chat.SetPIN(r.Context(), s.SubjectID, pin); err != nil {
		h.back(w, r, "/app/chat", "err", p.T("PIN harus 4 sampai 6 angka."))
		return
	}
	h.back(w, r, "/app/chat", "ok", p.T("PIN transaksi disimpan."))
}

// chatLink makes a one-time code to send from the chat.
func (h *Handler) chatLink(w http.ResponseWriter, r *http.Request, s *sess) {
	link, err := h.svc.Chat.NewLink(r.Context(), s.SubjectID)
	if err != nil {
		h.back(w, r, "/app/chat", "err", h.errText(r, err))
		return
	}
	d, err := h.chatData(r, s.SubjectID)
	if err != nil {
		h.fail(w, r, s, err)
		return
	}
	d.Link = link
	h.render(w, http.StatusOK, "app_chat", h.newPage(w, r, s, "Chat", "chat", d))
}

// chatUnlink removes one of the reseller's linked chats (the operator's page does any).
func (h *Handler) chatUnlink(w http.ResponseWriter, r *http.Request, s *sess) {
	p := &page{Lang: lang(r)}
	id, err := strconv.ParseInt(r.PostFormValue("account"), 10, 64)
	back := "/app/chat"
	reseller := s.SubjectID
	if s.Kind == loket.SessionAdmin {
		back, reseller = "/admin/chat", 0
		if b := r.PostFormValue("back"); strings.HasPrefix(b, "/admin/") && !strings.HasPrefix(b, "//") {
			back = b
		}
	}
	if err != nil {
		h.back(w, r, back, "err", p.T("Chat tidak ditemukan."))
		return
	}
	if err := h.svc.Chat.Unlink(r.Context(), reseller, id); err != nil {
		h.back(w, r, back, "err", h.errText(r, err))
		return
	}
	h.back(w, r, back, "ok", p.T("Chat dilepas dari akun."))
}
