-- Base price changes, written with the catalog change that made them; a fan-out job
-- tells resellers, each change once.
CREATE TABLE price_changes (
    id         INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id),
    old_price  INTEGER NOT NULL,
    new_price  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    told       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX price_changes_untold ON price_changes(id) WHERE NOT told;
