-- Checkpoints of the ledger verify (issue 21): what a full `loket ledger verify
-- --checkpoint` found sound, so that `--since-checkpoint` reads only what came after.
-- entry_id, order_id and activation_id are the last ids covered: rows at or below them
-- were all committed when the verify's snapshot was taken (see checkpoint.go for the
-- time margin that makes sure of it).
CREATE TABLE ledger_checkpoints (
    id            INTEGER PRIMARY KEY,
    created_at    INTEGER NOT NULL,   -- UTC microseconds: when the verify began its snapshot
    entry_id      INTEGER NOT NULL,
    order_id      INTEGER NOT NULL,
    activation_id INTEGER NOT NULL
);

-- What each account's entries up to entry_id sum to (accounts with no entries there
-- are left out: their sum is 0).
CREATE TABLE ledger_checkpoint_accounts (
    checkpoint_id INTEGER NOT NULL REFERENCES ledger_checkpoints(id),
    account_id    INTEGER NOT NULL,
    amount        INTEGER NOT NULL,
    PRIMARY KEY (checkpoint_id, account_id)
);

-- The orders and activations covered that were still open (pending) at the checkpoint:
-- they may still settle, so a later verify checks them again.
CREATE TABLE ledger_checkpoint_pending (
    checkpoint_id INTEGER NOT NULL REFERENCES ledger_checkpoints(id),
    kind          TEXT NOT NULL CHECK (kind IN ('order', 'activation')),
    ref_id        INTEGER NOT NULL,
    PRIMARY KEY (checkpoint_id, kind, ref_id)
);

-- What the verify from a checkpoint looks up instead of scanning: the entries of one
-- transfer, pending holds and pending orders.
CREATE INDEX entries_transfer ON entries(transfer_id);
CREATE INDEX holds_pending ON holds(order_id, amount) WHERE state = 'pending';
CREATE INDEX orders_pending ON orders(id) WHERE status = 'pending';
