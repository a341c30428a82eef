-- Price sync: what the supplier's price list says about each route (its cost, and
-- whether the upstream sells the code at all), and the operator's markup rules that
-- turn the cost into a product's base price.
ALTER TABLE routes ADD COLUMN upstream_active INTEGER NOT NULL DEFAULT 1; -- the upstream lists the code as available
ALTER TABLE routes ADD COLUMN cost_synced_at INTEGER;                     -- when a price list last set the cost

ALTER TABLE suppliers ADD COLUMN prices_synced_at INTEGER;
ALTER TABLE suppliers ADD COLUMN prices_note TEXT NOT NULL DEFAULT '';   -- the last sync's outcome, for the operator

-- A markup rule makes a product's base price follow its reference route's cost:
-- base = round_up(cost + cost * markup_bp / 10000 + markup_flat, round_to). The most
-- specific rule wins: product, then category, then all. A product no rule covers keeps
-- the base price the operator set.
CREATE TABLE markup_rules (
    id          INTEGER PRIMARY KEY,
    scope       TEXT NOT NULL CHECK (scope IN ('all', 'category', 'product')),
    scope_id    INTEGER NOT NULL DEFAULT 0,
    markup_bp   INTEGER NOT NULL DEFAULT 0 CHECK (markup_bp >= 0),
    markup_flat INTEGER NOT NULL DEFAULT 0 CHECK (markup_flat >= 0),
    round_to    INTEGER NOT NULL DEFAULT 1 CHECK (round_to >= 1),
    updated_at  INTEGER NOT NULL,
    UNIQUE (scope, scope_id)
);
