package api

import (
	"net/http"
	"strconv"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
)

// DownlineList is GET /v1/network/downlines.
type DownlineList struct {
	Downlines []loket.Downline `json:"downlines"`
}

// DownlineRequest is the body of POST /v1/network/downlines.
type DownlineRequest struct {
	Username   string      `json:"username" doc:"the downline's username (its login)"`
	Name       string      `json:"name,omitempty"`
	Email      string      `json:"email,omitempty"`
	Password   string      `json:"password,omitempty" doc:"for its dashboard, at least 6 characters; leave it out for none yet"`
	MarkupBP   int64       `json:"markup_bp" doc:"your markup for it over everything, in basis points (100 = 1%), within the operator's network.max_markup_bp"`
	MarkupFlat loket.Money `json:"markup_flat" doc:"and in rupiah per order, within network.max_markup_flat"`
	Opening    loket.Money `json:"opening_balance" doc:"rupiah moved from your balance into its own"`
}

// CreatedDownline is the answer of POST /v1/network/downlines: the downline and its
// keys, shown this once.
type CreatedDownline struct {
	Downline  loket.Downline `json:"downline"`
	APIKey    string         `json:"api_key" doc:"the downline's API key, shown this once: give it to the downline"`
	SecretKey string         `json:"secret_key" doc:"the downline's secret key (webhook signatures), shown this once"`
}

// MarkupRequest is the body of PUT /v1/network/downlines/{id}/markup.
type MarkupRequest struct {
	Scope      string      `json:"scope" enum:"all,category,product" doc:"all: over everything; category or product: for the one named by code, over the one for all"`
	Code       string      `json:"code,omitempty" doc:"the category or product code (not for scope all)"`
	MarkupBP   int64       `json:"markup_bp" doc:"basis points (100 = 1%)"`
	MarkupFlat loket.Money `json:"markup_flat" doc:"rupiah per order"`
}

// MarkupList is GET /v1/network/downlines/{id}/markups, and the answer of deleting one.
type MarkupList struct {
	Markups []loket.DownlineMarkupView `json:"markups" doc:"the one over everything first, then per category, then per product; a product's wins over its category's, which wins over the one over everything"`
}

// DownlineStatusRequest is the body of POST /v1/network/downlines/{id}/status.
type DownlineStatusRequest struct {
	Status string `json:"status" enum:"active,suspended" doc:"suspended: its keys stop working until you make it active again"`
}

// TransferRequest is the body of POST /v1/network/transfers.
type TransferRequest struct {
	DownlineID int64       `json:"downline_id" doc:"one of your direct downlines"`
	Amount     loket.Money `json:"amount" doc:"rupiah, at least 1"`
	Direction  string      `json:"direction" enum:"down,up" doc:"down: from your balance to the downline's; up: back from its balance to yours"`
	Key        string      `json:"key" doc:"your id for this move: the same key again moves nothing"`
	Note       string      `json:"note,omitempty" doc:"shown in both ledgers"`
}

// Transfer is the answer of POST /v1/network/transfers: both balances after.
type Transfer struct {
	Balance         loket.Money `json:"balance" doc:"your balance after"`
	DownlineBalance loket.Money `json:"downline_balance" doc:"the downline's balance after"`
}

// NetworkReport is GET /v1/network/report.
type NetworkReport struct {
	Downlines     int         `json:"downlines" doc:"your direct downlines"`
	Active        int         `json:"active" doc:"of them, the active ones"`
	Below         int         `json:"below" doc:"their own direct downlines (the next level down)"`
	Orders        int64       `json:"orders" doc:"your direct downlines' successful orders"`
	Sales         loket.Money `json:"sales" doc:"what those orders cost them"`
	Commission    loket.Money `json:"commission" doc:"what you earned on your downlines' orders and theirs, all levels"`
	Balance       loket.Money `json:"balance"`
	ProfitBalance loket.Money `json:"profit_balance" doc:"where commissions are paid; POST /v1/profit/move or /v1/withdrawals takes them out"`
}

