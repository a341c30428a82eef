-- Change sets of base prices (issue 18): every transaction that moves base prices
-- (a markup rule set or deleted, a price sync, an import, an undo) writes one set, and
-- each of its price_changes names it, so the operator can list what changed, by what,
-- and restore the old prices of a set (loket price undo). Changes written before this
-- migration belong to no set (set_id 0).
CREATE TABLE price_change_sets (
    id         INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL,
    cause      TEXT NOT NULL,
    undoes     INTEGER NOT NULL DEFAULT 0
);
ALTER TABLE price_changes ADD COLUMN set_id INTEGER NOT NULL DEFAULT 0;
CREATE INDEX price_changes_set ON price_changes(set_id);
CREATE INDEX price_changes_product ON price_changes(product_id, id);
