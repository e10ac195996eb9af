package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/workload"
	"github.com/sitmap/sitmap/web"
)

func withTileCache(c *web.Config) { c.TileCacheBytes = 64 << 20 }

func tileURL(tileset string, t maptile.Tile) string {
	return fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", tileset, t.Z, t.X, t.Y)
}

// decodeMVT decodes a tile answer (gzipped or not) into layer name →
// feature "id" properties.
func decodeMVT(t *testing.T, rec *httptest.ResponseRecorder) map[string][]string {
	t.Helper()
	body := rec.Body.Bytes()
	if rec.Header().Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	layers, err := mvt.Unmarshal(body)
	if err != nil {
		t.Fatalf("decode tile: %v", err)
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

func hasID(ids []string, id string) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

func TestTiles_BadRequests(t *testing.T) {
	ts := newTestServer(t)
	tests := []struct {
		path   string
		status int
		field  string
	}{
		{"/tiles/all/23/0/0.mvt", 400, "z"},
		{"/tiles/all/a/0/0.mvt", 400, "z"},
		{"/tiles/all/1/2/0.mvt", 400, "x"},
		{"/tiles/all/1/0/-1.mvt", 400, "y"},
		{"/tiles/all/1/0/y.mvt", 400, "y"},
		{"/tiles/all/0/0/0.mvt?datetime=yesterday", 400, "datetime"},
		{"/tiles/no-such-layer/0/0/0.mvt", 404, ""},
		{"/tiles/no-such-layer.json", 404, ""},
		{"/collections/airfields/tiles/WebMercatorQuad/3/8/0", 400, "tileRow"},
		{"/collections/airfields/tiles/WebMercatorQuad/3/0/8", 400, "tileCol"},
		{"/collections/airfields/tiles/WebMercatorQuad/30/0/0", 400, "tileMatrix"},
		{"/collections/airfields/tiles/WorldCRS84Quad/0/0/0", 404, ""},
		{"/collections/nope/tiles/WebMercatorQuad/0/0/0", 404, ""},
		{"/collections/nope/tiles", 404, ""},
		{"/tileMatrixSets/Other", 404, ""},
	}
	for _, tc := range tests {
		rec := ts.get(tc.path)
		var body map[string]string
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != tc.status || body["field"] != tc.field || body["code"] == "" ||
			!strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Errorf("GET %s: %d %s %s, want %d JSON error on field %q", tc.path, rec.Code, rec.Header().Get("Content-Type"), rec.Body, tc.status, tc.field)
		}
	}
	// A tile with nothing in it: no content.
	if rec := ts.get("/tiles/all/10/0/0.mvt"); rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Errorf("empty tile: %d with %d bytes, want 204 and no body", rec.Code, rec.Body.Len())
	}
}

func TestTiles_Headers(t *testing.T) {
	ts := newTestServer(t, withTileCache)
	minsk := maptile.At(orb.Point{27.56, 53.9}, 6)
	url := tileURL("all", minsk)
	plain := ts.get(url)
	if plain.Code != 200 || plain.Header().Get("Content-Type") != "application/vnd.mapbox-vector-tile" ||
		plain.Header().Get("Content-Encoding") != "" || plain.Header().Get("Cache-Control") != "public, max-age=60" {
		t.Fatalf("GET %s: %d %v", url, plain.Code, plain.Header())
	}
	layers := decodeMVT(t, plain)
	for _, l := range []string{"airfields", "training-grounds", "military-sites"} {
		if len(layers[l]) == 0 {
			t.Errorf("tile %s has no %s layer: %v", url, l, layers)
		}
	}
	zipped := ts.get(url, "Accept-Encoding", "gzip")
	if zipped.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip accepted, got Content-Encoding %q", zipped.Header().Get("Content-Encoding"))
	}
	if fmt.Sprint(decodeMVT(t, zipped)) != fmt.Sprint(layers) {
		t.Error("the gzipped tile decodes to another tile")
	}
	tag := plain.Header().Get("ETag")
	if !strings.HasPrefix(tag, `"`) || tag == zipped.Header().Get("ETag") {
		t.Errorf("ETags %q (identity) and %q (gzip): want strong and distinct", tag, zipped.Header().Get("ETag"))
	}
	for _, h := range []string{tag, zipped.Header().Get("ETag"), `"x", ` + tag} {
		if rec := ts.get(url, "If-None-Match", h); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
			t.Errorf("If-None-Match %s: %d, want 304", h, rec.Code)
		}
	}
	if rec := ts.get(url, "If-None-Match", `"other"`); rec.Code != 200 {
		t.Errorf("If-None-Match other: %d, want 200", rec.Code)
	}
	// The OGC path serves the same bytes as /tiles/{collection}.
	a := ts.get(tileURL("airfields", minsk))
	b := ts.get(fmt.Sprintf("/collections/airfields/tiles/WebMercatorQuad/%d/%d/%d", minsk.Z, minsk.Y, minsk.X))
	if a.Code != 200 || !bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) || a.Header().Get("ETag") != b.Header().Get("ETag") {
		t.Errorf("OGC tile differs from /tiles: %d/%d, %d and %d bytes", a.Code, b.Code, a.Body.Len(), b.Body.Len())
	}
}

