-- Dropship (seed 004's "tanpa modal"): the reseller's customer pays the order by QRIS;
-- the reseller's balance is never touched. The order waits unpaid (no reservation, no
-- dispatch job) until its payment, a deposit row tied to it, is matched; the payment
-- then funds the order through house:dropship (escrow), the order is dispatched, and
-- on success the margin goes to the reseller's profit balance; on failure the
-- customer's payment is owed back (house:refunds_owed). An unpaid order expires at no
-- cost.
ALTER TABLE orders ADD COLUMN mode TEXT NOT NULL DEFAULT 'saldo';
ALTER TABLE deposits ADD COLUMN order_id BIGINT;

CREATE TABLE dropship_orders (
    order_id       BIGINT PRIMARY KEY REFERENCES orders(id),
    deposit_id     BIGINT NOT NULL UNIQUE REFERENCES deposits(id),
    selling_price  BIGINT NOT NULL CHECK (selling_price > 0),
    customer_name  TEXT NOT NULL DEFAULT '',
    customer_phone TEXT NOT NULL DEFAULT '',
    token          TEXT NOT NULL,
    payment_status TEXT NOT NULL CHECK (payment_status IN ('pending', 'settlement', 'expired')),
    paid_total     BIGINT NOT NULL DEFAULT 0,
    profit         BIGINT NOT NULL DEFAULT 0,
    refund_status  TEXT NOT NULL DEFAULT '' CHECK (refund_status IN ('', 'owed', 'refunded')),
    refund_note    TEXT NOT NULL DEFAULT '',
    expires_at     BIGINT NOT NULL,
    paid_at        BIGINT,
    refunded_at    BIGINT
);
CREATE INDEX dropship_refunds_owed ON dropship_orders(order_id) WHERE refund_status = 'owed';
