package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/crs"
	"github.com/sitmap/sitmap/web"
)

// TestAllow: OPTIONS and 405 list the methods the route table has for the
// path on this server, writes only with a token (QGIS enables editing
// from these lists); CORS preflights are unchanged.
func TestAllow(t *testing.T) {
	rw, ro := newTestServer(t), newTestServer(t, readOnly)
	const items, item = "/collections/border-crossings/items", "/collections/border-crossings/items/no-such-feature"
	for _, tc := range []struct {
		name   string
		ts     *testServer
		target string
		want   string
	}{
		{"items with a token", rw, items, "GET, HEAD, POST, OPTIONS"},
		{"one item with a token", rw, item, "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"},
		{"items read-only", ro, items, "GET, HEAD, OPTIONS"},
		{"one item read-only", ro, item, "GET, HEAD, OPTIONS"},
		{"collection", rw, "/collections/border-crossings", "GET, HEAD, OPTIONS"},
		{"schema", rw, "/collections/border-crossings/schema", "GET, HEAD, OPTIONS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := tc.ts.do(http.MethodOptions, tc.target, nil)
			if rec.Code != http.StatusNoContent || rec.Header().Get("Allow") != tc.want {
				t.Errorf("OPTIONS %s: %d, Allow %q; want 204, %q", tc.target, rec.Code, rec.Header().Get("Allow"), tc.want)
			}
		})
	}
	t.Run("405 lists the route's methods", func(t *testing.T) {
		for _, tc := range []struct {
			ts             *testServer
			method, target string
			want           string
		}{
			{rw, http.MethodPatch, items, "GET, HEAD, POST, OPTIONS"},
			{rw, http.MethodPost, item, "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"},
			{rw, http.MethodDelete, "/collections", "GET, HEAD, OPTIONS"},
			{ro, http.MethodPatch, item, "GET, HEAD, OPTIONS"},
			{ro, http.MethodPost, items, "GET, HEAD, OPTIONS"},
		} {
			rec := tc.ts.do(tc.method, tc.target, strings.NewReader("{}"), "Authorization", "Bearer "+testToken)
			if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != tc.want {
				t.Errorf("%s %s: %d, Allow %q; want 405, %q", tc.method, tc.target, rec.Code, rec.Header().Get("Allow"), tc.want)
			}
			checkError(t, rec.Body.Bytes(), "")
		}
	})
	t.Run("no route", func(t *testing.T) {
		rec := rw.do(http.MethodOptions, "/no/such/path", nil)
		if rec.Code != http.StatusNotFound {
			t.Errorf("OPTIONS /no/such/path: %d, want 404", rec.Code)
		}
	})
	t.Run("preflight unchanged", func(t *testing.T) {
		rec := rw.do(http.MethodOptions, items, nil, "Origin", "https://elsewhere.example", "Access-Control-Request-Method", "POST")
		h := rec.Header()
		if rec.Code != http.StatusNoContent || h.Get("Access-Control-Allow-Methods") != "GET, HEAD, OPTIONS" ||
			h.Get("Access-Control-Allow-Origin") != "*" || h.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("preflight: %d %v", rec.Code, h)
		}
	})
}

const patchTarget = "/collections/border-crossings/items/crossing-bobrowniki-berestovitsa-road"

func (ts *testServer) patch(body string, header ...string) *testResponse {
	ts.t.Helper()
	return ts.write(http.MethodPatch, patchTarget, body, append([]string{"Content-Type", "application/merge-patch+json"}, header...)...)
}

