package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// migrateCmd copies an embedded store into PostGIS: every collection's
// definition, then every feature in one transaction, or none.
func migrateCmd(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	from := fs.String("from", "", "embedded store file to copy from")
	to := fs.String("to", "", "PostgreSQL URL to copy into")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return errors.New("--from FILE and --to postgres://... are both required")
	}
	src, err := openBunt(*from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := openPostgres(ctx, *to)
	if err != nil {
		return err
	}
	defer dst.Close()
	n, err := copyStore(ctx, src, dst)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", *from, err)
	}
	fmt.Fprintf(e.stdout, "copied %d features\n", n)
	return nil
}

func copyStore(ctx context.Context, src, dst store.Store) (int, error) {
	cols, err := src.Collections(ctx)
	if err != nil {
		return 0, err
	}
	var all []*geo.Feature
	for _, c := range cols {
		page, err := src.Query(ctx, store.Query{Collection: c.ID})
		if err != nil {
			return 0, err
		}
		for _, f := range page.Features {
			all = append(all, f)
		}
	}
	for _, c := range cols {
		if err := dst.PutCollection(ctx, c); err != nil {
			return 0, err
		}
	}
	if _, err := dst.Put(ctx, all, store.Upsert); err != nil {
		return 0, err
	}
	return len(all), nil
}