func (s *Server) registerNetwork() {
	s.add(Route{Pattern: "GET /v1/network/downlines", Summary: "Your direct downlines with their balance, sales and your commission on them",
		Auth: true, Response: DownlineList{}}, s.authed(s.downlines))
	s.add(Route{Pattern: "POST /v1/network/downlines", Summary: "Create a downline with your markup and an opening balance from yours; its keys are shown once",
		Auth: true, Request: DownlineRequest{}, Response: CreatedDownline{}, Status: http.StatusCreated,
		Errors: []string{loket.EINVALID, loket.ECONFLICT, loket.EINSUFFICIENT, loket.ELIMIT}}, s.authed(s.createDownline))
	s.add(Route{Pattern: "PUT /v1/network/downlines/{id}/markup", Summary: "Set your markup for a downline: over everything, a category or a product",
		Auth: true, Request: MarkupRequest{}, Response: loket.Downline{}, Errors: []string{loket.EINVALID, loket.ENOTFOUND, loket.EPRODUCT}},
		changeDownline(s, s.setMarkup))
	s.add(Route{Pattern: "GET /v1/network/downlines/{id}/markups", Summary: "Your markups for a downline: over everything, per category and per product",
		Auth: true, Response: MarkupList{}, Errors: []string{loket.ENOTFOUND}}, s.downlineMarkups(nil))
	s.add(Route{Pattern: "DELETE /v1/network/downlines/{id}/markups/{scope}/{code}",
		Summary: "Delete your markup for a downline on a category or a product, so the wider one applies again; the one over everything is set to 0 instead",
		Auth:    true, Response: MarkupList{}, Errors: []string{loket.EINVALID, loket.ENOTFOUND, loket.EPRODUCT}},
		s.downlineMarkups(func(r *http.Request, ra *loket.ResellerAuth, id int64) error {
			return s.svc.Network.DeleteMarkup(r.Context(), ra, id, r.PathValue("scope"), r.PathValue("code"))
		}))
	s.add(Route{Pattern: "POST /v1/network/downlines/{id}/status", Summary: "Suspend a downline or make it active again",
		Auth: true, Request: DownlineStatusRequest{}, Response: loket.Downline{}, Errors: []string{loket.EINVALID, loket.ENOTFOUND}},
		changeDownline(s, s.setDownlineStatus))
	s.add(Route{Pattern: "POST /v1/network/transfers", Summary: "Move balance to a downline or back from it, once per key",
		Auth: true, Request: TransferRequest{}, Response: Transfer{},
		Errors: []string{loket.EINVALID, loket.ENOTFOUND, loket.EINSUFFICIENT, loket.ECONFLICT}}, s.authed(s.transfer))
	s.add(Route{Pattern: "GET /v1/network/report", Summary: "Your network in numbers: downlines, their sales, your commission and profit balance",
		Auth: true, Response: NetworkReport{}}, s.authed(s.networkReport))
}

func (s *Server) downlines(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	ds, err := s.svc.Network.Downlines(r.Context(), ra)
	if err != nil {
		WriteError(w, err)
		return
	}
	if ds == nil {
		ds = []loket.Downline{}
	}
	httpx.WriteJSON(w, http.StatusOK, DownlineList{Downlines: ds})
}

func (s *Server) createDownline(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	var req DownlineRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		WriteError(w, err)
		return
	}
	re, creds, err := s.svc.Network.CreateDownline(r.Context(), ra, loket.NewDownline{Username: req.Username, Name: req.Name,
		Email: req.Email, Password: req.Password, MarkupBP: req.MarkupBP, MarkupFlat: req.MarkupFlat, Opening: req.Opening})
	if err != nil {
		WriteError(w, err)
		return
	}
	d, err := s.downline(r, ra, re.ID)
	if err != nil {
		WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, CreatedDownline{Downline: *d, APIKey: creds.APIKey, SecretKey: creds.SecretKey})
}

// downline is one of the caller's direct downlines as its list has it.
func (s *Server) downline(r *http.Request, ra *loket.ResellerAuth, id int64) (*loket.Downline, error) {
	ds, err := s.svc.Network.Downlines(r.Context(), ra)
	if err != nil {
		return nil, err
	}
	for i := range ds {
		if ds[i].ID == id {
			return &ds[i], nil
		}
	}
	return nil, loket.Errorf(loket.ENOTFOUND, "reseller %d is not your downline", id)
}

