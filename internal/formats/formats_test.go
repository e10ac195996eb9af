package formats_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/dataset"
	"github.com/sitmap/sitmap/internal/formats"
)

// seed is the embedded seed data set: its collections and, for each, its
// features in id order, as a store returns them.
func seed(t *testing.T) ([]geo.Collection, map[string][]*geo.Feature) {
	t.Helper()
	cols, err := dataset.SeedCollections(assets.FS)
	if err != nil {
		t.Fatal(err)
	}
	byCol := map[string][]*geo.Feature{}
	for _, c := range cols {
		f, err := assets.FS.Open(path.Join(dataset.SeedDir, c.ID+".geojson"))
		if err != nil {
			t.Fatal(err)
		}
		fs, err := dataset.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for i, ft := range fs {
			fs[i] = ft.WithCollection(c.ID)
		}
		sort.Slice(fs, func(i, j int) bool { return fs[i].ID() < fs[j].ID() })
		byCol[c.ID] = fs
	}
	return cols, byCol
}

// encode writes the features of cols in format f to a file in a temp dir.
func encode(t *testing.T, f formats.Format, cols []geo.Collection, byCol map[string][]*geo.Feature) string {
	t.Helper()
	var buf bytes.Buffer
	enc, err := formats.NewEncoder(f, &buf, cols)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cols {
		for _, ft := range byCol[c.ID] {
			if err := enc.Write(ft); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "out."+f.Ext())
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

func decodeFile(t *testing.T, f formats.Format, name string) []*geo.Feature {
	t.Helper()
	fh, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	fs, err := formats.Decode(f, fh)
	if err != nil {
		t.Fatalf("decode %s: %v", f, err)
	}
	return fs
}

// jsonValue decodes raw JSON for comparisons that ignore spelling (5e3 is 5000).
func jsonValue(t *testing.T, raw json.RawMessage) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return v
}

// sameFeature reports how got differs from want: id, geometry, and every
// property (got may add "collection").
func sameFeature(t *testing.T, want, got *geo.Feature) []string {
	t.Helper()
	var diffs []string
	if got.ID() != want.ID() {
		diffs = append(diffs, "id "+got.ID())
	}
	if !orb.Equal(got.Geometry(), want.Geometry()) {
		diffs = append(diffs, "geometry")
	}
	for k, raw := range want.Properties() {
		g, ok := got.Property(k)
		if !ok {
			diffs = append(diffs, "missing "+k)
			continue
		}
		if !reflect.DeepEqual(jsonValue(t, raw), jsonValue(t, g)) {
			diffs = append(diffs, k+": "+string(g)+" want "+string(raw))
		}
	}
	for k := range got.Properties() {
		if !want.Has(k) && k != "collection" {
			diffs = append(diffs, "extra "+k)
		}
	}
	if got.String("collection") != want.Collection() {
		diffs = append(diffs, "collection "+got.String("collection"))
	}
	return diffs
}

// TestRoundTrip encodes the whole seed (every collection in one file) in
// each format and decodes it back: the same features, property by
// property, for every format (the exact text of date-times included).
func TestRoundTrip(t *testing.T) {
	cols, byCol := seed(t)
	for _, f := range formats.Files {
		t.Run(string(f), func(t *testing.T) {
			got := decodeFile(t, f, encode(t, f, cols, byCol))
			gotBy := map[string]*geo.Feature{}
			for _, g := range got {
				gotBy[g.String("collection")+"/"+g.ID()] = g
			}
			n := 0
			for _, c := range cols {
				for _, want := range byCol[c.ID] {
					n++
					g, ok := gotBy[c.ID+"/"+want.ID()]
					if !ok {
						t.Errorf("%s/%s is missing", c.ID, want.ID())
						continue
					}
					if d := sameFeature(t, want, g); len(d) > 0 {
						t.Errorf("%s/%s: %v", c.ID, want.ID(), d)
					}
				}
			}
			if len(got) != n {
				t.Errorf("decoded %d features, want %d", len(got), n)
			}
		})
	}
}

// TestGeometriesRoundTrip: every geometry type sitmap keeps, holes and
// several parts included, comes back the same from every format, through
// a collection that allows any geometry (the files' Unknown type).
func TestGeometriesRoundTrip(t *testing.T) {
	ring := orb.Ring{{24, 52}, {25, 52}, {25, 53}, {24, 53}, {24, 52}}
	hole := orb.Ring{{24.2, 52.2}, {24.2, 52.4}, {24.4, 52.4}, {24.2, 52.2}}
	geoms := map[string]orb.Geometry{
		"point":        orb.Point{23.456789, 52.123456},
		"multipoint":   orb.MultiPoint{{23, 52}, {24, 53}},
		"line":         orb.LineString{{23, 52}, {24, 53}, {25, 52.5}},
		"multiline":    orb.MultiLineString{{{23, 52}, {24, 53}}, {{25, 52}, {26, 53}, {27, 52}}},
		"polygon":      orb.Polygon{ring, hole},
		"multipolygon": orb.MultiPolygon{{ring, hole}, {{{30, 50}, {31, 50}, {31, 51}, {30, 50}}}},
	}
	col := geo.Collection{ID: "mixed", Title: "Mixed"}
	var want []*geo.Feature
	for _, id := range sortedIDs(geoms) {
		f, err := geo.NewFeature(id, geoms[id], map[string]json.RawMessage{"name": json.RawMessage(`"` + id + `"`)})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, f.WithCollection("mixed"))
	}
	for _, f := range formats.Files {
		got := decodeFile(t, f, encode(t, f, []geo.Collection{col}, map[string][]*geo.Feature{"mixed": want}))
		byID := map[string]*geo.Feature{}
		for _, g := range got {
			byID[g.ID()] = g
		}
		for _, w := range want {
			g, ok := byID[w.ID()]
			if !ok {
				t.Errorf("%s: %s is missing", f, w.ID())
				continue
			}
			if d := sameFeature(t, w, g); len(d) > 0 {
				t.Errorf("%s: %s: %v (got %v)", f, w.ID(), d, g.Geometry())
			}
		}
	}
}

