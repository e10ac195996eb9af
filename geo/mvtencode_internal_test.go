package geo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

// TestEncodeTileAsOrb: the tile encoder writes, byte for byte, what orb's
// encoder writes for the same layers, over features of every geometry
// type, property values of every kind, thinned points and slim levels.
func TestEncodeTileAsOrb(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	values := []string{`"open"`, `"closed"`, `""`, `"caf\u00e9 \"x\""`, `0`, `-0`, `-0.0`, `1`, `1.0`, `1.5`, `-7`,
		`12345678901234567890`, `1e300`, `true`, `false`, `null`, `[1,2]`, `{"a":"b"}`, `"` + string(bytes.Repeat([]byte("x"), 40)) + `"`}
	keys := []string{"status", "name", "confidence", "count", "id", "kind", "z\u00e9", "a b", "valid_from", `q"k`, `b\\s`, "<t>"}
	var fs []*Feature
	for i := range 600 {
		props := map[string]json.RawMessage{}
		for range r.IntN(6) {
			props[keys[r.IntN(len(keys))]] = json.RawMessage(values[r.IntN(len(values))])
		}
		x, y := 20+r.Float64()*0.5, 52+r.Float64()*0.5
		var g orb.Geometry = orb.Point{x, y}
		switch i % 5 {
		case 1:
			g = orb.LineString{{x, y}, {x + 0.01, y + 0.02}, {x + 0.03, y}}
		case 2:
			g = orb.Polygon{{{x, y}, {x + 0.05, y}, {x + 0.05, y + 0.04}, {x, y + 0.04}, {x, y}}}
		case 3:
			g = orb.MultiPolygon{{{{x, y}, {x + 0.2, y}, {x + 0.2, y + 0.1}, {x, y}}}, {{{x + 0.3, y}, {x + 0.4, y}, {x + 0.4, y + 0.1}, {x + 0.3, y}}}}
		case 4:
			g = orb.MultiPoint{{x, y}, {x + 0.001, y + 0.001}}
		}
		f, err := NewFeature(fmt.Sprintf("f%03d", i), g, props)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, f)
	}
	layers := []TileLayer{{Name: "a", Features: fs[:300]}, {Name: "b", Features: fs[300:]}}
	at := time.Date(2025, 9, 12, 0, 0, 0, 0, time.UTC)
	for _, tile := range []maptile.Tile{maptile.At(orb.Point{20.25, 52.25}, 6), maptile.At(orb.Point{20.25, 52.25}, 9), maptile.At(orb.Point{20.1, 52.1}, 13)} {
		for n := range 3 {
			lv := levelFor(n, tile.Z, RenderOptions{ThinAbove: 50})
			var ours []tileLayer
			var theirs mvt.Layers
			for _, l := range layers {
				tl := renderLayer(l, tile, lv, Interval{}, at)
				if len(tl.geoms) == 0 {
					continue
				}
				ours = append(ours, tl)
				theirs = append(theirs, asOrb(tl))
			}
			want, err := mvt.Marshal(theirs)
			if err != nil {
				t.Fatal(err)
			}
			if got := encodeTile(ours); !bytes.Equal(got, want) {
				t.Errorf("tile %v level %d: %d bytes, orb writes %d (first difference at %d)", tile, n, len(got), len(want), firstDiff(got, want))
			}
		}
	}
}

