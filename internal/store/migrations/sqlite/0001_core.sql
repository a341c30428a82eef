-- Loket core schema (SQLite). Times are unix microseconds, UTC. Money is integer rupiah.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE admins (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE price_levels (
    name          TEXT PRIMARY KEY,
    markup_bp     INTEGER NOT NULL DEFAULT 0 CHECK (markup_bp >= 0),    -- basis points of base price
    markup_flat   INTEGER NOT NULL DEFAULT 0 CHECK (markup_flat >= 0), -- rupiah added after the percentage
    created_at    INTEGER NOT NULL
);

CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    reseller_id INTEGER,
    tracked     INTEGER NOT NULL,           -- 1: balance column kept current; 0: derived from entries
    balance     INTEGER NOT NULL DEFAULT 0,
    CHECK (kind NOT IN ('reseller_balance', 'reseller_profit') OR balance >= 0)
);

CREATE TABLE resellers (
    id                 INTEGER PRIMARY KEY,
    username           TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL DEFAULT '',
    email              TEXT NOT NULL DEFAULT '',
    level              TEXT NOT NULL REFERENCES price_levels(name),
    status             TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    api_key_hash       TEXT NOT NULL UNIQUE,
    secret_hash        TEXT NOT NULL,
    secret_seal        TEXT NOT NULL,
    ip_allow           TEXT NOT NULL DEFAULT '',
    webhook_url        TEXT NOT NULL DEFAULT '',
    referral_code      TEXT NOT NULL UNIQUE,
    referred_by        INTEGER REFERENCES resellers(id),
    balance_account_id INTEGER NOT NULL REFERENCES accounts(id),
    profit_account_id  INTEGER NOT NULL REFERENCES accounts(id),
    created_at         INTEGER NOT NULL
);

CREATE TABLE transfers (
    id         INTEGER PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,       -- client-chosen idempotency key
    kind       TEXT NOT NULL,
    order_id   INTEGER,
    note       TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

CREATE TABLE entries (
    id            INTEGER PRIMARY KEY,
    transfer_id   INTEGER NOT NULL REFERENCES transfers(id),
    account_id    INTEGER NOT NULL REFERENCES accounts(id),
    amount        INTEGER NOT NULL CHECK (amount <> 0),  -- credit positive, debit negative
    balance_after INTEGER,                                -- for tracked accounts
    created_at    INTEGER NOT NULL
);
CREATE INDEX entries_account ON entries(account_id, id);

CREATE TABLE categories (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    target_kind TEXT NOT NULL DEFAULT 'any'
);

CREATE TABLE brands (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    category_id INTEGER NOT NULL REFERENCES categories(id),
    active      INTEGER NOT NULL DEFAULT 1,
    icon        TEXT NOT NULL DEFAULT '',
    forms       TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    brand_id    INTEGER NOT NULL REFERENCES brands(id),
    base_price  INTEGER NOT NULL CHECK (base_price >= 0),
    active      INTEGER NOT NULL DEFAULT 1,
    stock       INTEGER CHECK (stock IS NULL OR stock >= 0),  -- NULL: unlimited
    description TEXT NOT NULL DEFAULT '',
    updated_at  INTEGER NOT NULL
);
CREATE INDEX products_brand ON products(brand_id);

CREATE TABLE price_overrides (
    product_id INTEGER NOT NULL REFERENCES products(id),
    level      TEXT NOT NULL REFERENCES price_levels(name),
    price      INTEGER NOT NULL CHECK (price >= 0),
    PRIMARY KEY (product_id, level)
);

CREATE TABLE suppliers (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    base_url   TEXT NOT NULL DEFAULT '',
    api_key    TEXT NOT NULL DEFAULT '',
    secret     TEXT NOT NULL DEFAULT '',
    member_id  TEXT NOT NULL DEFAULT '',
    enabled    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

CREATE TABLE routes (
    id            INTEGER PRIMARY KEY,
    product_id    INTEGER NOT NULL REFERENCES products(id),
    supplier_id   INTEGER NOT NULL REFERENCES suppliers(id),
    supplier_code TEXT NOT NULL,
    cost          INTEGER NOT NULL CHECK (cost >= 0),
    priority      INTEGER NOT NULL DEFAULT 10,
    active        INTEGER NOT NULL DEFAULT 1,
    UNIQUE (product_id, supplier_id)
);

CREATE TABLE orders (
    id           INTEGER PRIMARY KEY,
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id),
    ref_id       TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    product_id   INTEGER NOT NULL REFERENCES products(id),
    product_code TEXT NOT NULL,
    product_name TEXT NOT NULL,
    target       TEXT NOT NULL,
    fields       TEXT NOT NULL DEFAULT '{}',
    price        INTEGER NOT NULL CHECK (price >= 0),
    cost         INTEGER,
    supplier_id  INTEGER,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'success', 'failed')),
    sn           TEXT NOT NULL DEFAULT '',
    message      TEXT NOT NULL DEFAULT '',
    surface      TEXT NOT NULL DEFAULT 'api',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    settled_at   INTEGER,
    flagged_at   INTEGER,
    UNIQUE (reseller_id, ref_id)
);
CREATE INDEX orders_reseller ON orders(reseller_id, id);

