package web_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sitmap/sitmap/web"
)

// tmsErrors are what GDAL 3.6 prints when it does not take our tile
// matrix set for a definition: its parser only reads a document that has
// a TMS 1.0 "identifier", takes anything else for the name of a built-in
// set and overflows its 2048-byte path buffer looking up "tms_<doc>.json".
var tmsErrors = []string{"Destination buffer too small", "Invalid tiling matrix set name"}

// TestGDAL_TileMatrixSet feeds our WebMercatorQuad document to GDAL's
// tile matrix set parser (gdal::TileMatrixSet::parse, the function the
// OGCAPI driver calls) through the COG driver's TILING_SCHEME, which
// takes the same JSON text: the COG it writes must be in EPSG:3857 with
// 256-pixel tiles on the WebMercatorQuad grid.
func TestGDAL_TileMatrixSet(t *testing.T) {
	create, translate, info := gdal(t, "gdal_create"), gdal(t, "gdal_translate"), gdal(t, "gdalinfo")
	ts := newTestServer(t)
	tms := ts.get("/tileMatrixSets/WebMercatorQuad")
	if tms.Code != 200 {
		t.Fatalf("tile matrix set: %d", tms.Code)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.tif"), filepath.Join(dir, "out.tif")
	run(t, create, "-q", "-of", "GTiff", "-outsize", "20", "20", "-bands", "1", "-burn", "7",
		"-a_srs", "EPSG:4326", "-a_ullr", "23.5", "54.5", "24.5", "53.5", in)
	msg := run(t, translate, "-q", "-of", "COG", "-co", "TILING_SCHEME="+tms.Body.String(), in, out)
	for _, e := range tmsErrors {
		if strings.Contains(msg, e) {
			t.Errorf("gdal_translate: %s", msg)
		}
	}
	var doc struct {
		CoordinateSystem struct {
			WKT string `json:"wkt"`
		} `json:"coordinateSystem"`
		GeoTransform []float64 `json:"geoTransform"`
		Bands        []struct {
			Block []int `json:"block"`
		} `json:"bands"`
	}
	if err := json.Unmarshal([]byte(run(t, info, "-json", out)), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(doc.CoordinateSystem.WKT, `ID["EPSG",3857]`) {
		t.Errorf("COG is not in EPSG:3857: %s", doc.CoordinateSystem.WKT)
	}
	if len(doc.Bands) == 0 || fmt.Sprint(doc.Bands[0].Block) != "[256 256]" {
		t.Errorf("COG blocks %v, want 256x256 tiles", doc.Bands)
	}
	gt := doc.GeoTransform
	if len(gt) != 6 {
		t.Fatalf("geotransform %v", gt)
	}
	// The pixel is a zoom level's cell and the origin a tile corner.
	const origin, cell0 = 20037508.3427892, 156543.03392804097
	z := math.Log2(cell0 / gt[1])
	col, row := (gt[0]+origin)/(256*gt[1]), (origin-gt[3])/(256*gt[1])
	if math.Abs(z-math.Round(z)) > 1e-9 || math.Abs(col-math.Round(col)) > 1e-6 || math.Abs(row-math.Round(row)) > 1e-6 {
		t.Errorf("COG grid (zoom %.6f, col %.6f, row %.6f) is not WebMercatorQuad's", z, col, row)
	}
}

// TestGDAL_OGCAPITiles opens the vector tiles with GDAL's OGCAPI driver
// from the landing page down: the landing page lists every collection, and
// -oo API=TILES finds the tile set, its tiling scheme and its tiles.
//
// GDAL before 3.7.1 as Debian builds it cannot read vector tiles through
// this driver whatever the server sends: its CMake build evaluates
// OGR_ENABLE_DRIVER_GML in frmts/ before ogr/ sets it, so the vector
// branch of InitWithTilesAPI is compiled out and the open fails with no
// message (fixed by GDAL pull request 7993). There the test checks what
// that GDAL does read: the tile set list, tile set and tile matrix set,
// without the tile matrix set errors above.
func TestGDAL_OGCAPITiles(t *testing.T) {
	ogrinfo := gdal(t, "ogrinfo")
	ts := newTestServer(t, func(c *web.Config) { c.BaseURL = "" })
	hs := httptest.NewServer(ts.srv)
	defer hs.Close()

	landing := run(t, ogrinfo, "-ro", "OGCAPI:"+hs.URL)
	for _, cid := range seedCollections {
		if !strings.Contains(landing, "OGCAPI:"+hs.URL+"/collections/"+cid) {
			t.Errorf("the landing page does not lead GDAL to %s:\n%s", cid, landing)
		}
	}
	vectorTiles := gdalAtLeast(t, 3, 7, 1)
	for _, cid := range []string{"border-crossings", "training-grounds"} {
		// The driver reads the collection's CRS84 bbox as coordinates of
		// the tile matrix set's CRS, so the extent is given in EPSG:3857.
		args := []string{"-ro", "-al", "-so", "OGCAPI:" + hs.URL + "/collections/" + cid, "-oo", "API=TILES",
			"-oo", "MINX=2504688", "-oo", "MINY=6261721", "-oo", "MAXX=3757032", "-oo", "MAXY=7514065"}
		out, err := exec.Command(ogrinfo, args...).CombinedOutput()
		for _, e := range tmsErrors {
			if strings.Contains(string(out), e) {
				t.Errorf("%s: GDAL does not read the tile matrix set: %s", cid, out)
			}
		}
		if !vectorTiles {
			t.Logf("%s: this GDAL has no vector tiles in its OGCAPI driver (ogrinfo: %v)", cid, err)
			continue
		}
		if err != nil || !strings.Contains(string(out), "Feature Count") {
			t.Errorf("%s: ogrinfo %s: %v\n%s", cid, strings.Join(args, " "), err, out)
		}
	}
	if !vectorTiles {
		assertTilesReadable(t, ts)
	}
}

// assertTilesReadable follows the links the OGCAPI driver follows, as it
// does (JSON links by rel and type), to a tile the MVT driver reads.
func assertTilesReadable(t *testing.T, ts *testServer) {
	t.Helper()
	list := ts.getJSON("/collections/border-crossings/tiles")
	sets, _ := list["tilesets"].([]any)
	if len(sets) == 0 {
		t.Fatalf("no tilesets: %v", list)
	}
	set := sets[0].(map[string]any)
	if set["dataType"] != "vector" || findLink(linksOf(t, set), "self", "application/json") == nil {
		t.Fatalf("tileset entry lacks dataType vector or a JSON self link: %v", set)
	}
	meta := ts.getJSON(pathOf(findLink(linksOf(t, set), "self", "application/json")["href"].(string)))
	scheme := findLink(linksOf(t, meta), "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "application/json")
	item := findLink(linksOf(t, meta), "item", "application/vnd.mapbox-vector-tile")
	if scheme == nil || item == nil {
		t.Fatalf("tileset lacks a JSON tiling-scheme or an MVT item link: %v", meta["links"])
	}
	for _, needle := range []string{"{tileMatrix}", "{tileRow}", "{tileCol}"} {
		if !strings.Contains(item["href"].(string), needle) {
			t.Errorf("tile template %s lacks %s", item["href"], needle)
		}
	}
}

// pathOf is the path and query of an absolute link.
func pathOf(href string) string {
	u, err := url.Parse(href)
	if err != nil {
		return href
	}
	return u.RequestURI()
}

// gdalAtLeast reports whether the installed GDAL is at least major.minor.patch.
func gdalAtLeast(t *testing.T, major, minor, patch int) bool {
	t.Helper()
	out := run(t, gdal(t, "gdalinfo"), "--version")
	m := regexp.MustCompile(`GDAL (\d+)\.(\d+)\.(\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("gdalinfo --version: %q", out)
	}
	got := [3]int{}
	for i := range got {
		got[i], _ = strconv.Atoi(m[i+1])
	}
	want := [3]int{major, minor, patch}
	for i := range got {
		if got[i] != want[i] {
			return got[i] > want[i]
		}
	}
	return true
}

// TestGDAL_MVTTileSet reads whole tile sets over HTTP with GDAL's MVT
// driver, which finds our TileJSON where tileserver-gl keeps it
// (/tiles/all.json beside /tiles/all/7) and types each layer from its
// tilestats: without them every layer is "Unknown (any)".
func TestGDAL_MVTTileSet(t *testing.T) {
	ogrinfo := gdal(t, "ogrinfo")
	ts := newTestServer(t, func(c *web.Config) { c.BaseURL = "" })
	hs := httptest.NewServer(ts.srv)
	defer hs.Close()
	for _, tc := range []struct {
		src  string
		want map[string]string
	}{
		{"/tiles/all/7", map[string]string{"airfields": "Multi Point", "border-crossings": "Multi Point",
			"training-grounds": "Multi Polygon", "airspace-restrictions": "Multi Polygon", "military-sites": "Unknown (any)"}},
		{"/tiles/basemap/2", map[string]string{"land": "Multi Polygon", "boundaries": "Multi Line String", "labels": "Multi Point"}},
	} {
		out := run(t, ogrinfo, "-ro", "-so", "-al", "MVT:"+hs.URL+tc.src, "-oo", "TILE_EXTENSION=mvt")
		got := map[string]string{}
		var layer string
		for _, line := range strings.Split(out, "\n") {
			if v, ok := strings.CutPrefix(line, "Layer name: "); ok {
				layer = v
			} else if v, ok := strings.CutPrefix(line, "Geometry: "); ok {
				got[layer] = v
			} else if v, ok := strings.CutPrefix(line, "Feature Count: "); ok && v == "0" {
				t.Errorf("%s: layer %s has no features", tc.src, layer)
			}
		}
		for l, g := range tc.want {
			if got[l] != g {
				t.Errorf("%s: layer %s is %q, want %q\n%s", tc.src, l, got[l], g, out)
			}
		}
	}
}
