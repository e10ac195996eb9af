package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/store/postgis"
)

// storeFlags are the flags that choose a backend, shared by the subcommands.
type storeFlags struct {
	db  string
	dsn string
}

func (sf *storeFlags) register(fs *flag.FlagSet, e env) {
	fs.StringVar(&sf.db, "db", "data/sitmap.db", "embedded store file")
	fs.StringVar(&sf.dsn, "store", e.getenv("SITMAP_STORE"), "PostgreSQL: a postgres:// URL or a key=value string; overrides --db (env SITMAP_STORE)")
}

// open opens the chosen backend.
func (sf *storeFlags) open(ctx context.Context) (store.Store, error) {
	if sf.dsn != "" {
		return openPostgres(ctx, sf.dsn)
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
// libpq key=value string ("host=db dbname=sitmap").
func openPostgres(ctx context.Context, dsn string) (store.Store, error) {
	st, err := postgis.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("--store: %w", err)
	}
	return st, nil
}