func sortedIDs(m map[string]orb.Geometry) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestDecodeErrors: a broken file fails with an error that names the
// feature (position and id) and the field, or says what the file is not.
func TestDecodeErrors(t *testing.T) {
	cols, byCol := seed(t)
	fgb, err := os.ReadFile(encode(t, formats.FGB, cols, byCol))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		format formats.Format
		data   string
		want   []string
	}{
		{formats.CSV, "id,name,wkt\r\na,A,POINT(23 52)\r\nb,B,POINT(23\r\n", []string{"feature #1 (b)", "wkt", "not WKT"}},
		{formats.CSV, "id,name,lon,lat\r\na,A,23,north\r\n", []string{"feature #0 (a)", "lat", "not a number"}},
		{formats.CSV, "id,name\r\na,A\r\n", []string{"no geometry"}},
		{formats.CSV, "id,lon,lat,other_properties\r\na,23,52,{oops\r\n", []string{"feature #0 (a)", "other_properties", "JSON object"}},
		{formats.KML, `<kml><Document><Placemark><name>x</name><ExtendedData><Data name="id"><value>p-1</value></Data></ExtendedData></Placemark></Document></kml>`,
			[]string{"feature #0 (p-1)", "geometry"}},
		{formats.KML, `<kml><Placemark><Point><coordinates>23</coordinates></Point></Placemark></kml>`, []string{"feature #0", "geometry", "lon,lat"}},
		{formats.KMZ, "not a zip", []string{"kmz", "zip"}},
		{formats.GPKG, "not a database, but long enough to look at it twice over", []string{"gpkg"}},
		{formats.FGB, string(fgb[:len(fgb)-10]), []string{"fgb", "truncated"}},
		{formats.FGB, "fgb\x03fgb\x00", []string{"fgb header"}},
	}
	for _, c := range cases {
		_, err := formats.Decode(c.format, strings.NewReader(c.data))
		if err == nil {
			t.Errorf("%s %.40q: no error", c.format, c.data)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s %.40q: error %q does not say %q", c.format, c.data, err, w)
			}
		}
	}
}
