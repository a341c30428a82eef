package app

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
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
func (h *Handler) chatPage(w http.ResponseWriter, r *http.Request, s *web.Session) {
	d, err := h.chatData(r, s.SubjectID)
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	h.Render(w, http.StatusOK, "app_chat", h.NewPage(w, r, s, "Chat", "chat", d))
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
func (h *Handler) chatSetPIN(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	pin, again := strings.TrimSpace(r.PostFormValue("pin")), strings.TrimSpace(r.PostFormValue("pin2"))
	if pin != again {
		h.Back(w, r, "/app/chat", "err", p.T("Kedua PIN tidak sama."))
		return
	}
	if _, err := h.svc.Resellers.Login(r.Context(), s.Username, r.PostFormValue("password"), httpx.ClientIP(r)); err != nil {
		h.Back(w, r, "/app/chat", "err", p.T("Password akun salah."))
		return
	}
	if err := h.svc.Chat.SetPIN(r.Context(), s.SubjectID, pin); err != nil {
		h.Back(w, r, "/app/chat", "err", p.T("PIN harus 4 sampai 6 angka."))
		return
	}
	h.Back(w, r, "/app/chat", "ok", p.T("PIN transaksi disimpan."))
}

// chatLink makes a one-time code to send from the chat.
func (h *Handler) chatLink(w http.ResponseWriter, r *http.Request, s *web.Session) {
	link, err := h.svc.Chat.NewLink(r.Context(), s.SubjectID)
	if err != nil {
		h.Back(w, r, "/app/chat", "err", h.ErrText(r, err))
		return
	}
	d, err := h.chatData(r, s.SubjectID)
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	d.Link = link
	h.Render(w, http.StatusOK, "app_chat", h.NewPage(w, r, s, "Chat", "chat", d))
}

// chatUnlink removes one of the reseller's linked chats (the operator's page, any:
// admin.adminChatUnlink).
func (h *Handler) chatUnlink(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	id, err := strconv.ParseInt(r.PostFormValue("account"), 10, 64)
	back := "/app/chat"
	reseller := s.SubjectID
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