// TestPatch: a merge patch changes what it names and keeps the rest
// (geometry, sources, timeline, unknown members); it is validated like
// PUT, honours If-Match and changes nothing when it fails.
func TestPatch(t *testing.T) {
	ts := newTestServer(t)
	before := ts.getJSON(patchTarget)
	bp := before["properties"].(map[string]any)
	if bp["timeline"] == nil || bp["sources"] == nil {
		t.Fatalf("the test feature needs a timeline and sources: %v", bp)
	}
	tag := ts.get(patchTarget).Header().Get("ETag")

	res := ts.patch(`{"properties":{"name":"Renamed crossing","description":null}}`, "If-Match", tag)
	if res.Code != http.StatusOK {
		t.Fatalf("PATCH: %d %s", res.Code, res.Body)
	}
	if res.Header.Get("ETag") == tag || res.Header.Get("ETag") == "" {
		t.Errorf("ETag %q after PATCH, was %q", res.Header.Get("ETag"), tag)
	}
	after := ts.getJSON(patchTarget)
	ap := after["properties"].(map[string]any)
	if ap["name"] != "Renamed crossing" {
		t.Errorf("name %v", ap["name"])
	}
	if _, ok := ap["description"]; ok {
		t.Errorf("description %v survived a null in the patch", ap["description"])
	}
	if ap["updated"] == bp["updated"] {
		t.Errorf("updated unchanged: %v", ap["updated"])
	}
	for _, k := range []string{"sources", "timeline", "status", "country", "confidence", "mode"} {
		if !sameJSON(ap[k], bp[k]) {
			t.Errorf("%s changed: %v, was %v", k, ap[k], bp[k])
		}
	}
	if !sameJSON(after["geometry"], before["geometry"]) {
		t.Errorf("geometry changed: %v, was %v", after["geometry"], before["geometry"])
	}

	t.Run("geometry", func(t *testing.T) {
		res := ts.patch(`{"geometry":{"type":"Point","coordinates":[23.61,52.2]}}`)
		if res.Code != http.StatusOK {
			t.Fatalf("PATCH geometry: %d %s", res.Code, res.Body)
		}
		got := ts.getJSON(patchTarget)
		if c := got["geometry"].(map[string]any)["coordinates"].([]any); c[0] != 23.61 || c[1] != 52.2 {
			t.Errorf("coordinates %v", c)
		}
		if got["properties"].(map[string]any)["name"] != "Renamed crossing" {
			t.Errorf("properties changed by a geometry patch: %v", got["properties"])
		}
	})

}

// TestPatchRejects: a patch that fails validation, its precondition or
// authorization is an error naming the field, and changes nothing.
func TestPatchRejects(t *testing.T) {
	ts := newTestServer(t)
	tag := ts.get(patchTarget).Header().Get("ETag")
	if res := ts.patch(`{"properties":{"name":"Moved on"}}`); res.Code != http.StatusOK {
		t.Fatalf("PATCH: %d %s", res.Code, res.Body)
	}
	current := ts.getJSON(patchTarget)
	for _, tc := range []struct {
		name, body string
		header     []string
		status     int
		field      string
	}{
		{"stale If-Match", `{"properties":{"name":"Stale"}}`, []string{"If-Match", tag}, 412, "If-Match"},
		{"status outside the vocabulary", `{"properties":{"status":"sideways"}}`, nil, 400, "properties.status"},
		{"required property removed", `{"properties":{"sources":null}}`, nil, 400, "properties.sources"},
		{"geometry removed", `{"geometry":null}`, nil, 400, "geometry"},
		{"geometry type the collection lacks", `{"geometry":{"type":"Polygon","coordinates":[[[23,52],[24,52],[24,53],[23,52]]]}}`, nil, 400, ""},
		{"other id", `{"id":"crossing-other"}`, nil, 400, "id"},
		{"not an object", `[1,2]`, nil, 400, "body"},
		{"not JSON", `{"properties":`, nil, 400, "body"},
		{"unsupported CRS", `{"geometry":{"type":"Point","coordinates":[1,2]}}`, []string{"Content-Crs", "<http://www.opengis.net/def/crs/EPSG/0/4258>"}, 400, "Content-Crs"},
		{"wrong media type", `{"properties":{"name":"X"}}`, []string{"Content-Type", "text/plain"}, 415, ""},
		{"no token", `{"properties":{"name":"X"}}`, []string{"Authorization", ""}, 401, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := ts.patch(tc.body, tc.header...)
			if res.Code != tc.status {
				t.Fatalf("%d, want %d: %s", res.Code, tc.status, res.Body)
			}
			checkError(t, res.Body, tc.field)
			if now := ts.getJSON(patchTarget); !sameJSON(now, current) {
				t.Errorf("a failed PATCH changed the feature:\n%v\nwas\n%v", now, current)
			}
		})
	}
	t.Run("read-only", func(t *testing.T) {
		ro := newTestServer(t, readOnly)
		if res := ro.patch(`{"properties":{"name":"X"}}`); res.Code != http.StatusMethodNotAllowed {
			t.Errorf("PATCH on a read-only server: %d", res.Code)
		}
		if conf := ro.getJSON("/conformance")["conformsTo"].([]any); slices.Contains(conf, any("http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update")) {
			t.Error("a read-only server declares Part 4 update")
		}
	})
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestQueryableVocabulary: a value outside a collection's vocabulary
// matches nothing (a filter across layers); a value of the wrong type is
// still a 400.
func TestQueryableVocabulary(t *testing.T) {
	ts := newTestServer(t)
	for _, cid := range seedCollections {
		rec := ts.get("/collections/" + cid + "/items?status=closed&limit=10000")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s?status=closed: %d %s", cid, rec.Code, rec.Body)
		}
		var fc map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &fc)
		want := 0
		for _, f := range ts.all(cid) {
			if f.String("status") == "closed" {
				want++
			}
		}
		if got := len(featureIDs(t, fc)); got != want {
			t.Errorf("%s?status=closed: %d features, want %d", cid, got, want)
		}
	}
	gauges := geo.Collection{ID: "gauges", Title: "Gauges", Queryables: map[string]geo.Queryable{
		"depth": {Type: "number"}, "count": {Type: "integer"}, "dry": {Type: "boolean"}}}
	if err := ts.st.PutCollection(context.Background(), gauges); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"depth=deep", "count=2.5", "dry=maybe"} {
		rec := ts.get("/collections/gauges/items?" + q)
		name, _, _ := strings.Cut(q, "=")
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, rec.Code)
		}
		checkError(t, rec.Body.Bytes(), name)
	}
	for _, q := range []string{"depth=2.5", "count=2", "dry=true", "status=anything"} {
		if rec := ts.get("/collections/gauges/items?" + q); rec.Code != http.StatusOK {
			t.Errorf("%s: %d, want 200: %s", q, rec.Code, rec.Body)
		}
	}
}

