package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/store/postgis"
)

// storeFlags are the flags that choose a backend, shared by the subcommands.
type storeFlags struct {
	db    string
	dsn   string
	reads readStores
}

// readStores collects --read-store, which may be given more than once
// (or as a comma-separated list, as SITMAP_READ_STORE is).
type readStores []string

func (r *readStores) String() string { return strings.Join(*r, ",") }

func (r *readStores) Set(v string) error {
	for _, dsn := range strings.Split(v, ",") {
		if dsn = strings.TrimSpace(dsn); dsn != "" {
			*r = append(*r, dsn)
		}
	}
	return nil
}

func (sf *storeFlags) register(fs *flag.FlagSet, e env) {
	fs.StringVar(&sf.db, "db", "data/sitmap.db", "embedded store file")
	fs.StringVar(&sf.dsn, "store", e.getenv("SITMAP_STORE"), "PostgreSQL: a postgres:// URL or a key=value string; overrides --db (env SITMAP_STORE)")
	_ = sf.reads.Set(e.getenv("SITMAP_READ_STORE"))
	fs.Var(&sf.reads, "read-store", "PostgreSQL hot standby of --store to read from (URL or key=value); repeat for several (env SITMAP_READ_STORE, comma-separated URLs). Writes, change feeds and reads that a standby cannot answer in time stay on --store")
}

// open opens the chosen backend.
func (sf *storeFlags) open(ctx context.Context) (store.Store, error) {
	if sf.dsn != "" {
		return openPostgres(ctx, sf.dsn, sf.reads)
	}
	if len(sf.reads) > 0 {
		return nil, fmt.Errorf("--read-store needs --store: standbys are of a PostgreSQL primary")
	}
	return openBunt(sf.db)
}

func openBunt(path string) (store.Store, error) {
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("--db %s: %w", path, err)
		}
	}
	return bunt.Open(path)
}

// openPostgres accepts what postgis.Open does: a postgres:// URL or a
// libpq key=value string ("host=db dbname=sitmap"), for the primary and
// for each read store.
func openPostgres(ctx context.Context, dsn string, reads []string) (store.Store, error) {
	st, err := postgis.Open(ctx, dsn, postgis.WithReadStores(reads...))
	if err != nil {
		return nil, fmt.Errorf("--store: %w", err)
	}
	return st, nil
}
