package web_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sitmap/sitmap/internal/crs"
	"github.com/sitmap/sitmap/web"
)

func filteredIDs(t *testing.T, doc map[string]any) []string {
	t.Helper()
	var out []string
	for _, f := range doc["features"].([]any) {
		out = append(out, f.(map[string]any)["id"].(string))
	}
	slices.Sort(out)
	return out
}

// qgisParams encodes a filter as QGIS's OAPIF provider does
// (qgsoapifshareddata.cpp: QUrlQuery FullyEncoded, then
// "&filter-lang=cql2-text"), with the bbox it adds for the view.
func qgisParams(filter, bbox string) string {
	enc := strings.NewReplacer("+", "%20", "%27", "%27").Replace(url.QueryEscape(filter))
	return "bbox=" + bbox + "&filter=" + enc + "&filter-lang=cql2-text"
}

// TestFilterItems: CQL2 filters on items give the features the equivalent
// Part 1 parameters give, in text, in JSON and in the shape QGIS sends.
func TestFilterItems(t *testing.T) {
	ts := newTestServer(t)
	base := "/collections/border-crossings/items?limit=1000&"
	want := filteredIDs(t, ts.getJSON(base+"country=PL&status=closed"))
	if len(want) == 0 {
		t.Fatal("the seed has no closed Polish crossings")
	}
	for name, q := range map[string]string{
		"text":     "filter=" + url.QueryEscape("country = 'PL' AND status = 'closed'"),
		"json":     "filter-lang=cql2-json&filter=" + url.QueryEscape(`{"op":"and","args":[{"op":"=","args":[{"property":"country"},"PL"]},{"op":"=","args":[{"property":"status"},"closed"]}]}`),
		"qgis":     qgisParams(`"country" = 'PL' AND "status" = 'closed'`, "-180,-90,180,90"),
		"in":       "filter=" + url.QueryEscape("country IN ('PL') AND CASEI(status) = CASEI('CLOSED')"),
		"cql-text": "filter-lang=cql-text&filter=" + url.QueryEscape("country = 'PL' AND status = 'closed'"),
		"crs":      "filter-crs=" + url.QueryEscape("http://www.opengis.net/def/crs/OGC/1.3/CRS84") + "&filter=" + url.QueryEscape("country = 'PL' AND status = 'closed' AND S_INTERSECTS(geometry, BBOX(-180, -90, 180, 90))"),
	} {
		doc := ts.getJSON(base + q)
		if got := filteredIDs(t, doc); !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
		if int(doc["numberMatched"].(float64)) != len(want) {
			t.Errorf("%s: numberMatched %v, want %d", name, doc["numberMatched"], len(want))
		}
	}
	// QGIS 3.32+ sends CQL2 text only when the first four are declared; the
	// rest are the classes the storetest filter table covers.
	var conf []string
	for _, c := range ts.getJSON("/conformance")["conformsTo"].([]any) {
		conf = append(conf, c.(string))
	}
	for _, c := range []string{"ogcapi-features-3/1.0/conf/filter", "ogcapi-features-3/1.0/conf/features-filter",
		"cql2/1.0/conf/cql2-text", "cql2/1.0/conf/basic-cql2", "cql2/1.0/conf/cql2-json", "cql2/1.0/conf/advanced-comparison-operators",
		"cql2/1.0/conf/case-insensitive-comparison", "cql2/1.0/conf/accent-insensitive-comparison", "cql2/1.0/conf/basic-spatial-functions",
		"cql2/1.0/conf/basic-spatial-functions-plus", "cql2/1.0/conf/spatial-functions", "cql2/1.0/conf/temporal-functions",
		"cql2/1.0/conf/property-property"} {
		if !slices.Contains(conf, "http://www.opengis.net/spec/"+c) {
			t.Errorf("/conformance lacks %s", c)
		}
	}
	// The next link keeps the filter.
	doc := ts.getJSON(base[:len(base)-len("limit=1000&")] + "limit=1&filter=" + url.QueryEscape("country = 'PL'"))
	for _, l := range doc["links"].([]any) {
		if l := l.(map[string]any); l["rel"] == "next" && !strings.Contains(l["href"].(string), "filter=") {
			t.Errorf("next link %v drops the filter", l["href"])
		}
	}
}