// TestSchema: every collection links a JSON Schema of its features with
// the types and vocabularies of its properties.
func TestSchema(t *testing.T) {
	ts := newTestServer(t)
	for _, cid := range seedCollections {
		links := linksOf(t, ts.getJSON("/collections/"+cid))
		l := findLink(links, "describedby", "application/schema+json")
		if l == nil {
			t.Fatalf("%s: no describedby link: %v", cid, links)
		}
		rec := ts.get(path(l["href"].(string)))
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/schema+json" {
			t.Fatalf("%s: %d %s", l["href"], rec.Code, rec.Header().Get("Content-Type"))
		}
		var sch map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &sch); err != nil {
			t.Fatal(err)
		}
		props := sch["properties"].(map[string]any)
		prop := func(name string) map[string]any {
			p, _ := props[name].(map[string]any)
			if p == nil {
				t.Errorf("%s: no %s in the schema", cid, name)
				return map[string]any{}
			}
			return p
		}
		c, err := ts.st.Collection(context.Background(), cid)
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(prop("status")["enum"], c.Statuses) {
			t.Errorf("%s: status enum %v, want %v", cid, prop("status")["enum"], c.Statuses)
		}
		for name, typ := range map[string]string{"sources": "array", "timeline": "array", "name": "string", "valid_from": "string", "uncertainty_m": "number"} {
			if prop(name)["type"] != typ {
				t.Errorf("%s: %s is %v, want %s", cid, name, prop(name)["type"], typ)
			}
		}
		if _, ok := prop("valid_from")["format"]; ok {
			t.Errorf("%s: valid_from has one format, but it holds dates and date-times", cid)
		}
		if prop("geometry")["x-ogc-role"] != "primary-geometry" {
			t.Errorf("%s: geometry %v", cid, prop("geometry"))
		}
		for name := range c.Queryables {
			prop(name)
		}
	}
	if rec := ts.get("/collections/no-such-collection/schema"); rec.Code != http.StatusNotFound {
		t.Errorf("schema of no collection: %d", rec.Code)
	}
}

