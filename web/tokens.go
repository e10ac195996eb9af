package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/sitmap/sitmap/geo"
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

// authorizeNamed lets a write through with a named editor's token, makes
// it record that editor, and returns the token's role.
func (s *Server) authorizeNamed(r *http.Request, secret string) (string, error) {
	t, ok, due := s.tokens.lookup(r.Context(), s.cfg.Store, secret)
	if !ok {
		return "", api.Unauthorized("the token is not valid (unknown or revoked)")
	}
	if due {
		if err := s.cfg.Store.TokenUsed(r.Context(), t.Name, time.Now().UTC()); err != nil {
			s.log.Warn("token last use", "name", t.Name, "err", err)
		}
	}
	nameEditor(r, t.Name)
	return t.Role, nil
}

// reset makes the next lookup read the tokens again: this server changed
// them.
func (c *tokenCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.loaded = time.Time{}
}

// Admin actions over HTTP, so that they work on a running server (whose
// embedded store file no other process may open): pruning the history
// and managing named tokens. Only admins (--token, or a named admin
// token) may; an editor gets 403. Collections have no HTTP management:
// they come from the seed and from imports.
func (s *Server) adminRoutes() []api.Route {
	nameParam := api.Param{Name: "name", In: "path", Required: true, Description: "The token's name", Schema: map[string]any{"type": "string"}}
	with := func(more map[string][]string) map[string][]string {
		out := map[string][]string{"401": nil, "403": nil, "405": nil}
		maps.Copy(out, more)
		return out
	}
	return []api.Route{
		{Method: http.MethodPost, Path: "/history/prune", Name: "pruneHistory", Summary: "Drop the versions recorded before a time (never a feature's latest) and say how many; admins only",
			Tags: []string{"Admin"}, Params: []api.Param{{Name: "before", In: "query", Required: true, Description: "RFC 3339 date or time", Schema: map[string]any{"type": "string", "format": "date-time"}}},
			Responses: with(map[string][]string{"200": {api.MediaJSON}, "400": nil}), Handle: s.handlePrune},
		{Method: http.MethodGet, Path: "/tokens", Name: "getTokens", Summary: "Named tokens: name, role, created, last used, revoked (never a token); admins only",
			Tags: []string{"Admin"}, Responses: with(map[string][]string{"200": {api.MediaJSON}}), Handle: s.handleTokens},
		{Method: http.MethodPost, Path: "/tokens", Name: "createToken", Summary: `Create a named token from {"name","role"}; the answer shows the token, this once; admins only`,
			Tags: []string{"Admin"}, Body: []string{api.MediaJSON}, Responses: with(map[string][]string{"201": {api.MediaJSON}, "400": nil, "409": nil}), Handle: s.handleCreateToken},
		{Method: http.MethodDelete, Path: "/tokens/{name}", Name: "revokeToken", Summary: "Revoke a named token, at once on this server and within a second on the others; admins only",
			Tags: []string{"Admin"}, Params: []api.Param{nameParam}, Responses: with(map[string][]string{"204": nil, "404": nil}), Handle: s.handleRevokeToken},
	}
}

// authorizeAdmin lets only admins through; a valid editor's token is 403.
func (s *Server) authorizeAdmin(r *http.Request, what string) error {
	role, err := s.authenticate(r)
	if err != nil {
		return err
	}
	if role != store.RoleAdmin {
		return &api.Error{Status: http.StatusForbidden, Code: "Forbidden", Field: "Authorization",
			Description: fmt.Sprintf("%s is an editor's token: only admins may %s", store.EditorOf(r.Context()), what)}
	}
	return nil
}

func (s *Server) handlePrune(w http.ResponseWriter, r *http.Request) error {
	if err := s.authorizeAdmin(r, "prune the history"); err != nil {
		return err
	}
	v := r.URL.Query()
	if err := onlyParams(v, "before"); err != nil {
		return err
	}
	if v.Get("before") == "" {
		return api.BadRequest("before", "before is required: the RFC 3339 date or time before which versions go")
	}
	before, err := geo.ParseTime(v.Get("before"), false)
	if err != nil {
		return api.BadRequest("before", fmt.Sprintf("before: %v", err))
	}
	n, err := s.cfg.Store.PruneHistory(r.Context(), before)
	if err != nil {
		return err
	}
	return api.WriteJSON(w, http.StatusOK, api.MediaJSON, map[string]any{"pruned": n, "before": before.UTC().Format(time.RFC3339Nano)})
}

// tokenJSON is a token as the API shows it: never its secret or hash.
type tokenJSON struct {
	Name     string    `json:"name"`
	Role     string    `json:"role"`
	Created  time.Time `json:"created"`
	LastUsed time.Time `json:"last_used,omitzero"`
	Revoked  time.Time `json:"revoked,omitzero"`
	Token    string    `json:"token,omitempty"` // only in the answer that creates it
}

func (s *Server) handleTokens(w http.ResponseWriter, r *http.Request) error {
	if err := s.authorizeAdmin(r, "list tokens"); err != nil {
		return err
	}
	if err := onlyParams(r.URL.Query(), "f"); err != nil {
		return err
	}
	ts, err := s.cfg.Store.ListTokens(r.Context())
	if err != nil {
		return err
	}
	out := make([]tokenJSON, len(ts))
	for i, t := range ts {
		out[i] = tokenJSON{Name: t.Name, Role: t.Role, Created: t.Created, LastUsed: t.LastUsed, Revoked: t.Revoked}
	}
	return api.WriteJSON(w, http.StatusOK, api.MediaJSON, map[string]any{"tokens": out})
}

func (s *Server) handleCreateToken(w http.ResponseWriter, r *http.Request) error {
	if err := s.authorizeAdmin(r, "create tokens"); err != nil {
		return err
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != api.MediaJSON {
			return api.UnsupportedMediaType(fmt.Sprintf("Content-Type %q: send %s", ct, api.MediaJSON))
		}
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	var in struct{ Name, Role string }
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return api.BadRequest("body", `the body must be {"name": NAME, "role": "editor" or "admin"}: `+err.Error())
	}
	if in.Role == "" {
		in.Role = store.RoleEditor
	}
	t, secret, err := store.NewToken(in.Name, in.Role, time.Now())
	if err != nil {
		return err
	}
	if err := s.cfg.Store.AddToken(r.Context(), t); err != nil {
		return err
	}
	s.tokens.reset()
	w.Header().Set("Location", s.base(r)+"/tokens/"+api.PathEscape(t.Name))
	return api.WriteJSON(w, http.StatusCreated, api.MediaJSON, tokenJSON{Name: t.Name, Role: t.Role, Created: t.Created, Token: secret})
}

func (s *Server) handleRevokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := s.authorizeAdmin(r, "revoke tokens"); err != nil {
		return err
	}
	if err := s.cfg.Store.RevokeToken(r.Context(), mux.Vars(r)["name"], time.Now().UTC()); err != nil {
		return err
	}
	s.tokens.reset()
	w.WriteHeader(http.StatusNoContent)
	return nil
}
