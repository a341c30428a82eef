-- What the payer sends, in the method's own unit: rupiah for qris and bank (the
-- total), micro-USDT for usdt; and where to (the TRC-20 address for usdt). Open
-- deposits of a method are now kept distinct by what is paid, which is what a
-- payment is matched on.
ALTER TABLE deposits ADD COLUMN pay_amount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deposits ADD COLUMN pay_to TEXT NOT NULL DEFAULT '';
UPDATE deposits SET pay_amount = total;
DROP INDEX deposits_open_total;
CREATE UNIQUE INDEX deposits_open_pay ON deposits(method, pay_amount) WHERE status = 'pending';
