package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

var seedCollections = []string{"airfields", "airspace-restrictions", "border-crossings", "military-sites", "training-grounds"}

// all returns every feature of a collection straight from the store.
func (ts *testServer) all(cid string) []*geo.Feature {
	ts.t.Helper()
	p, err := ts.st.Query(context.Background(), store.Query{Collection: cid})
	if err != nil {
		ts.t.Fatal(err)
	}
	return p.Features
}

func featureIDs(t *testing.T, fc map[string]any) []string {
	t.Helper()
	if fc["type"] != "FeatureCollection" {
		t.Fatalf("type %v, want FeatureCollection", fc["type"])
	}
	feats, ok := fc["features"].([]any)
	if !ok {
		t.Fatalf("features missing: %v", fc)
	}
	ids := []string{}
	for _, f := range feats {
		ids = append(ids, f.(map[string]any)["id"].(string))
	}
	return ids
}

// TestItemsResponse covers the §5.7 items points: type, features, links
// self and alternate with rel and type, numberReturned and numberMatched
// exact, timeStamp RFC 3339, geo+json.
func TestItemsResponse(t *testing.T) {
	ts := newTestServer(t)
	for _, cid := range seedCollections {
		t.Run(cid, func(t *testing.T) {
			rec := ts.get("/collections/"+cid+"/items", "Accept", "application/geo+json")
			if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/geo+json" {
				t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
			}
			var fc map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &fc); err != nil {
				t.Fatal(err)
			}
			ids := featureIDs(t, fc)
			if got := int(fc["numberReturned"].(float64)); got != len(ids) {
				t.Errorf("numberReturned %d, features %d", got, len(ids))
			}
			if got, want := int(fc["numberMatched"].(float64)), ts.count(cid); got != want {
				t.Errorf("numberMatched %d, want %d", got, want)
			}
			if _, err := time.Parse(time.RFC3339, fc["timeStamp"].(string)); err != nil {
				t.Errorf("timeStamp: %v", err)
			}
			links := linksOf(t, fc)
			for _, want := range [][2]string{{"self", "application/geo+json"}, {"alternate", "text/html"}, {"collection", "application/json"}} {
				if findLink(links, want[0], want[1]) == nil {
					t.Errorf("no %s link of type %s: %v", want[0], want[1], links)
				}
			}
			for _, f := range fc["features"].([]any) {
				fm := f.(map[string]any)
				if fm["type"] != "Feature" || fm["geometry"] == nil || fm["properties"] == nil {
					t.Errorf("feature %v is not a GeoJSON Feature", fm["id"])
				}
				if id := fm["id"].(string); url.PathEscape(id) != id {
					t.Errorf("id %q is not URL-safe", id)
				}
			}
		})
	}
}

// TestPaging follows next from limit=3: every feature exactly once, and
// numberMatched equals the count; prev links lead back.
func TestPaging(t *testing.T) {
	ts := newTestServer(t)
	for _, cid := range seedCollections {
		t.Run(cid, func(t *testing.T) {
			seen := map[string]int{}
			next := "/collections/" + cid + "/items?limit=3"
			pages, matched := 0, -1
			for next != "" {
				fc := ts.getJSON(next)
				pages++
				for _, id := range featureIDs(t, fc) {
					seen[id]++
				}
				if n := len(fc["features"].([]any)); n > 3 {
					t.Fatalf("page %d has %d features, limit 3", pages, n)
				}
				matched = int(fc["numberMatched"].(float64))
				links := linksOf(t, fc)
				if pages > 1 && findLink(links, "prev", "application/geo+json") == nil {
					t.Errorf("page %d has no prev link", pages)
				}
				next = ""
				if l := findLink(links, "next", "application/geo+json"); l != nil {
					u, err := url.Parse(l["href"].(string))
					if err != nil || u.RawQuery == "" || u.Query().Get("limit") != "3" {
						t.Fatalf("next %v must carry limit and offset", l["href"])
					}
					next = path(l["href"].(string))
				}
				if pages > 100 {
					t.Fatal("paging does not end")
				}
			}
			want := ts.count(cid)
			if len(seen) != want || matched != want {
				t.Errorf("visited %d distinct, numberMatched %d, want %d", len(seen), matched, want)
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("%s seen %d times", id, n)
				}
			}
		})
	}
	t.Run("links keep the other parameters", func(t *testing.T) {
		fc := ts.getJSON("/collections/border-crossings/items?limit=2&country=PL&sortby=-name")
		l := findLink(linksOf(t, fc), "next", "")
		if l == nil {
			t.Fatal("no next link")
		}
		u, _ := url.Parse(l["href"].(string))
		q := u.Query()
		if q.Get("country") != "PL" || q.Get("sortby") != "-name" || q.Get("offset") != "2" || q.Get("limit") != "2" {
			t.Errorf("next %s lost parameters", l["href"])
		}
	})
}

