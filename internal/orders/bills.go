package orders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/supplier"
)

// Postpaid bills (PPOB). An inquiry is free: the suppliers are asked by route
// priority, the bill one of them found is kept with the reseller's price, and it is
// payable until the end of its day in WIB, as upstreams rule. A payment is an order of
// the inquiry's total, written as any order is (reservation, first attempt, job in one
// transaction), whose one attempt goes to the supplier that answered the inquiry under
// the inquiry's Ref; it is never moved to another supplier. The database holds each
// bill (product, customer, periods) to one pending or successful payment.

// Customer numbers: digits, once spaces and dashes are gone.
const (
	minCustomer = 6
	maxCustomer = 20
)

// checkCustomer trims a customer (or meter) number of spaces and dashes and checks
// it is 6-20 digits.
func checkCustomer(field, s string) (string, error) {
	if err := loket.CheckText(field, s, loket.MaxText); err != nil {
		return "", err
	}
	if strings.TrimSpace(s) == "" {
		return "", loket.FieldError(loket.EINVALID, field, "%s is required: the customer (or meter) number", field)
	}
	n := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
	ok := len(n) >= minCustomer && len(n) <= maxCustomer
	for _, r := range n {
		ok = ok && r >= '0' && r <= '9'
	}
	if !ok {
		return "", loket.FieldError(loket.EINVALID, field, "the customer number must be %d-%d digits", minCustomer, maxCustomer)
	}
	return n, nil
}

// endOfDayWIB is the last moment of t's day in WIB: until then an inquiry is payable.
func endOfDayWIB(t time.Time) time.Time {
	w := t.In(loket.WIB)
	return time.Date(w.Year(), w.Month(), w.Day(), 23, 59, 59, 999_999_000, loket.WIB).UTC()
}

// billProduct is a postpaid product by code, priced (commission) for a level.
func (s *Service) billProduct(code, level string) (*loket.Product, error) {
	if strings.TrimSpace(code) == "" {
		return nil, loket.FieldError(loket.EPRODUCT, "product", "product is required: the code of the bill, e.g. pln")
	}
	p, err := s.catalog.Product(code, level)
	if err != nil {
		return nil, loket.FieldError(loket.EPRODUCT, "product", "unknown product %q", loket.Clip(code))
	}
	if !p.Postpaid() {
		return nil, &loket.Error{Code: loket.EPRODUCT, Field: "product", Reason: loket.ReasonPrepaid,
			Message: fmt.Sprintf("%s is a prepaid product, not a bill: order it with POST /v1/orders", p.Code)}
	}
	if !p.Active {
		return nil, loket.FieldError(loket.EINACTIVE, "product", "product %s is not available now", p.Code)
	}
	if err := p.CheckCutOff(time.Now()); err != nil {
		return nil, err
	}
	return p, nil
}

// Inquire asks the suppliers of a postpaid product for a customer's bill, by route
// priority, and keeps what one found for the reseller.
func (s *Service) Inquire(ctx context.Context, r *loket.ResellerAuth, product, customer string) (*loket.Inquiry, error) {
	return s.InquireRef(ctx, r, product, customer, "")
}

// InquireRef is Inquire under the client's own id of the inquiry (clientRef, "" for
// none): an inquiry the reseller kept under it already is returned as it is, and no
// supplier is asked. Two first requests at once may both ask; one inquiry is kept, and
// both answer it.
func (s *Service) InquireRef(ctx context.Context, r *loket.ResellerAuth, product, customer, clientRef string) (*loket.Inquiry, error) {
	if clientRef != "" {
		ref, err := CheckRef(clientRef)
		if err != nil {
			return nil, err
		}
		if in, err := s.db.InquiryByClientRef(ctx, r.ID, ref); loket.ErrorCode(err) != loket.ENOTFOUND {
			return in, err
		}
		clientRef = ref
	}
	if err := loket.CheckText("product", product, loket.MaxText); err != nil {
		return nil, err
	}
	p, err := s.billProduct(product, r.Level)
	if err != nil {
		return nil, err
	}
	if customer, err = checkCustomer("customer_no", customer); err != nil {
		return nil, err
	}
	return s.inquire(ctx, r, p, customer, 0, clientRef)
}

