package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/loket/loket/internal/loket"
)

// Job is durable background work: carrying an order to its final state, delivering a
// webhook. A job is locked by one node for a lease; when the lease lapses (the node
// died) any node may take it.
type Job struct {
	Key      string
	Kind     string
	RefID    int64
	RunAt    time.Time
	Attempts int

	// Fresh carries, in memory only, what the node that just wrote an order knows of
	// it, so the first dispatch need not read it back.
	Fresh *FreshOrder
	// Webhook carries, in memory only, a webhook as the node that just wrote it knows
	// it, so its first delivery need not read it back.
	Webhook *loket.Webhook
}

// FreshOrder is an order and its first attempt as just written.
type FreshOrder struct {
	Order   *loket.Order
	Attempt loket.Attempt
}

// Job kinds.
const (
	JobOrder   = "order"
	JobWebhook = "webhook"
)

// ClaimJobs locks up to limit due jobs for node and returns them.
func (db *DB) ClaimJobs(ctx context.Context, node string, lease time.Duration, limit int) ([]Job, error) {
	var jobs []Job
	err := db.Write(ctx, 0, func(t *Tx) error {
		jobs = jobs[:0]
		now := Now()
		skip := ""
		if db.Dialect == Postgres {
			skip = " FOR UPDATE SKIP LOCKED"
		}
		rows, err := t.Query(`UPDATE jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1
			WHERE key IN (SELECT key FROM jobs WHERE run_at <= $3 AND locked_until < $3 ORDER BY run_at `+limitRows(limit)+skip+`)
			RETURNING key, kind, ref_id, run_at, attempts`, node, now+lease.Microseconds(), now)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var j Job
			var run int64
			if err := rows.Scan(&j.Key, &j.Kind, &j.RefID, &run, &j.Attempts); err != nil {
				return err
			}
			j.RunAt = Time(run)
			jobs = append(jobs, j)
		}
		return rows.Err()
	})
	return jobs, err
}

// Reschedule sets when a job runs next. The node keeps its lock until a lease past
// that time, so it can run the job from memory; if it dies, the lock lapses.
func (t *Tx) Reschedule(key, node string, runAt time.Time, lease time.Duration, lastErr string) error {
	_, err := t.Exec(`UPDATE jobs SET run_at = $2, locked_by = $3, locked_until = $4, last_error = $5 WHERE key = $1`,
		key, runAt.UnixMicro(), node, runAt.Add(lease).UnixMicro(), truncate(lastErr, 500))
	return err
}

// ScheduleJob sets when a standing job runs next and frees it, so whichever node claims
// it first then runs it.
func (t *Tx) ScheduleJob(key string, runAt time.Time, lastErr string) error {
	_, err := t.Exec(`UPDATE jobs SET run_at = $2, locked_by = '', locked_until = 0, attempts = 0, last_error = $3 WHERE key = $1`,
		key, runAt.UnixMicro(), truncate(lastErr, 500))
	return err
}

// DeleteJob removes a finished job.
func (t *Tx) DeleteJob(key string) error {
	_, err := t.Exec(`DELETE FROM jobs WHERE key = $1`, key)
	return err
}

// EnqueueJob adds a job due at runAt; an existing job with the same key is kept.
func (t *Tx) EnqueueJob(key, kind string, refID int64, runAt time.Time, node string, lease time.Duration) error {
	lockedUntil := int64(0)
	if node != "" {
		lockedUntil = runAt.Add(lease).UnixMicro()
	}
	_, err := t.Exec(`INSERT INTO jobs (key, kind, ref_id, run_at, locked_by, locked_until, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (key) DO NOTHING`, key, kind, refID, runAt.UnixMicro(), node, lockedUntil, Now())
	return err
}

// QueueDepth counts jobs by kind.
func (db *DB) QueueDepth(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	err := db.each(ctx, `SELECT kind, count(*) FROM jobs GROUP BY kind`, func(r *sql.Rows) error {
		var k string
		var n int64
		if err := r.Scan(&k, &n); err != nil {
			return err
		}
		out[k] = n
		return nil
	})
	return out, err
}

