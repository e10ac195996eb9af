package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/sitmap/sitmap/internal/store"
)

// remoteFlags are --url and --token: act on a running server through its
// admin API, because the embedded store's file is the server's alone.
type remoteFlags struct{ url, token string }

func (rf *remoteFlags) register(fs *flag.FlagSet, e env) {
	fs.StringVar(&rf.url, "url", "", "act on the running server at this URL (http://HOST:PORT) instead of on --db/--store")
	fs.StringVar(&rf.token, "token", e.getenv("SITMAP_TOKEN"), "with --url: an admin's token (env SITMAP_TOKEN)")
}

// pruneURL prunes a running server's history.
func pruneURL(ctx context.Context, e env, c *apiClient, before time.Time) error {
	var out struct {
		Pruned int `json:"pruned"`
	}
	q := url.Values{"before": {before.UTC().Format(time.RFC3339Nano)}}
	if err := c.do(ctx, http.MethodPost, "/history/prune?"+q.Encode(), "", nil, &out); err != nil {
		return fmt.Errorf("prune: %w", err)
	}
	printPruned(e, out.Pruned, before)
	return nil
}

// tokenURL adds, lists or revokes a running server's tokens.
func tokenURL(ctx context.Context, e env, c *apiClient, sub, name, role string) error {
	switch sub {
	case "add":
		body, _ := json.Marshal(map[string]string{"name": name, "role": role})
		var out struct{ Role, Token string }
		if err := c.do(ctx, http.MethodPost, "/tokens", "application/json", bytes.NewReader(body), &out); err != nil {
			return fmt.Errorf("token add: %w", err)
		}
		printAdded(e, name, out.Role, out.Token)
		return nil
	case "revoke":
		if err := c.do(ctx, http.MethodDelete, "/tokens/"+url.PathEscape(name), "", nil, nil); err != nil {
			return fmt.Errorf("token revoke: %w", err)
		}
		fmt.Fprintf(e.stdout, "revoked %s\n", name)
		return nil
	}
	var out struct {
		Tokens []store.Token `json:"tokens"`
	}
	if err := c.do(ctx, http.MethodGet, "/tokens", "", nil, &out); err != nil {
		return fmt.Errorf("token list: %w", err)
	}
	return printTokens(e, out.Tokens)
}
