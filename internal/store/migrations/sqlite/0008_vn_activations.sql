-- Virtual-number activations (seed 000): which supplier serves each price-list entry and
-- at what cost, the activations themselves with their own reservation, and every SMS
-- an activation's number received.

-- A supplier that can rent numbers for a (service, country, provider) entry of
-- vn_prices, at its cost. Written by the catalog sync from the supplier's own catalog.
CREATE TABLE vn_routes (
    service_code INTEGER NOT NULL,
    number_id    INTEGER NOT NULL,
    provider_id  TEXT NOT NULL,
    supplier_id  INTEGER NOT NULL REFERENCES suppliers(id),
    cost         INTEGER NOT NULL CHECK (cost >= 0),
    stock        INTEGER NOT NULL DEFAULT 0 CHECK (stock >= 0),
    priority     INTEGER NOT NULL DEFAULT 10,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (service_code, number_id, provider_id, supplier_id)
);

-- One rented number. Its reservation lives on the row: hold is pending while the
-- activation is open (renting, waiting, received), posted once it is done with a code,
-- voided when it is canceled or failed. Transfer keys vn:<id>:reserve and vn:<id>:settle
-- make each money movement happen once.
CREATE TABLE vn_activations (
    id           INTEGER PRIMARY KEY,
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id),
    ref_id       TEXT,                        -- the native API's idempotency key; NULL when none
    request_hash TEXT NOT NULL DEFAULT '',
    service_code INTEGER NOT NULL,
    service_name TEXT NOT NULL,
    number_id    INTEGER NOT NULL,
    country      TEXT NOT NULL DEFAULT '',
    provider_id  TEXT NOT NULL,
    operator_id  TEXT NOT NULL,
    price        INTEGER NOT NULL CHECK (price > 0),   -- what the reseller is charged
    price_jual   INTEGER NOT NULL DEFAULT 0,           -- the reseller's own selling price, for their books
    max_price    INTEGER NOT NULL DEFAULT 0,
    supplier_id  INTEGER,
    cost         INTEGER NOT NULL DEFAULT 0,
    supplier_ref TEXT NOT NULL DEFAULT '',             -- the upstream's id for the activation
    phone        TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL CHECK (state IN ('renting', 'waiting', 'received', 'done', 'canceled', 'failed')),
    sms_count    INTEGER NOT NULL DEFAULT 0,
    message      TEXT NOT NULL DEFAULT '',
    surface      TEXT NOT NULL DEFAULT 'api',
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    hold         TEXT NOT NULL CHECK (hold IN ('pending', 'posted', 'voided')),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    cancel_after INTEGER NOT NULL DEFAULT 0,
    settled_at   INTEGER,
    flagged_at   INTEGER,
    UNIQUE (reseller_id, ref_id)
);
CREATE INDEX vn_activations_reseller ON vn_activations(reseller_id, id);
CREATE INDEX vn_activations_open ON vn_activations(id) WHERE hold = 'pending';

-- Every SMS a number received, once: polling may report the same message many times.
CREATE TABLE vn_sms (
    activation_id INTEGER NOT NULL REFERENCES vn_activations(id),
    seq           INTEGER NOT NULL,
    code          TEXT NOT NULL DEFAULT '',
    text          TEXT NOT NULL DEFAULT '',
    received_at   INTEGER NOT NULL,
    PRIMARY KEY (activation_id, seq),
    UNIQUE (activation_id, code, text)
);