// EnqueueWebhook stores a webhook and the job that delivers it. With a node, the job is
// that node's until lease from now (it sends the webhook from memory once committed);
// without, any node's claim loop takes it.
func (t *Tx) EnqueueWebhook(w loket.Webhook, node string, lease time.Duration) (int64, error) {
	now := Now()
	if w.ContentType == "" {
		w.ContentType = "application/json"
	}
	lockedUntil := int64(0)
	if node != "" {
		lockedUntil = now + lease.Microseconds()
	}
	// In a settlement set on PostgreSQL, the webhook and its job go in with the set's
	// other rows, under an id drawn for the set: two round trips an order in the
	// writer's transaction were a tenth of the API's CPU with results delivered.
	if id, ok, err := t.setWebhookID(); err != nil || ok {
		if err != nil {
			return 0, fmt.Errorf("enqueue webhook: %w", err)
		}
		if err := t.insertLater(`INSERT INTO webhooks (id, reseller_id, order_id, event, url, content_type, body, state, created_at)`, "",
			id, w.ResellerID, w.OrderID, w.Event, w.URL, w.ContentType, w.Body, "pending", now); err != nil {
			return 0, fmt.Errorf("enqueue webhook: %w", err)
		}
		if err := t.insertLater(`INSERT INTO jobs (key, kind, ref_id, run_at, locked_by, locked_until, created_at)`, ` ON CONFLICT (key) DO NOTHING`,
			WebhookJobKey(id), JobWebhook, id, now, node, lockedUntil, now); err != nil {
			return 0, fmt.Errorf("enqueue webhook: %w", err)
		}
		return id, nil
	}
	var id int64
	err := t.QueryRow(`INSERT INTO webhooks (reseller_id, order_id, event, url, content_type, body, state, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) RETURNING id`, w.ResellerID, w.OrderID, w.Event, w.URL, w.ContentType, w.Body, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("enqueue webhook: %w", err)
	}
	if err := t.EnqueueJob(WebhookJobKey(id), JobWebhook, id, Time(now), node, lease); err != nil {
		return 0, err
	}
	return id, nil
}

// setIDs are ids drawn from the webhooks' sequence for a settlement set's thens on
// PostgreSQL, one per operation, in one statement when a then first asks, so that a
// webhook goes in with the set's rows (insertLater) and its id is known at once.
type setIDs struct {
	n     int
	ids   []int64
	drawn bool
}

// setWebhookID is an id for a webhook this operation of a settlement set inserts
// with the set's rows; ok is false outside such a set, on SQLite (where a statement
// is no round trip), or when the set's ids are used up.
func (t *Tx) setWebhookID() (id int64, ok bool, err error) {
	s := t.webhookIDs
	if s == nil || t.later == nil || t.Dialect() != Postgres {
		return 0, false, nil
	}
	if !s.drawn {
		s.drawn = true
		rs, err := t.Query(`SELECT nextval(pg_get_serial_sequence('webhooks', 'id')) FROM generate_series(1, $1)`, s.n)
		if err != nil {
			return 0, false, err
		}
		defer rs.Close()
		for rs.Next() {
			var id int64
			if err := rs.Scan(&id); err != nil {
				return 0, false, err
			}
			s.ids = append(s.ids, id)
		}
		if err := rs.Err(); err != nil {
			return 0, false, err
		}
	}
	if len(s.ids) == 0 {
		return 0, false, nil
	}
	id, s.ids = s.ids[0], s.ids[1:]
	return id, true, nil
}

// WebhookJobKey is the key of the job that delivers webhook id.
func WebhookJobKey(id int64) string { return fmt.Sprintf("webhook:%d", id) }

// WebhookDelivered is a webhook's delivery that its endpoint acknowledged.
type WebhookDelivered struct {
	ID      int64
	Attempt loket.WebhookAttempt
}

// RecordWebhooksDelivered stores deliveries acknowledged, in one statement per table
// for all (a node's log of what it delivered): each webhook still pending is
// delivered, with its attempt, and the jobs are done. A webhook given up meanwhile
// stays so.
func (t *Tx) RecordWebhooksDelivered(ds []WebhookDelivered) error {
	byID := make(map[int64]WebhookDelivered, len(ds))
	var rows, keys [][]any
	for _, d := range ds {
		if _, dup := byID[d.ID]; dup {
			continue
		}
		byID[d.ID] = d
		rows = append(rows, []any{d.ID, d.Attempt.At.UnixMicro()})
		keys = append(keys, []any{WebhookJobKey(d.ID)})
	}
	if len(rows) == 0 {
		return nil
	}
	var attempts [][]any
	err := t.setRows(rows, nil, func(src string, _ ...string) string {
		return `WITH v(id, at) AS (` + src + `) UPDATE webhooks SET attempts = webhooks.attempts + 1, state = 'delivered', delivered_at = v.at
			FROM v WHERE webhooks.id = v.id AND webhooks.state = 'pending' RETURNING webhooks.id, webhooks.attempts`
	}, func(r *sql.Rows) error {
		var id int64
		var n int
		if err := r.Scan(&id, &n); err != nil {
			return err
		}
		a := byID[id].Attempt
		attempts = append(attempts, []any{id, n, a.At.UnixMicro(), a.StatusCode, truncate(a.Error, 500), int64(a.DurationMS * 1000)})
		return nil
	})
	if err != nil {
		return fmt.Errorf("webhooks delivered: %w", err)
	}
	if len(attempts) > 0 {
		if err := t.setRows(attempts, nil, func(src string, _ ...string) string {
			return `INSERT INTO webhook_attempts (webhook_id, attempt, at, status_code, error, duration_us) ` + src
		}, nil); err != nil {
			return fmt.Errorf("webhook attempts: %w", err)
		}
	}
	return t.setRows(keys, nil, func(src string, _ ...string) string { return `DELETE FROM jobs WHERE key IN (` + src + `)` }, nil)
}

