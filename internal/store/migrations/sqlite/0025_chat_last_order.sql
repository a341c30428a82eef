-- A chat's last order (CEK.PIN) is kept on its account as the orders are made
-- (issue 19), instead of an index of order_replies by chat: that index took an entry
-- per chat order on a page of its chat, a page written per chat per commit, about a
-- tenth of a chat order's WAL. order_replies stays, by order: where a result goes.
ALTER TABLE chat_accounts ADD COLUMN last_order_id INTEGER NOT NULL DEFAULT 0;
UPDATE chat_accounts SET last_order_id = COALESCE((SELECT MAX(r.order_id) FROM order_replies r
    JOIN orders o ON o.id = r.order_id AND o.reseller_id = chat_accounts.reseller_id
    WHERE r.channel = chat_accounts.channel AND r.address = chat_accounts.address), 0);
DROP INDEX order_replies_chat;
