package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/sitmap/sitmap/internal/dataset"
	"github.com/sitmap/sitmap/internal/store"
)

// migrateCmd copies one store into another, embedded into PostGIS or back:
// every collection's definition, every feature and its whole history, in
// one transaction, or nothing. The target must hold no features.
func migrateCmd(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	from := fs.String("from", "", "store to copy from: an embedded store file or a PostgreSQL URL (postgres://...)")
	to := fs.String("to", "", "store to copy into, empty: a PostgreSQL URL or an embedded store file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return errors.New("--from and --to are both required: an embedded store file and a postgres:// URL, either way round")
	}
	src, err := openEither(ctx, *from)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	defer src.Close()
	dst, err := openEither(ctx, *to)
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	defer dst.Close()
	n, err := dataset.Copy(ctx, src, dst)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", *from, err)
	}
	fmt.Fprintf(e.stdout, "copied %d features with their history\n", n)
	return nil
}

// openEither opens a PostgreSQL URL (postgres:// or postgresql://) as
// PostGIS and anything else as an embedded store file.
func openEither(ctx context.Context, where string) (store.Store, error) {
	if strings.HasPrefix(where, "postgres://") || strings.HasPrefix(where, "postgresql://") {
		return openPostgres(ctx, where, nil)
	}
	return openBunt(where)
}