// TestItemsParameters: every parameter, valid and invalid, with the
// status and the field named.
func TestItemsParameters(t *testing.T) {
	ts := newTestServer(t)
	const items = "/collections/border-crossings/items"
	cases := []struct {
		name, query string
		status      int
		field       string
	}{
		{"no parameters", "", 200, ""},
		{"limit 1", "limit=1", 200, ""},
		{"limit max", "limit=10000", 200, ""},
		{"limit above max is clamped", "limit=20000", 200, ""},
		{"limit unlimited", "limit=unlimited", 400, "limit"},
		{"limit zero", "limit=0", 400, "limit"},
		{"limit negative", "limit=-5", 400, "limit"},
		{"limit fraction", "limit=2.5", 400, "limit"},
		{"offset", "offset=3", 200, ""},
		{"offset past the end", "offset=100000", 200, ""},
		{"offset negative", "offset=-1", 400, "offset"},
		{"offset text", "offset=x", 400, "offset"},
		{"unknown parameter", "unknownQueryParameter12345=1", 400, "unknownQueryParameter12345"},
		{"queryable of another collection", "icao=UMMS", 400, "icao"},
		{"repeated parameter", "limit=1&limit=2", 400, "limit"},
		{"bbox", "bbox=23,52,24,54", 200, ""},
		{"bbox 6 numbers", "bbox=23,52,0,24,54,100", 200, ""},
		{"bbox antimeridian", "bbox=177,65,-177,70", 200, ""},
		{"bbox north pole", "bbox=-180,85,180,90", 200, ""},
		{"bbox south pole", "bbox=-180,-90,180,-85", 200, ""},
		{"bbox meridian", "bbox=-1.5,50,1.5,53", 200, ""},
		{"bbox equator", "bbox=-80,-5,-70,5", 200, ""},
		{"bbox 3 numbers", "bbox=1,2,3", 400, "bbox"},
		{"bbox 5 numbers", "bbox=1,2,3,4,5", 400, "bbox"},
		{"bbox text", "bbox=a,b,c,d", 400, "bbox"},
		{"bbox latitude out of range", "bbox=0,-91,1,1", 400, "bbox"},
		{"bbox south above north", "bbox=0,10,1,5", 400, "bbox"},
		{"datetime instant", "datetime=2025-09-12T10:00:00Z", 200, ""},
		{"datetime date", "datetime=2025-09-12", 200, ""},
		{"datetime interval", "datetime=2025-09-12T00:00:00Z/2025-09-16T23:59:59Z", 200, ""},
		{"datetime open start", "datetime=../2025-09-16T00:00:00Z", 200, ""},
		{"datetime open end", "datetime=2025-09-12T00:00:00Z/..", 200, ""},
		{"datetime duration", "datetime=2025-09-12/P2D", 200, ""},
		{"datetime with offset", "datetime=2025-09-12T10:00:00%2B03:00", 200, ""},
		{"datetime with unencoded +", "datetime=2025-09-12T10:00:00+03:00/..", 200, ""},
		{"datetime garbage", "datetime=yesterday", 400, "datetime"},
		{"datetime reversed", "datetime=2025-09-16/2025-09-12", 400, "datetime"},
		{"datetime bad duration", "datetime=2025-09-12/P2X", 400, "datetime"},
		{"q", "q=bobrowniki", 200, ""},
		{"sortby name", "sortby=name", 200, ""},
		{"sortby -name", "sortby=-name", 200, ""},
		{"sortby +updated", "sortby=%2Bupdated", 200, ""},
		{"sortby unencoded +", "sortby=+updated", 200, ""},
		{"sortby several", "sortby=updated,-id", 200, ""},
		{"sortby unknown", "sortby=country", 400, "sortby"},
		{"sortby empty key", "sortby=name,", 400, "sortby"},
		{"queryable", "status=closed", 200, ""},
		{"queryable outside the vocabulary", "status=sideways", 200, ""},
		{"collection queryable", "mode=rail", 200, ""},
		{"f json", "f=json", 200, ""},
		{"f html", "f=html", 200, ""},
		{"f unknown", "f=xml", 400, "f"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := ts.get(items + "?" + tc.query)
			if rec.Code != tc.status {
				t.Fatalf("%s: status %d, want %d: %s", tc.query, rec.Code, tc.status, rec.Body)
			}
			if tc.status == 200 {
				return
			}
			checkError(t, rec.Body.Bytes(), tc.field)
		})
	}
	t.Run("limit above the maximum is clamped in the links", func(t *testing.T) {
		fc := ts.getJSON(items + "?limit=20000")
		self := findLink(linksOf(t, fc), "self", "")
		if !strings.Contains(self["href"].(string), "limit=20000") {
			t.Errorf("self %v", self["href"])
		}
		fc = ts.getJSON(items + "?limit=20000&offset=1")
		prev := findLink(linksOf(t, fc), "prev", "")
		if prev == nil || !strings.Contains(prev["href"].(string), "limit=10000") {
			t.Errorf("prev %v, want limit=10000", prev)
		}
	})
}

