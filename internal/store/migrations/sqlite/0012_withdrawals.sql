-- Profit withdrawals (seed 004's "Tarik Profit"): a reseller asks for part of its profit
-- balance to be paid out to a bank or e-wallet account; the operator pays by hand and
-- approves, or rejects. Asking moves the amount out of the profit account into
-- house:withdrawals (so it cannot be asked for twice); approving moves it on to
-- house:payouts, rejecting moves it back.
CREATE TABLE withdrawals (
    id           INTEGER PRIMARY KEY,
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id),
    key          TEXT NOT NULL,                -- the reseller's idempotency key
    amount       INTEGER NOT NULL CHECK (amount > 0),
    method       TEXT NOT NULL,                -- BCA, BRI, DANA, OVO...
    account_no   TEXT NOT NULL,
    account_name TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    note         TEXT NOT NULL DEFAULT '',     -- the operator's transfer reference or reason
    created_at   INTEGER NOT NULL,
    decided_at   INTEGER,
    UNIQUE (reseller_id, key)
);
CREATE INDEX withdrawals_pending ON withdrawals(id) WHERE status = 'pending';
CREATE INDEX withdrawals_reseller ON withdrawals(reseller_id, id);
