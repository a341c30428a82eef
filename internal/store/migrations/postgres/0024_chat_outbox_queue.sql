-- The chat outbox is its own queue (issue 19): a reply no longer has a row in jobs
-- beside its row here. next_at is when it is to be tried (again); the node that wrote
-- it sends it at once from memory, and any node takes up a reply still pending well
-- after its time (a node stopped, a send lost). Replies pending now keep their job's
-- time.
ALTER TABLE chat_outbox ADD COLUMN next_at BIGINT NOT NULL DEFAULT 0;
UPDATE chat_outbox SET next_at = COALESCE((SELECT run_at FROM jobs WHERE jobs.key = 'chat:' || chat_outbox.id), created_at)
    WHERE state = 'pending';
DELETE FROM jobs WHERE kind = 'chat';
