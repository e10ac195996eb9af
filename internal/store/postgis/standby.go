package postgis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sitmap/sitmap/internal/store"
)

// Reads may go to hot standbys (WithReadStores) while writes, LISTEN and
// the change log stay on the primary. A read is never older than the
// writes committed before it began, whoever made them: it first takes the
// primary's transaction snapshot (one cheap query that concurrent reads
// share, see snapFetcher), then reads from a standby whose own snapshot
// has every transaction that one has seen end, waiting for one at most
// ReadWait, and from the primary otherwise. So a client that wrote through
// any replica sees its write on its next read through any other, and an
// ETag never goes back. Snapshots move only when transactions with writes
// start or end, unlike WAL positions, which vacuum, checkpoints and hint
// bits move too: without writes, reads go to a standby at once.

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

// standby is one read pool and the newest snapshot seen on it.
type standby struct {
	pool *pgxpool.Pool
	seen atomic.Pointer[snapshot]
}

// readers holds the standbys and the counts ReadStats reports.
type readers struct {
	list                 []*standby
	wait                 time.Duration
	next                 atomic.Uint64 // round robin
	snap                 snapFetcher
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
	need, err := r.snap.get(ctx, s.pool)
	if err != nil {
		r.onPrimary.Add(1)
		return s.pool
	}
	first := int(r.next.Add(1) % uint64(len(r.list)))
	for i := range r.list {
		if sb := r.list[(first+i)%len(r.list)]; sb.seen.Load().covers(need) {
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

// replayPoll is how often waitFor asks a standby how far it has got.
const replayPoll = 2 * time.Millisecond

// waitFor reports whether the standby's snapshot covers need within wait.
func (sb *standby) waitFor(ctx context.Context, need *snapshot, wait time.Duration) bool {
	deadline := time.Now().Add(wait)
	for {
		at, err := takeSnapshot(ctx, sb.pool)
		if err != nil {
			return false
		}
		if old := sb.seen.Load(); old == nil || at.xmax >= old.xmax {
			sb.seen.Store(at) // a race may store an older one: it only costs a poll
		}
		if at.covers(need) {
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

// snapshot is a pg_current_snapshot(): transactions below xmin have ended,
// those from xmax on have not started, xip are running.
type snapshot struct {
	xmin, xmax uint64
	xip        []uint64
}

// covers reports whether every transaction that had ended in p has ended
// in s too. Those s has not seen start (from s.xmax on) must be running in
// p, as during a long import; those s sees running must be running in p
// or have started after it.
func (s *snapshot) covers(p *snapshot) bool {
	if s == nil {
		return false
	}
	if s.xmax < p.xmax {
		if p.xmax-s.xmax > uint64(len(p.xip)) {
			return false
		}
		for x := s.xmax; x < p.xmax; x++ {
			if !slices.Contains(p.xip, x) {
				return false
			}
		}
	}
	for _, x := range s.xip {
		if x < p.xmax && !slices.Contains(p.xip, x) {
			return false
		}
	}
	return true
}

// takeSnapshot reads a server's current snapshot ("xmin:xmax:xip,...").
func takeSnapshot(ctx context.Context, db querier) (*snapshot, error) {
	var text string
	if err := db.QueryRow(ctx, "SELECT pg_current_snapshot()::text").Scan(&text); err != nil {
		return nil, err
	}
	return parseSnapshot(text)
}

func parseSnapshot(text string) (*snapshot, error) {
	parts := strings.Split(text, ":")
	if len(parts) != 3 {
		return nil, fmt.Errorf("snapshot %q: want xmin:xmax:xip", text)
	}
	var s snapshot
	var err error
	if s.xmin, err = strconv.ParseUint(parts[0], 10, 64); err != nil {
		return nil, fmt.Errorf("snapshot %q: %w", text, err)
	}
	if s.xmax, err = strconv.ParseUint(parts[1], 10, 64); err != nil {
		return nil, fmt.Errorf("snapshot %q: %w", text, err)
	}
	if parts[2] != "" {
		for _, x := range strings.Split(parts[2], ",") {
			v, err := strconv.ParseUint(x, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("snapshot %q: %w", text, err)
			}
			s.xip = append(s.xip, v)
		}
	}
	return &s, nil
}

// snapFetcher takes the primary's snapshot for reads that ask, one query
// at a time: a read joins the next query to start, never one already sent
// (which may predate the writes it must see), so under load one query
// serves every read that arrived while the last was running.
type snapFetcher struct {
	mu        sync.Mutex
	cur, next *snapFetch
}

type snapFetch struct {
	done chan struct{}
	snap *snapshot
	err  error
}

func (l *snapFetcher) get(ctx context.Context, pool *pgxpool.Pool) (*snapshot, error) {
	l.mu.Lock()
	var f *snapFetch
	switch {
	case l.cur == nil:
		l.cur = &snapFetch{done: make(chan struct{})}
		f = l.cur
		go l.run(pool, f)
	case l.next == nil:
		l.next = &snapFetch{done: make(chan struct{})}
		f = l.next
	default:
		f = l.next
	}
	l.mu.Unlock()
	select {
	case <-f.done:
		return f.snap, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// snapTimeout bounds one fetch, which no caller's context governs.
const snapTimeout = 5 * time.Second

func (l *snapFetcher) run(pool *pgxpool.Pool, f *snapFetch) {
	for f != nil {
		ctx, cancel := context.WithTimeout(context.Background(), snapTimeout)
		f.snap, f.err = takeSnapshot(ctx, pool)
		cancel()
		close(f.done)
		l.mu.Lock()
		l.cur, l.next = l.next, nil
		f = l.cur
		l.mu.Unlock()
	}
}