// TestRequestLog: every request, OPTIONS included, is logged with its
// method, path and query string (secrets redacted), status, bytes,
// duration and request id.
func TestRequestLog(t *testing.T) {
	var buf syncBuffer
	ts := newTestServer(t, func(c *web.Config) { c.Log = slog.New(slog.NewTextHandler(&buf, nil)) })
	ts.get("/collections/airfields/items?status=active&limit=2&access_token=hunter2", "X-Request-ID", "req-get")
	ts.do(http.MethodOptions, "/collections/airfields/items", nil, "X-Request-ID", "req-options")
	ts.patch(`{"properties":{"name":"Logged"}}`, "X-Request-ID", "req-patch")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	find := func(id string) string {
		for _, l := range lines {
			if strings.Contains(l, "request_id="+id) && strings.Contains(l, "msg=request") {
				return l
			}
		}
		t.Errorf("no log line for %s in:\n%s", id, buf.String())
		return ""
	}
	for id, want := range map[string][]string{
		"req-get":     {"method=GET", `path="/collections/airfields/items?status=active&limit=2&access_token=REDACTED"`, "status=400"},
		"req-options": {"method=OPTIONS", "path=/collections/airfields/items", "status=204"},
		"req-patch":   {"method=PATCH", "path=" + patchTarget, "status=200"},
	} {
		l := find(id)
		for _, w := range append(want, "bytes=", "duration=") {
			if !strings.Contains(l, w) {
				t.Errorf("%s: %q missing from %s", id, w, l)
			}
		}
	}
	if strings.Contains(buf.String(), "hunter2") || strings.Contains(buf.String(), testToken) {
		t.Errorf("a secret reached the log:\n%s", buf.String())
	}
}

// syncBuffer is a log destination that the server's goroutines and the
// test can share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestCRS: Part 2. Collections list the CRSs (CRS84 first) and the
// storage CRS; crs converts the coordinates of items and of one item (in
// the CRS's axis order) and says so in Content-Crs; bbox-crs reads the box
// in that CRS; Content-Crs converts written coordinates; a CRS we do not
// offer is a 400 naming the parameter.
func TestCRS(t *testing.T) {
	ts := newTestServer(t)
	wantList := []string{crs.CRS84}
	for _, code := range []string{"4326", "3857", "2180", "3346", "3059", "32634", "32635"} {
		wantList = append(wantList, "http://www.opengis.net/def/crs/EPSG/0/"+code)
	}
	for _, cid := range seedCollections {
		doc := ts.getJSON("/collections/" + cid)
		if !sameJSON(doc["crs"], wantList) || doc["storageCrs"] != crs.CRS84 {
			t.Errorf("%s: crs %v storageCrs %v", cid, doc["crs"], doc["storageCrs"])
		}
	}
	const items = "/collections/border-crossings/items?limit=10000"
	stored := pointsByID(t, ts.get(items).Body.Bytes())
	for _, uri := range wantList {
		c, _ := crs.Lookup(uri)
		rec := ts.get(items + "&crs=" + uri)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Crs") != "<"+uri+">" {
			t.Fatalf("crs=%s: %d, Content-Crs %q", uri, rec.Code, rec.Header().Get("Content-Crs"))
		}
		for id, p := range pointsByID(t, rec.Body.Bytes()) {
			a, b := c.FromCRS84(stored[id][0], stored[id][1])
			if p[0] != a || p[1] != b {
				t.Errorf("crs=%s %s: %v, want %v %v", uri, id, p, a, b)
			}
		}
	}
	one := ts.getJSON(patchTarget + "?crs=http://www.opengis.net/def/crs/EPSG/0/4326")
	if c := one["geometry"].(map[string]any)["coordinates"].([]any); c[0] != stored["crossing-bobrowniki-berestovitsa-road"][1] {
		t.Errorf("EPSG:4326 puts latitude first: %v, stored %v", c, stored["crossing-bobrowniki-berestovitsa-road"])
	}

}

