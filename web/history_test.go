package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/internal/dataset"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/store/postgis"
	"github.com/sitmap/sitmap/internal/store/postgis/pgtest"
	"github.com/sitmap/sitmap/web"
)

// recordClock is the record time of a test's writes.
type recordClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *recordClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *recordClock) set(s string) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// newClockServer is newTestServer on a store that reads its record time
// from clock; the seed is recorded at the clock's time.
func newClockServer(t *testing.T, clock *recordClock) *testServer {
	t.Helper()
	var st store.Store
	var err error
	switch os.Getenv(backendEnv) {
	case "postgis":
		st, err = postgis.Open(context.Background(), pgtest.DSN(t), postgis.WithClock(clock.now))
	default:
		st, err = bunt.Open(filepath.Join(t.TempDir(), "sitmap.db"), bunt.WithClock(clock.now))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := dataset.LoadSeed(context.Background(), st, assets.FS); err != nil {
		t.Fatal(err)
	}
	cfg := web.Config{Store: st, Assets: assets.FS, Token: testToken, TokenName: "analyst-1", BaseURL: "http://sitmap.test",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"}
	srv := web.New(cfg)
	t.Cleanup(func() { srv.Close() })
	return &testServer{t: t, st: st, srv: srv, token: cfg.Token}
}

const terespolRail = "/collections/border-crossings/items/crossing-terespol-brest-rail"

// TestHistory_Terespol: the seed (recorded 1 Sep) closes the Terespol rail
// crossing for Zapad; on 15 Sep an analyst corrects it to open (PUT) and
// describes why (PATCH), on 16 Sep deletes it. "What had we recorded by 14 Sep about 13 Sep" still finds it
// closed; today's map does not have it; its history has all three writes.
func TestHistory_Terespol(t *testing.T) {
	clock := &recordClock{}
	clock.set("2025-09-01T08:00:00Z")
	ts := newClockServer(t, clock)
	stored, err := ts.st.Get(context.Background(), "border-crossings", "crossing-terespol-brest-rail")
	if err != nil {
		t.Fatal(err)
	}
	clock.set("2025-09-15T10:00:00Z")
	corrected := stored.Without("timeline").WithString("status", "open")
	if res := ts.write(http.MethodPut, terespolRail, corrected.JSON()); res.Code != 200 {
		t.Fatalf("PUT: %d %s", res.Code, res.Body)
	}
	clock.set("2025-09-15T11:00:00Z")
	patch := `{"properties":{"description":"Reopened after Zapad"}}`
	if res := ts.write(http.MethodPatch, terespolRail, patch, "Content-Type", "application/merge-patch+json"); res.Code != 200 {
		t.Fatalf("PATCH: %d %s", res.Code, res.Body)
	}
	clock.set("2025-09-16T10:00:00Z")
	if res := ts.write(http.MethodDelete, terespolRail, ""); res.Code != 204 {
		t.Fatalf("DELETE: %d %s", res.Code, res.Body)
	}

	items := "/collections/border-crossings/items?limit=1000&datetime=2025-09-13T12:00:00Z&status=closed"
	if ids := featureIDs(t, ts.getJSON(items+"&as_of=2025-09-14")); !slices.Contains(ids, "crossing-terespol-brest-rail") {
		t.Errorf("as recorded by 14 Sep, closed on 13 Sep: %v, want Terespol rail", ids)
	}
	if ids := featureIDs(t, ts.getJSON(items+"&as_of=2025-09-15T12:00:00Z")); slices.Contains(ids, "crossing-terespol-brest-rail") {
		t.Errorf("as recorded after the correction: %v, want no Terespol rail", ids)
	}
	if ids := featureIDs(t, ts.getJSON(items)); slices.Contains(ids, "crossing-terespol-brest-rail") {
		t.Errorf("today: %v, want no Terespol rail (deleted)", ids)
	}
	if ids := featureIDs(t, ts.getJSON("/collections/border-crossings/items?limit=1000&as_of=2025-08-31")); len(ids) != 0 {
		t.Errorf("as of before the seed was recorded: %v, want none", ids)
	}

	// One feature: gone now, there as of the 15th, closed on the 13th as
	// recorded on the 14th.
	if rec := ts.get(terespolRail); rec.Code != 404 {
		t.Errorf("deleted feature: %d, want 404", rec.Code)
	}
	f := ts.getJSON(terespolRail + "?as_of=2025-09-15T12:00:00Z")
	if p := f["properties"].(map[string]any); p["status"] != "open" || p["timeline"] != nil {
		t.Errorf("as of 15 Sep noon: %v", p)
	}
	f = ts.getJSON(terespolRail + "?as_of=2025-09-14&datetime=2025-09-13T12:00:00Z")
	if p := f["properties"].(map[string]any); p["status"] != "closed" || p["status_source"] == nil {
		t.Errorf("as recorded by 14 Sep, on 13 Sep: status %v, status_source %v", p["status"], p["status_source"])
	}
	if rec := ts.get(terespolRail + "?as_of=2025-09-16T12:00:00Z"); rec.Code != 404 {
		t.Errorf("as of after the deletion: %d, want 404", rec.Code)
	}

	// Tiles as recorded: the crossing is in the tile with its old status.
	tile := tileURL("border-crossings", maptile.At(stored.Geometry().(orb.Point), 14))
	if got := tileStatuses(t, ts.get(tile+"?datetime=2025-09-13T12:00:00Z&as_of=2025-09-14"))["border-crossings/crossing-terespol-brest-rail"]; got != "closed" {
		t.Errorf("tile as recorded by 14 Sep: status %q, want closed", got)
	}
	if rec := ts.get(tile + "?datetime=2025-09-13T12:00:00Z"); rec.Code == 200 {
		if _, ok := tileStatuses(t, rec)["border-crossings/crossing-terespol-brest-rail"]; ok {
			t.Error("today's tile still has the deleted crossing")
		}
	}
	checkVersions(t, ts)
	checkChanges(t, ts)
}

func checkVersions(t *testing.T, ts *testServer) {
	t.Helper()
	fc := ts.getJSON(terespolRail + "/versions")
	fs := fc["features"].([]any)
	want := []struct{ change, editor, updated string }{
		{"deleted", "analyst-1", "2025-09-16T10:00:00Z"},
		{"patched", "analyst-1", "2025-09-15T11:00:00Z"},
		{"replaced", "analyst-1", "2025-09-15T10:00:00Z"},
		{"created", "", "2025-09-01T08:00:00Z"},
	}
	if len(fs) != len(want) {
		t.Fatalf("%d versions, want %d", len(fs), len(want))
	}
	for i, w := range want {
		f := fs[i].(map[string]any)
		p := f["properties"].(map[string]any)
		if p["change"] != w.change || p["editor"] != w.editor || p["updated"] != w.updated {
			t.Errorf("version %d: %v by %v at %v, want %s by %q at %s", i, p["change"], p["editor"], p["updated"], w.change, w.editor, w.updated)
		}
		if (f["geometry"] == nil) != (w.change == "deleted") {
			t.Errorf("version %d (%s): geometry %v; only the deletion has none", i, w.change, f["geometry"])
		}
	}
	if p := fs[1].(map[string]any)["properties"].(map[string]any); p["description"] != "Reopened after Zapad" || p["status"] != "open" {
		t.Errorf("the patched version: %v, want the patch merged into the replaced one", p)
	}
	created := fs[3].(map[string]any)["properties"].(map[string]any)
	if created["timeline"] == nil || created["name"] == nil {
		t.Errorf("the created version lacks its stored properties: %v", created)
	}
	v := int(created["version"].(float64))
	path := terespolRail + "/versions/" + strconv.Itoa(v)
	rec := ts.get(path)
	if rec.Code != 200 || rec.Header().Get("ETag") != `"`+strconv.Itoa(v)+`"` {
		t.Fatalf("GET %s: %d, ETag %q", path, rec.Code, rec.Header().Get("ETag"))
	}
	if rec := ts.get(path, "If-None-Match", rec.Header().Get("ETag")); rec.Code != 304 {
		t.Errorf("If-None-Match on a version: %d, want 304", rec.Code)
	}
	for _, bad := range []struct {
		path  string
		code  int
		field string
	}{
		{terespolRail + "/versions/999999", 404, ""},
		{terespolRail + "/versions/x", 400, "version"},
		{"/collections/border-crossings/items/never-was/versions", 404, ""},
		{terespolRail + "/versions?limit=2", 400, "limit"},
		{terespolRail + "?as_of=yesterday", 400, "as_of"},
		{"/collections/border-crossings/items?as_of=yesterday", 400, "as_of"},
	} {
		rec := ts.get(bad.path)
		if rec.Code != bad.code {
			t.Errorf("GET %s: %d, want %d", bad.path, rec.Code, bad.code)
		}
		if bad.field != "" {
			checkError(t, rec.Body.Bytes(), bad.field)
		}
	}
}

func checkChanges(t *testing.T, ts *testServer) {
	t.Helper()
	page := ts.getJSON("/changes?since=2025-09-15&limit=1")
	cs := page["changes"].([]any)
	if len(cs) != 1 || cs[0].(map[string]any)["change"] != "replaced" || cs[0].(map[string]any)["editor"] != "analyst-1" {
		t.Fatalf("first change since 15 Sep: %v", cs)
	}
	next := findLink(linksOf(t, page), "next", "application/json")
	if next == nil {
		t.Fatal("a full page has no next link")
	}
	page = ts.getJSON(path(next["href"].(string)))
	cs = page["changes"].([]any)
	if len(cs) != 1 || cs[0].(map[string]any)["change"] != "patched" || cs[0].(map[string]any)["id"] != "crossing-terespol-brest-rail" {
		t.Errorf("second page: %v", cs)
	}
	all := ts.getJSON("/changes?collection=border-crossings&limit=10000")["changes"].([]any)
	if n := ts.count("border-crossings") + 1 + 3; len(all) != n { // the seed, less the deleted one, plus its four writes
		t.Errorf("changes of border-crossings: %d, want %d", len(all), n)
	}
	for _, bad := range []struct{ q, field string }{{"since=soon", "since"}, {"after=-1", "after"}, {"bogus=1", "bogus"}, {"limit=0", "limit"}} {
		rec := ts.get("/changes?" + bad.q)
		if rec.Code != 400 {
			t.Errorf("/changes?%s: %d, want 400", bad.q, rec.Code)
		}
		checkError(t, rec.Body.Bytes(), bad.field)
	}
	if rec := ts.get("/changes?collection=nope"); rec.Code != 404 {
		t.Errorf("/changes of an unknown collection: %d, want 404", rec.Code)
	}
}
