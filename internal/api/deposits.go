package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/httpx"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/payment/usdt"
)

// DepositRequest is the body of POST /v1/deposits.
type DepositRequest struct {
	Method string      `json:"method" enum:"qris,bank,usdt" doc:"qris (default): pay the total by any QRIS app; bank: transfer the total; usdt: send usdt_amount USDT (TRC-20) to address"`
	Amount loket.Money `json:"amount" doc:"rupiah to add to your balance (QRIS at least 2,000; bank at least 10,000)"`
}

// Deposit is the native shape of a deposit.
type Deposit struct {
	ID         int64               `json:"id"`
	Method     string              `json:"method"`
	Amount     loket.Money         `json:"amount" doc:"credited to your balance when paid"`
	UniqueCode loket.Money         `json:"unique_code" doc:"added to the amount so the payment can be recognised"`
	Total      loket.Money         `json:"total" doc:"pay exactly this"`
	Fee        loket.Money         `json:"fee" doc:"total minus amount"`
	Status     string              `json:"status" enum:"pending,success,cancel,expired"`
	QRString   string              `json:"qr_string,omitempty" doc:"the dynamic QRIS to pay (method qris)"`
	USDTAmount string              `json:"usdt_amount,omitempty" doc:"send exactly this many USDT (method usdt)"`
	Address    string              `json:"address,omitempty" doc:"the TRC-20 address to send them to (method usdt)"`
	QRURL      string              `json:"qr_url,omitempty" doc:"the QR code as a PNG (same API key)"`
	QRImage    string              `json:"qr_image,omitempty" doc:"the QR code as a PNG at a public, unguessable link, for the payer"`
	Banks      []loket.BankAccount `json:"banks,omitempty" doc:"method bank: transfer exactly total to one of these accounts; the unique code tells your transfer apart and is credited with the amount"`
	Brand      string              `json:"brand,omitempty" doc:"what the payer paid with (DANA, OVO...)"`
	CreatedAt  time.Time           `json:"created_at"`
	ExpiresAt  time.Time           `json:"expires_at"`
	SettledAt  *time.Time          `json:"settled_at,omitempty"`
}

// DepositList is GET /v1/deposits.
type DepositList struct {
	Deposits []Deposit `json:"deposits"`
}

// DepositView renders a deposit for its reseller.
func DepositView(d *loket.Deposit) Deposit {
	v := Deposit{ID: d.ID, Method: d.Method, Amount: d.Amount, UniqueCode: d.UniqueCode, Total: d.Total, Fee: d.Fee(),
		Status: d.Status, QRString: d.QRString, Brand: d.Brand, CreatedAt: d.CreatedAt, ExpiresAt: d.ExpiresAt, SettledAt: d.SettledAt}
	if d.Method == "usdt" {
		v.USDTAmount, v.Address = usdt.Format(d.PayMicroUSDT()), d.PayTo
	}
	return v
}

// depositView is a deposit as the API answers it: with absolute links to its QR code,
// and for a bank transfer the accounts to pay (banks, read once per answer).
func (s *Server) depositView(d *loket.Deposit, banks []loket.BankAccount) Deposit {
	v := DepositView(d)
	if d.QRString != "" {
		v.QRURL = s.PublicURL() + "/v1/deposits/" + strconv.FormatInt(d.ID, 10) + "/qr.png"
	}
	v.QRImage = s.svc.Deposits.PublicQRURL(d)
	if d.Method == loket.MethodBank {
		v.Banks = banks
	}
	return v
}

// banks are the operator's accounts when a bank deposit is among ds, else nil.
func (s *Server) banks(r *http.Request, ds ...*loket.Deposit) ([]loket.BankAccount, error) {
	for _, d := range ds {
		if d.Method == loket.MethodBank {
			return s.svc.Deposits.BankAccounts(r.Context())
		}
	}
	return nil, nil
}

func (s *Server) registerDeposits() {
	s.add(Route{Pattern: "POST /v1/deposits", Summary: "Open a deposit: pay its total and the amount is added to your balance", Auth: true,
		Request: DepositRequest{}, Response: Deposit{}, Status: http.StatusCreated,
		Errors: []string{loket.EINVALID, loket.ELIMIT, loket.EUNAVAILABLE, loket.ENOTCONFIGURED}}, s.authed(s.createDeposit))
	s.add(Route{Pattern: "GET /v1/deposits", Summary: "Your deposits, newest first", Auth: true, Response: DepositList{}}, s.authed(s.listDeposits))
	s.add(Route{Pattern: "GET /v1/deposits/{id}", Summary: "One of your deposits", Auth: true, Response: Deposit{},
		Errors: []string{loket.ENOTFOUND}}, s.authed(s.getDeposit))
	s.add(Route{Pattern: "POST /v1/deposits/{id}/cancel", Summary: "Cancel an open deposit", Auth: true, Response: Deposit{},
		Errors: []string{loket.ENOTFOUND, loket.ECONFLICT}}, s.authed(s.cancelDeposit))
	s.Handle("GET /v1/deposits/{id}/qr.png", s.authed(s.depositQR))
	s.Handle("GET /qr/{id}/{file}", http.HandlerFunc(s.publicQR))
}

// publicQR serves a deposit's QR code to whoever has its unguessable link: the payer.
func (s *Server) publicQR(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	tok := strings.TrimSuffix(r.PathValue("file"), ".png")
	if err != nil || id <= 0 || !auth.Equal(tok, s.svc.Deposits.QRToken(id)) {
		http.NotFound(w, r)
		return
	}
	d, err := s.svc.Deposits.Deposit(r.Context(), id, 0)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	png, err := s.svc.Deposits.QRPNG(d)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(png)
}

func (s *Server) createDeposit(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	var req DepositRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		WriteError(w, err)
		return
	}
	if req.Method == "" {
		req.Method = "qris"
	}
	d, err := s.svc.Deposits.CreateDeposit(r.Context(), ra, req.Method, req.Amount, "api")
	if err != nil {
		WriteError(w, err)
		return
	}
	banks, err := s.banks(r, d)
	if err != nil {
		WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, s.depositView(d, banks))
}

func (s *Server) listDeposits(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	ds, err := s.svc.Deposits.Deposits(r.Context(), ra.ID, 100)
	if err != nil {
		WriteError(w, err)
		return
	}
	banks, err := s.banks(r, ds...)
	if err != nil {
		WriteError(w, err)
		return
	}
	out := DepositList{Deposits: make([]Deposit, 0, len(ds))}
	for _, d := range ds {
		out.Deposits = append(out.Deposits, s.depositView(d, banks))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) deposit(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) *loket.Deposit {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		WriteError(w, loket.Errorf(loket.ENOTFOUND, "no such deposit"))
		return nil
	}
	d, err := s.svc.Deposits.Deposit(r.Context(), id, ra.ID)
	if err != nil {
		WriteError(w, err)
		return nil
	}
	return d
}

func (s *Server) getDeposit(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	if d := s.deposit(w, r, ra); d != nil {
		banks, err := s.banks(r, d)
		if err != nil {
			WriteError(w, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, s.depositView(d, banks))
	}
}

func (s *Server) cancelDeposit(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	d := s.deposit(w, r, ra)
	if d == nil {
		return
	}
	d, err := s.svc.Deposits.CancelDeposit(r.Context(), ra, d.ID)
	if err != nil {
		WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, s.depositView(d, nil))
}

func (s *Server) depositQR(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	d := s.deposit(w, r, ra)
	if d == nil {
		return
	}
	png, err := s.svc.Deposits.QRPNG(d)
	if err != nil {
		WriteError(w, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Write(png)
}