// WebhookByID loads a webhook.
func (db *DB) WebhookByID(ctx context.Context, id int64) (*loket.Webhook, error) {
	var w loket.Webhook
	var order, delivered sql.NullInt64
	var created int64
	err := db.queryRow(ctx, `SELECT id, reseller_id, order_id, event, url, content_type, body, state, attempts, created_at, delivered_at
		FROM webhooks WHERE id = $1`, id).Scan(&w.ID, &w.ResellerID, &order, &w.Event, &w.URL, &w.ContentType, &w.Body, &w.State, &w.Attempts, &created, &delivered)
	if err != nil {
		return nil, err
	}
	if order.Valid {
		v := order.Int64
		w.OrderID = &v
	}
	w.CreatedAt = Time(created)
	w.DeliveredAt = TimePtr(delivered)
	return &w, nil
}

// RecordWebhookAttempt stores one delivery try and the webhook's new state.
func (t *Tx) RecordWebhookAttempt(id int64, a loket.WebhookAttempt, state string) error {
	var n int
	if err := t.QueryRow(`UPDATE webhooks SET attempts = attempts + 1, state = $2,
		delivered_at = CASE WHEN $2 = 'delivered' THEN $3 ELSE delivered_at END WHERE id = $1 RETURNING attempts`,
		id, state, a.At.UnixMicro()).Scan(&n); err != nil {
		return err
	}
	_, err := t.Exec(`INSERT INTO webhook_attempts (webhook_id, attempt, at, status_code, error, duration_us) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, n, a.At.UnixMicro(), a.StatusCode, truncate(a.Error, 500), int64(a.DurationMS*1000))
	return err
}

// Webhooks lists a reseller's recent webhooks with their attempts, newest first, as
// one consistent snapshot.
func (db *DB) Webhooks(ctx context.Context, resellerID int64, limit int) ([]*loket.Webhook, error) {
	snap, err := db.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer snap.Rollback()
	var out []*loket.Webhook
	byID := map[int64]*loket.Webhook{}
	err = eachRow(ctx, snap, `SELECT id, order_id, event, url, content_type, body, state, attempts, created_at, delivered_at
		FROM webhooks WHERE reseller_id = $1 ORDER BY id DESC LIMIT $2`, func(r *sql.Rows) error {
		w := &loket.Webhook{ResellerID: resellerID}
		var order, delivered sql.NullInt64
		var created int64
		if err := r.Scan(&w.ID, &order, &w.Event, &w.URL, &w.ContentType, &w.Body, &w.State, &w.Attempts, &created, &delivered); err != nil {
			return err
		}
		if order.Valid {
			v := order.Int64
			w.OrderID = &v
		}
		w.CreatedAt = Time(created)
		w.DeliveredAt = TimePtr(delivered)
		out = append(out, w)
		byID[w.ID] = w
		return nil
	}, resellerID, limit)
	if err != nil || len(out) == 0 {
		return out, err
	}
	err = eachRow(ctx, snap, `SELECT a.webhook_id, a.attempt, a.at, a.status_code, a.error, a.duration_us FROM webhook_attempts a
		JOIN webhooks w ON w.id = a.webhook_id WHERE w.reseller_id = $1 AND a.webhook_id >= $2 ORDER BY a.webhook_id, a.attempt`, func(r *sql.Rows) error {
		var a loket.WebhookAttempt
		var id, at, dur int64
		if err := r.Scan(&id, &a.Attempt, &at, &a.StatusCode, &a.Error, &dur); err != nil {
			return err
		}
		a.At = Time(at)
		a.DurationMS = float64(dur) / 1000
		if w := byID[id]; w != nil {
			w.Log = append(w.Log, a)
		}
		return nil
	}, resellerID, out[len(out)-1].ID)
	return out, err
}

// ReleaseLocks frees the jobs a node held when it last stopped, so a restart resumes
// them at once instead of after the lease. On SQLite one server owns the file, so every
// lock is that server's.
func (t *Tx) ReleaseLocks(node string) error {
	if t.Dialect() == SQLite {
		_, err := t.Exec(`UPDATE jobs SET locked_until = 0, locked_by = '' WHERE locked_until > 0`)
		return err
	}
	_, err := t.Exec(`UPDATE jobs SET locked_until = 0, locked_by = '' WHERE locked_by = $1`, node)
	return err
}