// TestFilterErrors: a bad filter is a 400 that names the parameter and
// says what is wrong.
func TestFilterErrors(t *testing.T) {
	ts := newTestServer(t)
	deep := strings.Repeat("(", 70) + "country = 'PL'" + strings.Repeat(")", 70)
	var pts []string
	for i := 0; i < 10001; i++ {
		pts = append(pts, "1 2")
	}
	many := "S_INTERSECTS(geometry, MULTIPOINT(" + strings.Join(pts, ",") + "))"
	long := "name = '" + strings.Repeat("x", 70000) + "'"
	tests := []struct{ name, query, field, says string }{
		{"syntax", "filter=" + url.QueryEscape("country = "), "filter", "expected a property, a literal or a function"},
		{"position", "filter=" + url.QueryEscape("country == 'PL'"), "filter", "at offset 9"},
		{"unknown property", "filter=" + url.QueryEscape("colour = 'red'"), "filter", `"colour" is not a queryable`},
		{"depth", "filter=" + url.QueryEscape(deep), "filter", "deeper than 64"},
		{"vertices", "filter=" + url.QueryEscape(many), "filter", "more than 10000 vertices"},
		{"length", "filter=" + url.QueryEscape(long), "filter", "longer than 65536 bytes"},
		{"json", "filter-lang=cql2-json&filter=" + url.QueryEscape(`{"op":"=","args":[{"property":"country"}]}`), "filter", "takes 2 arguments"},
		{"lang", "filter-lang=cql&filter=" + url.QueryEscape("country = 'PL'"), "filter-lang", "not supported"},
		{"crs", "filter-crs=" + url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/9999") + "&filter=" + url.QueryEscape("country = 'PL'"), "filter-crs", "not offered"},
		{"temporal", "filter=" + url.QueryEscape("T_AFTER(name, DATE('2025-09-01'))"), "filter", "needs times"},
		{"arithmetic", "filter=" + url.QueryEscape("uncertainty_m + 1 > 2"), "filter", "expected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := ts.get("/collections/border-crossings/items?" + tt.query)
			var e struct{ Code, Description, Field string }
			_ = json.Unmarshal(rec.Body.Bytes(), &e)
			if rec.Code != 400 || e.Field != tt.field || !strings.Contains(e.Description, tt.says) {
				t.Errorf("%d %s; want 400 on %s saying %q", rec.Code, rec.Body.String()[:min(300, rec.Body.Len())], tt.field, tt.says)
			}
		})
	}
}

