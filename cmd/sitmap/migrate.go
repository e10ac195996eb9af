package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/sitmap/sitmap/internal/dataset"
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
	dst, err := openPostgres(ctx, *to, nil)
	if err != nil {
		return err
	}
	defer dst.Close()
	n, err := dataset.Copy(ctx, src, dst)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", *from, err)
	}
	fmt.Fprintf(e.stdout, "copied %d features\n", n)
	return nil
}
