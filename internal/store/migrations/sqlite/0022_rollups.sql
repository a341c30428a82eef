-- Rollups (issue 21): totals kept as the money and the orders move, written in the
-- same transaction as the change, so that /metrics, the overview and the reports read
-- a few rows whatever the history. Each write batch adds its deltas once, to the
-- stripe of its writer (SQLite: 0; PostgreSQL: the lane's), so that concurrent writers
-- never queue on one row; readers sum the stripes. ledger verify checks every rollup
-- against the rows it sums, and loket ledger rebuild recomputes them.

-- What the entries of each house account (accounts.tracked = 0) sum to; a tracked
-- account keeps its own balance.
CREATE TABLE account_sums (
    account_id INTEGER NOT NULL,
    stripe     INTEGER NOT NULL,
    amount     INTEGER NOT NULL,
    PRIMARY KEY (account_id, stripe)
);

-- Orders by day of creation in WIB (days since 1970-01-01 at UTC+7), status, surface
-- and kind (bill: 1 for a bill payment): how many, their prices, and the margin of the
-- successful ones whose cost is known (price - cost).
CREATE TABLE order_days (
    day     INTEGER NOT NULL,
    status  TEXT NOT NULL,
    surface TEXT NOT NULL,
    bill    INTEGER NOT NULL,
    stripe  INTEGER NOT NULL,
    orders  INTEGER NOT NULL,
    sales   INTEGER NOT NULL,
    profit  INTEGER NOT NULL,
    PRIMARY KEY (day, status, surface, bill, stripe)
);

-- Orders by status and surface over all time (the loket_orders gauge).
CREATE TABLE order_totals (
    status  TEXT NOT NULL,
    surface TEXT NOT NULL,
    stripe  INTEGER NOT NULL,
    orders  INTEGER NOT NULL,
    PRIMARY KEY (status, surface, stripe)
);

-- Successful orders per WIB day of creation by product, reseller and supplier (dim
-- 'product', 'reseller', 'supplier'; key its id, 0 for no supplier): the reports'
-- rows. cost is the cost where known, else the price (as the reports count it).
CREATE TABLE sales_days (
    dim    TEXT NOT NULL,
    day    INTEGER NOT NULL,
    key    INTEGER NOT NULL,
    bill   INTEGER NOT NULL,
    stripe INTEGER NOT NULL,
    orders INTEGER NOT NULL,
    sales  INTEGER NOT NULL,
    cost   INTEGER NOT NULL,
    PRIMARY KEY (dim, day, key, bill, stripe)
);
CREATE INDEX sales_days_key ON sales_days(dim, key);

INSERT INTO account_sums (account_id, stripe, amount)
    SELECT e.account_id, 0, SUM(e.amount) FROM entries e JOIN accounts a ON a.id = e.account_id
    WHERE a.tracked = 0 GROUP BY e.account_id;

INSERT INTO order_days (day, status, surface, bill, stripe, orders, sales, profit)
    SELECT (created_at + 25200000000) / 86400000000, status, surface, CASE WHEN inquiry_id IS NULL THEN 0 ELSE 1 END, 0,
        count(*), SUM(price), SUM(CASE WHEN status = 'success' AND cost IS NOT NULL THEN price - cost ELSE 0 END)
    FROM orders GROUP BY 1, 2, 3, 4;

INSERT INTO order_totals (status, surface, stripe, orders)
    SELECT status, surface, 0, count(*) FROM orders GROUP BY 1, 2;

INSERT INTO sales_days (dim, day, key, bill, stripe, orders, sales, cost)
    SELECT 'product', (created_at + 25200000000) / 86400000000, product_id, CASE WHEN inquiry_id IS NULL THEN 0 ELSE 1 END, 0,
        count(*), SUM(price), SUM(COALESCE(cost, price))
    FROM orders WHERE status = 'success' GROUP BY 2, 3, 4;
INSERT INTO sales_days (dim, day, key, bill, stripe, orders, sales, cost)
    SELECT 'reseller', (created_at + 25200000000) / 86400000000, reseller_id, CASE WHEN inquiry_id IS NULL THEN 0 ELSE 1 END, 0,
        count(*), SUM(price), SUM(COALESCE(cost, price))
    FROM orders WHERE status = 'success' GROUP BY 2, 3, 4;
INSERT INTO sales_days (dim, day, key, bill, stripe, orders, sales, cost)
    SELECT 'supplier', (created_at + 25200000000) / 86400000000, COALESCE(supplier_id, 0), CASE WHEN inquiry_id IS NULL THEN 0 ELSE 1 END, 0,
        count(*), SUM(price), SUM(COALESCE(cost, price))
    FROM orders WHERE status = 'success' GROUP BY 2, 3, 4;

-- Searches: by target (the customer's number), and the failed orders, which are few
-- among many successes. An order pending is found through its job; a ref without a
-- reseller through each reseller's (reseller_id, ref_id) index.
CREATE INDEX orders_target ON orders(target);
CREATE INDEX orders_failed ON orders(id) WHERE status = 'failed';
-- The dropship orders still awaiting their customer's payment (the overview counts
-- them apart).
CREATE INDEX dropship_awaiting ON dropship_orders(order_id) WHERE payment_status = 'pending';
