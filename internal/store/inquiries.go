package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/loket/loket/internal/loket"
)

// InsertInquiry keeps a bill a supplier found for a reseller and sets in.ID. An
// inquiry with a ClientRef the reseller gave another inquiry already is not kept:
// ErrClientRef, and the caller reads that one (InquiryByClientRef).
func (t *Tx) InsertInquiry(in *loket.Inquiry) error {
	bill, err := json.Marshal(in.Bill)
	if err != nil {
		return err
	}
	var clientRef any
	if in.ClientRef != "" {
		clientRef = in.ClientRef
	}
	now := Now()
	err = t.QueryRow(`INSERT INTO inquiries (reseller_id, product_id, customer_no, route_id, supplier_id, supplier_code, ref, supplier_trx,
		bill, amount, admin, commission, total, cost, periods_key, valid_until, created_at, client_ref, uplines)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		ON CONFLICT (reseller_id, client_ref) WHERE client_ref IS NOT NULL DO NOTHING RETURNING id`,
		in.ResellerID, in.ProductID, in.Customer, in.RouteID, in.SupplierID, in.SupplierCode, in.Ref, truncate(in.SupplierTrx, 200),
		string(bill), in.Amount, in.Admin, in.Commission, in.Total, in.Cost, in.PeriodsKey, in.ValidUntil.UnixMicro(), now, clientRef, in.Uplines).Scan(&in.ID)
	if noRows(err) && in.ClientRef != "" {
		return ErrClientRef
	}
	if err != nil {
		return fmt.Errorf("insert inquiry: %w", err)
	}
	in.CreatedAt = Time(now)
	return nil
}

// ErrClientRef is InsertInquiry's answer to a client ref the reseller used before.
var ErrClientRef = errors.New("store: the reseller's client ref names another inquiry")

// InquiryByClientRef loads the reseller's inquiry kept under the client's ref.
func (db *DB) InquiryByClientRef(ctx context.Context, resellerID int64, clientRef string) (*loket.Inquiry, error) {
	in, err := scanInquiry(db.queryRow(ctx, `SELECT `+inquiryCols+` FROM inquiries i JOIN products p ON p.id = i.product_id
		WHERE i.reseller_id = $1 AND i.client_ref = $2`, resellerID, clientRef))
	if noRows(err) {
		return nil, loket.FieldError(loket.ENOTFOUND, "ref_id", "no such inquiry")
	}
	return in, err
}

const inquiryCols = `i.id, i.reseller_id, i.product_id, p.code, p.name, i.customer_no, i.route_id, i.supplier_id, i.supplier_code, i.ref,
	i.supplier_trx, i.bill, i.amount, i.admin, i.commission, i.total, i.cost, i.periods_key, i.valid_until, i.created_at,
	COALESCE(i.client_ref, ''), i.uplines`

// Inquiry loads an inquiry; resellerID limits the lookup to one reseller's (0: any),
// so that another reseller's inquiry is not found.
func (db *DB) Inquiry(ctx context.Context, id, resellerID int64) (*loket.Inquiry, error) {
	in, err := scanInquiry(db.queryRow(ctx, `SELECT `+inquiryCols+` FROM inquiries i JOIN products p ON p.id = i.product_id
		WHERE i.id = $1 AND ($2 = 0 OR i.reseller_id = $2)`, id, resellerID))
	if noRows(err) {
		return nil, loket.FieldError(loket.ENOTFOUND, "inquiry_id", "no such inquiry")
	}
	return in, err
}

// Inquiries loads the inquiries of ids that exist, by id.
func (db *DB) Inquiries(ctx context.Context, ids []int64) (map[int64]*loket.Inquiry, error) {
	out := map[int64]*loket.Inquiry{}
	if len(ids) == 0 {
		return out, nil
	}
	marks := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		marks[i], args[i] = fmt.Sprintf("$%d", i+1), id
	}
	err := db.each(ctx, `SELECT `+inquiryCols+` FROM inquiries i JOIN products p ON p.id = i.product_id
		WHERE i.id IN (`+strings.Join(marks, ", ")+`)`, func(r *sql.Rows) error {
		in, err := scanInquiry(r)
		if err == nil {
			out[in.ID] = in
		}
		return err
	}, args...)
	return out, err
}

func scanInquiry(row interface{ Scan(...any) error }) (*loket.Inquiry, error) {
	var in loket.Inquiry
	var bill string
	var valid, created int64
	if err := row.Scan(&in.ID, &in.ResellerID, &in.ProductID, &in.ProductCode, &in.ProductName, &in.Customer, &in.RouteID, &in.SupplierID,
		&in.SupplierCode, &in.Ref, &in.SupplierTrx, &bill, &in.Amount, &in.Admin, &in.Commission, &in.Total, &in.Cost, &in.PeriodsKey,
		&valid, &created, &in.ClientRef, &in.Uplines); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(bill), &in.Bill); err != nil {
		return nil, fmt.Errorf("inquiry %d: bill: %w", in.ID, err)
	}
	in.ValidUntil, in.CreatedAt = Time(valid), Time(created)
	return &in, nil
}

// BillOrder returns the order that holds a bill (pending or successful), if any.
func (db *DB) BillOrder(ctx context.Context, billKey string) (*loket.Order, error) {
	o, err := scanOrder(db.queryRow(ctx, `SELECT `+orderCols+` FROM orders WHERE bill_key = $1 AND status IN ('pending', 'success')`, billKey))
	if noRows(err) {
		return nil, nil
	}
	return o, err
}

// InquiryOrder returns the latest order that paid an inquiry, if any.
func (db *DB) InquiryOrder(ctx context.Context, inquiryID int64) (*loket.Order, error) {
	o, err := scanOrder(db.queryRow(ctx, `SELECT `+orderCols+` FROM orders WHERE inquiry_id = $1 ORDER BY id DESC LIMIT 1`, inquiryID))
	if noRows(err) {
		return nil, nil
	}
	return o, err
}

// existingBillOrder is what a bill's payment that wrote nothing met: the order under
// its ref_id (as existingOrder), or else the pending or successful order holding the
// bill, which is the reseller's to see only if it is its own.
func (t *Tx) existingBillOrder(n *NewOrder) (*loket.Order, bool, error) {
	var id int64
	err := t.QueryRow(`SELECT id FROM orders WHERE reseller_id = $1 AND ref_id = $2`, n.ResellerID, n.RefID).Scan(&id)
	if err == nil {
		return t.existingOrder(n)
	}
	if !noRows(err) {
		return nil, false, err
	}
	var reseller int64
	err = t.QueryRow(`SELECT id, reseller_id FROM orders WHERE bill_key = $1 AND status IN ('pending', 'success')`, n.BillKey).Scan(&id, &reseller)
	if noRows(err) {
		return nil, false, fmt.Errorf("bill order %s: written by neither ref_id nor bill", n.RefID)
	}
	if err != nil {
		return nil, false, err
	}
	if reseller != n.ResellerID {
		return nil, false, loket.FieldError(loket.EBILLPAID, "inquiry_id", "this bill is paid or being paid already")
	}
	o, err := t.order(id)
	return o, true, err
}
