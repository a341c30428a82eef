-- Dropship (seed 004's "tanpa modal"): the reseller's customer pays the order by QRIS;
-- the reseller's balance is never touched. The order waits unpaid (no reservation, no
-- dispatch job) until its payment, a deposit row tied to it, is matched; the payment
-- then funds the order through house:dropship (escrow), the order is dispatched, and
-- on success the margin goes to the reseller's profit balance; on failure the
-- customer's payment is owed back (house:refunds_owed). An unpaid order expires at no
-- cost.
ALTER TABLE orders ADD COLUMN mode TEXT NOT NULL DEFAULT 'saldo';   -- saldo or dropship
ALTER TABLE deposits ADD COLUMN order_id INTEGER;                   -- the dropship order this payment pays for

CREATE TABLE dropship_orders (
    order_id       INTEGER PRIMARY KEY REFERENCES orders(id),
    deposit_id     INTEGER NOT NULL UNIQUE REFERENCES deposits(id),
    selling_price  INTEGER NOT NULL CHECK (selling_price > 0),     -- the reseller's price to its customer
    customer_name  TEXT NOT NULL DEFAULT '',
    customer_phone TEXT NOT NULL DEFAULT '',
    token          TEXT NOT NULL,                                  -- the public invoice link's secret
    payment_status TEXT NOT NULL CHECK (payment_status IN ('pending', 'settlement', 'expired')),
    paid_total     INTEGER NOT NULL DEFAULT 0,                     -- what the customer paid (selling price + unique code)
    profit         INTEGER NOT NULL DEFAULT 0,                     -- credited to the reseller on success
    refund_status  TEXT NOT NULL DEFAULT '' CHECK (refund_status IN ('', 'owed', 'refunded')),
    refund_note    TEXT NOT NULL DEFAULT '',
    expires_at     INTEGER NOT NULL,
    paid_at        INTEGER,
    refunded_at    INTEGER
);
CREATE INDEX dropship_refunds_owed ON dropship_orders(order_id) WHERE refund_status = 'owed';
