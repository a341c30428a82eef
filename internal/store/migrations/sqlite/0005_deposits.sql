-- Deposits: a reseller asks to add balance; the payer pays the total (the amount plus a
-- unique code), and the payment that matches the total credits the amount, once.
CREATE TABLE deposits (
    id          INTEGER PRIMARY KEY,
    reseller_id INTEGER NOT NULL REFERENCES resellers(id),
    method      TEXT NOT NULL,                          -- qris, bank, usdt
    amount      INTEGER NOT NULL CHECK (amount > 0),    -- credited to the reseller
    unique_code INTEGER NOT NULL CHECK (unique_code >= 0),
    total       INTEGER NOT NULL CHECK (total > 0),     -- what the payer pays: amount + unique code
    status      TEXT NOT NULL CHECK (status IN ('pending', 'success', 'cancel', 'expired')),
    surface     TEXT NOT NULL DEFAULT 'api',
    qr_string   TEXT NOT NULL DEFAULT '',                -- the dynamic QRIS to pay, for method qris
    payment_id  INTEGER,
    brand       TEXT NOT NULL DEFAULT '',
    buyer_ref   TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    settled_at  INTEGER
);
-- No two open deposits of a method share a total: a payment matches at most one.
CREATE UNIQUE INDEX deposits_open_total ON deposits(method, total) WHERE status = 'pending';
CREATE INDEX deposits_reseller ON deposits(reseller_id, id);

-- Payments a source reported, each once (source, ref); kept whether or not they match.
CREATE TABLE payments (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    ref         TEXT NOT NULL,
    method      TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    brand       TEXT NOT NULL DEFAULT '',
    buyer       TEXT NOT NULL DEFAULT '',
    paid_at     INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    deposit_id  INTEGER REFERENCES deposits(id),
    state       TEXT NOT NULL CHECK (state IN ('matched', 'unmatched', 'credited')),
    note        TEXT NOT NULL DEFAULT '',
    UNIQUE (source, ref)
);
CREATE INDEX payments_unmatched ON payments(id) WHERE state = 'unmatched';
