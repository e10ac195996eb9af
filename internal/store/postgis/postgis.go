package postgis

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

var _ store.Store = (*Store)(nil)

// Store keeps features in PostgreSQL. It is safe for concurrent use, and
// several Stores (in one process or many) may share a database.
type Store struct {
	now    store.Clock
	pool   *pgxpool.Pool
	origin string // tags this Store's notifications, so it skips its own
	hub    store.Hub

	listenCfg *pgx.ConnConfig
	stop      context.CancelFunc
	done      chan struct{}
	analyzing sync.WaitGroup // refreshStatistics until it has sent ANALYZE

	readOpts readOptions // WithReadStores, WithReadWait
	readers  *readers    // hot standbys for reads; none by default

	extMu sync.Mutex
	ext   map[string]geo.Collection // extents by collection, valid at their Version
}

// PingTimeout bounds Ping when the caller's context has no deadline.
const PingTimeout = 2 * time.Second

// Option changes how Open sets up the store.
type Option func(*Store)

// WithClock makes the store read the time of its writes from now.
func WithClock(now store.Clock) Option { return func(s *Store) { s.now = now } }

// Open connects to the database at dsn (a postgres:// URL or a libpq
// key=value string), creates or migrates the schema, and starts listening
// for other replicas' changes. The database needs the postgis and
// btree_gist extensions (btree_gist is in PostgreSQL's contrib) or the
// right to create them. The pool holds max(4, CPUs) connections unless
// the URL says otherwise (pool_max_conns=16), plus one that LISTENs.
//
// Writes take the rows of the collections they change, then the global
// sequence row, so writers of one collection take turns and Seq grows in
// commit order. A Store publishes its own changes to its subscribers as it
// commits; changes by other Stores arrive by NOTIFY, and after a lost
// connection from the change log (the last hour of changes). Options may
// send reads to hot standbys (WithReadStores).
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgis: %w", err)
	}
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "sitmap"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgis: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgis: migrate: %w", err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	s := &Store{
		now:       store.SystemClock,
		pool:      pool,
		origin:    hex.EncodeToString(b[:]),
		listenCfg: cfg.ConnConfig.Copy(),
		ext:       map[string]geo.Collection{},
	}
	for _, o := range opts {
		o(s)
	}
	if s.readers, err = openStandbys(ctx, s.readOpts); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgis: %w", err)
	}
	if err := s.startListener(ctx); err != nil {
		s.readers.close()
		pool.Close()
		return nil, fmt.Errorf("postgis: listen: %w", err)
	}
	return s, nil
}

// Close stops listening, ends every subscription and closes the pool.
func (s *Store) Close() error {
	s.analyzing.Wait()
	s.stop()
	<-s.done
	s.hub.Close()
	s.readers.close()
	s.pool.Close()
	return nil
}

// Ping runs SELECT 1, giving up after PingTimeout unless ctx ends sooner.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, PingTimeout)
	defer cancel()
	var one int
	if err := s.pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("postgis: ping: %w", err)
	}
	return nil
}

// Subscribe streams every change committed from now on, by this Store or
// any other on the same database, until ctx ends or the Store is closed.
func (s *Store) Subscribe(ctx context.Context) <-chan store.Change {
	return s.hub.Subscribe(ctx)
}

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the pg_advisory_xact_lock key that serialises replicas
// migrating at once ("sitmap" in ASCII).
const migrationLock = 0x7369746d6170

// migrate applies, in one transaction, every embedded migration the
// database has not seen. The advisory lock makes concurrent starts wait for
// each other; the loser then finds nothing left to do.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY,
			name text NOT NULL,
			applied timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT version FROM schema_migrations")
		if err != nil {
			return err
		}
		done, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			return err
		}
		have := map[int32]bool{}
		for _, v := range done {
			have[v] = true
		}
		for _, name := range names {
			base := strings.TrimPrefix(name, "migrations/")
			num, _, _ := strings.Cut(base, "_")
			v, err := strconv.Atoi(num)
			if err != nil {
				return fmt.Errorf("migration %s: name must start with a number", base)
			}
			if have[int32(v)] {
				continue
			}
			sql, err := migrations.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(sql)); err != nil {
				return fmt.Errorf("%s: %w", base, err)
			}
			if after := afterMigration[v]; after != nil {
				if err := after(ctx, tx); err != nil {
					return fmt.Errorf("%s: %w", base, err)
				}
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", v, base); err != nil {
				return err
			}
		}
		return nil
	})
}

// notFound wraps store.ErrNotFound with what was missing.
func notFound(format string, args ...any) error {
	return store.Errorf(store.ErrNotFound, "%s does not exist", fmt.Sprintf(format, args...))
}

// isNoRows reports whether a QueryRow found nothing.
func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

var (
	_ store.Locker        = (*Store)(nil)
	_ store.VersionLister = (*Store)(nil)
)

// Exclusive holds a PostgreSQL advisory lock (session level, on one pooled
// connection) while fn runs; fn itself may use the rest of the pool.
func (s *Store) Exclusive(ctx context.Context, name string, fn func() error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgis: lock %s: %w", name, err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(hashtext($1))", name); err != nil {
		return fmt.Errorf("postgis: lock %s: %w", name, err)
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock(hashtext($1))", name)
	return fn()
}
