package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loket/loket/internal/loket"
)

// ErrClosed is returned for operations submitted after Close.
var ErrClosed = errors.New("store: closed")

// Tx is the transaction an operation runs in. Operations see each other's effects in
// submission order; each runs inside its own savepoint, so a refused operation (an
// insufficient balance, a duplicate) leaves no trace while its neighbours commit.
type Tx struct {
	tx    txConn
	db    *DB
	ctx   context.Context
	after []func()
	lane  *lane // nil outside the batcher
	// The change set this transaction's base price changes go into (RecordPriceChange
	// makes it at the first change), and what it is said to be caused by.
	priceSet   int64
	priceCause string
	priceUndo  int64
	// The rollup deltas of what this operation wrote (rollups.go).
	roll *rollup
	// For an operation of a set: the rows it inserts with the set's (insertLater).
	later *laterRows
	// For a then of an order or settlement set: its reseller's balance right after its
	// order or settlement, where the set knows it (OrderBalance).
	orderBalance *loket.Money
	// For a then of a settlement set: the balances of the set's resellers whose
	// balance it did not change, read once for all when a then first asks (OrderBalance).
	setBalances *setBalances
	// For a then of a settlement set: where the set's chat orders' results go, read once
	// for all when a then first asks (OrderReply).
	setReplies *setReplies
	// For a then of a settlement set on PostgreSQL: ids for its webhooks (setWebhookID).
	webhookIDs *setIDs
}

// txConn is what a Tx runs its statements on: a *sql.Tx, or on SQLite the batch lane's
// own connection, in a transaction the lane began on it (laneTx).
type txConn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Dialect is the engine the transaction runs on.
func (t *Tx) Dialect() Dialect { return t.db.Dialect }

// stmt returns query prepared on the batch lane's connection. SQLite's driver parses
// every statement it is given anew, which cost more than running them; the lane keeps
// its statements prepared across batches (it runs its transactions itself, on a
// connection it owns: a statement prepared in a *sql.Tx dies with it), so a statement
// is parsed once per connection, not once per batch. The sets' statements come in a
// few fixed sizes for this (setRows). PostgreSQL's driver caches prepared statements
// itself.
func (t *Tx) stmt(query string) *sql.Stmt {
	if t.lane == nil || t.lane.conn == nil {
		return nil
	}
	st, ok := t.lane.stmts[query]
	if !ok {
		if len(t.lane.stmts) >= maxPrepared {
			return nil // full (the next batch starts it again: begin)
		}
		var err error
		if st, err = t.lane.conn.PrepareContext(t.ctx, query); err != nil {
			return nil // let the plain call report the error
		}
		t.lane.stmts[query] = st
	}
	return st
}

// Exec runs a statement.
func (t *Tx) Exec(query string, args ...any) (sql.Result, error) {
	if st := t.stmt(query); st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	return t.tx.ExecContext(t.ctx, query, args...)
}

// QueryRow runs a query that returns at most one row.
func (t *Tx) QueryRow(query string, args ...any) *sql.Row {
	if st := t.stmt(query); st != nil {
		return st.QueryRowContext(t.ctx, args...)
	}
	return t.tx.QueryRowContext(t.ctx, query, args...)
}

// Query runs a query.
func (t *Tx) Query(query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(query); st != nil {
		return st.QueryContext(t.ctx, args...)
	}
	return t.tx.QueryContext(t.ctx, query, args...)
}

// AfterCommit registers f to run once the operation's batch has committed. It is
// dropped if the operation fails or the commit does.
func (t *Tx) AfterCommit(f func()) { t.after = append(t.after, f) }

type op struct {
	ctx   context.Context
	fn    func(*Tx) error
	spec  *batchSpec // what the operation is, when it may go in a set (orders_set.go)
	done  chan error
	after []func()
}

// How a batch runs: its orders as a set, then the rest; every operation on its own
// without savepoints; or each in a savepoint, so that a refused one leaves no trace.
type batchMode int

const (
	modeSet batchMode = iota
	modeOptimistic
	modeSavepoints
)

// Batcher runs write operations in shared transactions: whatever arrives while one
// commit is under way goes into the next. Under load this turns N fsyncs into one,
// with no waiting added when the system is idle.
type Batcher struct {
	db     *DB
	lanes  []chan *op
	states []*lane
	max    int
	wg     sync.WaitGroup
	closed atomic.Bool
	mu     sync.RWMutex

	// Stats for /metrics.
	Batches atomic.Int64
	Ops     atomic.Int64
	InSets  atomic.Int64 // operations written in sets (orders_set.go, settle_set.go)
	Busy    atomic.Int64 // nanoseconds the lanes spent running batches, commits included
}

// lane is one batching writer. On SQLite it owns a connection for good, runs its
// transactions on it with BEGIN and COMMIT, and keeps stmts prepared on it. Only the
// lane's goroutine touches it.
type lane struct {
	conn   *sql.Conn
	stmts  map[string]*sql.Stmt
	stripe int // the rollup rows' stripe this lane adds to
}

