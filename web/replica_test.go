package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb/encoding/mvt"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/internal/dataset"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/postgis"
	"github.com/sitmap/sitmap/internal/store/postgis/pgtest"
	"github.com/sitmap/sitmap/web"
)

// The tests of this file run on PostGIS whatever SITMAP_TEST_BACKEND says:
// they are about replicas sharing one database and about losing it. They
// run in the default pass of make test (the embedded store's) and skip in
// the SITMAP_TEST_BACKEND=postgis pass, so they run once, and the restart
// test does not stop the cluster under the whole suite's PostGIS tests.

func skipInPostGISPass(t *testing.T) {
	t.Helper()
	if os.Getenv(backendEnv) == "postgis" {
		t.Skipf("runs once, in the default pass (it always uses PostGIS); skipped under %s=postgis", backendEnv)
	}
}

// replica is one sitmap server over its own postgis.Store, on real HTTP.
type replica struct {
	t   *testing.T
	st  *postgis.Store
	url string
}

// openReplica opens a Store on dsn and serves it on a loopback port. The
// server, the store and the listener are closed when the test ends.
func openReplica(t *testing.T, dsn string) *replica {
	t.Helper()
	st, err := postgis.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(web.Config{Store: st, Assets: assets.FS, Token: testToken, TileCacheBytes: 16 << 20, Log: quietLog(), Version: "test"})
	hs := httptest.NewServer(srv)
	// Cleanups run last in, first out: the server's streams end before
	// the listener waits for its requests, and the store closes last.
	t.Cleanup(func() { st.Close() })
	t.Cleanup(hs.Close)
	t.Cleanup(func() { srv.Close() })
	return &replica{t: t, st: st, url: hs.URL}
}

// do sends one request with the token and returns the status, header and body.
func (r *replica) do(method, path, body string, header ...string) (int, http.Header, []byte) {
	r.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, r.url+path, rd)
	if err != nil {
		r.t.Fatal(err)
	}
	if method != http.MethodGet {
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/geo+json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{Timeout: 15 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		r.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, b
}

// tileIDs fetches a tile and returns the "id" properties of its features,
// by layer (nil for an empty tile, 204).
func (r *replica) tileIDs(path string) map[string][]string {
	r.t.Helper()
	code, _, body := r.do(http.MethodGet, path, "")
	switch code {
	case http.StatusNoContent:
		return nil
	case http.StatusOK:
	default:
		r.t.Fatalf("GET %s: %d %s", path, code, body)
	}
	layers, err := mvt.Unmarshal(body) // the client undid any gzip
	if err != nil {
		r.t.Fatalf("GET %s: decode tile: %v", path, err)
	}
	out := map[string][]string{}
	for _, l := range layers {
		for _, f := range l.Features {
			id, _ := f.Properties["id"].(string)
			out[l.Name] = append(out[l.Name], id)
		}
	}
	return out
}

// tileAt is the z/x/y of the Web Mercator tile holding lon/lat.
func tileAt(lon, lat float64, z int) (x, y int) {
	n := math.Exp2(float64(z))
	x = int(math.Floor((lon + 180) / 360 * n))
	r := lat * math.Pi / 180
	y = int(math.Floor((1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * n))
	return x, y
}

// eventStream is an open /events stream: the changes it carries, in order.
type eventStream struct {
	changes chan store.Change
	errs    chan error
}

// openEvents subscribes to base/events and returns once the server has
// answered (the stream starts with "retry:"), so that every change
// committed afterwards is on it.
func openEvents(t *testing.T, base string) *eventStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		cancel()
		resp.Body.Close()
		t.Fatalf("GET /events: %d", resp.StatusCode)
	}
	es := &eventStream{changes: make(chan store.Change, 1000), errs: make(chan error, 1)}
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "retry:") {
		cancel()
		resp.Body.Close()
		t.Fatalf("GET /events: stream does not start with retry: %q %v", sc.Text(), sc.Err())
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(es.changes)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var c store.Change
			if err := json.Unmarshal([]byte(data), &c); err != nil {
				es.errs <- fmt.Errorf("event %q: %v", data, err)
				return
			}
			es.changes <- c
		}
	}()
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
		<-done
	})
	return es
}

// wait returns the first change on the stream of type typ for cid/fid,
// failing the test after within.
func (es *eventStream) wait(t *testing.T, typ store.ChangeType, cid, fid string, within time.Duration) store.Change {
	t.Helper()
	timeout := time.After(within)
	for {
		select {
		case c, ok := <-es.changes:
			if !ok {
				t.Fatalf("/events: stream ended before %s %s/%s", typ, cid, fid)
			}
			if c.Type == typ && c.Collection == cid && c.ID == fid {
				return c
			}
		case err := <-es.errs:
			t.Fatal(err)
		case <-timeout:
			t.Fatalf("/events: no %s event for %s/%s within %v", typ, cid, fid, within)
		}
	}
}

