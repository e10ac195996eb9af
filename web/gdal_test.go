package web_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/sitmap/sitmap/web"
)

// gdal finds a GDAL tool or fails with how to install it: GDAL's OAPIF
// driver is the real client these tests answer to.
func gdal(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		t.Fatalf("%s not found: install gdal-bin (apt-get install gdal-bin; make test does this)", tool)
	}
	return p
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "GDAL_HTTP_TIMEOUT=60", "CPL_DEBUG=OFF", "GDAL_HTTP_MAX_RETRY=0",
		// Keep dates as the text we sent: GDAL would otherwise retype them
		// (a date becomes a midnight date-time, nanoseconds become ms).
		"OGR_GEOJSON_DATE_AS_STRING=YES")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestGDAL runs GDAL's OAPIF client against a served instance: ogrinfo
// lists the five collections; ogr2ogr of each layer returns every feature
// with its properties intact; -spat returns the same ids as ?bbox=.
func TestGDAL(t *testing.T) {
	ogrinfo, ogr2ogr := gdal(t, "ogrinfo"), gdal(t, "ogr2ogr")
	ts := newTestServer(t, func(c *web.Config) { c.BaseURL = "" })
	hs := httptest.NewServer(ts.srv)
	defer hs.Close()
	src := "OAPIF:" + hs.URL

	out := run(t, ogrinfo, "-ro", "-so", "-q", src)
	for _, cid := range seedCollections {
		if !strings.Contains(out, cid) {
			t.Errorf("ogrinfo does not list %s:\n%s", cid, out)
		}
	}

	dir := t.TempDir()
	selected, total := 0, 0
	for _, cid := range seedCollections {
		t.Run(cid, func(t *testing.T) {
			dst := filepath.Join(dir, cid+".json")
			run(t, ogr2ogr, "-f", "GeoJSON", dst, src, cid)
			got := readGeoJSON(t, dst)
			want := ts.all(cid)
			if len(got) != len(want) {
				t.Fatalf("ogr2ogr returned %d features, want %d", len(got), len(want))
			}
			for _, f := range want {
				g, ok := got[f.ID()]
				if !ok {
					t.Errorf("%s missing", f.ID())
					continue
				}
				for name, raw := range f.Properties() {
					var wantV any
					_ = json.Unmarshal(raw, &wantV)
					if !sameValue(g[name], wantV) {
						t.Errorf("%s.%s: got %v, want %v", f.ID(), name, g[name], wantV)
					}
				}
			}

			// -spat through GDAL and ?bbox= through HTTP select the same ids.
			box := []string{"23.5", "52", "28", "54.5"}
			sdst := filepath.Join(dir, cid+"-spat.json")
			run(t, ogr2ogr, "-f", "GeoJSON", "-spat", box[0], box[1], box[2], box[3], sdst, src, cid)
			var spat []string
			for id := range readGeoJSON(t, sdst) {
				spat = append(spat, id)
			}
			bbox := featureIDs(t, ts.getJSON("/collections/"+cid+"/items?limit=10000&bbox="+strings.Join(box, ",")))
			sort.Strings(spat)
			sort.Strings(bbox)
			if !slices.Equal(spat, bbox) {
				t.Errorf("-spat ids %v\n?bbox= ids %v", spat, bbox)
			}
			selected, total = selected+len(spat), total+len(want)
		})
	}
	if selected == 0 || selected == total {
		t.Errorf("the -spat box selected %d of %d features: it does not test filtering", selected, total)
	}
}

