-- Downlines (issue 20): a reseller's upline is referred_by (set at creation: from its
-- upline's dashboard, API or chat, or by the upline's referral code); depth counts
-- from the operator's resellers (0). An upline's markup for a downline, over
-- everything or per category or product, raises the downline's price over the
-- upline's own; the difference is the upline's commission, recorded with the order
-- when it is accepted (order_commissions) and posted to the upline's profit account in
-- the settlement's transfer when the order succeeds.
ALTER TABLE resellers ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;
CREATE INDEX resellers_upline ON resellers(referred_by) WHERE referred_by IS NOT NULL;

CREATE TABLE downline_markups (
    downline_id INTEGER NOT NULL REFERENCES resellers(id),
    scope       TEXT NOT NULL CHECK (scope IN ('all', 'category', 'product')),
    scope_id    INTEGER NOT NULL DEFAULT 0,
    markup_bp   INTEGER NOT NULL DEFAULT 0 CHECK (markup_bp >= 0),
    markup_flat INTEGER NOT NULL DEFAULT 0 CHECK (markup_flat >= 0),
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (downline_id, scope, scope_id)
);

CREATE TABLE order_commissions (
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    reseller_id INTEGER NOT NULL REFERENCES resellers(id),
    account_id  INTEGER NOT NULL REFERENCES accounts(id),  -- the upline's profit account
    level       INTEGER NOT NULL,                          -- 1: the buyer's upline, 2: its upline...
    amount      INTEGER NOT NULL CHECK (amount > 0),
    PRIMARY KEY (order_id, reseller_id)
);

-- The sum of an order's commissions (0: a reseller with no upline).
ALTER TABLE orders ADD COLUMN commission INTEGER NOT NULL DEFAULT 0;

-- A downline's bill inquiry: its uplines' commissions on the admin (JSON), kept so that
-- paying it records the same ones.
ALTER TABLE inquiries ADD COLUMN uplines TEXT NOT NULL DEFAULT '';

-- A downline's virtual-number rent pays its uplines as its orders do: each upline's
-- markup over everything, recorded with the activation, posted when it is done.
CREATE TABLE activation_commissions (
    activation_id INTEGER NOT NULL REFERENCES vn_activations(id),
    reseller_id   INTEGER NOT NULL REFERENCES resellers(id),
    account_id    INTEGER NOT NULL REFERENCES accounts(id),
    level         INTEGER NOT NULL,
    amount        INTEGER NOT NULL CHECK (amount > 0),
    PRIMARY KEY (activation_id, reseller_id)
);