// checkError asserts the OGC exception shape and the field at fault.
func checkError(t *testing.T, body []byte, field string) {
	t.Helper()
	var e map[string]any
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body is not JSON: %s", body)
	}
	if s, _ := e["code"].(string); s == "" {
		t.Errorf("no code: %s", body)
	}
	if s, _ := e["description"].(string); s == "" {
		t.Errorf("no description: %s", body)
	}
	if field != "" && e["field"] != field {
		t.Errorf("field %v, want %q: %s", e["field"], field, body)
	}
}

// TestFilters compares every filter's answer with the same filter applied
// by hand to all features.
func TestFilters(t *testing.T) {
	ts := newTestServer(t)
	type tc struct {
		cid, query string
		keep       func(f *geo.Feature) bool
	}
	box := func(s string) func(*geo.Feature) bool {
		b, err := geo.ParseBBox(s)
		if err != nil {
			t.Fatal(err)
		}
		return func(f *geo.Feature) bool { return b.Intersects(f.Geometry()) }
	}
	when := func(s string) func(*geo.Feature) bool {
		iv, err := geo.ParseDatetime(s)
		if err != nil {
			t.Fatal(err)
		}
		return func(f *geo.Feature) bool { return f.Extent().Intersects(iv) }
	}
	cases := []tc{
		{"border-crossings", "bbox=23.5,52,24.5,54", box("23.5,52,24.5,54")},
		{"training-grounds", "bbox=26,52,29,55", box("26,52,29,55")},
		{"airspace-restrictions", "bbox=22,53,24,55", box("22,53,24,55")},
		{"airspace-restrictions", "bbox=177,65,-177,70", box("177,65,-177,70")},
		{"airspace-restrictions", "bbox=20,50,30,60,", nil},
		{"airspace-restrictions", "datetime=2025-09-13T12:00:00Z", when("2025-09-13T12:00:00Z")},
		{"airspace-restrictions", "datetime=2025-09-12T00:00:00Z/2025-09-14T00:00:00Z", when("2025-09-12T00:00:00Z/2025-09-14T00:00:00Z")},
		{"airspace-restrictions", "datetime=../2025-09-01T00:00:00Z", when("../2025-09-01T00:00:00Z")},
		{"airspace-restrictions", "datetime=2025-12-01T00:00:00Z/..", when("2025-12-01T00:00:00Z/..")},
		{"airspace-restrictions", "datetime=2025-09-20/P2D", when("2025-09-20/P2D")},
		{"military-sites", "datetime=2020-01-01", when("2020-01-01")},
		{"border-crossings", "country=PL", func(f *geo.Feature) bool { return f.String("country") == "PL" }},
		{"border-crossings", "status=closed", func(f *geo.Feature) bool { return f.String("status") == "closed" }},
		{"border-crossings", "mode=rail", func(f *geo.Feature) bool { return f.String("mode") == "rail" }},
		{"border-crossings", "mode=road&country=LV", func(f *geo.Feature) bool { return f.String("mode") == "road" && f.String("country") == "LV" }},
		{"airfields", "confidence=confirmed", func(f *geo.Feature) bool { return f.String("confidence") == "confirmed" }},
		{"airfields", "q=BASE", func(f *geo.Feature) bool { return f.MatchesText("base") }},
		{"border-crossings", "q=" + url.QueryEscape("Берасцавіца"), func(f *geo.Feature) bool { return f.MatchesText("Берасцавіца") }},
	}
	for _, c := range cases {
		if c.keep == nil {
			continue
		}
		t.Run(c.cid+"?"+c.query, func(t *testing.T) {
			want := []string{}
			for _, f := range ts.all(c.cid) {
				if c.keep(f) {
					want = append(want, f.ID())
				}
			}
			fc := ts.getJSON("/collections/" + c.cid + "/items?limit=10000&" + c.query)
			got := featureIDs(t, fc)
			sort.Strings(got)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("got %v\nwant %v", got, want)
			}
			if int(fc["numberMatched"].(float64)) != len(want) {
				t.Errorf("numberMatched %v, want %d", fc["numberMatched"], len(want))
			}
		})
	}
	t.Run("some filters select a strict subset", func(t *testing.T) {
		for _, q := range []string{"status=closed", "mode=rail", "bbox=23.5,52,24.5,54"} {
			n := len(featureIDs(t, ts.getJSON("/collections/border-crossings/items?limit=10000&"+q)))
			if n == 0 || n == ts.count("border-crossings") {
				t.Errorf("%s selected %d of %d: the test data does not exercise it", q, n, ts.count("border-crossings"))
			}
		}
	})
}

