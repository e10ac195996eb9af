package postgis

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sitmap/sitmap/internal/store"
)

// Reads may go to hot standbys (WithReadStores) while writes, LISTEN and
// the change log stay on the primary. A read is never older than the
// writes committed before it began, whoever made them: it first learns the
// primary's WAL insert position (one cheap query that concurrent reads
// share, see lsnFetcher), then reads from a standby that has replayed that
// far, waiting for one at most ReadWait, and from the primary otherwise.
// So a client that wrote through any replica sees its write on its next
// read through any other, and an ETag never goes back.

type readOptions struct {
	dsns []string
	wait time.Duration
}

// WithReadStores sends reads to these hot standbys of the primary.
func WithReadStores(dsns ...string) Option {
	return func(s *Store) { s.readOpts.dsns = append(s.readOpts.dsns, dsns...) }
}

// DefaultReadWait bounds how long a read waits for a standby to catch up
// before it goes to the primary.
const DefaultReadWait = 250 * time.Millisecond

// WithReadWait sets how long a read waits for a standby (DefaultReadWait).
func WithReadWait(d time.Duration) Option { return func(s *Store) { s.readOpts.wait = d } }

// querier is what reads need of a pool: the primary's or a standby's.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// standby is one read pool and how far it is known to have replayed.
type standby struct {
	pool     *pgxpool.Pool
	replayed atomic.Int64
}

// readers holds the standbys and the counts ReadStats reports.
type readers struct {
	list                 []*standby
	wait                 time.Duration
	next                 atomic.Uint64 // round robin
	lsn                  lsnFetcher
	onStandby, onPrimary atomic.Int64
}

// openStandbys connects to the read stores; each must be in recovery (a
// standby), since writes there would fail.
func openStandbys(ctx context.Context, o readOptions) (*readers, error) {
	r := &readers{wait: o.wait}
	if r.wait <= 0 {
		r.wait = DefaultReadWait
	}
	for _, dsn := range o.dsns {
		cfg, err := pgxpool.ParseConfig(dsn)
		if err != nil {
			r.close()
			return nil, fmt.Errorf("read store: %w", err)
		}
		cfg.ConnConfig.RuntimeParams["application_name"] = "sitmap"
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			r.close()
			return nil, fmt.Errorf("read store: %w", err)
		}
		r.list = append(r.list, &standby{pool: pool})
		var inRecovery bool
		if err := pool.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&inRecovery); err != nil {
			r.close()
			return nil, fmt.Errorf("read store %s: %w", cfg.ConnConfig.Host, err)
		}
		if !inRecovery {
			r.close()
			return nil, fmt.Errorf("read store %s:%d is not a hot standby (pg_is_in_recovery() is false)", cfg.ConnConfig.Host, cfg.ConnConfig.Port)
		}
	}
	return r, nil
}

func (r *readers) close() {
	for _, s := range r.list {
		s.pool.Close()
	}
}

// ReadStats counts the reads served by standbys and those that went to
// the primary while standbys were configured.
func (s *Store) ReadStats() (standby, primary int64) {
	return s.readers.onStandby.Load(), s.readers.onPrimary.Load()
}

// reader picks where a read runs.
func (s *Store) reader(ctx context.Context) querier {
	r := s.readers
	if len(r.list) == 0 {
		return s.pool
	}
	need, err := r.lsn.get(ctx, s.pool)
	if err != nil {
		r.onPrimary.Add(1)
		return s.pool
	}
	first := int(r.next.Add(1) % uint64(len(r.list)))
	for i := range r.list {
		if sb := r.list[(first+i)%len(r.list)]; sb.replayed.Load() >= need {
			r.onStandby.Add(1)
			return sb.pool
		}
	}
	if sb := r.list[first]; sb.waitFor(ctx, need, r.wait) {
		r.onStandby.Add(1)
		return sb.pool
	}
	r.onPrimary.Add(1)
	return s.pool
}

// read runs fn on the pool reader picks. A standby that fails (one that
// is down, or a query cancelled by a replay conflict) costs a retry on the
// primary, not an error.
func (s *Store) read(ctx context.Context, fn func(querier) error) error {
	q := s.reader(ctx)
	err := fn(q)
	if err == nil || q == querier(s.pool) || ctx.Err() != nil || errors.Is(err, store.ErrNotFound) {
		return err
	}
	s.readers.onPrimary.Add(1)
	return fn(s.pool)
}

// replayPoll is how often waitFor asks a standby how far it has replayed.
const replayPoll = 2 * time.Millisecond

// waitFor reports whether the standby replays up to lsn within wait.
func (sb *standby) waitFor(ctx context.Context, lsn int64, wait time.Duration) bool {
	deadline := time.Now().Add(wait)
	for {
		var at int64
		if err := sb.pool.QueryRow(ctx, "SELECT (pg_last_wal_replay_lsn() - '0/0')::int8").Scan(&at); err != nil {
			return false
		}
		if at > sb.replayed.Load() {
			sb.replayed.Store(at) // a race may store an older value: it only costs a poll
		}
		if at >= lsn {
			return true
		}
		if time.Now().Add(replayPoll).After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(replayPoll):
		}
	}
}

// lsnFetcher reads the primary's WAL insert position for reads that ask,
// one query at a time: a read joins the next query to start, never one
// already sent (which may predate the writes it must see), so under load
// one query serves every read that arrived while the last was running.
type lsnFetcher struct {
	mu        sync.Mutex
	cur, next *lsnFetch
}

type lsnFetch struct {
	done chan struct{}
	lsn  int64
	err  error
}

func (l *lsnFetcher) get(ctx context.Context, pool *pgxpool.Pool) (int64, error) {
	l.mu.Lock()
	var f *lsnFetch
	switch {
	case l.cur == nil:
		l.cur = &lsnFetch{done: make(chan struct{})}
		f = l.cur
		go l.run(pool, f)
	case l.next == nil:
		l.next = &lsnFetch{done: make(chan struct{})}
		f = l.next
	default:
		f = l.next
	}
	l.mu.Unlock()
	select {
	case <-f.done:
		return f.lsn, f.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// lsnTimeout bounds one fetch, which no caller's context governs.
const lsnTimeout = 5 * time.Second

func (l *lsnFetcher) run(pool *pgxpool.Pool, f *lsnFetch) {
	for f != nil {
		ctx, cancel := context.WithTimeout(context.Background(), lsnTimeout)
		// The insert position is past every commit record, flushed or not
		// (synchronous_commit=off), unlike pg_current_wal_lsn().
		f.err = pool.QueryRow(ctx, "SELECT (pg_current_wal_insert_lsn() - '0/0')::int8").Scan(&f.lsn)
		cancel()
		close(f.done)
		l.mu.Lock()
		l.cur, l.next = l.next, nil
		f = l.cur
		l.mu.Unlock()
	}
}
