package geo_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/sitmap/sitmap/geo"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/tiles")

func mustFeature(t testing.TB, doc string) *geo.Feature {
	t.Helper()
	f, err := geo.DecodeFeature([]byte(doc))
	if err != nil {
		t.Fatalf("decode %s: %v", doc, err)
	}
	return f
}

// fixture is a small data set round Minsk: a polygon with a hole, a line,
// points with nested properties and a timeline.
func fixture(t testing.TB) []geo.TileLayer {
	return []geo.TileLayer{
		{Name: "training-grounds", Features: []*geo.Feature{
			mustFeature(t, `{"type":"Feature","id":"borisovsky","geometry":{"type":"Polygon","coordinates":[[[28.3,54.1],[28.7,54.1],[28.7,54.4],[28.3,54.4],[28.3,54.1]],[[28.4,54.2],[28.4,54.3],[28.5,54.3],[28.5,54.2],[28.4,54.2]]]},"properties":{"name":"Borisovsky","status":"active","confidence":"confirmed","valid_from":"2025-09-12","valid_to":"2025-09-16","exercise":"Zapad 2025","sources":[{"title":"MoD","url":"https://example.org"}]}}`),
		}},
		{Name: "airspace-restrictions", Features: []*geo.Feature{
			mustFeature(t, `{"type":"Feature","id":"route-1","geometry":{"type":"LineString","coordinates":[[27.0,53.5],[27.5,53.9],[28.0,53.95],[29.5,54.2]]},"properties":{"name":"Route 1","status":"active","confidence":"reported","lower":"GND","upper":"FL660"}}`),
		}},
		{Name: "border-crossings", Features: []*geo.Feature{
			mustFeature(t, `{"type":"Feature","id":"crossing-a","geometry":{"type":"Point","coordinates":[27.56,53.9]},"properties":{"name":"Crossing A","status":"open","confidence":"confirmed","countries":["BY","PL"],"lanes":4,"rail":false,"note":null,"timeline":[{"from":"2025-09-11T18:00:00Z","status":"closed"}]}}`),
			mustFeature(t, `{"type":"Feature","id":"crossing-b","geometry":{"type":"Point","coordinates":[28.1,53.7]},"properties":{"name":"Crossing \"B\"","status":"open","confidence":"suspected","valid_from":"2025-10-01","width":12.5}}`),
		}},
	}
}

// goldenTile is a decoded tile in a form that diffs well.
type goldenTile map[string][]goldenFeature

type goldenFeature struct {
	ID         uint64         `json:"id"`
	Type       string         `json:"type"`
	Geometry   orb.Geometry   `json:"-"`
	Coords     any            `json:"coordinates"`
	Properties map[string]any `json:"properties"`
}

func decodeTile(t *testing.T, data []byte) goldenTile {
	t.Helper()
	layers, err := mvt.Unmarshal(data)
	if err != nil {
		t.Fatalf("decode tile: %v", err)
	}
	out := goldenTile{}
	for _, l := range layers {
		if l.Version != 2 || l.Extent != geo.TileExtent {
			t.Errorf("layer %s: version %d extent %d, want 2 and %d", l.Name, l.Version, l.Extent, geo.TileExtent)
		}
		for _, f := range l.Features {
			id, _ := f.ID.(float64) // orb decodes ids and numbers as float64
			out[l.Name] = append(out[l.Name], goldenFeature{ID: uint64(id), Type: f.Geometry.GeoJSONType(),
				Geometry: f.Geometry, Coords: coords(f.Geometry), Properties: f.Properties})
		}
		sort.Slice(out[l.Name], func(i, j int) bool { return out[l.Name][i].ID < out[l.Name][j].ID })
	}
	return out
}

func coords(g orb.Geometry) any {
	b, _ := json.Marshal(g)
	var v any
	_ = json.Unmarshal(b, &v)
	return v
}

func checkGolden(t *testing.T, name string, got goldenTile) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", "tiles", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./geo -update to create it)", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("tile %s differs from %s (review, then go test ./geo -update):\ngot:\n%s", name, path, b)
	}
}