// TestSortBy checks the orders, ties broken by id.
func TestSortBy(t *testing.T) {
	ts := newTestServer(t)
	names := func(q string) []string {
		fc := ts.getJSON("/collections/airfields/items?" + q)
		var out []string
		for _, f := range fc["features"].([]any) {
			out = append(out, strings.ToLower(f.(map[string]any)["properties"].(map[string]any)["name"].(string)))
		}
		return out
	}
	asc := names("sortby=name")
	if !slices.IsSorted(asc) {
		t.Errorf("sortby=name: %v", asc)
	}
	desc := names("sortby=-name")
	slices.Reverse(desc)
	if !slices.Equal(asc, desc) {
		t.Errorf("sortby=-name is not the reverse of sortby=name")
	}
	ids := featureIDs(t, ts.getJSON("/collections/airfields/items?sortby=-id"))
	if !slices.IsSortedFunc(ids, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("sortby=-id: %v", ids)
	}
	var updated []string
	for _, f := range ts.getJSON("/collections/airfields/items?sortby=updated")["features"].([]any) {
		updated = append(updated, f.(map[string]any)["properties"].(map[string]any)["updated"].(string))
	}
	if !slices.IsSorted(updated) {
		t.Errorf("sortby=updated: %v", updated)
	}
}

// TestFeature: links self, alternate, collection; strong ETag and 304;
// 404s; only f is accepted.
func TestFeature(t *testing.T) {
	ts := newTestServer(t)
	fc := ts.getJSON("/collections/airfields/items?limit=1")
	id := featureIDs(t, fc)[0]
	target := "/collections/airfields/items/" + id
	rec := ts.get(target, "Accept", "application/geo+json")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/geo+json" {
		t.Fatalf("status %d type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var f map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &f); err != nil {
		t.Fatal(err)
	}
	if f["type"] != "Feature" || f["id"] != id {
		t.Errorf("type %v id %v", f["type"], f["id"])
	}
	links := linksOf(t, f)
	for _, want := range [][2]string{{"self", "application/geo+json"}, {"alternate", "text/html"}, {"collection", "application/json"}} {
		l := findLink(links, want[0], want[1])
		if l == nil {
			t.Errorf("no %s link of type %s: %v", want[0], want[1], links)
		}
	}
	if l := findLink(links, "collection", ""); l != nil && path(l["href"].(string)) != "/collections/airfields?f=json" {
		t.Errorf("collection link %v", l["href"])
	}
	tag := rec.Header().Get("ETag")
	if !strings.HasPrefix(tag, `"`) || strings.HasPrefix(tag, "W/") {
		t.Fatalf("ETag %q is not strong", tag)
	}
	if rec := ts.get(target, "If-None-Match", tag); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("If-None-Match current: %d, want 304", rec.Code)
	}
	if rec := ts.get(target, "If-None-Match", `"other"`); rec.Code != 200 {
		t.Errorf("If-None-Match stale: %d, want 200", rec.Code)
	}
	for _, c := range []struct {
		target string
		status int
	}{
		{"/collections/airfields/items/no-such-feature", 404},
		{"/collections/no-such-collection/items/" + id, 404},
		{"/collections/no-such-collection/items", 404},
		{"/collections/no-such-collection", 404},
		{"/collections/no-such-collection/queryables", 404},
		{"/no/such/path", 404},
		{target + "?limit=3", 400},
	} {
		rec := ts.get(c.target)
		if rec.Code != c.status {
			t.Errorf("GET %s: %d, want %d", c.target, rec.Code, c.status)
		}
		checkError(t, rec.Body.Bytes(), "")
	}
}

