package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/sitmap/sitmap/geo"
)

// historyCmd manages the history of writes: `history prune --before DATE`,
// on a store or (--url) a running server.
func historyCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "prune" {
		return errors.New("usage: sitmap history prune --before DATE [--db ... | --store ... | --url http://HOST:PORT --token ADMIN_TOKEN]")
	}
	fs := flag.NewFlagSet("history prune", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var sf storeFlags
	sf.register(fs, e)
	var rf remoteFlags
	rf.register(fs, e)
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
	if rf.url != "" {
		c, err := newAPIClient(rf.url, rf.token)
		if err != nil {
			return err
		}
		return pruneURL(ctx, e, c, t)
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
	printPruned(e, n, t)
	return nil
}

func printPruned(e env, n int, before time.Time) {
	fmt.Fprintf(e.stdout, "pruned %d versions recorded before %s\n", n, before.Format("2006-01-02T15:04:05Z07:00"))
}
