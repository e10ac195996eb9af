package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/internal/dataset"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/postgis"
	"github.com/sitmap/sitmap/internal/store/postgis/pgtest"
	"github.com/sitmap/sitmap/web"
)

// asEditor writes with a named token.
func (ts *testServer) asEditor(secret, method, target, body string) int {
	ts.t.Helper()
	saved := ts.token
	defer func() { ts.token = saved }()
	ts.token = secret
	return ts.write(method, target, body).Code
}

// within polls fn until it is true, for at most d.
func within(d time.Duration, fn func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if fn() {
			return true
		}
	}
	return fn()
}

// addToken adds a named token to st and returns its secret.
func addToken(t *testing.T, st store.Store, name, role string) string {
	t.Helper()
	tok, secret, err := store.NewToken(name, role, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	return secret
}

// checkNamedEditors: a token added to the store (here, or through another
// replica's store) writes within a second and its writes record its name;
// once revoked it is refused within a second; --token keeps working as
// its named admin.
func checkNamedEditors(t *testing.T, ts *testServer, admin store.Store) {
	t.Helper()
	secret := addToken(t, admin, "marta", store.RoleEditor)
	item := "/collections/border-crossings/items"
	if !within(time.Second, func() bool { return ts.asEditor(secret, http.MethodPost, item, newCrossing) == 201 }) {
		t.Fatal("a new named token cannot write after a second")
	}
	changes := ts.getJSON("/changes?collection=border-crossings&limit=10000")["changes"].([]any)
	if last := changes[len(changes)-1].(map[string]any); last["editor"] != "marta" || last["change"] != "created" {
		t.Errorf("the write by marta is recorded as %v", last)
	}
	if code := ts.asEditor("smt_0000", http.MethodPost, item, newCrossing); code != 401 {
		t.Errorf("an unknown token: %d, want 401", code)
	}
	if err := admin.RevokeToken(context.Background(), "marta", time.Now()); err != nil {
		t.Fatal(err)
	}
	if !within(time.Second, func() bool { return ts.asEditor(secret, http.MethodPost, item, newCrossing) == 401 }) {
		t.Error("a revoked token still writes after a second")
	}
	if res := ts.write(http.MethodPost, item, newCrossing); res.Code != 201 {
		t.Fatalf("--token after named tokens: %d %s", res.Code, res.Body)
	}
	changes = ts.getJSON("/changes?collection=border-crossings&limit=10000")["changes"].([]any)
	if last := changes[len(changes)-1].(map[string]any); last["editor"] != "admin" {
		t.Errorf("a write with --token is recorded as by %v, want admin", last["editor"])
	}
	tokens, err := admin.ListTokens(context.Background())
	if err != nil || len(tokens) != 1 || tokens[0].LastUsed.IsZero() {
		t.Errorf("tokens after use: %+v, %v; want marta with a last use", tokens, err)
	}
}

func TestNamedEditors(t *testing.T) {
	ts := newTestServer(t)
	checkNamedEditors(t, ts, ts.st)
}

// TestNamedEditors_Replicas: on PostGIS, tokens added and revoked through
// one store take effect on a server running on another.
func TestNamedEditors_Replicas(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	open := func() store.Store {
		st, err := postgis.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	served, other := open(), open()
	if err := dataset.LoadSeed(ctx, served, assets.FS); err != nil {
		t.Fatal(err)
	}
	srv := web.New(web.Config{Store: served, Assets: assets.FS, Token: testToken, BaseURL: "http://sitmap.test",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"})
	t.Cleanup(func() { srv.Close() })
	ts := &testServer{t: t, st: served, srv: srv, token: testToken}
	checkNamedEditors(t, ts, other)
}

// TestNamedEditors_OnlyNamed: a server without --token accepts writes
// from named tokens only.
func TestNamedEditors_OnlyNamed(t *testing.T) {
	ts := newTestServer(t, readOnly)
	if res := ts.write(http.MethodPost, "/collections/border-crossings/items", newCrossing); res.Code != 405 {
		t.Fatalf("no tokens at all: %d, want 405 (read-only)", res.Code)
	}
	secret := addToken(t, ts.st, "marta", store.RoleAdmin)
	if !within(time.Second, func() bool {
		return ts.asEditor(secret, http.MethodPost, "/collections/border-crossings/items", newCrossing) == 201
	}) {
		t.Error("a named token cannot write to a server without --token")
	}
	if res := ts.write(http.MethodPost, "/collections/border-crossings/items", newCrossing); res.Code != 401 {
		t.Errorf("the unset --token: %d, want 401", res.Code)
	}
}
