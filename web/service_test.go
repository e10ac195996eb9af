package web_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/web"
)

// TestLanding covers the §5.7 landing page points, over a real HTTP/1.1
// connection.
func TestLanding(t *testing.T) {
	ts := newTestServer(t)
	hs := httptest.NewServer(ts.srv)
	defer hs.Close()
	req, _ := http.NewRequest("GET", hs.URL+"/", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Proto != "HTTP/1.1" || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s %d %s", resp.Proto, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, accept := range []string{"application/json", "", "*/*"} {
		lp := ts.getJSON("/", "Accept", accept)
		links := linksOf(t, lp)
		want := [][3]string{
			{"self", "application/json", "/?f=json"},
			{"alternate", "text/html", "/?f=html"},
			{"service-desc", "application/vnd.oai.openapi+json;version=3.0", "/api"},
			{"service-doc", "text/html", "/api.html"},
			{"conformance", "application/json", "/conformance"},
			{"data", "application/json", "/collections"},
			{"http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", "application/json", "/tileMatrixSets"},
			{"http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", "application/json", "/tiles"},
		}
		for _, w := range want {
			l := findLink(links, w[0], w[1])
			if l == nil || path(l["href"].(string)) != w[2] {
				t.Errorf("Accept %q: link %s %s → %s: got %v", accept, w[0], w[1], w[2], l)
			}
		}
		if lp["title"] == nil || lp["readOnly"] != false {
			t.Errorf("title %v readOnly %v", lp["title"], lp["readOnly"])
		}
	}
	// Every link of the landing page resolves.
	for _, l := range linksOf(t, ts.getJSON("/?f=json")) {
		if l["type"] == "text/event-stream" {
			continue // a stream does not end; TestEvents reads it
		}
		href := l["href"].(string)
		if l["templated"] == true {
			href = strings.ReplaceAll(href, "{collectionId}", "airfields")
		}
		if rec := ts.get(path(href), "Accept", l["type"].(string)); rec.Code != 200 {
			t.Errorf("link %s %s: %d", l["rel"], l["href"], rec.Code)
		}
	}
}

func TestConformance(t *testing.T) {
	ts := newTestServer(t)
	got := ts.getJSON("/conformance", "Accept", "application/json")["conformsTo"].([]any)
	var list []string
	for _, c := range got {
		list = append(list, c.(string))
	}
	for _, want := range []string{
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
		"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
		"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
		"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
		"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
		"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
		"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
	} {
		if !slices.Contains(list, want) {
			t.Errorf("missing %s", want)
		}
	}
	for _, c := range list {
		if strings.Contains(c, "gmlsf") || strings.HasSuffix(c, "/oas3") ||
			strings.Contains(c, "cql2/1.0/conf/arithmetic") || strings.Contains(c, "cql2/1.0/conf/functions") ||
			strings.Contains(c, "cql2/1.0/conf/array-functions") {
			t.Errorf("declares %s, which is not implemented", c)
		}
	}
}

// TestNegotiation: Accept and f choose the format; 406 and 400 otherwise;
// the html class is real on every resource.
func TestNegotiation(t *testing.T) {
	ts := newTestServer(t)
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
	cases := []struct {
		target, accept string
		status         int
		ctype          string
	}{
		{"/", browser, 200, "text/html; charset=utf-8"},
		{"/?f=json", browser, 200, "application/json"},
		{"/collections", browser, 200, "text/html; charset=utf-8"},
		{"/collections", "application/json", 200, "application/json"},
		{"/collections?f=html", "application/json", 200, "text/html; charset=utf-8"},
		{"/collections/airfields?f=html", "", 200, "text/html; charset=utf-8"},
		{"/collections/airfields/items?f=html", "", 200, "text/html; charset=utf-8"},
		{"/collections/airfields/items", "application/json", 200, "application/geo+json"},
		{"/collections/airfields/items", "application/geo+json;q=0.9, text/html;q=0.5", 200, "application/geo+json"},
		{"/collections/airfields/items/airfield-machulishchy?f=html", "", 200, "text/html; charset=utf-8"},
		{"/collections/airfields/queryables?f=html", "", 200, "text/html; charset=utf-8"},
		{"/conformance?f=html", "", 200, "text/html; charset=utf-8"},
		{"/api", "", 200, "application/vnd.oai.openapi+json;version=3.0"},
		{"/api", "application/vnd.oai.openapi+json;version=3.0", 200, "application/vnd.oai.openapi+json;version=3.0"},
		{"/api", "text/html", 200, "text/html; charset=utf-8"},
		{"/api.html", "", 200, "text/html; charset=utf-8"},
		{"/collections", "image/png", 406, "application/json"},
		{"/collections/airfields/items", "application/xml", 406, "application/json"},
		{"/collections/airfields/items/airfield-machulishchy", "image/png", 406, "application/json"},
		{"/collections/airfields/items/airfield-machulishchy", "text/csv", 200, "text/csv; charset=utf-8"},
		{"/collections/airfields/items", "application/geopackage+sqlite3", 200, "application/geopackage+sqlite3"},
		{"/collections/airfields/items?f=kml", "application/json", 200, "application/vnd.google-earth.kml+xml"},
		{"/collections/airfields/items?f=shp", "", 400, "application/json"},
		{"/collections/airfields/items", "application/json;q=0", 406, "application/json"},
		{"/collections?f=csv", "", 400, "application/json"},
	}
	for _, c := range cases {
		rec := ts.get(c.target, "Accept", c.accept)
		if rec.Code != c.status || rec.Header().Get("Content-Type") != c.ctype {
			t.Errorf("GET %s Accept %q: %d %q, want %d %q", c.target, c.accept, rec.Code, rec.Header().Get("Content-Type"), c.status, c.ctype)
		}
	}
	// A browser at / gets the map page itself.
	page, err := fs.ReadFile(assets.FS, "page/index.html")
	if err != nil {
		t.Fatal(err)
	}
	if rec := ts.get("/", "Accept", browser); rec.Body.String() != string(page) {
		t.Error("GET / in a browser does not serve page/index.html")
	}
	// Without the page, a plain HTML landing page with links.
	noPage := newTestServer(t, func(c *web.Config) { c.Assets = nil })
	rec := noPage.get("/", "Accept", browser)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `href="http://sitmap.test/collections"`) {
		t.Errorf("no page: %d %.300s", rec.Code, rec.Body)
	}
	// HTML pages have self and alternate links, and escape feature text.
	body := ts.get("/collections/airfields/items?f=html").Body.String()
	if !strings.Contains(body, "f=json") || !strings.Contains(body, "Babruysk") {
		t.Errorf("items HTML lacks the JSON alternate or the features")
	}
}

func TestHTMLEscapes(t *testing.T) {
	ts := newTestServer(t)
	evil := strings.Replace(newCrossing, `"name":"Test crossing"`, `"name":"<script>alert(1)</script>"`, 1)
	res := ts.write("POST", "/collections/border-crossings/items", evil)
	if res.Code != 201 {
		t.Fatalf("POST %d %s", res.Code, res.Body)
	}
	for _, target := range []string{path(res.Header.Get("Location")) + "?f=html", "/collections/border-crossings/items?f=html&limit=10000"} {
		body := ts.get(target).Body.String()
		if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;") {
			t.Errorf("%s: feature text is not escaped", target)
		}
	}
}

func TestMiddleware(t *testing.T) {
	ts := newTestServer(t)
	t.Run("request id", func(t *testing.T) {
		// A tile answers an id it made only with an error; every other
		// answer carries one, and a client's own comes back.
		cases := []struct {
			target, sent string
			want         string // "made": one the server made; "": none
		}{
			{"/collections", "abc-123", "abc-123"},
			{"/collections", "", "made"},
			{"/no/such/thing", "", "made"},
			{"/tiles/all/6/36/20.mvt", "abc-123", "abc-123"},
			{"/tiles/all/6/36/20.mvt", "", ""},
			{"/tiles/all/6/36/20.mvt?bad=1", "", "made"},
			{"/tiles/nosuchset/6/36/20.mvt", "", "made"},
		}
		for _, c := range cases {
			var rec *httptest.ResponseRecorder
			if c.sent != "" {
				rec = ts.get(c.target, "X-Request-ID", c.sent)
			} else {
				rec = ts.get(c.target)
			}
			got := rec.Header().Get("X-Request-ID")
			if ok := got == c.want || c.want == "made" && len(got) >= 8 && got != c.sent; !ok {
				t.Errorf("GET %s sending %q: %d, X-Request-ID %q, want %q", c.target, c.sent, rec.Code, got, c.want)
			}
		}
	})
	t.Run("gzip", func(t *testing.T) {
		plain := ts.get("/collections/border-crossings/items")
		rec := ts.get("/collections/border-crossings/items", "Accept-Encoding", "gzip, deflate")
		if rec.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
			t.Fatalf("Content-Encoding %q Vary %q", rec.Header().Get("Content-Encoding"), rec.Header().Get("Vary"))
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(zr)
		re := regexp.MustCompile(`"timeStamp":"[^"]*"`)
		if re.ReplaceAllString(string(b), "") != re.ReplaceAllString(plain.Body.String(), "") {
			t.Error("gunzipped body differs")
		}
		if rec := ts.get("/collections", "Accept-Encoding", "gzip;q=0"); rec.Header().Get("Content-Encoding") != "" {
			t.Error("gzip;q=0 got gzip")
		}
		if rec := ts.get("/static/vendor/leaflet/images/marker-icon.png", "Accept-Encoding", "gzip"); rec.Code == 200 && rec.Header().Get("Content-Encoding") != "" {
			t.Error("a PNG was gzipped")
		}
	})
	t.Run("cors", func(t *testing.T) {
		rec := ts.get("/collections", "Origin", "https://elsewhere.example")
		if rec.Header().Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "ETag") {
			t.Errorf("CORS headers %v", rec.Header())
		}
		pre := ts.do("OPTIONS", "/collections/airfields/items", nil, "Origin", "https://elsewhere.example",
			"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "if-none-match")
		if pre.Code != http.StatusNoContent || !strings.Contains(pre.Header().Get("Access-Control-Allow-Methods"), "GET") ||
			pre.Header().Get("Access-Control-Allow-Origin") != "*" || pre.Header().Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("preflight %d %v", pre.Code, pre.Header())
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		rec := ts.do("HEAD", "/collections", nil)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("HEAD %d %q", rec.Code, rec.Header().Get("Content-Type"))
		}
	})
	t.Run("log line", func(t *testing.T) {
		var buf strings.Builder
		lts := newTestServer(t, func(c *web.Config) { c.Log = slog.New(slog.NewTextHandler(&lockedWriter{w: &buf}, nil)) })
		lts.get("/collections/airfields/items?limit=2", "X-Request-ID", "req-42")
		line := buf.String()
		for _, want := range []string{"method=GET", `path="/collections/airfields/items?limit=2"`, "status=200", "bytes=", "duration=", "request_id=req-42"} {
			if !strings.Contains(line, want) {
				t.Errorf("log line lacks %s: %s", want, line)
			}
		}
	})
}

type lockedWriter struct{ w io.Writer }

func (l *lockedWriter) Write(b []byte) (int, error) { return l.w.Write(b) }

func TestStatic(t *testing.T) {
	ts := newTestServer(t)
	cases := []struct {
		target, ctype, cache string
	}{
		{"/static/page/app.js", "text/javascript; charset=utf-8", "public, no-cache"},
		{"/static/page/app.css", "text/css; charset=utf-8", "public, no-cache"},
		{"/static/vendor/leaflet/leaflet.js", "text/javascript; charset=utf-8", "public, max-age=86400"},
		{"/static/vendor/leaflet/leaflet.css", "text/css; charset=utf-8", "public, max-age=86400"},
		{"/static/vendor/leaflet/images/marker-icon.png", "image/png", "public, max-age=86400"},
	}
	for _, c := range cases {
		rec := ts.get(c.target)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != c.ctype || rec.Header().Get("Cache-Control") != c.cache {
			t.Errorf("%s: %d %q %q", c.target, rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"))
			continue
		}
		if again := ts.get(c.target, "If-None-Match", rec.Header().Get("ETag")); again.Code != http.StatusNotModified {
			t.Errorf("%s: If-None-Match gave %d", c.target, again.Code)
		}
	}
	for _, bad := range []string{"/static/nope.js", "/static/page/", "/static/../go.mod", "/static/page/../../go.mod"} {
		if rec := ts.get(bad); rec.Code != http.StatusNotFound && rec.Code != http.StatusMovedPermanently {
			t.Errorf("%s: %d", bad, rec.Code)
		}
	}
}

// failingStore breaks one part of a real store, to drive the 5xx paths.
type failingStore struct {
	store.Store
	err error
}

func (f failingStore) Ping(context.Context) error { return f.err }
func (f failingStore) Query(context.Context, store.Query) (store.Page, error) {
	return store.Page{}, f.err
}

func TestHealthAndFaults(t *testing.T) {
	ts := newTestServer(t)
	rec := ts.get("/healthz")
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"status":"ok"}` {
		t.Errorf("healthz %d %s", rec.Code, rec.Body)
	}
	var logs strings.Builder
	broken := web.New(web.Config{Store: failingStore{Store: ts.st, err: errors.New("disk on fire")},
		Log: slog.New(slog.NewTextHandler(&logs, nil))})
	defer broken.Close()
	rec = httptest.NewRecorder()
	broken.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("healthz on a failing store: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/collections/airfields/items", nil)
	req.Header.Set("X-Request-ID", "fault-1")
	broken.ServeHTTP(rec, req)
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "fire") {
		t.Errorf("store fault: %d %s (the cause must stay in the log)", rec.Code, rec.Body)
	}
	checkError(t, rec.Body.Bytes(), "")
	if !strings.Contains(logs.String(), "disk on fire") || !strings.Contains(logs.String(), "fault-1") {
		t.Errorf("the fault is not logged with its request id: %s", logs.String())
	}
}

func TestMetrics(t *testing.T) {
	ts := newTestServer(t)
	ts.get("/collections/airfields/items")
	ts.get("/collections/nope/items")
	body := ts.get("/metrics").Body.String()
	for _, want := range []string{
		`sitmap_http_requests_total{route="getFeatures",status="200"} 1`,
		`sitmap_http_requests_total{route="getFeatures",status="404"} 1`,
		`sitmap_http_request_duration_seconds_bucket{route="getFeatures",le="+Inf"} 2`,
		`sitmap_http_request_duration_seconds_count{route="getFeatures"} 2`,
		`sitmap_store_features{collection="airfields"} 10`,
		"# TYPE sitmap_http_request_duration_seconds histogram",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	line := regexp.MustCompile(`^(# (HELP|TYPE) .*|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+)$`)
	for _, l := range strings.Split(strings.TrimSpace(body), "\n") {
		if !line.MatchString(l) {
			t.Errorf("not Prometheus text format: %q", l)
		}
	}
}

// sseEvent is one parsed Server-Sent Event.
type sseEvent struct{ id, data string }

// readEvents parses a stream until n events arrived or the deadline.
func readEvents(t *testing.T, body io.Reader, n int) []sseEvent {
	t.Helper()
	sc := bufio.NewScanner(body)
	var out []sseEvent
	var cur sseEvent
	for len(out) < n && sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.data != "" {
				out = append(out, cur)
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, "id: "):
			cur.id = line[4:]
		case strings.HasPrefix(line, "data: "):
			cur.data = line[6:]
		case strings.HasPrefix(line, "event:"):
			t.Errorf("named event %q: EventSource.onmessage would miss it", line)
		}
	}
	return out
}

func TestEvents(t *testing.T) {
	ts := newTestServer(t)
	hs := httptest.NewServer(ts.srv)
	defer hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	open := func(lastID string) *http.Response {
		req, _ := http.NewRequestWithContext(ctx, "GET", hs.URL+"/events", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		if lastID != "" {
			req.Header.Set("Last-Event-ID", lastID)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("Content-Encoding") != "" {
			t.Fatalf("events: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Encoding"))
		}
		return resp
	}
	resp := open("")
	defer resp.Body.Close()
	// Two writes: a create and a delete.
	res := ts.write("POST", "/collections/border-crossings/items", newCrossing)
	if res.Code != 201 {
		t.Fatalf("POST %d", res.Code)
	}
	loc := path(res.Header.Get("Location"))
	if res := ts.write("DELETE", loc, ""); res.Code != 204 {
		t.Fatalf("DELETE %d", res.Code)
	}
	evs := readEvents(t, resp.Body, 2)
	if len(evs) != 2 {
		t.Fatalf("got %d events", len(evs))
	}
	fid := loc[strings.LastIndex(loc, "/")+1:]
	for i, typ := range []string{"created", "deleted"} {
		ev := decode(t, []byte(evs[i].data))
		if ev["type"] != typ || ev["collection"] != "border-crossings" || ev["id"] != fid || ev["version"] == nil || ev["time"] == nil {
			t.Errorf("event %d: %s", i, evs[i].data)
		}
	}
	if evs[0].id == "" || evs[0].id == evs[1].id {
		t.Errorf("ids %q %q", evs[0].id, evs[1].id)
	}
	// Resume after the first: the second comes again.
	again := open(evs[0].id)
	defer again.Body.Close()
	resumed := readEvents(t, again.Body, 1)
	if len(resumed) != 1 || resumed[0] != evs[1] {
		t.Errorf("resumed %v, want %v", resumed, evs[1])
	}
	if rec := ts.do("HEAD", "/events", nil); rec.Code != 200 || rec.Header().Get("Content-Type") != "text/event-stream" {
		t.Errorf("HEAD /events: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if rec := ts.get("/events", "Last-Event-ID", "not-a-number"); rec.Code != 400 {
		t.Errorf("bad Last-Event-ID: %d", rec.Code)
	}
	// Close ends open streams, so shutdown is not held up.
	done := make(chan struct{})
	go func() { io.Copy(io.Discard, again.Body); close(done) }()
	ts.srv.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("the stream did not end on Close")
	}
}

// countingStore counts queries.
type countingStore struct {
	store.Store
	queries *int
}

func (c countingStore) Query(ctx context.Context, q store.Query) (store.Page, error) {
	*c.queries++
	return c.Store.Query(ctx, q)
}

// TestGoneClientCostsNothing: a request whose client has already gone
// does not query the store.
func TestGoneClientCostsNothing(t *testing.T) {
	ts := newTestServer(t)
	n := 0
	srv := web.New(web.Config{Store: countingStore{Store: ts.st, queries: &n}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest("GET", "/collections/airfields/items?limit=10000", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if n != 0 {
		t.Errorf("%d queries for a client that had gone", n)
	}
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/collections/airfields/items", nil))
	if n != 1 || rec.Code != 200 {
		t.Errorf("%d queries, status %d, for a client that stayed", n, rec.Code)
	}
}

// TestLinksResolve crawls every link from the landing page, as a client
// would: each one answers 200 with the media type it announces.
func TestLinksResolve(t *testing.T) {
	ts := newTestServer(t)
	type target struct{ href, typ string }
	queue := []target{{"http://sitmap.test/?f=json", "application/json"}}
	seen := map[string]bool{}
	for len(queue) > 0 && len(seen) < 400 {
		cur := queue[0]
		queue = queue[1:]
		if seen[cur.href] || !strings.HasPrefix(cur.href, "http://sitmap.test/") {
			continue
		}
		seen[cur.href] = true
		rec := ts.get(path(cur.href), "Accept", cur.typ)
		if rec.Code != 200 {
			t.Errorf("%s (%s): %d", cur.href, cur.typ, rec.Code)
			continue
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, cur.typ) {
			t.Errorf("%s: Content-Type %q, link says %q", cur.href, ct, cur.typ)
		}
		if !strings.Contains(cur.typ, "json") || strings.Contains(cur.typ, "openapi") {
			continue
		}
		var v any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Errorf("%s: %v", cur.href, err)
			continue
		}
		walkLinks(v, func(l map[string]any) {
			href, _ := l["href"].(string)
			typ, _ := l["type"].(string)
			if templated, _ := l["templated"].(bool); templated || typ == "" || typ == "text/event-stream" ||
				strings.Contains(typ, "mapbox-vector-tile") {
				return
			}
			queue = append(queue, target{href, typ})
		})
	}
	if len(seen) < 30 {
		t.Errorf("crawled only %d resources", len(seen))
	}
}

func walkLinks(v any, fn func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		if links, ok := v["links"].([]any); ok {
			for _, l := range links {
				if lm, ok := l.(map[string]any); ok {
					fn(lm)
				}
			}
		}
		for k, x := range v {
			if k != "links" {
				walkLinks(x, fn)
			}
		}
	case []any:
		for _, x := range v {
			walkLinks(x, fn)
		}
	}
}