// TestTiles_WriteVisibleNextRequest warms the cache with every tile, z0 to
// z14, that covers a point, writes a feature there over HTTP, and expects
// the very next fetch of each to include it; then deletes it.
func TestTiles_WriteVisibleNextRequest(t *testing.T) {
	ts := newTestServer(t, withTileCache)
	p := orb.Point{27.9, 53.2}
	var urls []string
	for z := maptile.Zoom(0); z <= 14; z++ {
		tile := maptile.At(p, z)
		urls = append(urls, tileURL("all", tile), tileURL("airfields", tile),
			fmt.Sprintf("/collections/airfields/tiles/WebMercatorQuad/%d/%d/%d", z, tile.Y, tile.X))
	}
	for _, u := range urls {
		ts.get(u) // warm the cache
	}
	body := `{"type":"Feature","id":"airfield-test-tiles","geometry":{"type":"Point","coordinates":[27.9,53.2]},
	 "properties":{"name":"Test field","country":"BY","status":"active","confidence":"reported",
	 "sources":[{"title":"test","publisher":"sitmap","date":"2025-09-12","url":"https://example.org/"}]}}`
	rec := ts.do(http.MethodPost, "/collections/airfields/items", strings.NewReader(body),
		"Authorization", "Bearer "+ts.token, "Content-Type", "application/geo+json")
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body)
	}
	check := func(want bool) {
		t.Helper()
		for _, u := range urls {
			rec := ts.get(u)
			found := false
			if rec.Code == 200 {
				found = hasID(decodeMVT(t, rec)["airfields"], "airfield-test-tiles")
			}
			if found != want {
				t.Errorf("GET %s: %d, feature present %v, want %v", u, rec.Code, found, want)
			}
		}
	}
	check(true)
	rec = ts.do(http.MethodDelete, "/collections/airfields/items/airfield-test-tiles", nil, "Authorization", "Bearer "+ts.token)
	if rec.Code/100 != 2 {
		t.Fatalf("DELETE: %d %s", rec.Code, rec.Body)
	}
	check(false)
}