// asOrb is the layer as orb's encoder takes it.
func asOrb(tl tileLayer) *mvt.Layer {
	ml := &mvt.Layer{Name: tl.name, Version: 2, Extent: TileExtent}
	for _, tg := range tl.geoms {
		tf := tl.feats[tg.feat]
		props := geojson.Properties{}
		for _, p := range tl.props(nil, tf) {
			var v any
			switch p.val.kind {
			case valString:
				v = p.val.s
			case valInt64:
				v = p.val.i
			case valInt:
				v = int(p.val.i)
			case valDouble:
				v = p.val.f
			case valBool:
				v = p.val.i == 1
			}
			props[p.key] = v
		}
		g := tg.g
		if g == nil {
			g = tg.pt
		}
		ml.Features = append(ml.Features, &geojson.Feature{Geometry: g, ID: FeatureNumber(tl.name, tf.f), Properties: props})
	}
	return ml
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestPointsAsOrbProjects: renderLayer's own projection and buffer test
// for points agree with orb's pipeline (ProjectToTile, then Clip) for
// points in, on the edge of, and outside the tile and its buffer.
func TestPointsAsOrbProjects(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, z := range []maptile.Zoom{0, 3, 9, 14, 20} {
		tile := maptile.At(orb.Point{27.56, 53.9}, z)
		b := tile.Bound()
		dx, dy := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
		toTile := tileProjection(tile)
		for range 2000 {
			p := orb.Point{b.Min[0] + (r.Float64()*1.4-0.2)*dx, b.Min[1] + (r.Float64()*1.4-0.2)*dy}
			ml := &mvt.Layer{Extent: TileExtent, Features: []*geojson.Feature{geojson.NewFeature(p)}}
			ml.ProjectToTile(tile)
			ml.Clip(orb.Bound{Min: orb.Point{-TileBuffer, -TileBuffer}, Max: orb.Point{TileExtent + TileBuffer, TileExtent + TileBuffer}})
			got := toTile(p)
			if kept := len(ml.Features) == 1; kept != inBuffer(got) {
				t.Fatalf("z%d %v: orb keeps it %v, inBuffer(%v) says %v", z, p, kept, got, !kept)
			} else if kept && ml.Features[0].Geometry.(orb.Point) != got {
				t.Fatalf("z%d %v: orb projects to %v, we to %v", z, p, ml.Features[0].Geometry, got)
			}
		}
	}
}

// TestRowLatitudesAsProjection: thinning finds a feature's row among the
// rows' latitudes; that is the row its projection falls in, but for
// points on an edge, which the two ways may round apart. A point on the
// edge of two tiles is in one of them.
func TestRowLatitudesAsProjection(t *testing.T) {
	row := func(tile maptile.Tile, cellUnits int, lat float64) int {
		side := (TileExtent + cellUnits - 1) / cellUnits
		rows := rowLatitudes(tile, cellUnits, side)
		lat = math.Max(-MaxLatitude, math.Min(MaxLatitude, lat))
		if r := sort.Search(len(rows), func(i int) bool { return rows[i] < lat }) - 1; r < side {
			return r
		}
		return -1
	}
	r := rand.New(rand.NewPCG(9, 9))
	for _, tile := range []maptile.Tile{{X: 291, Y: 166, Z: 9}, {X: 0, Y: 0, Z: 2}, {X: 3, Y: 3, Z: 2}, {X: 18, Y: 10, Z: 5}} {
		b := tile.Bound()
		scale := float64(uint64(1)<<tile.Z) * TileExtent
		for _, cellUnits := range []int{128, 512, 100} {
			for range 5000 {
				lat := b.Min[1] - 1 + r.Float64()*(b.Max[1]-b.Min[1]+2)
				_, y := mercatorUnits(orb.Point{0, lat}, scale)
				y -= float64(tile.Y) * TileExtent
				if off := math.Mod(y, float64(cellUnits)); off < 1e-6 || float64(cellUnits)-off < 1e-6 || math.Abs(y-TileExtent) < 1e-6 {
					continue // on an edge
				}
				want := int(math.Floor(y / float64(cellUnits)))
				if y < 0 || y >= TileExtent {
					want = -1
				}
				if got := row(tile, cellUnits, lat); got != want {
					t.Errorf("tile %v, cells of %d: latitude %v in row %d, projected to y %v: row %d", tile, cellUnits, lat, got, y, want)
				}
			}
			south := maptile.New(tile.X, tile.Y+1, tile.Z)
			if tile.Y+1 < 1<<tile.Z {
				edge := b.Min[1]
				if a, s := row(tile, cellUnits, edge), row(south, cellUnits, edge); (a >= 0) == (s >= 0) {
					t.Errorf("tile %v, cells of %d: the southern edge in row %d of it and row %d of %v", tile, cellUnits, a, s, south)
				}
			}
		}
	}
}