// TestCRSInput: bbox-crs reads the box in that CRS and Content-Crs the
// body of a write; a CRS we do not offer is a 400 naming the parameter.
func TestCRSInput(t *testing.T) {
	ts := newTestServer(t)
	const items = "/collections/border-crossings/items?limit=10000"
	t.Run("bbox-crs", func(t *testing.T) {
		want := featureIDs(t, ts.getJSON(items+"&bbox=23.5,52,28,54.5"))
		merc, _ := crs.Lookup("EPSG:3857")
		x0, y0 := merc.FromCRS84(23.5, 52)
		x1, y1 := merc.FromCRS84(28, 54.5)
		for _, q := range []string{
			"&bbox=52,23.5,54.5,28&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326",
			fmt.Sprintf("&bbox=%.3f,%.3f,%.3f,%.3f&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3857", x0, y0, x1, y1),
		} {
			got := featureIDs(t, ts.getJSON(items+q))
			sort.Strings(got)
			sort.Strings(want)
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("%s: %v, want %v", q, got, want)
			}
		}
	})

	t.Run("Content-Crs on a write", func(t *testing.T) {
		pl, _ := crs.Lookup("EPSG:2180")
		n, e := pl.FromCRS84(23.5, 52.1)
		body := strings.Replace(newCrossing, "[23.5,52.1]", fmt.Sprintf("[%.4f,%.4f]", n, e), 1)
		res := ts.write(http.MethodPost, "/collections/border-crossings/items", body, "Content-Crs", "<"+pl.URI+">")
		if res.Code != http.StatusCreated {
			t.Fatalf("POST in EPSG:2180: %d %s", res.Code, res.Body)
		}
		if res.Header.Get("Content-Crs") != "<"+crs.CRS84+">" {
			t.Errorf("Content-Crs of the write response %q", res.Header.Get("Content-Crs"))
		}
		c := decode(t, res.Body)["geometry"].(map[string]any)["coordinates"].([]any)
		if d := max(abs(c[0].(float64)-23.5), abs(c[1].(float64)-52.1)); d > 1e-7 {
			t.Errorf("stored at %v, want 23.5 52.1", c)
		}
	})

	for _, tc := range []struct{ target, field string }{
		{items + "&crs=http://www.opengis.net/def/crs/EPSG/0/4258", "crs"},
		{patchTarget + "?crs=EPSG:9999", "crs"},
		{items + "&bbox=1,2,3,4&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/25834", "bbox-crs"},
		{items + "&bbox=600000,5800000,500000,5900000&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/32634", "bbox"},
	} {
		rec := ts.get(tc.target)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", tc.target, rec.Code)
		}
		checkError(t, rec.Body.Bytes(), tc.field)
	}
}

func abs(x float64) float64 { return max(x, -x) }

// pointsByID reads the point coordinates of a FeatureCollection.
func pointsByID(t *testing.T, body []byte) map[string][2]float64 {
	t.Helper()
	var fc struct {
		Features []struct {
			ID       string `json:"id"`
			Geometry struct {
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatal(err)
	}
	out := map[string][2]float64{}
	for _, f := range fc.Features {
		out[f.ID] = [2]float64{f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]}
	}
	if len(out) == 0 {
		t.Fatal("no features")
	}
	return out
}

// TestPatchConcurrent: patches of different properties sent at once never
// lose each other's changes: each one that succeeds is in the result (a
// patch is written only on the version it was merged with).
func TestPatchConcurrent(t *testing.T) {
	ts := newTestServer(t)
	const n = 8
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = ts.patch(fmt.Sprintf(`{"properties":{"note_%d":"patch %d"}}`, i, i)).Code
		}()
	}
	wg.Wait()
	props := ts.getJSON(patchTarget)["properties"].(map[string]any)
	ok := 0
	for i, code := range codes {
		switch code {
		case http.StatusOK:
			ok++
			if props[fmt.Sprintf("note_%d", i)] != fmt.Sprintf("patch %d", i) {
				t.Errorf("patch %d was acknowledged but is lost: %v", i, props)
			}
		case http.StatusPreconditionFailed:
		default:
			t.Errorf("patch %d: %d", i, code)
		}
	}
	if ok == 0 {
		t.Error("no concurrent patch succeeded")
	}
}
