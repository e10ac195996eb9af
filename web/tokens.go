package web

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/web/api"
)

// tokenRefresh is how old the server's copy of the named tokens may get:
// a token added or revoked with `sitmap token` (on this server's store or,
// on PostGIS, any replica's) takes effect within it.
const tokenRefresh = 500 * time.Millisecond

// usedEvery is how often a token's last use is written back: once a
// minute, not on every write.
const usedEvery = time.Minute

// tokenCache is the server's copy of the store's named tokens by hash,
// read again when older than tokenRefresh.
type tokenCache struct {
	mu     sync.Mutex
	loaded time.Time
	byHash map[string]store.Token
	used   map[string]time.Time // last use written back, by name
}

// load refreshes the copy when it is stale; a store that fails keeps the
// old copy for another tokenRefresh, so writes are not refused on a blip.
func (c *tokenCache) load(ctx context.Context, st store.Store) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.loaded) < tokenRefresh {
		return
	}
	c.loaded = time.Now()
	ts, err := st.ListTokens(ctx)
	if err != nil {
		return
	}
	c.byHash = make(map[string]store.Token, len(ts))
	for _, t := range ts {
		if t.Revoked.IsZero() {
			c.byHash[t.Hash] = t
		}
	}
}

// any reports whether some named token may write.
func (c *tokenCache) any(ctx context.Context, st store.Store) bool {
	c.load(ctx, st)
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byHash) > 0
}

// lookup finds the token of a secret, and whether its use is due to be
// written back.
func (c *tokenCache) lookup(ctx context.Context, st store.Store, secret string) (store.Token, bool, bool) {
	c.load(ctx, st)
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.byHash[store.HashToken(secret)]
	if !ok {
		return t, false, false
	}
	if c.used == nil {
		c.used = map[string]time.Time{}
	}
	due := time.Since(c.used[t.Name]) >= usedEvery
	if due {
		c.used[t.Name] = time.Now()
	}
	return t, true, due
}

// authorizeNamed lets a write through with a named editor's token and
// makes it record that editor.
func (s *Server) authorizeNamed(r *http.Request, secret string) error {
	t, ok, due := s.tokens.lookup(r.Context(), s.cfg.Store, secret)
	if !ok {
		return api.Unauthorized("the token is not valid (unknown or revoked)")
	}
	if due {
		if err := s.cfg.Store.TokenUsed(r.Context(), t.Name, time.Now().UTC()); err != nil {
			s.log.Warn("token last use", "name", t.Name, "err", err)
		}
	}
	nameEditor(r, t.Name)
	return nil
}