func (l *lane) closeStmts() {
	for _, st := range l.stmts {
		st.Close()
	}
	clear(l.stmts)
}

// drop discards the lane's connection after an error that may have left it in a
// transaction or broken: the pool closes it rather than hand it to anyone else, and the
// next batch opens another.
func (l *lane) drop() {
	if l.conn == nil {
		return
	}
	l.closeStmts()
	l.conn.Raw(func(any) error { return driver.ErrBadConn })
	l.conn.Close()
	l.conn = nil
}

// laneTx is a transaction the lane began on its own connection (SQLite).
type laneTx struct{ l *lane }

func (x laneTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return x.l.conn.ExecContext(ctx, q, args...)
}

func (x laneTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return x.l.conn.QueryContext(ctx, q, args...)
}

func (x laneTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return x.l.conn.QueryRowContext(ctx, q, args...)
}

// begin starts the batch's transaction: on SQLite on the lane's connection, which keeps
// its prepared statements across transactions; on PostgreSQL on the pool.
func (l *lane) begin(ctx context.Context, db *DB) (txConn, func() error, func(), error) {
	if db.Dialect != SQLite {
		tx, err := db.W.BeginTx(ctx, nil)
		if err != nil {
			return nil, nil, nil, err
		}
		return tx, tx.Commit, func() { tx.Rollback() }, nil
	}
	if len(l.stmts) >= maxPrepared {
		l.closeStmts() // texts of one-off shapes: start again, between batches (no rows open)
	}
	if l.conn == nil {
		c, err := db.W.Conn(ctx)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("writer connection: %w", err)
		}
		l.conn = c
	}
	if _, err := l.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		if !isRetryable(err) {
			l.drop() // broken: the next batch takes another
		}
		return nil, nil, nil, err
	}
	rollback := func() {
		if _, err := l.conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			l.drop() // SQLite may have rolled back already; start clean either way
		}
	}
	commit := func() error {
		_, err := l.conn.ExecContext(ctx, "COMMIT")
		if err != nil {
			rollback()
		}
		return err
	}
	return laneTx{l}, commit, rollback, nil
}

func newBatcher(db *DB, lanes, max int) *Batcher {
	b := &Batcher{db: db, max: max}
	for i := 0; i < lanes; i++ {
		ch := make(chan *op, max*4)
		l := &lane{stmts: map[string]*sql.Stmt{}, stripe: db.stripe(i)}
		b.lanes = append(b.lanes, ch)
		b.states = append(b.states, l)
		b.wg.Add(1)
		go b.run(ch, l)
	}
	return b
}

// Write runs fn in a shared transaction and returns once that transaction has
// committed (nil) or fn or the commit failed. key picks the lane: operations on the
// same reseller should use the same key, so that PostgreSQL lanes never wait on each
// other's row locks.
func (db *DB) Write(ctx context.Context, key uint64, fn func(*Tx) error) error {
	return db.batcher.do(ctx, key, fn)
}

// BatchStats returns the number of batches committed and operations run in them.
func (db *DB) BatchStats() (batches, ops int64) {
	return db.batcher.Batches.Load(), db.batcher.Ops.Load()
}

// WriterBusy is how long the write lanes have spent running batches, commits
// included: beside the wall clock it says how near the writer is to its limit.
func (db *DB) WriterBusy() time.Duration {
	return time.Duration(db.batcher.Busy.Load())
}

func (b *Batcher) do(ctx context.Context, key uint64, fn func(*Tx) error) error {
	return b.doOp(ctx, key, fn, nil)
}

// doOp is do for an operation that may go in a set (spec not nil).
func (b *Batcher) doOp(ctx context.Context, key uint64, fn func(*Tx) error, spec *batchSpec) error {
	o := &op{ctx: ctx, fn: fn, spec: spec, done: make(chan error, 1)}
	b.mu.RLock()
	if b.closed.Load() {
		b.mu.RUnlock()
		return ErrClosed
	}
	lane := b.lanes[key%uint64(len(b.lanes))]
	select {
	case lane <- o:
	case <-ctx.Done():
		b.mu.RUnlock()
		return ctx.Err()
	}
	b.mu.RUnlock()
	// Once queued, wait for the outcome even if ctx ends: the operation may commit, and
	// the caller must not report failure for something that happened.
	err := <-o.done
	if err == nil {
		for _, f := range o.after {
			f()
		}
	}
	return err
}

func (b *Batcher) close() {
	b.mu.Lock()
	if b.closed.Swap(true) {
		b.mu.Unlock()
		return
	}
	for _, l := range b.lanes {
		close(l)
	}
	b.mu.Unlock()
	b.wg.Wait()
}

func (b *Batcher) run(ch chan *op, l *lane) {
	defer b.wg.Done()
	defer func() {
		l.closeStmts()
		if l.conn != nil {
			l.conn.Close()
		}
	}()
	batch := make([]*op, 0, b.max)
	for first := range ch {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < b.max {
			select {
			case o, ok := <-ch:
				if !ok {
					break fill
				}
				batch = append(batch, o)
			default:
				break fill
			}
		}
		start := time.Now()
		b.runBatch(batch, l)
		b.Busy.Add(int64(time.Since(start)))
	}
}