func TestRender_Golden(t *testing.T) {
	sep12, _ := geo.ParseDatetime("2025-09-12")
	oct5, _ := geo.ParseDatetime("2025-10-05/..")
	tests := []struct {
		name string
		tile maptile.Tile
		opts geo.RenderOptions
	}{
		{"0-0-0", maptile.New(0, 0, 0), geo.RenderOptions{}},
		{"5-18-10", maptile.New(18, 10, 5), geo.RenderOptions{}},
		{"9-296-163", maptile.New(296, 163, 9), geo.RenderOptions{}},
		{"12-2371-1310", maptile.New(2371, 1310, 12), geo.RenderOptions{}},
		{"5-18-10-at-2025-09-12", maptile.New(18, 10, 5), geo.RenderOptions{Time: sep12, At: sep12.Start}},
		{"5-18-10-from-2025-10-05", maptile.New(18, 10, 5), geo.RenderOptions{Time: oct5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			layers := fixture(t)
			before, _ := json.Marshal(layers[0].Features[0])
			data, err := geo.Render(layers, tc.tile, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			after, _ := json.Marshal(layers[0].Features[0])
			if !bytes.Equal(before, after) {
				t.Fatalf("Render changed its input:\nbefore %s\nafter  %s", before, after)
			}
			got := decodeTile(t, data)
			checkPolygons(t, got)
			checkGolden(t, tc.name, got)
		})
	}
}

// checkPolygons asserts the MVT winding rule: exterior rings have positive
// area in tile coordinates (clockwise on screen), holes negative.
func checkPolygons(t *testing.T, tile goldenTile) {
	t.Helper()
	for name, fs := range tile {
		for _, f := range fs {
			var polys []orb.Polygon
			switch g := f.Geometry.(type) {
			case orb.Polygon:
				polys = []orb.Polygon{g}
			case orb.MultiPolygon:
				polys = g
			}
			for _, p := range polys {
				for i, r := range p {
					// orb's CCW is positive area in y-up terms, which
					// is positive area in MVT's y-down tile space.
					if got := r.Orientation(); (i == 0) != (got == orb.CCW) {
						t.Errorf("%s feature %d ring %d: orientation %v", name, f.ID, i, got)
					}
				}
			}
		}
	}
}

func TestRender_Empty(t *testing.T) {
	data, err := geo.Render(fixture(t), maptile.New(0, 0, 4), geo.RenderOptions{})
	if err != nil || data != nil {
		t.Fatalf("tile far from the data: got %d bytes, %v; want nil, nil", len(data), err)
	}
}

func TestRender_DropsDegenerate(t *testing.T) {
	// A polygon 10 m across is less than a unit at z3: nothing to draw.
	f := mustFeature(t, `{"type":"Feature","id":"tiny","geometry":{"type":"Polygon","coordinates":[[[27.5,53.9],[27.5001,53.9],[27.5001,53.9001],[27.5,53.9],[27.5,53.9]]]},"properties":{"name":"tiny"}}`)
	line := mustFeature(t, `{"type":"Feature","id":"short","geometry":{"type":"LineString","coordinates":[[27.5,53.9],[27.50001,53.9]]},"properties":{"name":"short"}}`)
	data, err := geo.Render([]geo.TileLayer{{Name: "x", Features: []*geo.Feature{f, line}}}, maptile.At(orb.Point{27.5, 53.9}, 3), geo.RenderOptions{})
	if err != nil || data != nil {
		t.Fatalf("got %d bytes, %v; want nil, nil", len(data), err)
	}
}

// densePoints is n points spread over a 2°×1° box round Minsk.
func densePoints(t testing.TB, n int) []*geo.Feature {
	fs := make([]*geo.Feature, n)
	for i := range fs {
		lon := 26.5 + 2*math.Mod(float64(i)*0.6180339887, 1)
		lat := 53.4 + math.Mod(float64(i)*0.7548776662, 1)
		fs[i] = mustFeature(t, fmt.Sprintf(`{"type":"Feature","id":"p-%d","geometry":{"type":"Point","coordinates":[%f,%f]},"properties":{"name":"Point %d","status":"active","confidence":"reported"}}`, i, lon, lat, i))
	}
	return fs
}

func TestRender_ThinsDensePoints(t *testing.T) {
	fs := densePoints(t, 20000)
	tile := maptile.At(orb.Point{27.5, 53.9}, 6)
	data, err := geo.Render([]geo.TileLayer{{Name: "pts", Features: fs}}, tile, geo.RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := decodeTile(t, data)["pts"]
	total := 0
	for _, f := range got {
		c, ok := f.Properties["count"].(float64)
		if !ok || c < 1 || c != math.Trunc(c) {
			t.Fatalf("feature %d: count %v, want an integer ≥ 1", f.ID, f.Properties["count"])
		}
		total += int(c)
	}
	if len(got) >= len(fs) || len(got) > 1024 {
		t.Errorf("%d points drawn for %d: not thinned to one per 8-pixel cell", len(got), len(fs))
	}
	inside := 0
	for _, f := range fs {
		if tile.Bound().Contains(f.Geometry().(orb.Point)) {
			inside++
		}
	}
	if total != inside {
		t.Errorf("counts add up to %d, want the %d points inside the tile", total, inside)
	}
	// Same input in another order: the same tile.
	rev := make([]*geo.Feature, len(fs))
	for i, f := range fs {
		rev[len(fs)-1-i] = f
	}
	data2, _ := geo.Render([]geo.TileLayer{{Name: "pts", Features: rev}}, tile, geo.RenderOptions{})
	got2 := decodeTile(t, data2)["pts"]
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(got2)
	if !bytes.Equal(a, b) {
		t.Error("thinning depends on input order")
	}
	// At z14 nothing is thinned.
	data, _ = geo.Render([]geo.TileLayer{{Name: "pts", Features: fs}}, maptile.At(orb.Point{27.5, 53.9}, 14), geo.RenderOptions{})
	for _, f := range decodeTile(t, data)["pts"] {
		if _, ok := f.Properties["count"]; ok {
			t.Fatalf("z14 point %d has a count", f.ID)
		}
	}
}

func TestRender_MaxBytes(t *testing.T) {
	fs := densePoints(t, 5000)
	tile := maptile.At(orb.Point{27.5, 53.9}, 8)
	full, err := geo.Render([]geo.TileLayer{{Name: "pts", Features: fs}}, tile, geo.RenderOptions{ThinAbove: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	limit := len(full) / 3
	capped, err := geo.Render([]geo.TileLayer{{Name: "pts", Features: fs}}, tile, geo.RenderOptions{ThinAbove: 1 << 30, MaxBytes: limit})
	if err != nil {
		t.Fatal(err)
	}
	if len(capped) > limit || len(capped) == 0 {
		t.Errorf("capped tile is %d bytes, want 1..%d (full %d)", len(capped), limit, len(full))
	}
}

func TestParseTile(t *testing.T) {
	tests := []struct {
		z, x, y, field string
	}{
		{"0", "0", "0", ""},
		{"22", "4194303", "4194303", ""},
		{"23", "0", "0", "z"},
		{"a", "0", "0", "z"},
		{"-1", "0", "0", "z"},
		{"1", "2", "0", "x"},
		{"1", "0", "2", "y"},
		{"3", "1.5", "0", "x"},
	}
	for _, tc := range tests {
		_, err := geo.ParseTile(tc.z, tc.x, tc.y)
		var ve *geo.ValidationError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s/%s/%s: %v", tc.z, tc.x, tc.y, err)
		case tc.field != "" && (!asValidation(err, &ve) || ve.Field != tc.field):
			t.Errorf("%s/%s/%s: got %v, want an error on %s", tc.z, tc.x, tc.y, err, tc.field)
		}
	}
}

func asValidation(err error, ve **geo.ValidationError) bool {
	v, ok := err.(*geo.ValidationError)
	*ve = v
	return ok
}

func TestTileBound(t *testing.T) {
	b := geo.TileBound(maptile.New(0, 0, 0))
	if b.Min[0] != -180 || b.Max[0] != 180 || b.Max[1] > geo.MaxLatitude {
		t.Errorf("z0 bound %v, want clamped to the world", b)
	}
	inner := maptile.New(10, 10, 5).Bound()
	if b := geo.TileBound(maptile.New(10, 10, 5)); !b.Contains(inner.Min) || b == inner {
		t.Errorf("bound %v does not grow %v by the buffer", b, inner)
	}
}