// TestTiles_Filter: ?filter= draws only the matching features, is cached
// apart from the unfiltered tile, and the tile templates carry it.
func TestTiles_Filter(t *testing.T) {
	ts := newTestServer(t, withTileCache)
	want := filteredIDs(t, ts.getJSON("/collections/border-crossings/items?limit=1000&country=PL"))
	all := filteredIDs(t, ts.getJSON("/collections/border-crossings/items?limit=1000"))
	if len(want) == 0 || len(want) == len(all) {
		t.Fatalf("the seed should have some Polish crossings, not all: %d of %d", len(want), len(all))
	}
	f := "?filter=" + url.QueryEscape("country = 'PL'")
	for _, u := range []string{"/tiles/border-crossings/0/0/0.mvt", "/tiles/all/0/0/0.mvt",
		"/collections/border-crossings/tiles/WebMercatorQuad/0/0/0"} {
		for round := 0; round < 2; round++ { // the second round comes from the cache
			plain := ts.get(u)
			filtered := ts.get(u + f)
			if plain.Code != 200 || filtered.Code != 200 {
				t.Fatalf("%s: %d, filtered %d %s", u, plain.Code, filtered.Code, filtered.Body)
			}
			got := decodeMVT(t, filtered)["border-crossings"]
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s%s: %v, want %v", u, f, got, want)
			}
			if n := len(decodeMVT(t, plain)["border-crossings"]); n != len(all) {
				t.Errorf("%s: %d features, want %d", u, n, len(all))
			}
		}
	}
	tj := ts.getJSON("/tiles/border-crossings.json" + f)
	if tpl := tj["tiles"].([]any)[0].(string); !strings.HasSuffix(tpl, "/{z}/{x}/{y}.mvt"+f) {
		t.Errorf("TileJSON template %s drops the filter", tpl)
	}
	ogc := ts.get("/collections/border-crossings/tiles/WebMercatorQuad" + f)
	if !strings.Contains(ogc.Body.String(), `{tileCol}`+strings.ReplaceAll(f, "&", `\u0026`)) {
		t.Errorf("OGC tileset template drops the filter: %s", ogc.Body)
	}
	for _, u := range []string{"/tiles/border-crossings/0/0/0.mvt?filter=" + url.QueryEscape("colour = 'red'"),
		"/tiles/all/0/0/0.mvt?filter=" + url.QueryEscape("country =="),
		"/tiles/basemap/0/0/0.mvt?filter=" + url.QueryEscape("country = 'PL'")} {
		rec := ts.get(u)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"field":"filter"`) {
			t.Errorf("%s: %d %s, want 400 naming filter", u, rec.Code, rec.Body)
		}
	}
}

// TestFilterTimeout: a filter that runs past the server's filter timeout
// is a 400 naming the filter, on items and on tiles.
func TestFilterTimeout(t *testing.T) {
	ts := newTestServer(t, func(c *web.Config) { c.FilterTimeout = time.Nanosecond })
	f := url.QueryEscape("country = 'PL'")
	for _, u := range []string{"/collections/border-crossings/items?filter=" + f, "/tiles/border-crossings/0/0/0.mvt?filter=" + f} {
		rec := ts.get(u)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"field":"filter"`) || !strings.Contains(rec.Body.String(), "too long") {
			t.Errorf("%s: %d %s, want 400 naming filter", u, rec.Code, rec.Body)
		}
	}
	if rec := ts.get("/collections/border-crossings/items?country=PL"); rec.Code != 200 {
		t.Errorf("unfiltered: %d", rec.Code)
	}
}

// TestFilterCRS: geometry literals in filter-crs (in its axis order) select
// what the same area in CRS84 selects.
func TestFilterCRS(t *testing.T) {
	ts := newTestServer(t)
	base := "/collections/border-crossings/items?limit=1000&"
	want := filteredIDs(t, ts.getJSON(base+"country=PL"))
	// A CRS84 box round the Polish-Belarusian border, in each system.
	w, s, e, n := 22.5, 51.0, 25.0, 54.5
	for _, uri := range []string{"http://www.opengis.net/def/crs/EPSG/0/4326", "http://www.opengis.net/def/crs/EPSG/0/2180"} {
		c, ok := crs.Lookup(uri)
		if !ok {
			t.Fatalf("%s not offered", uri)
		}
		lo := [2]float64{math.Inf(1), math.Inf(1)}
		hi := [2]float64{math.Inf(-1), math.Inf(-1)}
		for _, p := range [][2]float64{{w, s}, {e, s}, {e, n}, {w, n}} {
			a, b := c.FromCRS84(p[0], p[1])
			lo = [2]float64{min(lo[0], a), min(lo[1], b)}
			hi = [2]float64{max(hi[0], a), max(hi[1], b)}
		}
		f := fmt.Sprintf("country = 'PL' AND S_INTERSECTS(geometry, BBOX(%f, %f, %f, %f))", lo[0], lo[1], hi[0], hi[1])
		got := filteredIDs(t, ts.getJSON(base+"filter-crs="+url.QueryEscape(uri)+"&filter="+url.QueryEscape(f)))
		if !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", uri, got, want)
		}
		// The same numbers read as CRS84 lie elsewhere: so the CRS was used.
		if none := filteredIDs(t, ts.getJSON(base+"filter="+url.QueryEscape(f))); len(none) != 0 {
			t.Errorf("%s numbers read as CRS84 selected %v", uri, none)
		}
	}
}
