package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/loket/loket/internal/loket"
)

type inOrderTxKey struct{}

// WithInOrderTx has f run in the transaction that writes ctx's order, right after the
// order (and only when it is new): what must commit with the order or not at all
// (chat's inbox row, its answer and where the result goes). f may run more than once
// if the transaction is retried; only its last run commits.
func WithInOrderTx(ctx context.Context, f func(t *Tx, o *loket.Order) error) context.Context {
	return context.WithValue(ctx, inOrderTxKey{}, f)
}

// InOrderTx is ctx's function of WithInOrderTx, or nil.
func InOrderTx(ctx context.Context) func(t *Tx, o *loket.Order) error {
	f, _ := ctx.Value(inOrderTxKey{}).(func(t *Tx, o *loket.Order) error)
	return f
}

// JobChat sends a chat's queued replies, in order (key: ChatJobKey). It is a job of
// the runner's memory only, on the node sending the chat's channel: the outbox is the
// durable queue (next_at), which that node reads for replies due (ChatsDue).
const JobChat = "chat"

const chatAccountCols = `a.id, a.reseller_id, r.username, a.channel, a.address, a.name, a.linked_at, a.locked_until`

func scanChatAccount(row interface{ Scan(...any) error }) (*loket.ChatAccount, error) {
	var a loket.ChatAccount
	var linked, locked int64
	if err := row.Scan(&a.ID, &a.ResellerID, &a.Username, &a.Channel, &a.Address, &a.Name, &linked, &locked); err != nil {
		return nil, err
	}
	a.LinkedAt = Time(linked)
	if locked > 0 {
		a.LockedUntil = Time(locked)
	}
	return &a, nil
}

// ChatSender is a linked chat with what a message of it needs, read at once: its
// account and its reseller's PIN hash ("" when none is set). ENOTFOUND when the chat
// is not linked.
func (db *DB) ChatSender(ctx context.Context, channel, address string) (*loket.ChatAccount, string, error) {
	var pin string
	var failures int
	a, err := scanChatAccount(scanAlso{db.queryRow(ctx, `SELECT `+chatAccountCols+`, a.pin_failures, r.chat_pin_hash
		FROM chat_accounts a JOIN resellers r ON r.id = a.reseller_id WHERE a.channel = $1 AND a.address = $2`, channel, address), []any{&failures, &pin}})
	if noRows(err) {
		return nil, "", loket.Errorf(loket.ENOTFOUND, "this chat is not linked")
	}
	if err != nil {
		return nil, "", err
	}
	a.PINFailures = failures
	return a, pin, nil
}

// scanAlso scans a row's last columns into also, after those its caller scans.
type scanAlso struct {
	row  interface{ Scan(...any) error }
	also []any
}

func (s scanAlso) Scan(dest ...any) error { return s.row.Scan(append(dest, s.also...)...) }

// ChatAccounts lists the chats linked to a reseller (every reseller's when 0), the
// newest first.
func (db *DB) ChatAccounts(ctx context.Context, resellerID int64) ([]loket.ChatAccount, error) {
	var out []loket.ChatAccount
	err := db.each(ctx, `SELECT `+chatAccountCols+` FROM chat_accounts a JOIN resellers r ON r.id = a.reseller_id
		WHERE $1 = 0 OR a.reseller_id = $1 ORDER BY a.id DESC LIMIT 1000`, func(r *sql.Rows) error {
		a, err := scanChatAccount(r)
		if err == nil {
			out = append(out, *a)
		}
		return err
	}, resellerID)
	return out, err
}

// ChatAddresses lists every linked chat's channel and address, for a broadcast.
func (db *DB) ChatAddresses(ctx context.Context) ([][2]string, error) {
	var out [][2]string
	err := db.each(ctx, `SELECT DISTINCT channel, address FROM chat_accounts ORDER BY channel, address`, func(r *sql.Rows) error {
		var a [2]string
		err := r.Scan(&a[0], &a[1])
		out = append(out, a)
		return err
	})
	return out, err
}