func TestTiles_Datetime(t *testing.T) {
	ts := newTestServer(t, withTileCache)
	ctx := context.Background()
	// Every crossing with a timeline must show the timeline's status on a
	// day inside an entry, in the datetime tile.
	page, err := ts.st.Query(ctx, store.Query{Collection: "border-crossings"})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range page.Features {
		tl := f.Timeline()
		if len(tl) == 0 {
			continue
		}
		at, err := geo.ParseTime(tl[0].From, false)
		if err != nil {
			t.Fatal(err)
		}
		dt := at.Format("2006-01-02T15:04:05Z")
		want := f.StatusAt(at)
		tile := maptile.At(f.Geometry().(orb.Point), 12)
		rec := ts.get(tileURL("border-crossings", tile) + "?datetime=" + dt)
		if rec.Code != 200 {
			t.Fatalf("%s at %s: %d", f.ID(), dt, rec.Code)
		}
		layers, _ := mvt.Unmarshal(rec.Body.Bytes())
		for _, l := range layers {
			for _, tf := range l.Features {
				if tf.Properties["id"] == f.ID() && tf.Properties["status"] != want {
					t.Errorf("%s at %s: status %v, want %s", f.ID(), dt, tf.Properties["status"], want)
				}
			}
		}
		checked++
	}
	if checked == 0 {
		t.Skip("no crossing in the seed data has a timeline")
	}
	// Before any feature is valid: a datetime far in the past leaves out
	// features whose valid_from is later.
	rec := ts.get("/tiles/all/0/0/0.mvt?datetime=1900-01-01")
	if rec.Code == 200 {
		for layer, ids := range decodeMVT(t, rec) {
			for _, id := range ids {
				f, err := ts.st.Get(ctx, layer, id)
				if err == nil && !f.Extent().Intersects(geo.Interval{Start: mustTime(t, "1900-01-01"), End: mustTime(t, "1900-01-01")}) {
					t.Errorf("%s/%s is not valid in 1900 but is in the tile", layer, id)
				}
			}
		}
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := geo.ParseTime(s, false)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestTileJSON(t *testing.T) {
	ts := newTestServer(t, func(c *web.Config) { c.BaseURL, c.TrustProxy = "", true })
	rec := ts.get("/tiles/all.json", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "maps.example.org")
	var doc struct {
		TileJSON     string    `json:"tilejson"`
		Tiles        []string  `json:"tiles"`
		MinZoom      *int      `json:"minzoom"`
		MaxZoom      int       `json:"maxzoom"`
		Bounds       []float64 `json:"bounds"`
		Center       []float64 `json:"center"`
		Attribution  string    `json:"attribution"`
		VectorLayers []struct {
			ID     string            `json:"id"`
			Fields map[string]string `json:"fields"`
		} `json:"vector_layers"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || rec.Code != 200 {
		t.Fatalf("%d %v: %s", rec.Code, err, rec.Body)
	}
	host := "maps.example.org"
	if doc.TileJSON != "3.0.0" || len(doc.Tiles) != 1 || doc.Tiles[0] != "https://"+host+"/tiles/all/{z}/{x}/{y}.mvt" {
		t.Errorf("tilejson %q tiles %v", doc.TileJSON, doc.Tiles)
	}
	if doc.MinZoom == nil || *doc.MinZoom != 0 || doc.MaxZoom != 22 || doc.Attribution == "" {
		t.Errorf("zooms %v-%d attribution %q", doc.MinZoom, doc.MaxZoom, doc.Attribution)
	}
	cols, _ := ts.st.Collections(context.Background())
	data := cols[0].Bound
	for _, c := range cols[1:] {
		data = data.Union(c.Bound)
	}
	want := []float64{data.Min[0], data.Min[1], data.Max[0], data.Max[1]}
	if fmt.Sprint(doc.Bounds) != fmt.Sprint(want) || len(doc.Center) != 3 ||
		!data.Contains(orb.Point{doc.Center[0], doc.Center[1]}) {
		t.Errorf("bounds %v center %v: want the seed data's %v", doc.Bounds, doc.Center, want)
	}
	layers := map[string]map[string]string{}
	for _, l := range doc.VectorLayers {
		layers[l.ID] = l.Fields
	}
	for _, id := range []string{"airfields", "border-crossings", "training-grounds", "airspace-restrictions", "military-sites"} {
		f := layers[id]
		if f == nil || f["name"] != "String" || f["status"] != "String" || f["count"] != "Number" {
			t.Errorf("vector layer %s: fields %v", id, f)
		}
	}

	bm := ts.getJSON("/tiles/basemap.json")
	if bm["maxzoom"].(float64) != 10 || !strings.Contains(bm["attribution"].(string), "Natural Earth") {
		t.Errorf("basemap TileJSON: maxzoom %v attribution %v", bm["maxzoom"], bm["attribution"])
	}
	one := ts.getJSON("/tiles/airfields.json")
	if vl := one["vector_layers"].([]any); len(vl) != 1 || vl[0].(map[string]any)["id"] != "airfields" {
		t.Errorf("airfields TileJSON layers %v", vl)
	}
}

func TestOGCTiles(t *testing.T) {
	ts := newTestServer(t)
	sets := ts.getJSON("/tileMatrixSets")
	l := findLink(linksOf(t, sets["tileMatrixSets"].([]any)[0].(map[string]any)), "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "")
	if l == nil {
		t.Fatalf("no tiling-scheme link in %v", sets)
	}
	tms := ts.getJSON(path(l["href"].(string)))
	if tms["id"] != "WebMercatorQuad" || len(tms["tileMatrices"].([]any)) != 23 {
		t.Errorf("tile matrix set: id %v, %d matrices", tms["id"], len(tms["tileMatrices"].([]any)))
	}
	m5 := tms["tileMatrices"].([]any)[5].(map[string]any)
	if m5["matrixWidth"].(float64) != 32 || m5["scaleDenominator"].(float64) < 17471320 || m5["scaleDenominator"].(float64) > 17471321 {
		t.Errorf("matrix 5: %v", m5)
	}
	list := ts.getJSON("/collections/airfields/tiles")
	ts0 := list["tilesets"].([]any)[0].(map[string]any)
	if ts0["dataType"] != "vector" || ts0["tileMatrixSetURI"] != "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad" {
		t.Errorf("tileset list entry %v", ts0)
	}
	self := findLink(linksOf(t, ts0), "self", "")
	meta := ts.getJSON(path(self["href"].(string)))
	item := findLink(linksOf(t, meta), "item", "application/vnd.mapbox-vector-tile")
	if item == nil || item["templated"] != true {
		t.Fatalf("tileset metadata has no templated item link: %v", meta["links"])
	}
	tile := maptile.At(orb.Point{27.56, 53.9}, 7)
	href := strings.NewReplacer("{tileMatrix}", fmt.Sprint(tile.Z), "{tileRow}", fmt.Sprint(tile.Y), "{tileCol}", fmt.Sprint(tile.X)).Replace(path(item["href"].(string)))
	if rec := ts.get(href); rec.Code != 200 || len(decodeMVT(t, rec)["airfields"]) == 0 {
		t.Errorf("GET %s: %d", href, rec.Code)
	}
	all := ts.getJSON("/tiles")
	if n := len(all["tilesets"].([]any)); n < 7 {
		t.Errorf("/tiles lists %d tile sets, want all, basemap and the 5 collections", n)
	}
}

func TestTiles_Basemap(t *testing.T) {
	ts := newTestServer(t)
	for _, z := range []maptile.Zoom{0, 4, 8, 10} {
		tile := maptile.At(orb.Point{23.65, 52.08}, z) // Brest, on the Polish border
		rec := ts.get(tileURL("basemap", tile))
		if rec.Code != 200 {
			t.Fatalf("basemap %v: %d", tile, rec.Code)
		}
		if rec.Body.Len() > geo.MaxTileBytes {
			t.Errorf("basemap %v: %d bytes, over the cap", tile, rec.Body.Len())
		}
		layers := decodeMVT(t, rec)
		for _, l := range []string{"land", "boundaries"} {
			if len(layers[l]) == 0 {
				t.Errorf("basemap %v has no %s: %v", tile, l, keys(layers))
			}
		}
		if z >= 4 && len(layers["labels"]) == 0 {
			t.Errorf("basemap %v has no labels", tile)
		}
	}
}

func keys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestTiles_GDAL reads a fetched tile with GDAL's MVT driver, as QGIS does.
func TestTiles_GDAL(t *testing.T) {
	ogrinfo, err := exec.LookPath("ogrinfo")
	if err != nil {
		t.Fatal("ogrinfo not found: install gdal-bin (apt-get install gdal-bin)")
	}
	ts := newTestServer(t)
	tile := maptile.At(orb.Point{27.56, 53.9}, 6)
	rec := ts.get(tileURL("all", tile))
	if rec.Code != 200 {
		t.Fatalf("tile: %d", rec.Code)
	}
	// GDAL georeferences a tile from a z/x/y.mvt path.
	file := filepath.Join(t.TempDir(), fmt.Sprint(tile.Z), fmt.Sprint(tile.X), fmt.Sprint(tile.Y)+".mvt")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, rec.Body.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(ogrinfo, "-ro", "-al", "-so", file).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	t.Logf("ogrinfo -so %s:\n%s", file, out)
	s := string(out)
	for _, want := range []string{"Layer name: airfields", "Layer name: training-grounds", "MVT", "name: String", "status: String", "confidence: String"} {
		if !strings.Contains(s, want) {
			t.Errorf("ogrinfo output lacks %q:\n%s", want, s)
		}
	}
}

// TestTiles_WorkloadSize fetches every z0–z8 tile of "all" that meets the
// 222,000-feature workload and checks none is over 500 KB. Tiles elsewhere
// are empty (a sample is checked).
func TestTiles_WorkloadSize(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the full 222,000-feature workload (make test runs it)")
	}
	start := time.Now()
	srv, _ := workloadServer(t, 1)
	t.Logf("workload loaded in %v", time.Since(start))
	start = time.Now()
	n, biggest, where := 0, 0, ""
	for z := maptile.Zoom(0); z <= 8; z++ {
		for _, tile := range tilesOver(workload.Bound, z) {
			rec := get(srv, tileURL("all", tile), "Accept-Encoding", "")
			if rec.Code != 200 && rec.Code != 204 {
				t.Fatalf("%v: %d %s", tile, rec.Code, rec.Body)
			}
			if rec.Body.Len() > biggest {
				biggest, where = rec.Body.Len(), fmt.Sprint(tile)
			}
			if rec.Body.Len() > geo.MaxTileBytes {
				t.Errorf("tile %v is %d bytes, over 500 KB", tile, rec.Body.Len())
			}
			n++
		}
	}
	for _, tile := range []maptile.Tile{maptile.New(0, 0, 8), maptile.New(200, 100, 8), maptile.New(3, 1, 2)} {
		if rec := get(srv, tileURL("all", tile)); rec.Code != 204 {
			t.Errorf("tile %v away from the workload: %d, want 204", tile, rec.Code)
		}
	}
	t.Logf("%d tiles z0–z8 in %v; the largest is %v at %d bytes", n, time.Since(start), where, biggest)
}

// tilesOver lists the tiles at zoom z whose bound meets b.
func tilesOver(b orb.Bound, z maptile.Zoom) []maptile.Tile {
	lo := maptile.At(orb.Point{b.Min[0], b.Max[1]}, z)
	hi := maptile.At(orb.Point{b.Max[0], b.Min[1]}, z)
	var out []maptile.Tile
	for x := lo.X; x <= hi.X; x++ {
		for y := lo.Y; y <= hi.Y; y++ {
			out = append(out, maptile.New(x, y, z))
		}
	}
	return out
}

// workloadServer is a server over a store holding the workload at scale.
func workloadServer(tb testing.TB, scale float64) (*web.Server, store.Store) {
	tb.Helper()
	st, err := bunt.Open(":memory:") // no disk: the tests measure tiles, not fsync
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	ctx := context.Background()
	if _, err := workload.Load(ctx, st, workload.Generate(scale)); err != nil {
		tb.Fatal(err)
	}
	srv := web.New(web.Config{Store: st, Assets: assets.FS, TileCacheBytes: 256 << 20,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	tb.Cleanup(func() { srv.Close() })
	return srv, st
}

func get(h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestTiles_Concurrent fetches the same tiles from many goroutines while
// features are written, for the race detector and the render dedupe.
func TestTiles_Concurrent(t *testing.T) {
	ts := newTestServer(t, withTileCache)
	tiles := []maptile.Tile{maptile.At(orb.Point{27.56, 53.9}, 5), maptile.At(orb.Point{27.56, 53.9}, 8), maptile.New(0, 0, 0)}
	done := make(chan struct{})
	errs := make(chan string, 100)
	for g := 0; g < 6; g++ {
		go func(g int) {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 30; i++ {
				u := tileURL([]string{"all", "airfields", "basemap"}[(g+i)%3], tiles[i%len(tiles)])
				if rec := get(ts.srv, u, "Accept-Encoding", "gzip"); rec.Code != 200 && rec.Code != 204 {
					errs <- fmt.Sprintf("GET %s: %d %s", u, rec.Code, rec.Body)
				}
			}
		}(g)
	}
	for i := 0; i < 10; i++ {
		body := fmt.Sprintf(`{"type":"Feature","id":"airfield-conc-%d","geometry":{"type":"Point","coordinates":[27.%d,53.9]},
		 "properties":{"name":"C %d","country":"BY","status":"active","confidence":"reported",
		 "sources":[{"title":"test","publisher":"sitmap","date":"2025-09-12","url":"https://example.org/"}]}}`, i, i, i)
		rec := ts.do(http.MethodPost, "/collections/airfields/items", strings.NewReader(body),
			"Authorization", "Bearer "+ts.token, "Content-Type", "application/geo+json")
		if rec.Code != http.StatusCreated {
			t.Errorf("POST %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	for g := 0; g < 6; g++ {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	// Every write is in the next fetch.
	rec := ts.get(tileURL("airfields", tiles[0]))
	ids := decodeMVT(t, rec)["airfields"]
	for i := 0; i < 10; i++ {
		if !hasID(ids, fmt.Sprintf("airfield-conc-%d", i)) {
			t.Errorf("airfield-conc-%d missing from %v after the writes", i, tiles[0])
		}
	}
}