func (b *Batcher) runBatch(batch []*op, l *lane) {
	var errs []error
	var err error
	// Most batches succeed whole, so they run first without per-operation savepoints
	// (two statements each, and subtransactions on PostgreSQL), their new orders as a
	// set. If the set gives way, the batch runs again operation by operation; if an
	// operation is refused, it is rolled back and run again with savepoints, so the
	// refused one leaves no trace and the others commit.
	mode := modeSet
	for attempt := 0; ; attempt++ {
		errs, err = b.try(batch, l, mode)
		if errors.Is(err, errNoSet) {
			mode = modeOptimistic
			continue
		}
		if errors.Is(err, errRefused) {
			mode = modeSavepoints
			continue
		}
		if err == nil || !isRetryable(err) || attempt >= 20 {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 2 * time.Millisecond)
	}
	if err == nil {
		b.Batches.Add(1)
		b.Ops.Add(int64(len(batch)))
	}
	for i, o := range batch {
		if err != nil {
			o.done <- err
			continue
		}
		o.done <- errs[i]
	}
}

// call runs an operation, turning a panic into its error: a bug in one operation must
// not take down the lane, and with it every other writer.
func call(fn func(*Tx) error, t *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: operation panicked: %v", p)
		}
	}()
	return fn(t)
}

// errRefused says an operation of a batch run without savepoints failed: the batch was
// rolled back and must run again with them.
var errRefused = errors.New("store: an operation was refused; rerun with savepoints")

// try runs the batch once. It returns each operation's own error, and a batch error
// when the transaction as a whole failed (nothing of it committed).
func (b *Batcher) try(batch []*op, l *lane, mode batchMode) ([]error, error) {
	ctx := context.Background()
	tx, commit, rollback, err := l.begin(ctx, b.db)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	errs := make([]error, len(batch))
	var roll rollup // the deltas of the operations that stay
	single := len(batch) == 1
	optimistic := !single && mode != modeSavepoints
	inSet := map[*op]*Tx{}
	for _, kind := range setKinds {
		set := kind.pick(batch)
		if mode != modeSet || set == nil {
			continue
		}
		t := &Tx{tx: tx, db: b.db, ctx: ctx, lane: l}
		txs, err := kind.write(t, set)
		if err != nil {
			rollback()
			if isRetryable(err) {
				return nil, err
			}
			return nil, errNoSet // run one by one, where each answers for itself
		}
		roll.merge(t.roll)
		for i, o := range set {
			inSet[o] = txs[i]
		}
	}
	for i, o := range batch {
		o.after = nil
		if t, ok := inSet[o]; ok {
			o.after = t.after
			roll.merge(t.roll)
			continue
		}
		if err := o.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		t := &Tx{tx: tx, db: b.db, ctx: ctx, lane: l}
		if optimistic {
			ferr := call(o.fn, t)
			if ferr != nil {
				rollback()
				if isRetryable(ferr) {
					return nil, ferr
				}
				return nil, errRefused
			}
			o.after = t.after
			roll.merge(t.roll)
			continue
		}
		if !single {
			if _, err := tx.ExecContext(ctx, "SAVEPOINT op"); err != nil {
				rollback()
				return nil, fmt.Errorf("savepoint: %w", err)
			}
		}
		ferr := call(o.fn, t)
		if ferr != nil && isRetryable(ferr) {
			rollback()
			return nil, ferr
		}
		if single {
			if ferr != nil {
				rollback()
				return []error{ferr}, nil
			}
		} else if ferr != nil {
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT op"); err != nil {
				rollback()
				return nil, fmt.Errorf("rollback to savepoint: %w", err)
			}
			if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT op"); err != nil {
				rollback()
				return nil, fmt.Errorf("release savepoint: %w", err)
			}
		} else if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT op"); err != nil {
			rollback()
			return nil, fmt.Errorf("release savepoint: %w", err)
		}
		errs[i] = ferr
		if ferr == nil {
			o.after = t.after
			roll.merge(t.roll)
		}
	}
	if err := roll.flush(&Tx{tx: tx, db: b.db, ctx: ctx, lane: l}, l.stripe); err != nil {
		rollback()
		return nil, err
	}
	if err := commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	b.InSets.Add(int64(len(inSet)))
	return errs, nil
}

// Direct runs fn in a transaction of its own, outside the batcher: for administrative
// writes (CLI, migrations of data) where latency does not matter.
func (db *DB) Direct(ctx context.Context, fn func(*Tx) error) error {
	for attempt := 0; ; attempt++ {
		tx, err := db.W.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		t := &Tx{tx: tx, db: db, ctx: ctx}
		err = fn(t)
		if err == nil {
			err = t.roll.flush(t, db.stripe(0))
		}
		if err == nil {
			err = tx.Commit()
		} else {
			tx.Rollback()
		}
		if err != nil && isRetryable(err) && attempt < 20 {
			time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
			continue
		}
		if err == nil {
			for _, f := range t.after {
				f()
			}
		}
		return err
	}
}