// UnlinkChat removes a linked chat (one of the reseller's when resellerID is not 0).
func (t *Tx) UnlinkChat(resellerID, accountID int64) error {
	res, err := t.Exec(`DELETE FROM chat_accounts WHERE id = $1 AND ($2 = 0 OR reseller_id = $2)`, accountID, resellerID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return loket.Errorf(loket.ENOTFOUND, "no linked chat %d", accountID)
	}
	return nil
}

// NewChatLink stores a one-time link code of a reseller, replacing its unused ones.
func (t *Tx) NewChatLink(resellerID int64, code string, expires time.Time) error {
	if _, err := t.Exec(`DELETE FROM chat_link_codes WHERE reseller_id = $1 OR expires_at < $2`, resellerID, Now()); err != nil {
		return err
	}
	_, err := t.Exec(`INSERT INTO chat_link_codes (code, reseller_id, expires_at) VALUES ($1, $2, $3)`, code, resellerID, expires.UnixMicro())
	return err
}

// LinkChat uses a link code (once, before it expires) to link a channel's address to
// the code's reseller, and returns the account. A chat linked before is moved to the
// code's reseller, its PIN failures forgotten.
func (t *Tx) LinkChat(code, channel, address, name string) (*loket.ChatAccount, error) {
	var resellerID int64
	err := t.QueryRow(`DELETE FROM chat_link_codes WHERE code = $1 AND expires_at >= $2 RETURNING reseller_id`, code, Now()).Scan(&resellerID)
	if noRows(err) {
		return nil, loket.Errorf(loket.ENOTFOUND, "no such link code, or it expired")
	}
	if err != nil {
		return nil, err
	}
	now := Now()
	if _, err := t.Exec(`INSERT INTO chat_accounts (reseller_id, channel, address, name, linked_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (channel, address) DO UPDATE SET reseller_id = excluded.reseller_id, name = excluded.name,
		linked_at = excluded.linked_at, pin_failures = 0, locked_until = 0`,
		resellerID, channel, address, name, now); err != nil {
		return nil, err
	}
	return scanChatAccount(t.QueryRow(`SELECT `+chatAccountCols+` FROM chat_accounts a JOIN resellers r ON r.id = a.reseller_id
		WHERE a.channel = $1 AND a.address = $2`, channel, address))
}

// SetChatPIN keeps a reseller's transaction PIN's hash.
func (t *Tx) SetChatPIN(resellerID int64, hash string) error {
	res, err := t.Exec(`UPDATE resellers SET chat_pin_hash = $2 WHERE id = $1`, resellerID, hash)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return loket.Errorf(loket.ENOTFOUND, "no reseller %d", resellerID)
	}
	return nil
}

// ChatPIN is a reseller's transaction PIN's hash ("" when none is set).
func (db *DB) ChatPIN(ctx context.Context, resellerID int64) (string, error) {
	var h string
	err := db.queryRow(ctx, `SELECT chat_pin_hash FROM resellers WHERE id = $1`, resellerID).Scan(&h)
	if noRows(err) {
		return "", loket.Errorf(loket.ENOTFOUND, "no reseller %d", resellerID)
	}
	return h, err
}

// ChatPINFailed counts a wrong PIN from an account; at max in a row the account is
// locked for lock. It returns whether the account is locked now.
func (t *Tx) ChatPINFailed(accountID int64, max int, lock time.Duration) (bool, error) {
	var locked int64
	now := Now()
	err := t.QueryRow(`UPDATE chat_accounts SET pin_failures = CASE WHEN pin_failures + 1 >= $2 THEN 0 ELSE pin_failures + 1 END,
		locked_until = CASE WHEN pin_failures + 1 >= $2 THEN $3 ELSE locked_until END
		WHERE id = $1 RETURNING locked_until`, accountID, max, now+lock.Microseconds()).Scan(&locked)
	return locked > now, err
}

// ChatPINPassed forgets a linked account's wrong PINs once a right one came (a no-op
// write when there were none).
func (t *Tx) ChatPINPassed(accountID int64) error {
	_, err := t.Exec(`UPDATE chat_accounts SET pin_failures = 0 WHERE id = $1 AND pin_failures <> 0`, accountID)
	return err
}

