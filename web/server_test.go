package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/internal/dataset"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/store/postgis"
	"github.com/sitmap/sitmap/internal/store/postgis/pgtest"
	"github.com/sitmap/sitmap/web"
)

const testToken = "s3cret-token"

// testServer is a server on a real bunt store in a temporary directory,
// loaded with the seed data set.
type testServer struct {
	t     *testing.T
	st    store.Store
	srv   *web.Server
	token string
}

type option func(*web.Config)

func readOnly(c *web.Config) { c.Token = "" }

// backendEnv picks the store the HTTP suite runs on: the embedded store by
// default, or "postgis" (make test runs the suite once with each).
const backendEnv = "SITMAP_TEST_BACKEND"

func TestMain(m *testing.M) { pgtest.Main(m) }

// openTestStore opens an empty store of the chosen backend.
func openTestStore(t *testing.T) store.Store {
	t.Helper()
	var st store.Store
	var err error
	switch b := os.Getenv(backendEnv); b {
	case "", "bunt":
		st, err = bunt.Open(filepath.Join(t.TempDir(), "sitmap.db"))
	case "postgis":
		st, err = postgis.Open(context.Background(), pgtest.DSN(t))
	default:
		t.Fatalf("%s=%q: want bunt or postgis", backendEnv, b)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newTestServer(t *testing.T, opts ...option) *testServer {
	t.Helper()
	st := openTestStore(t)
	if err := dataset.LoadSeed(context.Background(), st, assets.FS); err != nil {
		t.Fatal(err)
	}
	cfg := web.Config{Store: st, Assets: assets.FS, Token: testToken, BaseURL: "http://sitmap.test",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"}
	for _, o := range opts {
		o(&cfg)
	}
	srv := web.New(cfg)
	t.Cleanup(func() { srv.Close() })
	return &testServer{t: t, st: st, srv: srv, token: cfg.Token}
}

// do serves one request in process.
func (ts *testServer) do(method, target string, body io.Reader, header ...string) *httptest.ResponseRecorder {
	ts.t.Helper()
	req := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	ts.srv.ServeHTTP(rec, req)
	return rec
}

func (ts *testServer) get(target string, header ...string) *httptest.ResponseRecorder {
	ts.t.Helper()
	return ts.do(http.MethodGet, target, nil, header...)
}

// getJSON GETs target and decodes a 200 JSON answer.
func (ts *testServer) getJSON(target string, header ...string) map[string]any {
	ts.t.Helper()
	rec := ts.get(target, header...)
	if rec.Code != http.StatusOK {
		ts.t.Fatalf("GET %s: status %d, want 200: %s", target, rec.Code, rec.Body)
	}
	var v map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		ts.t.Fatalf("GET %s: %v: %s", target, err, rec.Body)
	}
	return v
}

// count is the number of features in a collection.
func (ts *testServer) count(cid string) int {
	ts.t.Helper()
	c, err := ts.st.Collection(context.Background(), cid)
	if err != nil {
		ts.t.Fatal(err)
	}
	return c.Count
}

func linksOf(t *testing.T, v map[string]any) []map[string]any {
	t.Helper()
	raw, _ := v["links"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, l := range raw {
		out = append(out, l.(map[string]any))
	}
	return out
}

// findLink returns the first link with rel (and type, when given).
func findLink(links []map[string]any, rel, typ string) map[string]any {
	for _, l := range links {
		if l["rel"] == rel && (typ == "" || l["type"] == typ) {
			return l
		}
	}
	return nil
}

// path strips the test base URL from an absolute link.
func path(href string) string { return strings.TrimPrefix(href, "http://sitmap.test") }

// version is a collection's change version.
func (ts *testServer) version(cid string) int64 {
	ts.t.Helper()
	v, err := ts.st.Version(context.Background(), cid)
	if err != nil {
		ts.t.Fatal(err)
	}
	return v
}
