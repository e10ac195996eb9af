package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/sitmap/sitmap/geo"
)

// historyCmd manages the history of writes: `history prune --before DATE`.
func historyCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "prune" {
		return errors.New("usage: sitmap history prune --before DATE [--db ... | --store ...]")
	}
	fs := flag.NewFlagSet("history prune", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var sf storeFlags
	sf.register(fs, e)
	before := fs.String("before", "", "drop versions recorded before this RFC 3339 date or time (a feature's latest version is always kept)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *before == "" {
		return errors.New("prune: --before DATE is required")
	}
	t, err := geo.ParseTime(*before, false)
	if err != nil {
		return fmt.Errorf("prune: --before: %w", err)
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.PruneHistory(ctx, t)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "pruned %d versions recorded before %s\n", n, t.Format("2006-01-02T15:04:05Z07:00"))
	return nil
}