// InquiryByRef returns the reseller's inquiry kept under the client's ref.
func (s *Service) InquiryByRef(ctx context.Context, r *loket.ResellerAuth, clientRef string) (*loket.Inquiry, error) {
	return s.db.InquiryByClientRef(ctx, r.ID, clientRef)
}

// inquire asks the usable routes of p in priority order (first, when not 0, before
// the others) and keeps the first bill found. A definite answer about the bill (none,
// paid, no such customer, over the limit) ends it; a refusal or no usable answer asks
// the next route.
func (s *Service) inquire(ctx context.Context, r *loket.ResellerAuth, p *loket.Product, customer string, first int64, clientRef string) (*loket.Inquiry, error) {
	routes := slices.Clone(s.catalog.Routes(p.ID))
	slices.SortStableFunc(routes, func(a, b loket.Route) int {
		if (a.ID == first) != (b.ID == first) {
			if a.ID == first {
				return -1
			}
			return 1
		}
		return 0
	})
	ref := "LKI" + auth.RandomCode(12)
	for i := range routes {
		rt := &routes[i]
		if ok, _ := s.usable(rt); !ok {
			continue
		}
		sup, err := s.catalog.Supplier(rt.SupplierID)
		if err != nil {
			continue
		}
		b, ok := sup.(supplier.Biller)
		if !ok {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, s.cfg.SupplierTimeout)
		res, err := b.Inquire(cctx, supplier.BillRequest{Ref: ref, Code: rt.SupplierCode, Customer: customer})
		cancel()
		if err != nil {
			s.observe(rt.SupplierID, supplier.Unknown)
			s.log.Warn("bill inquiry: no usable answer", "supplier", rt.SupplierName, "product", p.Code, "err", err)
			continue
		}
		s.observe(rt.SupplierID, supplier.Failed) // an answer: the supplier is up
		switch res.Outcome {
		case supplier.BillFound:
			if res.Bill == nil || len(res.Bill.Periods) == 0 || res.Bill.Price <= 0 {
				s.log.Warn("bill inquiry: a bill without periods or price", "supplier", rt.SupplierName, "product", p.Code)
				continue
			}
			return s.keepInquiry(ctx, r, p, customer, rt, ref, clientRef, res.Bill)
		case supplier.NoBill:
			return nil, loket.FieldError(loket.ENOBILL, "customer_no", "customer %s has no %s bill to pay now", customer, p.Name)
		case supplier.BillPaid:
			return nil, loket.FieldError(loket.EBILLPAID, "customer_no", "the %s bill of customer %s is paid already", p.Name, customer)
		case supplier.WrongCustomer:
			return nil, loket.FieldError(loket.ECUSTOMER, "customer_no", "no %s customer %s", p.Name, customer)
		case supplier.OverLimit:
			return nil, loket.FieldError(loket.EOVERLIMIT, "customer_no", "the bill of customer %s is over the limit of one payment", customer)
		}
		s.log.Info("bill inquiry refused; asking the next route", "supplier", rt.SupplierName, "product", p.Code, "message", loket.CleanText(res.Message, 200))
	}
	return nil, loket.FieldError(loket.EUNAVAILABLE, "product", "the %s bill cannot be checked now; try again later", p.Name)
}