// ChatLastOrder is the last order of its reseller made from a linked account (0:
// none): that of the purchase taken last, which every chat order keeps on it
// (ChatOrderPlaced).
func (db *DB) ChatLastOrder(ctx context.Context, accountID int64) (int64, error) {
	var id int64
	err := db.queryRow(ctx, `SELECT COALESCE(MAX(o.id), 0) FROM chat_accounts a
		JOIN orders o ON o.id = a.last_order_id AND o.reseller_id = a.reseller_id WHERE a.id = $1`, accountID).Scan(&id)
	return id, err
}

// ChatOrderPlaced keeps, in the order's transaction, the order as its chat account's
// last, unless a purchase taken after its message (a greater seq, chat.NextSeq) placed
// one already: purchases of one chat run side by side, so the one sent last may be
// placed first. In a set it goes with the set's others: one statement, with each
// account's greatest seq (updateLater).
func (t *Tx) ChatOrderPlaced(accountID, orderID, seq int64) error {
	return t.updateLater(`WITH v(id, order_id, seq) AS (`, `) UPDATE chat_accounts SET last_order_id = v.order_id, last_order_seq = v.seq
		FROM v WHERE chat_accounts.id = v.id AND chat_accounts.last_order_seq < v.seq`, 0, 2, accountID, orderID, seq)
}

// ChatMessageDone reports whether a channel's message was handled before (a delivery
// twice: nothing is to be done again).
func (db *DB) ChatMessageDone(ctx context.Context, channel, messageID string) (bool, error) {
	var n int
	err := db.queryRow(ctx, `SELECT count(*) FROM chat_inbox WHERE channel = $1 AND message_id = $2`, channel, messageID).Scan(&n)
	return n > 0, err
}

