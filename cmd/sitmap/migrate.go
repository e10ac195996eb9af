package main

import (
	"context"
	"errors"
	"flag"
)

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
	return errors.New("migrate: the PostGIS backend is not built in yet")
}