// keepInquiry prices a bill for the reseller and keeps it. The reseller pays the bill
// (amounts and penalties), the operator's admin fee per period, less its commission
// per period; never less than what paying costs Loket (the commission shrinks so
// that the operator loses nothing on a bill), and the amounts shown add up.
func (s *Service) keepInquiry(ctx context.Context, r *loket.ResellerAuth, p *loket.Product, customer string, rt *loket.Route,
	ref, clientRef string, b *supplier.Bill) (*loket.Inquiry, error) {
	clean := func(v string) string { return loket.CleanText(v, 200) }
	in := &loket.Inquiry{ResellerID: r.ID, ProductID: p.ID, ProductCode: p.Code, ProductName: p.Name, Customer: customer,
		RouteID: rt.ID, SupplierID: rt.SupplierID, SupplierCode: rt.SupplierCode, Ref: ref, SupplierTrx: clean(b.TrxID), Cost: b.Price,
		ClientRef: clientRef, Bill: loket.Bill{Customer: customer, Name: clean(b.Name), Tariff: clean(b.Tariff), Power: clean(b.Power)}}
	periods := make([]string, 0, len(b.Periods))
	for _, bp := range b.Periods {
		if bp.Amount < 0 || bp.Penalty < 0 {
			return nil, loket.Errorf(loket.EUNAVAILABLE, "the %s bill cannot be checked now; try again later", p.Name)
		}
		in.Bill.Periods = append(in.Bill.Periods, loket.BillPeriod{Period: clean(bp.Period), Amount: bp.Amount, Penalty: bp.Penalty,
			Admin: p.AdminFee, MeterStart: clean(bp.MeterStart), MeterEnd: clean(bp.MeterEnd)})
		in.Amount += bp.Amount + bp.Penalty
		periods = append(periods, clean(bp.Period))
	}
	for k, v := range b.Info {
		if in.Bill.Info == nil {
			in.Bill.Info = map[string]string{}
		}
		in.Bill.Info[clean(k)] = clean(v)
	}
	in.Price(len(b.Periods), p.AdminFee, p.Commission, in.Cost)
	if r.UplineID != 0 && s.billPricer != nil {
		// A downline pays its uplines' markups on the admin, kept with the inquiry so
		// its payment records the same commissions.
		cs, err := s.billPricer(ctx, r, p, in.Admin)
		if err != nil {
			return nil, err
		}
		if len(cs) > 0 {
			add := store.SumCommissions(cs)
			in.Admin += add
			in.Total += add
			b, err := json.Marshal(cs)
			if err != nil {
				return nil, err
			}
			in.Uplines = string(b)
		}
	}
	if in.Total <= 0 || in.Total > loket.MaxAmount {
		return nil, loket.Errorf(loket.EUNAVAILABLE, "the %s bill cannot be paid here", p.Name)
	}
	slices.Sort(periods)
	in.PeriodsKey = strings.Join(periods, ",")
	in.CreatedAt = time.Now()
	in.ValidUntil = endOfDayWIB(in.CreatedAt)
	err := s.db.Write(ctx, uint64(r.ID), func(t *store.Tx) error { return t.InsertInquiry(in) })
	if errors.Is(err, store.ErrClientRef) {
		// Another request under the same client ref kept its inquiry first.
		return s.db.InquiryByClientRef(ctx, r.ID, clientRef)
	}
	if err != nil {
		return nil, err
	}
	return in, nil
}

// billKey is what makes two payments the same bill's: product, customer and periods.
func billKey(in *loket.Inquiry) string {
	return fmt.Sprintf("%d|%s|%s", in.ProductID, in.Customer, in.PeriodsKey)
}

// Inquiry returns one of a reseller's inquiries.
func (s *Service) Inquiry(ctx context.Context, r *loket.ResellerAuth, id int64) (*loket.Inquiry, error) {
	return s.db.Inquiry(ctx, id, r.ID)
}

// PayBill pays one of the reseller's inquiries: an order of its total, idempotent by
// refID. A payment of a bill that a pending or successful order pays already returns
// that order (created=false) and charges nothing. An inquiry past its day is asked
// again (its supplier first): a bill whose total moved is refused with EAMOUNT and
// nothing charged, and the new inquiry is kept for the reseller to pay.
func (s *Service) PayBill(ctx context.Context, r *loket.ResellerAuth, inquiryID int64, refID, surface string) (*loket.Order, bool, error) {
	start := time.Now()
	if surface == "" {
		surface = "api"
	}
	o, created, err := s.payBill(ctx, r, inquiryID, refID, surface)
	if err != nil {
		s.Refused(surface, err)
		return nil, false, err
	}
	if created {
		s.Created(surface, start)
	}
	return o, created, nil
}

