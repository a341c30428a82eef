-- Base price changes of virtual-number price-list entries (issue 18): a markup rule of
-- scope numbers (set or deleted), a number catalog sync or an undo that moves an
-- entry's price records it here, in the change set of its transaction
-- (price_change_sets), as price_changes does for products, so loket price history
-- counts it and loket price undo restores it.
CREATE TABLE vn_price_changes (
    id           INTEGER PRIMARY KEY,
    set_id       INTEGER NOT NULL,
    service_code INTEGER NOT NULL,
    number_id    INTEGER NOT NULL,
    provider_id  TEXT NOT NULL,
    old_price    INTEGER NOT NULL,
    new_price    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX vn_price_changes_set ON vn_price_changes(set_id);
CREATE INDEX vn_price_changes_entry ON vn_price_changes(service_code, number_id, provider_id, id);

-- Markup rules of scope numbers price the virtual-number price list (scope_id: a
-- service's code, 0 for every service). SQLite cannot change a CHECK: the table is
-- made again with the wider one; nothing refers to it.
CREATE TABLE markup_rules_new (
    id          INTEGER PRIMARY KEY,
    scope       TEXT NOT NULL CHECK (scope IN ('all', 'category', 'product', 'numbers')),
    scope_id    INTEGER NOT NULL DEFAULT 0,
    markup_bp   INTEGER NOT NULL DEFAULT 0 CHECK (markup_bp >= 0),
    markup_flat INTEGER NOT NULL DEFAULT 0 CHECK (markup_flat >= 0),
    round_to    INTEGER NOT NULL DEFAULT 1 CHECK (round_to >= 1),
    updated_at  INTEGER NOT NULL,
    UNIQUE (scope, scope_id)
);
INSERT INTO markup_rules_new (id, scope, scope_id, markup_bp, markup_flat, round_to, updated_at)
    SELECT id, scope, scope_id, markup_bp, markup_flat, round_to, updated_at FROM markup_rules;
DROP TABLE markup_rules;
ALTER TABLE markup_rules_new RENAME TO markup_rules;
