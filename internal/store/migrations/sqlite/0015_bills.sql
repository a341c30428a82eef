-- Postpaid bills (PPOB, issue 16). A product is prepaid (a fixed price) or postpaid
-- (the price is the bill's: amount + the operator's admin fee per period - the
-- reseller's commission per period). customer_check 'pln' says the product's target is
-- a PLN meter that can be looked up before buying.
ALTER TABLE products ADD COLUMN kind TEXT NOT NULL DEFAULT 'prepaid' CHECK (kind IN ('prepaid', 'postpaid'));
ALTER TABLE products ADD COLUMN customer_check TEXT NOT NULL DEFAULT '' CHECK (customer_check IN ('', 'pln'));
-- What the operator charges per period on top of the bill (postpaid only).
ALTER TABLE products ADD COLUMN admin_fee INTEGER NOT NULL DEFAULT 0 CHECK (admin_fee >= 0);
-- The commission a reseller earns per period, for levels without their own below.
ALTER TABLE products ADD COLUMN commission INTEGER NOT NULL DEFAULT 0 CHECK (commission >= 0);

-- A level's own commission per period, as price_overrides fixes a level's price.
CREATE TABLE product_commissions (
    product_id INTEGER NOT NULL REFERENCES products(id),
    level      TEXT NOT NULL REFERENCES price_levels(name),
    commission INTEGER NOT NULL CHECK (commission >= 0),
    PRIMARY KEY (product_id, level)
);

-- A bill as a supplier found it for a reseller (free), payable until valid_until (the
-- end of its day in WIB). ref is the Ref sent upstream ("LKI<id>"); the payment goes
-- to the same supplier under the same ref. total is what the reseller pays, cost what
-- the supplier said paying costs Loket.
CREATE TABLE inquiries (
    id            INTEGER PRIMARY KEY,
    reseller_id   INTEGER NOT NULL REFERENCES resellers(id),
    product_id    INTEGER NOT NULL REFERENCES products(id),
    customer_no   TEXT NOT NULL,
    route_id      INTEGER NOT NULL,
    supplier_id   INTEGER NOT NULL,
    supplier_code TEXT NOT NULL,
    ref           TEXT NOT NULL UNIQUE,
    supplier_trx  TEXT NOT NULL DEFAULT '',
    bill          TEXT NOT NULL,
    amount        INTEGER NOT NULL CHECK (amount >= 0),
    admin         INTEGER NOT NULL CHECK (admin >= 0),
    commission    INTEGER NOT NULL CHECK (commission >= 0),
    total         INTEGER NOT NULL CHECK (total > 0),
    cost          INTEGER NOT NULL CHECK (cost >= 0),
    periods_key   TEXT NOT NULL,
    valid_until   INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX inquiries_reseller ON inquiries(reseller_id, id);

-- A bill's payment is an order tied to its inquiry. bill_key (product|customer|sorted
-- periods) is held by at most one pending or successful order: the database, not the
-- application, refuses a second payment of one bill; a failed payment releases it.
ALTER TABLE orders ADD COLUMN inquiry_id INTEGER REFERENCES inquiries(id);
ALTER TABLE orders ADD COLUMN bill_key TEXT;
CREATE UNIQUE INDEX orders_bill_key ON orders(bill_key) WHERE bill_key IS NOT NULL AND status IN ('pending', 'success');
CREATE INDEX orders_inquiry ON orders(inquiry_id) WHERE inquiry_id IS NOT NULL;