func (s *Service) payBill(ctx context.Context, r *loket.ResellerAuth, inquiryID int64, refID, surface string) (*loket.Order, bool, error) {
	refID, err := CheckRef(refID)
	if err != nil {
		return nil, false, err
	}
	in, err := s.db.Inquiry(ctx, inquiryID, r.ID)
	if err != nil {
		return nil, false, err
	}
	hash := requestHash("bill", fmt.Sprint(inquiryID), nil, 0)
	// A repeated ref_id, or a bill paid already, answers before any upstream is asked.
	if o, err := s.db.OrderByRef(ctx, r.ID, refID); err == nil {
		if o.InquiryID == 0 || !s.sameBillRequest(ctx, o, in) {
			return nil, false, loket.FieldError(loket.ECONFLICT, "ref_id", "ref_id %q was used for a different order", refID)
		}
		return s.withInquiry(ctx, o), false, nil
	} else if loket.ErrorCode(err) != loket.ENOTFOUND {
		return nil, false, err
	}
	if o, err := s.billHeld(ctx, r, in); o != nil || err != nil {
		return o, false, err
	}
	if prev, err := s.db.InquiryOrder(ctx, in.ID); err != nil {
		return nil, false, err
	} else if prev != nil && prev.Status == loket.StatusFailed {
		return nil, false, loket.FieldError(loket.ECONFLICT, "inquiry_id", "the payment of this inquiry failed and was refunded; check the bill again to pay it")
	}
	p, err := s.billProduct(in.ProductCode, r.Level)
	if err != nil {
		return nil, false, err
	}
	if time.Now().After(in.ValidUntil) {
		fresh, err := s.inquire(ctx, r, p, in.Customer, in.RouteID, "")
		if err != nil {
			if c := loket.ErrorCode(err); c == loket.EUNAVAILABLE || c == loket.EINTERNAL {
				return nil, false, loket.FieldError(loket.EEXPIRED, "inquiry_id", "inquiry %d expired and the bill cannot be checked again now; try again later", in.ID)
			}
			return nil, false, err
		}
		if fresh.Total != in.Total || fresh.PeriodsKey != in.PeriodsKey {
			return nil, false, loket.FieldError(loket.EAMOUNT, "inquiry_id",
				"inquiry %d expired and the bill is now %d, not %d: nothing was charged; pay inquiry %d to pay the new amount",
				in.ID, fresh.Total, in.Total, fresh.ID)
		}
		if o, err := s.billHeld(ctx, r, fresh); o != nil || err != nil {
			return o, false, err
		}
		in = fresh
	}
	route, err := s.inquiryRoute(in)
	if err != nil {
		return nil, false, err
	}
	var cs []store.Commission
	if in.Uplines != "" {
		if err := json.Unmarshal([]byte(in.Uplines), &cs); err != nil {
			return nil, false, fmt.Errorf("inquiry %d: uplines: %w", in.ID, err)
		}
	}
	o, existed, err := s.write(ctx, &store.NewOrder{ResellerID: r.ID, AccountID: r.BalanceAccountID, RefID: refID, RequestHash: hash,
		Product: p, Target: in.Customer, Price: in.Total, Surface: surface, FirstRoute: route, FirstRef: in.Ref, FirstTrx: in.SupplierTrx, InquiryID: in.ID,
		BillKey: billKey(in), Commissions: cs})
	if err != nil {
		return nil, false, err
	}
	if existed {
		return s.withInquiry(ctx, o), false, nil
	}
	out := *o // o itself went to the dispatcher with the job
	out.Inquiry = in
	return &out, true, nil
}

// sameBillRequest says an order under a repeated ref_id pays the inquiry asked for, or
// the inquiry that replaced it when it expired (same bill).
func (s *Service) sameBillRequest(ctx context.Context, o *loket.Order, in *loket.Inquiry) bool {
	if o.InquiryID == in.ID {
		return true
	}
	paid, err := s.db.Inquiry(ctx, o.InquiryID, 0)
	return err == nil && billKey(paid) == billKey(in)
}

