-- A chat's last order is that of its purchase taken last (chat.Message.Seq), not the
-- one placed last: a chat's purchases run side by side, so the one sent last may be
-- placed first, and CEK.PIN is about what the reseller sent last.
ALTER TABLE chat_accounts ADD COLUMN last_order_seq INTEGER NOT NULL DEFAULT 0;