// TestCollections: /collections and /collections/{id} agree exactly;
// items links typed geo+json; extents computed from the data.
func TestCollections(t *testing.T) {
	ts := newTestServer(t)
	all := ts.getJSON("/collections", "Accept", "application/json")
	links := linksOf(t, all)
	if findLink(links, "self", "application/json") == nil || findLink(links, "alternate", "text/html") == nil {
		t.Errorf("collections links %v", links)
	}
	cols := all["collections"].([]any)
	var ids []string
	for _, c := range cols {
		cm := c.(map[string]any)
		id := cm["id"].(string)
		ids = append(ids, id)
		one := ts.getJSON("/collections/"+id, "Accept", "application/json")
		for _, k := range []string{"id", "title", "description", "extent", "itemType", "crs"} {
			a, _ := json.Marshal(cm[k])
			b, _ := json.Marshal(one[k])
			if string(a) != string(b) {
				t.Errorf("%s: %s differs: %s vs %s", id, k, a, b)
			}
		}
		if cm["storageCrs"] != "http://www.opengis.net/def/crs/OGC/1.3/CRS84" {
			t.Errorf("%s: storageCrs %v", id, cm["storageCrs"])
		}
		if cm["itemType"] != "feature" || cm["crs"].([]any)[0] != "http://www.opengis.net/def/crs/OGC/1.3/CRS84" {
			t.Errorf("%s: itemType %v crs %v", id, cm["itemType"], cm["crs"])
		}
		cl := linksOf(t, cm)
		items := findLink(cl, "items", "application/geo+json")
		if items == nil || path(items["href"].(string)) != "/collections/"+id+"/items" {
			t.Errorf("%s: items link %v", id, items)
		}
		for _, l := range cl {
			if l["rel"] == nil || l["type"] == nil {
				t.Errorf("%s: link without rel or type: %v", id, l)
			}
		}
		if findLink(cl, "self", "application/json") == nil || findLink(cl, "alternate", "text/html") == nil ||
			findLink(cl, "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json") == nil {
			t.Errorf("%s: links %v", id, cl)
		}
		// The extent is the data's.
		var bound []float64
		for _, f := range ts.all(id) {
			b := f.Bound()
			if bound == nil {
				bound = []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
			}
			bound = []float64{min(bound[0], b.Min[0]), min(bound[1], b.Min[1]), max(bound[2], b.Max[0]), max(bound[3], b.Max[1])}
		}
		ext := cm["extent"].(map[string]any)
		sp := ext["spatial"].(map[string]any)
		got := sp["bbox"].([]any)[0].([]any)
		for i := range bound {
			if got[i].(float64) != bound[i] {
				t.Errorf("%s: bbox %v, want %v", id, got, bound)
				break
			}
		}
		if sp["crs"] != "http://www.opengis.net/def/crs/OGC/1.3/CRS84" {
			t.Errorf("%s: extent crs %v", id, sp["crs"])
		}
		iv := ext["temporal"].(map[string]any)["interval"].([]any)[0].([]any)
		if len(iv) != 2 {
			t.Errorf("%s: interval %v", id, iv)
		}
	}
	if !slices.Equal(ids, seedCollections) {
		t.Errorf("collections %v, want %v", ids, seedCollections)
	}
	ext := ts.getJSON("/collections/airspace-restrictions")["extent"].(map[string]any)["temporal"].(map[string]any)
	if iv := ext["interval"].([]any)[0].([]any); iv[0] == nil {
		t.Errorf("airspace restrictions have valid_from: interval %v should start", iv)
	}
}