// changeDownline serves a change to one of the caller's direct downlines: the {id} of
// the path (anything but a positive number is no such downline), the body into a T,
// then change, and the answer is the downline as it is after.
func changeDownline[T any](s *Server, change func(r *http.Request, ra *loket.ResellerAuth, id int64, req *T) error) http.HandlerFunc {
	return s.authed(func(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
		id, ok := pathDownline(w, r)
		if !ok {
			return
		}
		var req T
		if err := httpx.DecodeJSON(w, r, &req); err != nil {
			WriteError(w, err)
			return
		}
		if err := change(r, ra, id, &req); err != nil {
			WriteError(w, err)
			return
		}
		d, err := s.downline(r, ra, id)
		if err != nil {
			WriteError(w, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, d)
	})
}

// pathDownline is the {id} of the path; anything but a positive number is no such
// downline, answered.
func pathDownline(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		WriteError(w, loket.Errorf(loket.ENOTFOUND, "no such downline"))
		return 0, false
	}
	return id, true
}

// downlineMarkups serves the caller's markups for the downline of the path's {id},
// after change when there is one.
func (s *Server) downlineMarkups(change func(r *http.Request, ra *loket.ResellerAuth, id int64) error) http.HandlerFunc {
	return s.authed(func(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
		id, ok := pathDownline(w, r)
		if !ok {
			return
		}
		if change != nil {
			if err := change(r, ra, id); err != nil {
				WriteError(w, err)
				return
			}
		}
		ms, err := s.svc.Network.Markups(r.Context(), ra, id)
		if err != nil {
			WriteError(w, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, MarkupList{Markups: ms})
	})
}

func (s *Server) setMarkup(r *http.Request, ra *loket.ResellerAuth, id int64, req *MarkupRequest) error {
	return s.svc.Network.SetMarkup(r.Context(), ra, id, req.Scope, req.Code, req.MarkupBP, req.MarkupFlat)
}

func (s *Server) setDownlineStatus(r *http.Request, ra *loket.ResellerAuth, id int64, req *DownlineStatusRequest) error {
	return s.svc.Network.SetStatus(r.Context(), ra, id, req.Status)
}

func (s *Server) transfer(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	var req TransferRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		WriteError(w, err)
		return
	}
	var err error
	switch {
	case req.DownlineID <= 0:
		err = loket.FieldError(loket.EINVALID, "downline_id", "downline_id must be the id of one of your downlines")
	case req.Amount <= 0 || req.Amount > loket.MaxAmount:
		err = loket.FieldError(loket.EINVALID, "amount", "amount must be between 1 and %d", loket.MaxAmount)
	case req.Direction != "down" && req.Direction != "up":
		err = loket.FieldError(loket.EINVALID, "direction", "direction must be down (to the downline) or up (back from it)")
	case req.Key == "":
		err = loket.FieldError(loket.EINVALID, "key", "a key makes the move happen once: the same key again moves nothing")
	}
	if err == nil {
		err = s.svc.Network.Move(r.Context(), ra, req.DownlineID, req.Amount, req.Direction == "up", req.Key, req.Note)
	}
	if err != nil {
		WriteError(w, err)
		return
	}
	var out Transfer
	for id, to := range map[int64]*loket.Money{ra.ID: &out.Balance, req.DownlineID: &out.DownlineBalance} {
		re, err := s.svc.Resellers.Reseller(r.Context(), id, "")
		if err != nil {
			WriteError(w, err)
			return
		}
		*to = re.Balance
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) networkReport(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	ds, err := s.svc.Network.Downlines(r.Context(), ra)
	if err != nil {
		WriteError(w, err)
		return
	}
	re, err := s.svc.Resellers.Reseller(r.Context(), ra.ID, "")
	if err != nil {
		WriteError(w, err)
		return
	}
	out := NetworkReport{Downlines: len(ds), Balance: re.Balance, ProfitBalance: re.ProfitBalance}
	for _, d := range ds {
		if d.Status == loket.ResellerActive {
			out.Active++
		}
		out.Below += d.Downlines
		out.Orders += d.Orders
		out.Sales += d.Sales
		out.Commission += d.Commission
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}
