-- Orders by chat (issue 19): chat accounts linked to resellers, their transaction PIN,
-- one-time link codes, the inbox that makes a message delivered twice one command,
-- where a chat order's result goes, the outbox of replies (each sent by one job), and
-- the leases that let one node at a time read a channel.
ALTER TABLE resellers ADD COLUMN chat_pin_hash TEXT NOT NULL DEFAULT '';

CREATE TABLE chat_accounts (
    id           INTEGER PRIMARY KEY,
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id),
    channel      TEXT NOT NULL,
    address      TEXT NOT NULL,                -- a Telegram chat id, a bare JID
    name         TEXT NOT NULL DEFAULT '',
    pin_failures INTEGER NOT NULL DEFAULT 0,   -- wrong PINs in a row
    locked_until INTEGER NOT NULL DEFAULT 0,   -- after too many: no command until then
    linked_at    INTEGER NOT NULL,
    UNIQUE (channel, address)
);
CREATE INDEX chat_accounts_reseller ON chat_accounts(reseller_id);

CREATE TABLE chat_link_codes (
    code        TEXT PRIMARY KEY,
    reseller_id INTEGER NOT NULL REFERENCES resellers(id),
    expires_at  INTEGER NOT NULL
);

CREATE TABLE chat_inbox (
    channel     TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    address     TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('new', 'done')),
    received_at INTEGER NOT NULL,
    PRIMARY KEY (channel, message_id)
);

CREATE TABLE order_replies (
    order_id INTEGER PRIMARY KEY REFERENCES orders(id),
    channel  TEXT NOT NULL,
    address  TEXT NOT NULL
);

-- A chat's last order (CEK.PIN) is the newest of its replies' orders.
CREATE INDEX order_replies_chat ON order_replies(channel, address, order_id);

CREATE TABLE chat_outbox (
    id         INTEGER PRIMARY KEY,
    channel    TEXT NOT NULL,
    address    TEXT NOT NULL,
    body       TEXT NOT NULL,
    deposit_id INTEGER,                        -- a deposit whose QRIS goes with the text
    state      TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'gave_up')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    error      TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    sent_at    INTEGER
);

CREATE INDEX chat_outbox_pending ON chat_outbox(channel, address, id) WHERE state = 'pending';

CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