// crossing is a valid border crossing at lon/lat with the given id.
func crossing(id string, lon, lat float64) string {
	return fmt.Sprintf(`{"type":"Feature","id":%q,"geometry":{"type":"Point","coordinates":[%g,%g]},
"properties":{"name":"Replica test %s","country":"PL","status":"open","confidence":"reported","mode":"road",
"sources":[{"title":"Test source","publisher":"Test","date":"2025-09-12","url":"https://example.org/a"}]}}`, id, lon, lat, id)
}

// TestReplicasAgree: two servers, each with its own Store, on one
// database. A write through A is at once visible through B: the feature
// (with A's ETag), B's tile (which B had cached before the write) and B's
// /events stream; a delete through B is visible through A.
func TestReplicasAgree(t *testing.T) {
	skipInPostGISPass(t)
	dsn := pgtest.DSN(t)
	{
		// Load the seed once, through a store of its own, as the first
		// replica of a deployment does.
		st, err := postgis.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		if err := dataset.LoadSeed(context.Background(), st, assets.FS); err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
	a := openReplica(t, dsn)
	b := openReplica(t, dsn)

	const cid, fid = "border-crossings", "replica-test-crossing"
	lon, lat := 23.71, 52.44
	x, y := tileAt(lon, lat, 8)
	tile := fmt.Sprintf("/tiles/%s/8/%d/%d.mvt", cid, x, y)
	allTile := fmt.Sprintf("/tiles/all/8/%d/%d.mvt", x, y)

	events := openEvents(t, b.url)
	// B renders and caches the tiles before the write.
	if hasID(b.tileIDs(tile)[cid], fid) || hasID(b.tileIDs(allTile)[cid], fid) {
		t.Fatalf("%s holds %s before it is written", tile, fid)
	}
	if code, _, _ := b.do(http.MethodGet, "/collections/"+cid+"/items/"+fid, ""); code != http.StatusNotFound {
		t.Fatalf("GET through B before the write: %d, want 404", code)
	}

	code, hdr, body := a.do(http.MethodPost, "/collections/"+cid+"/items", crossing(fid, lon, lat))
	if code != http.StatusCreated {
		t.Fatalf("POST through A: %d %s", code, body)
	}
	createdTag := hdr.Get("ETag")

	item := "/collections/" + cid + "/items/" + fid
	codeA, hdrA, bodyA := a.do(http.MethodGet, item, "")
	codeB, hdrB, bodyB := b.do(http.MethodGet, item, "")
	if codeA != http.StatusOK || codeB != http.StatusOK {
		t.Fatalf("GET %s: A %d, B %d (%s), want 200 from both", item, codeA, codeB, bodyB)
	}
	if tagA, tagB := hdrA.Get("ETag"), hdrB.Get("ETag"); tagA == "" || tagA != tagB || (createdTag != "" && createdTag != tagB) {
		t.Errorf("ETags: POST %q, A %q, B %q; want one tag", createdTag, tagA, tagB)
	}
	var fa, fb map[string]any
	if err := json.Unmarshal(bodyA, &fa); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(bodyB, &fb); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(fa["geometry"], fa["properties"]) != fmt.Sprint(fb["geometry"], fb["properties"]) {
		t.Errorf("A and B disagree:\nA %s\nB %s", bodyA, bodyB)
	}

	if ids := b.tileIDs(tile); !hasID(ids[cid], fid) {
		t.Errorf("B's %s does not hold %s after the write through A: %v", tile, fid, ids)
	}
	if ids := b.tileIDs(allTile); !hasID(ids[cid], fid) {
		t.Errorf("B's %s does not hold %s after the write through A", allTile, fid)
	}
	c := events.wait(t, store.Created, cid, fid, 5*time.Second)
	if c.Seq <= 0 || c.Version <= 0 {
		t.Errorf("created event %+v: want seq and version", c)
	}
	replicaHistory(t, b, cid, fid, "created")

	// The other way: A caches the tile, B deletes, A sees it gone.
	if !hasID(a.tileIDs(tile)[cid], fid) {
		t.Fatalf("A's %s does not hold %s", tile, fid)
	}
	eventsA := openEvents(t, a.url)
	if code, _, body := b.do(http.MethodDelete, item, "", "If-Match", hdrB.Get("ETag")); code != http.StatusNoContent && code != http.StatusOK {
		t.Fatalf("DELETE through B: %d %s", code, body)
	}
	if code, _, _ := a.do(http.MethodGet, item, ""); code != http.StatusNotFound {
		t.Errorf("GET through A after the delete through B: %d, want 404", code)
	}
	if hasID(a.tileIDs(tile)[cid], fid) {
		t.Errorf("A's %s still holds %s after the delete through B", tile, fid)
	}
	eventsA.wait(t, store.Deleted, cid, fid, 5*time.Second)
	events.wait(t, store.Deleted, cid, fid, 5*time.Second)
	replicaHistory(t, a, cid, fid, "deleted", "created")
}

// replicaHistory checks that r's /versions of a feature lists the
// changes want (newest first) and that its /changes ends with the newest.
func replicaHistory(t *testing.T, r *replica, cid, fid string, want ...string) {
	t.Helper()
	code, _, body := r.do(http.MethodGet, "/collections/"+cid+"/items/"+fid+"/versions", "")
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(body, &fc); code != http.StatusOK || err != nil {
		t.Fatalf("%s /versions: %d %s", r.url, code, body)
	}
	var got []string
	for _, f := range fc.Features {
		got = append(got, fmt.Sprint(f.Properties["change"]))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s /versions of %s: %v, want %v", r.url, fid, got, want)
	}
	code, _, body = r.do(http.MethodGet, "/changes?collection="+cid+"&limit=10000", "")
	var cs struct {
		Changes []struct{ ID, Change string } `json:"changes"`
	}
	if err := json.Unmarshal(body, &cs); code != http.StatusOK || err != nil || len(cs.Changes) == 0 {
		t.Fatalf("%s /changes: %d %s", r.url, code, body)
	}
	if last := cs.Changes[len(cs.Changes)-1]; last.ID != fid || last.Change != want[0] {
		t.Errorf("%s /changes ends with %+v, want %s %s", r.url, last, fid, want[0])
	}
}

// healthz polls /healthz until it answers want, failing after within.
func (r *replica) healthz(want int, within time.Duration) time.Duration {
	r.t.Helper()
	start := time.Now()
	client := &http.Client{Timeout: 10 * time.Second}
	last := 0
	for time.Since(start) < within {
		resp, err := client.Get(r.url + "/healthz")
		if err == nil {
			last = resp.StatusCode
			resp.Body.Close()
			if last == want {
				return time.Since(start)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	r.t.Fatalf("/healthz: still %d after %v, want %d", last, within, want)
	return 0
}

// TestDatabaseRestart stops the database under a running server: /healthz
// turns 503, and when the database is back the same server answers 200,
// writes and reads, and its /events stream (opened before the outage)
// carries new changes, its own and another replica's.
func TestDatabaseRestart(t *testing.T) {
	skipInPostGISPass(t)
	if !pgtest.CanRestart() {
		t.Skipf("%s points at an external server, which the test cannot stop", pgtest.EnvDSN)
	}
	dsn := pgtest.DSN(t)
	r := openReplica(t, dsn)
	if err := dataset.LoadSeed(context.Background(), r.st, assets.FS); err != nil {
		t.Fatal(err)
	}
	r.healthz(http.StatusOK, 5*time.Second)
	events := openEvents(t, r.url)

	stopped := true
	pgtest.Stop(t)
	// Whatever happens below, the cluster is up again for the next tests.
	t.Cleanup(func() {
		if stopped {
			pgtest.Start(t)
		}
	})
	took := r.healthz(http.StatusServiceUnavailable, 10*time.Second)
	t.Logf("/healthz answered 503 %v after the stop", took.Round(time.Millisecond))

	pgtest.Start(t)
	stopped = false
	took = r.healthz(http.StatusOK, 30*time.Second)
	t.Logf("/healthz answered 200 %v after the start", took.Round(time.Millisecond))

	const cid = "border-crossings"
	// Writes may meet a connection the restart broke before the pool
	// drops it: allow a few tries, then it must work.
	var code int
	var body []byte
	for try := 0; try < 5; try++ {
		if code, _, body = r.do(http.MethodPost, "/collections/"+cid+"/items", crossing("after-restart", 23.6, 52.2)); code == http.StatusCreated {
			break
		}
		time.Sleep(time.Second)
	}
	if code != http.StatusCreated {
		t.Fatalf("POST after the restart: %d %s", code, body)
	}
	if code, _, body := r.do(http.MethodGet, "/collections/"+cid+"/items/after-restart", ""); code != http.StatusOK {
		t.Fatalf("GET after the restart: %d %s", code, body)
	}
	events.wait(t, store.Created, cid, "after-restart", 5*time.Second)

	// Another replica's write reaches this server's stream: its LISTEN
	// connection is back too.
	other := openReplica(t, dsn)
	if code, _, body := other.do(http.MethodPost, "/collections/"+cid+"/items", crossing("from-other", 23.7, 52.3)); code != http.StatusCreated {
		t.Fatalf("POST through another replica: %d %s", code, body)
	}
	events.wait(t, store.Created, cid, "from-other", 10*time.Second)
	if code, _, _ := r.do(http.MethodGet, "/collections/"+cid+"/items/from-other", ""); code != http.StatusOK {
		t.Errorf("GET of the other replica's feature: %d, want 200", code)
	}
}