// readGeoJSON reads an ogr2ogr output: properties by feature id. GDAL
// writes the feature id as the "id" property when it is a string.
func readGeoJSON(t *testing.T, file string) map[string]map[string]any {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			ID         any            `json:"id"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, f := range fc.Features {
		id, _ := f.ID.(string)
		if id == "" {
			id, _ = f.Properties["id"].(string)
		}
		out[id] = f.Properties
	}
	return out
}

// sameValue compares a property as GDAL returns it with the stored one:
// GDAL may hand nested lists and objects back as JSON text.
func sameValue(got, want any) bool {
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(want)
	if string(a) == string(b) {
		return true
	}
	if s, ok := got.(string); ok {
		var v any
		if json.Unmarshal([]byte(s), &v) == nil {
			a, _ = json.Marshal(v)
			return string(a) == string(b)
		}
	}
	return false
}

// TestGDALWhere: GDAL turns -where into requests. An equality on the id
// fetches /items/{id}, appended to the rel=items href (which therefore
// carries no ?f=); an equality on status goes to every layer as
// ?status=, and a layer whose vocabulary lacks the value has no match
// rather than an error.
func TestGDALWhere(t *testing.T) {
	ogrinfo, ogr2ogr := gdal(t, "ogrinfo"), gdal(t, "ogr2ogr")
	ts := newTestServer(t, func(c *web.Config) { c.BaseURL = "" })
	hs := httptest.NewServer(ts.srv)
	defer hs.Close()
	src := "OAPIF:" + hs.URL

	const fid = "crossing-lavoriskes-kotlovka-road"
	out := run(t, ogrinfo, "-ro", "-q", src, "border-crossings", "-where", "id = '"+fid+"'")
	name := ts.getJSON("/collections/border-crossings/items/" + fid)["properties"].(map[string]any)["name"].(string)
	if strings.Count(out, "OGRFeature(") != 1 || !strings.Contains(out, name) {
		t.Errorf("ogrinfo -where id: want the one feature %q:\n%s", name, out)
	}

	dir := t.TempDir()
	gpkg := filepath.Join(dir, "closed.gpkg")
	run(t, ogr2ogr, "-f", "GPKG", gpkg, src, "-where", "status = 'closed'")
	closed := 0
	for _, cid := range seedCollections {
		dst := filepath.Join(dir, cid+".json")
		run(t, ogr2ogr, "-f", "GeoJSON", dst, gpkg, cid)
		var got, want []string
		for id := range readGeoJSON(t, dst) {
			got = append(got, id)
		}
		for _, f := range ts.all(cid) {
			if f.String("status") == "closed" {
				want = append(want, f.ID())
			}
		}
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: status = 'closed' gave %v, want %v", cid, got, want)
		}
		closed += len(want)
	}
	if closed == 0 {
		t.Error("no closed feature in the seed: the test tests nothing")
	}
}

// TestGDALCRS: items fetched with crs= and converted back to CRS84 by
// GDAL (PROJ) land where the stored coordinates are, to 1 cm. GDAL reads
// GeoJSON coordinates as easting first, so the systems here are those
// with that axis order; the northing-first ones are checked against
// PROJ's cs2cs in internal/crs.
func TestGDALCRS(t *testing.T) {
	ogr2ogr := gdal(t, "ogr2ogr")
	ts := newTestServer(t, func(c *web.Config) { c.BaseURL = "" })
	hs := httptest.NewServer(ts.srv)
	defer hs.Close()
	for _, cid := range []string{"border-crossings", "training-grounds"} {
		stored := coordinates(t, ts.get("/collections/"+cid+"/items?limit=10000").Body.Bytes())
		for _, code := range []string{"3857", "32634", "32635"} {
			t.Run(cid+"/EPSG:"+code, func(t *testing.T) {
				dst := filepath.Join(t.TempDir(), "out.json")
				url := hs.URL + "/collections/" + cid + "/items?limit=10000&crs=http://www.opengis.net/def/crs/EPSG/0/" + code
				run(t, ogr2ogr, "-f", "GeoJSON", "-s_srs", "EPSG:"+code, "-t_srs", "OGC:CRS84",
					"-lco", "COORDINATE_PRECISION=10", dst, "GeoJSON:"+url)
				b, err := os.ReadFile(dst)
				if err != nil {
					t.Fatal(err)
				}
				got := coordinates(t, b)
				if len(got) != len(stored) {
					t.Fatalf("%d features, want %d", len(got), len(stored))
				}
				for id, want := range stored {
					g := got[id]
					if len(g) != len(want) {
						t.Fatalf("%s: %d positions, want %d", id, len(g), len(want))
					}
					for i := range want {
						// 1e-7 degrees is about 1 cm here.
						if d := max(abs(g[i][0]-want[i][0]), abs(g[i][1]-want[i][1])); d > 1e-7 {
							t.Errorf("%s position %d: GDAL gives %v, stored %v", id, i, g[i], want[i])
						}
					}
				}
			})
		}
	}
}

// coordinates flattens each feature's positions, by feature id.
func coordinates(t *testing.T, body []byte) map[string][][2]float64 {
	t.Helper()
	var fc struct {
		Features []struct {
			ID       any `json:"id"`
			Geometry struct {
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatal(err)
	}
	out := map[string][][2]float64{}
	for _, f := range fc.Features {
		id, _ := f.ID.(string)
		if id == "" {
			id, _ = f.Properties["id"].(string)
		}
		var v any
		if err := json.Unmarshal(f.Geometry.Coordinates, &v); err != nil {
			t.Fatal(err)
		}
		out[id] = flatten(v, nil)
	}
	return out
}

func flatten(v any, out [][2]float64) [][2]float64 {
	a, ok := v.([]any)
	if !ok || len(a) == 0 {
		return out
	}
	if x, ok := a[0].(float64); ok {
		return append(out, [2]float64{x, a[1].(float64)})
	}
	for _, e := range a {
		out = flatten(e, out)
	}
	return out
}
