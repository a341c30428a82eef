-- Callbacks of upstreams without a client reference name only their own transaction id.
CREATE INDEX order_attempts_trx ON order_attempts(supplier_id, supplier_trx) WHERE supplier_trx <> '';
