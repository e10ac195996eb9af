package web_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sitmap/sitmap/internal/formats"
)

// ogrFeatures reads a file with GDAL (ogr2ogr to GeoJSON on stdout) and
// returns its features' properties.
func ogrFeatures(t *testing.T, file string) []map[string]any {
	t.Helper()
	out := run(t, gdal(t, "ogr2ogr"), "-f", "GeoJSON", "/vsistdout/", file)
	var fc struct {
		Features []struct {
			Properties map[string]any
			Geometry   map[string]any
		}
	}
	if err := json.Unmarshal([]byte(out), &fc); err != nil {
		t.Fatalf("ogr2ogr output of %s: %v\n%.500s", file, err, out)
	}
	var props []map[string]any
	for _, f := range fc.Features {
		if f.Geometry == nil {
			t.Errorf("%s: a feature without geometry: %v", file, f.Properties)
		}
		props = append(props, f.Properties)
	}
	return props
}

// TestFileEncodingsReadByGDAL: every collection in every file encoding,
// asked for with f= and no limit, has every feature of the collection
// for GDAL, with the columns of the schema and the right values.
func TestFileEncodingsReadByGDAL(t *testing.T) {
	ts := newTestServer(t)
	dir := t.TempDir()
	for _, cid := range []string{"border-crossings", "training-grounds", "military-sites"} {
		want := map[string]string{} // id → name
		for _, f := range ts.all(cid) {
			want[f.ID()] = f.String("name")
		}
		for _, ff := range formats.Files {
			rec := ts.get("/collections/" + cid + "/items?f=" + string(ff))
			if rec.Code != 200 || rec.Header().Get("Content-Type") != ff.MediaType() ||
				rec.Header().Get("Content-Disposition") != `attachment; filename="`+cid+"."+ff.Ext()+`"` {
				t.Fatalf("%s f=%s: %d %q %q", cid, ff, rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Content-Disposition"))
			}
			file := filepath.Join(dir, cid+"."+ff.Ext())
			os.WriteFile(file, rec.Body.Bytes(), 0o644)
			props := ogrFeatures(t, file)
			if len(props) != len(want) {
				t.Errorf("%s f=%s: GDAL reads %d features, want %d", cid, ff, len(props), len(want))
			}
			nameField := "name"
			if ff == formats.KML || ff == formats.KMZ {
				nameField = "Name" // GDAL's field for KML's <name>
			}
			for _, p := range props {
				id, _ := p["id"].(string)
				if name, ok := want[id]; !ok || p[nameField] != name {
					t.Errorf("%s f=%s: feature %q named %v, want %q", cid, ff, id, p[nameField], name)
				}
				for _, field := range []string{"collection", "status", "confidence", "country", "sources"} {
					// GDAL gives JSON columns (sources) as JSON, others as strings.
					if v := p[field]; v == nil || v == "" {
						t.Errorf("%s f=%s: feature %s has no %s for GDAL: %v", cid, ff, id, field, p)
					}
				}
				if p["collection"] != cid {
					t.Errorf("%s f=%s: collection %v", cid, ff, p["collection"])
				}
			}
		}
	}
}

// TestFileEncodingsHonourTheQuery: a file holds what the same GeoJSON
// query matches (bbox, datetime, a queryable, sortby), all of it without
// limit and limit features with one.
func TestFileEncodingsHonourTheQuery(t *testing.T) {
	ts := newTestServer(t)
	const q = "/collections/border-crossings/items?bbox=14,49,33,58&datetime=2025-09-13&country=PL&sortby=-name"
	fc := ts.getJSON(q + "&limit=1000")
	var wantIDs []string
	for _, f := range fc["features"].([]any) {
		wantIDs = append(wantIDs, f.(map[string]any)["id"].(string))
	}
	if len(wantIDs) < 3 {
		t.Fatalf("the query matches %d features; the test needs a few", len(wantIDs))
	}
	for _, ff := range formats.Files {
		for _, limit := range []int{0, 2} {
			target := q + "&f=" + string(ff)
			want := wantIDs
			if limit > 0 {
				target += "&limit=" + strconv.Itoa(limit)
				want = wantIDs[:limit]
			}
			rec := ts.get(target)
			if rec.Code != 200 {
				t.Fatalf("%s: %d %s", target, rec.Code, rec.Body)
			}
			fs, err := formats.Decode(ff, bytes.NewReader(rec.Body.Bytes()))
			if err != nil {
				t.Fatalf("%s: %v", target, err)
			}
			var got []string
			for _, f := range fs {
				got = append(got, f.ID())
			}
			if ff == formats.FGB {
				// The spatial index orders a FlatGeobuf file, not sortby.
				want = slices.Sorted(slices.Values(want))
				slices.Sort(got)
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s: ids %v, want %v", target, got, want)
			}
		}
	}
	// One feature, and the errors: a bad parameter is a 400 naming it.
	rec := ts.get("/collections/airfields/items/airfield-machulishchy?f=kml")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "<name>Machulishchy air base</name>") ||
		rec.Header().Get("Content-Disposition") != `attachment; filename="airfields-airfield-machulishchy.kml"` {
		t.Errorf("one feature as KML: %d %q\n%.300s", rec.Code, rec.Header().Get("Content-Disposition"), rec.Body)
	}
	// Files are in WGS 84: another crs is a 400 (EPSG:4326 is their own).
	const mercator = "crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F3857"
	if rec := ts.get("/collections/airfields/items?f=csv&crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F4326"); rec.Code != 200 {
		t.Errorf("f=csv with crs EPSG:4326: %d %s", rec.Code, rec.Body)
	}
	for _, target := range []string{"/collections/airfields/items?f=gpkg&bbox=1,2,3", "/collections/airfields/items?f=gpkg&frob=1",
		"/collections/airfields/items?f=kml&" + mercator, "/collections/airfields/items/airfield-machulishchy?f=fgb&" + mercator} {
		rec := ts.get(target)
		if rec.Code != 400 || rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("Content-Disposition") != "" {
			t.Errorf("%s: %d %q %q", target, rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Content-Disposition"))
		}
	}
}
