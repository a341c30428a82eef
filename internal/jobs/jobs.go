// Package jobs runs Loket's durable jobs and its background loops.
//
// A job is a row of the jobs table, written by a service in the same transaction as
// the state change it follows from (an accepted order writes its dispatch job). The
// node that wrote it hands it to its own workers in memory at once (Enqueue); the
// table is for restarts and other nodes, which claim due jobs and jobs whose lock
// lapsed (FOR UPDATE SKIP LOCKED on PostgreSQL). Each kind of job has one handler,
// registered by the service that owns the kind (Handle). The runner also runs the
// services' periodic loops (Every, Go), so one Start and one Close cover all the
// background work of a node.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/store"
)

// Handler does one run of a job. It settles the job itself: deletes it when done, or
// reschedules it (store.Tx.Reschedule) and asks for a later run (Runner.Later). An
// error leaves the job locked until its lease lapses, then it is claimed again.
type Handler func(ctx context.Context, j store.Job) error

// Config tunes the runner (LOKET_NODE, LOKET_WORKERS, LOKET_JOB_LEASE).
type Config struct {
	Node    string        // this process's name in job locks
	Workers int           // concurrent job runs (supplier calls, deliveries)
	Lease   time.Duration // how long a node holds a job it claimed or wrote before another may take it
}

// Runner is a node's job runner.
type Runner struct {
	db  *store.DB
	log *slog.Logger
	cfg Config

	handlers map[string]Handler
	loops    []func()

	work     chan store.Job
	inflight sync.Map // job key -> struct{}: queued here
	running  sync.Map // job key -> struct{}: running here
	stop     chan struct{}
	wg       sync.WaitGroup
	started  atomic.Bool
	closing  atomic.Bool
}

// New makes a runner; handlers and loops are added before Start.
func New(db *store.DB, log *slog.Logger, reg *metrics.Registry, cfg Config) *Runner {
	r := &Runner{db: db, log: log, cfg: cfg, handlers: map[string]Handler{}, work: make(chan store.Job, 65536), stop: make(chan struct{})}
	reg.GaugeFunc("loket_dispatch_queue", "Jobs queued in memory for this node's workers.", nil, func() []metrics.Sample {
		return []metrics.Sample{{Value: float64(len(r.work))}}
	})
	reg.GaugeFunc("loket_jobs_queued", "Durable jobs waiting or running, by kind.", []string{"kind"}, metrics.Cached(5*time.Second,
		func(ctx context.Context) []metrics.Sample {
			d, err := db.QueueDepth(ctx)
			if err != nil {
				return nil
			}
			var out []metrics.Sample
			for k, n := range d {
				out = append(out, metrics.Sample{LabelValues: []string{k}, Value: float64(n)})
			}
			return out
		}))
	return r
}

// Node is this node's name in job locks.
func (r *Runner) Node() string { return r.cfg.Node }

// Started reports whether the runner was started: its workers run what it is handed.
// A command-line process makes the services without starting them.
func (r *Runner) Started() bool { return r.started.Load() && !r.closing.Load() }

// Lease is how long this node's job locks last.
func (r *Runner) Lease() time.Duration { return r.cfg.Lease }

// Handle registers the handler of a kind of job. Call before Start.
func (r *Runner) Handle(kind string, h Handler) {
	if _, dup := r.handlers[kind]; dup {
		panic("jobs: two handlers for kind " + kind)
	}
	r.handlers[kind] = h
}

// Every runs f every interval once started (the first time after one interval, or at
// once when now is set), each run bounded by timeout. Call before Start.
func (r *Runner) Every(interval, timeout time.Duration, now bool, f func(ctx context.Context)) {
	r.Go(func(stop <-chan struct{}) {
		run := func() {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			f(ctx)
		}
		if now {
			run()
		}
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				run()
			}
		}
	})
}

// Go runs f in the background once started; f returns when stop is closed. Call
// before Start.
func (r *Runner) Go(f func(stop <-chan struct{})) {
	r.loops = append(r.loops, func() {
		defer r.wg.Done()
		f(r.stop)
	})
}

// Start frees the jobs this node held when it last stopped (a restart resumes them at
// once instead of after the lease; on SQLite one server owns the file, so every lock
// is its own), then starts the workers, the claim loop and the registered loops.
func (r *Runner) Start(ctx context.Context) error {
	if r.started.Swap(true) {
		return nil
	}
	if err := r.db.Write(ctx, 0, func(t *store.Tx) error { return t.ReleaseLocks(r.cfg.Node) }); err != nil {
		return err
	}
	for i := 0; i < r.cfg.Workers; i++ {
		r.wg.Add(1)
		go r.worker()
	}
	r.wg.Add(1)
	go r.claimLoop()
	for _, l := range r.loops {
		r.wg.Add(1)
		go l()
	}
	return nil
}

// Close stops the background work, letting running jobs finish (bounded by ctx).
func (r *Runner) Close(ctx context.Context) {
	if !r.started.Load() || r.closing.Swap(true) {
		return
	}
	close(r.stop)
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		r.log.Warn("shutdown: background work still running", "err", ctx.Err())
	}
}

// Enqueue hands a job to this node's workers unless it is queued here already.
func (r *Runner) Enqueue(j store.Job) {
	if _, dup := r.inflight.LoadOrStore(j.Key, struct{}{}); dup {
		return
	}
	select {
	case r.work <- j:
	default:
		// Full: forget it here; the claim loop finds it in the database when its lock lapses.
		r.inflight.Delete(j.Key)
	}
}

// Later runs j again after d, from memory; the job row says the same, for restarts.
func (r *Runner) Later(j store.Job, d time.Duration) {
	time.AfterFunc(d, func() {
		if !r.closing.Load() {
			r.Enqueue(j)
		}
	})
}

func (r *Runner) worker() {
	defer r.wg.Done()
	for {
		select {
		case <-r.stop:
			return
		case j := <-r.work:
			r.inflight.Delete(j.Key)
			// One run of a job at a time on this node: a poll's timer and a callback may
			// both hand it over. The second waits for the first, then runs on fresh state.
			if _, busy := r.running.LoadOrStore(j.Key, struct{}{}); busy {
				j.Fresh = nil
				r.Later(j, 200*time.Millisecond)
				continue
			}
			r.run(j)
			r.running.Delete(j.Key)
		}
	}
}

func (r *Runner) run(j store.Job) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("job panicked", "job", j.Key, "panic", p)
		}
	}()
	var err error
	if h := r.handlers[j.Kind]; h != nil {
		err = h(context.Background(), j)
	} else {
		err = fmt.Errorf("unknown job kind %q", j.Kind)
	}
	if err != nil && !errors.Is(err, store.ErrClosed) {
		r.log.Error("job failed; it will be retried", "job", j.Key, "err", err)
	}
}

// claimLoop takes due jobs from the database: polls whose time has come, jobs of nodes
// that died, webhooks. Fresh orders never wait for it; they are handed over in memory.
func (r *Runner) claimLoop() {
	defer r.wg.Done()
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
		if len(r.work) > cap(r.work)/2 {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		jobs, err := r.db.ClaimJobs(ctx, r.cfg.Node, r.cfg.Lease, 500)
		cancel()
		if err != nil {
			if !errors.Is(err, store.ErrClosed) {
				r.log.Error("claim jobs", "err", err)
			}
			continue
		}
		for _, j := range jobs {
			r.Enqueue(j)
		}
	}
}