func TestQueryables(t *testing.T) {
	ts := newTestServer(t)
	rec := ts.get("/collections/border-crossings/queryables")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/schema+json" {
		t.Fatalf("status %d type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var s map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" || s["type"] != "object" ||
		path(fmt.Sprint(s["$id"])) != "/collections/border-crossings/queryables" {
		t.Errorf("schema head: %v %v %v", s["$schema"], s["type"], s["$id"])
	}
	props := s["properties"].(map[string]any)
	for _, k := range []string{"country", "status", "confidence", "mode", "uncertainty_m"} {
		if _, ok := props[k]; !ok {
			t.Errorf("queryable %s missing", k)
		}
	}
	if _, ok := props["icao"]; ok {
		t.Error("icao belongs to airfields")
	}
	if g, _ := props["geometry"].(map[string]any); g["format"] != "geometry-any" {
		t.Errorf("geometry queryable: %v, want format geometry-any", props["geometry"])
	}
	for _, k := range []string{"valid_from", "valid_to"} {
		if p, _ := props[k].(map[string]any); p["format"] != "date-time" {
			t.Errorf("temporal queryable %s: %v, want format date-time", k, props[k])
		}
	}
	// Every queryable but the geometry works as an equality parameter.
	for k := range props {
		if k == "geometry" {
			continue
		}
		rec := ts.get("/collections/border-crossings/items?" + k + "=" + url.QueryEscape(sampleValue(props[k].(map[string]any))))
		if rec.Code != 200 {
			t.Errorf("filter %s: %d %s", k, rec.Code, rec.Body)
		}
	}
}

func sampleValue(schema map[string]any) string {
	if e, ok := schema["enum"].([]any); ok && len(e) > 0 {
		return fmt.Sprint(e[0])
	}
	if schema["type"] == "number" || schema["type"] == "integer" {
		return "1"
	}
	return "x"
}