-- One open order per (reseller, product, target): the anti double-order guard. A row
-- older than the window no longer blocks; settling the order deletes it.
CREATE TABLE order_guards (
    reseller_id INTEGER NOT NULL,
    product_id  INTEGER NOT NULL,
    target      TEXT NOT NULL,
    order_id    INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (reseller_id, product_id, target)
);

-- The reservation of an order: pending, then posted or voided exactly once. Transfer
-- keys (order:<id>:reserve, order:<id>:settle) are what make each happen once.
CREATE TABLE holds (
    order_id            INTEGER PRIMARY KEY REFERENCES orders(id),
    account_id          INTEGER NOT NULL REFERENCES accounts(id),
    amount              INTEGER NOT NULL CHECK (amount > 0),
    state               TEXT NOT NULL CHECK (state IN ('pending', 'posted', 'voided')),
    reserve_transfer_id INTEGER NOT NULL REFERENCES transfers(id),
    settle_transfer_id  INTEGER REFERENCES transfers(id),
    created_at          INTEGER NOT NULL,
    settled_at          INTEGER
);

CREATE TABLE order_attempts (
    order_id      INTEGER NOT NULL REFERENCES orders(id),
    seq           INTEGER NOT NULL,
    route_id      INTEGER NOT NULL,
    supplier_id   INTEGER NOT NULL,
    supplier_code TEXT NOT NULL,
    supplier_ref  TEXT NOT NULL,            -- the id we sent upstream, stable across retries
    supplier_trx  TEXT NOT NULL DEFAULT '', -- the id upstream gave us
    cost          INTEGER NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('new', 'pending', 'success', 'failed', 'unknown')),
    message       TEXT NOT NULL DEFAULT '',
    started_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (order_id, seq),
    UNIQUE (supplier_id, supplier_ref)
);

CREATE TABLE jobs (
    key          TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    ref_id       INTEGER NOT NULL,
    run_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    locked_by    TEXT NOT NULL DEFAULT '',
    locked_until INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs(run_at);

CREATE TABLE webhooks (
    id           INTEGER PRIMARY KEY,
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id),
    order_id     INTEGER,
    event        TEXT NOT NULL,
    url          TEXT NOT NULL,
    content_type TEXT NOT NULL DEFAULT 'application/json',
    body         TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'gave_up')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER
);
CREATE INDEX webhooks_reseller ON webhooks(reseller_id, id);

CREATE TABLE webhook_attempts (
    id          INTEGER PRIMARY KEY,
    webhook_id  INTEGER NOT NULL REFERENCES webhooks(id),
    attempt     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    status_code INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    duration_us INTEGER NOT NULL DEFAULT 0,
    UNIQUE (webhook_id, attempt)
);