// billHeld returns the reseller's pending or successful payment of the inquiry's
// bill, if there is one; another reseller's is EBILLPAID.
func (s *Service) billHeld(ctx context.Context, r *loket.ResellerAuth, in *loket.Inquiry) (*loket.Order, error) {
	o, err := s.db.BillOrder(ctx, billKey(in))
	if err != nil || o == nil {
		return nil, err
	}
	if o.ResellerID != r.ID {
		return nil, loket.FieldError(loket.EBILLPAID, "inquiry_id", "this bill is paid or being paid already")
	}
	return s.withInquiry(ctx, o), nil
}

// inquiryRoute is the route whose supplier answered the inquiry, at the inquiry's
// cost, if it can be used now.
func (s *Service) inquiryRoute(in *loket.Inquiry) (*loket.Route, error) {
	for _, rt := range s.catalog.Routes(in.ProductID) {
		if rt.ID != in.RouteID {
			continue
		}
		rt.Cost = in.Cost
		if ok, why := s.usable(&rt); !ok {
			s.log.Warn("bill payment: the inquiry's route is not usable", "route", rt.ID, "why", why)
			break
		}
		return &rt, nil
	}
	return nil, loket.FieldError(loket.EUNAVAILABLE, "inquiry_id", "the bill cannot be paid now; try again later")
}

// withInquiry attaches a bill payment's inquiry to its order.
func (s *Service) withInquiry(ctx context.Context, o *loket.Order) *loket.Order {
	if o == nil || o.InquiryID == 0 || o.Inquiry != nil {
		return o
	}
	in, err := s.db.Inquiry(ctx, o.InquiryID, 0)
	if err != nil {
		s.log.Error("load a bill payment's inquiry", "order", o.ID, "err", err)
		return o
	}
	o.Inquiry = in
	return o
}

// CheckMeter looks a PLN meter or customer number up through the routes of product
// (one that checks PLN meters; "" for the first such product).
func (s *Service) CheckMeter(ctx context.Context, r *loket.ResellerAuth, product, number string) (*loket.Meter, error) {
	if err := loket.CheckText("product", product, loket.MaxText); err != nil {
		return nil, err
	}
	number, err := checkCustomer("customer_no", number)
	if err != nil {
		return nil, err
	}
	var p *loket.Product
	if strings.TrimSpace(product) == "" {
		for _, c := range s.catalog.Products(r.Level) {
			if c.CustomerCheck == loket.CheckPLN && c.Active {
				p = &c
				break
			}
		}
	} else if p, err = s.catalog.Product(product, r.Level); err != nil {
		return nil, err
	}
	if p == nil || p.CustomerCheck != loket.CheckPLN {
		return nil, loket.FieldError(loket.EPRODUCT, "product", "no product that checks PLN meters")
	}
	for _, rt := range s.catalog.Routes(p.ID) {
		if ok, _ := s.usable(&rt); !ok {
			continue
		}
		sup, err := s.catalog.Supplier(rt.SupplierID)
		if err != nil {
			continue
		}
		mc, ok := sup.(supplier.MeterChecker)
		if !ok {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, s.cfg.SupplierTimeout)
		m, err := mc.CheckMeter(cctx, number)
		cancel()
		var le *loket.Error
		if errors.As(err, &le) && le.Code == loket.ENOTFOUND {
			return nil, loket.FieldError(loket.ECUSTOMER, "customer_no", "no PLN meter or customer %s", number)
		}
		if err != nil {
			s.log.Warn("meter check: no usable answer", "supplier", rt.SupplierName, "err", err)
			continue
		}
		clean := func(v string) string { return loket.CleanText(v, 200) }
		return &loket.Meter{Customer: number, MeterNo: clean(m.MeterNo), SubscriberID: clean(m.SubscriberID), Name: clean(m.Name),
			Tariff: clean(m.Tariff), Power: clean(m.Power)}, nil
	}
	return nil, loket.FieldError(loket.EUNAVAILABLE, "product", "PLN meters cannot be checked now; try again later")
}