// FinishChatMessage records a message handled, with its answer in the same
// transaction; it reports false when another delivery of it was recorded first (then
// that one's answer stands). What a message does before (an order) is idempotent by
// its id, so a message handled twice at once makes one order and one answer. In an
// order set the record is written with the set's others and without ON CONFLICT: a
// delivery recorded meanwhile fails the set's statement, and the batch runs one by one,
// where the answer is false.
func (t *Tx) FinishChatMessage(channel, messageID, address string) (bool, error) {
	const head = `INSERT INTO chat_inbox (channel, message_id, address, state, received_at)`
	if t.later != nil {
		return true, t.insertLater(head, "", channel, messageID, address, "done", Now())
	}
	res, err := t.Exec(head+` VALUES ($1, $2, $3, 'done', $4) ON CONFLICT (channel, message_id) DO NOTHING`, channel, messageID, address, Now())
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SetOrderReply records, in the order's transaction, the chat its result goes to.
func (t *Tx) SetOrderReply(orderID int64, channel, address string) error {
	return t.insertLater(`INSERT INTO order_replies (order_id, channel, address)`, ` ON CONFLICT (order_id) DO NOTHING`, orderID, channel, address)
}

// OrderReply is the chat an order's result goes to (ok false: none).
func (t *Tx) OrderReply(orderID int64) (channel, address string, ok bool, err error) {
	if t.setReplies != nil {
		if r, known, err := t.setReplies.get(t, orderID); known || err != nil {
			return r[0], r[1], r[0] != "", err
		}
	}
	err = t.QueryRow(`SELECT channel, address FROM order_replies WHERE order_id = $1`, orderID).Scan(&channel, &address)
	if noRows(err) {
		return "", "", false, nil
	}
	return channel, address, err == nil, err
}

// setReplies are the orders of a settlement set, whose results' chats (OrderReply)
// are read in one statement when a then first asks: a read per settled order was a
// round trip each in the writer's transaction on PostgreSQL.
type setReplies struct {
	ids []int64
	got map[int64][2]string // nil: not read yet; an order without a chat has ""
}

// get is an order's chat (known false: not an order of the set).
func (s *setReplies) get(t *Tx, orderID int64) ([2]string, bool, error) {
	if s.got == nil {
		s.got = make(map[int64][2]string, len(s.ids))
		rows := make([][]any, len(s.ids))
		for i, id := range s.ids {
			rows[i] = []any{id}
			s.got[id] = [2]string{}
		}
		err := t.setRows(rows, nil, func(src string, _ ...string) string {
			return `SELECT order_id, channel, address FROM order_replies WHERE order_id IN (` + src + `)`
		}, func(r *sql.Rows) error {
			var id int64
			var c [2]string
			err := r.Scan(&id, &c[0], &c[1])
			s.got[id] = c
			return err
		})
		if err != nil {
			s.got = nil
			return [2]string{}, true, err
		}
	}
	c, known := s.got[orderID]
	return c, known, nil
}

// ChatOut is one reply of the outbox.
type ChatOut struct {
	ID               int64
	Channel, Address string
	Body             string
	DepositID        int64
	State            string
	Attempts         int
	CreatedAt        time.Time
	NextAt           time.Time // when it is to be tried (again)
}

// EnqueueChat stores a reply to send now; the caller hands its chat to its runner once
// committed. In a set (an order's answer, a settlement's result) the reply is written
// with the set's others.
func (t *Tx) EnqueueChat(channel, address, body string, depositID int64) error {
	now := Now()
	var dep any
	if depositID != 0 {
		dep = depositID
	}
	if err := t.insertLater(`INSERT INTO chat_outbox (channel, address, body, deposit_id, state, created_at, next_at)`, "",
		channel, address, body, dep, "pending", now, now); err != nil {
		return fmt.Errorf("enqueue chat reply: %w", err)
	}
	return nil
}

// ChatsDue lists the chats of a channel with a reply due (pending, its time come), at
// most limit: what the node sending the channel's replies takes up, those written on
// other nodes and those left by a node that stopped.
func (db *DB) ChatsDue(ctx context.Context, channel string, limit int) ([]string, error) {
	var out []string
	err := db.each(ctx, `SELECT DISTINCT address FROM chat_outbox WHERE channel = $1 AND state = 'pending' AND next_at <= $2 `+limitRows(limit),
		func(r *sql.Rows) error {
			var a string
			if err := r.Scan(&a); err != nil {
				return err
			}
			out = append(out, a)
			return nil
		}, channel, Now())
	return out, err
}

// GiveUpChats gives up the replies still pending that were queued before cutoff, for
// whatever reason no node sent them (their channel refused them, or no node sends
// their channel any more), and returns how many.
func (t *Tx) GiveUpChats(cutoff time.Time) (int64, error) {
	res, err := t.Exec(`UPDATE chat_outbox SET state = 'gave_up', error = CASE WHEN error = '' THEN 'not sent in time' ELSE error END, next_at = 0
		WHERE state = 'pending' AND created_at < $1`, cutoff.UnixMicro())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// ChatJobKey is the key of the job that sends a chat's replies.
func ChatJobKey(channel, address string) string { return "chat:" + channel + ":" + address }

// ChatOfJob is the chat of a ChatJobKey (channel names hold no colon).
func ChatOfJob(key string) (channel, address string, ok bool) {
	rest, ok := strings.CutPrefix(key, "chat:")
	if !ok {
		return "", "", false
	}
	return strings.Cut(rest, ":")
}

const chatOutCols = `id, channel, address, body, deposit_id, state, attempts, created_at, next_at`

func scanChatOut(r *sql.Rows) (*ChatOut, error) {
	var o ChatOut
	var dep sql.NullInt64
	var created, next int64
	if err := r.Scan(&o.ID, &o.Channel, &o.Address, &o.Body, &dep, &o.State, &o.Attempts, &created, &next); err != nil {
		return nil, err
	}
	o.DepositID, o.CreatedAt, o.NextAt = dep.Int64, Time(created), Time(next)
	return &o, nil
}

// ChatAfter names a chat of a channel and the last of its replies already seen (0: none).
type ChatAfter struct {
	Address string
	After   int64
}

// ChatQueues reads the queues of many chats of a channel in one statement: each chat's
// replies still to send after its After, oldest first, at most limit a chat, by
// address.
func (db *DB) ChatQueues(ctx context.Context, channel string, chats []ChatAfter, limit int) (map[string][]*ChatOut, error) {
	out := make(map[string][]*ChatOut, len(chats))
	if len(chats) == 0 {
		return out, nil
	}
	rows := make([][]any, len(chats))
	for i, c := range chats {
		rows[i] = []any{c.Address, c.After}
	}
	t := &Tx{db: db}
	src, args := t.rowsSource(rows)
	args = append(args, channel)
	q := `WITH v(address, after_id) AS (` + src + `)
		SELECT ` + chatOutCols + ` FROM (
			SELECT o.*, ROW_NUMBER() OVER (PARTITION BY o.address ORDER BY o.id) AS n
			FROM v JOIN chat_outbox o ON o.channel = ` + t.param(len(args), channel) + ` AND o.address = v.address
				AND o.state = 'pending' AND o.id > v.after_id) q
		WHERE n <= ` + strconv.Itoa(limit) + ` ORDER BY address, id`
	if db.Dialect == Postgres {
		// Each chat's by the pending index, however little the planner knows of the
		// table. Joined as above, a table not analysed yet (a young one, or a server
		// without autovacuum) was read along every pending reply of the channel for each
		// read, and pending replies grow with the load: 2.4 ms a read at 600 of them.
		q = `WITH v(address, after_id) AS (` + src + `)
		SELECT q.* FROM v CROSS JOIN LATERAL (SELECT ` + chatOutCols + ` FROM chat_outbox o
			WHERE o.channel = ` + t.param(len(args), channel) + ` AND o.address = v.address AND o.state = 'pending'
				AND o.id > v.after_id ORDER BY o.id LIMIT ` + strconv.Itoa(limit) + `) q
		ORDER BY q.address, q.id`
	}
	err := db.each(ctx, q, func(r *sql.Rows) error {
		o, err := scanChatOut(r)
		if err == nil {
			out[o.Address] = append(out[o.Address], o)
		}
		return err
	}, args...)
	return out, err
}

// RecordChatSend stores one try of sending a reply and its new state; a reply still
// pending is tried again at next. A reply given up meanwhile (GiveUpChats) stays so.
func (t *Tx) RecordChatSend(id int64, state, errText string, next time.Time) error {
	var sent any
	if state == "sent" {
		sent = Now()
	}
	var at int64
	if !next.IsZero() {
		at = next.UnixMicro()
	}
	_, err := t.Exec(`UPDATE chat_outbox SET attempts = attempts + 1, state = $2, error = $3, sent_at = COALESCE(CAST($4 AS BIGINT), sent_at),
		next_at = $5 WHERE id = $1 AND state = 'pending'`, id, state, errText, sent, at)
	return err
}

// RecordChatsSent stores replies sent (each one try more), in one statement for all:
// the replies of many chats, from a node's log of what it sent (chat's sentLog).
func (t *Tx) RecordChatsSent(ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	rows := make([][]any, len(ids))
	for i, id := range ids {
		rows[i] = []any{id}
	}
	return t.setRows(rows, []any{Now()}, func(src string, after ...string) string {
		return `WITH v(id) AS (` + src + `) UPDATE chat_outbox SET attempts = attempts + 1, state = 'sent', error = '', sent_at = ` + after[0] + `,
			next_at = 0 WHERE id IN (SELECT id FROM v) AND state = 'pending'`
	}, nil)
}

// TakeLease takes or renews the lease name for holder until ttl from now; it reports
// false while another holder's lease runs.
func (db *DB) TakeLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	var got bool
	err := db.Write(ctx, 0, func(t *Tx) error {
		now := Now()
		var h string
		err := t.QueryRow(`INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
			WHERE leases.expires_at < $4 OR leases.holder = excluded.holder RETURNING holder`,
			name, holder, now+ttl.Microseconds(), now).Scan(&h)
		if noRows(err) {
			got = false
			return nil
		}
		got = err == nil && h == holder
		return err
	})
	return got, err
}

// ReleaseLease gives a lease up, if holder holds it.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	return db.Write(ctx, 0, func(t *Tx) error {
		_, err := t.Exec(`DELETE FROM leases WHERE name = $1 AND holder = $2`, name, holder)
		return err
	})
}
