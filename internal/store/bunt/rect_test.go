package bunt_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
	"github.com/tidwall/buntdb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/workload"
)

// checkBBoxes compares bbox queries, with and without paging, against the
// exact test on every feature of the collections.
func checkBBoxes(t *testing.T, s store.Store, seed uint64) {
	t.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 1))
	for _, c := range workload.Collections() {
		all, err := s.Query(ctx, store.Query{Collection: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		for range 40 {
			x, y := 14+r.Float64()*19, 49+r.Float64()*9
			w := []float64{0.01, 0.1, 0.5, 3}[r.IntN(4)]
			bb := geo.BBox{West: x, South: y, East: x + w, North: y + w}
			var want []string
			for _, f := range all.Features {
				if geo.IntersectsBound(f.Geometry(), orb.Bound{Min: orb.Point{bb.West, bb.South}, Max: orb.Point{bb.East, bb.North}}) {
					want = append(want, f.ID())
				}
			}
			slices.Sort(want)
			p, err := s.Query(ctx, store.Query{Collection: c.ID, Filter: geo.Filter{BBox: &bb}})
			if err != nil {
				t.Fatal(err)
			}
			if got := idsOf(p.Features); !slices.Equal(got, want) || p.Matched != len(want) {
				t.Fatalf("%s bbox %v: %d matched %v, want %v", c.ID, bb, p.Matched, got, want)
			}
			off, lim := r.IntN(5), 1+r.IntN(7)
			p, err = s.Query(ctx, store.Query{Collection: c.ID, Filter: geo.Filter{BBox: &bb}, Offset: off, Limit: lim})
			if err != nil {
				t.Fatal(err)
			}
			page := want[min(off, len(want)):min(off+lim, len(want))]
			if got := idsOf(p.Features); !slices.Equal(got, page) || p.Matched != len(want) {
				t.Fatalf("%s bbox %v offset %d limit %d: %d matched %v, want %d %v", c.ID, bb, off, lim, p.Matched, got, len(want), page)
			}
		}
	}
}

// TestOlderRectLayouts opens files with the rect keys that older versions
// kept for buntdb's spatial index: binary rects keyed by Z-order, text
// rects keyed by id (the first layout), and a stray rect with no feature.
// Open deletes them, once, and bbox queries, and writes after them, are
// exact.
func TestOlderRectLayouts(t *testing.T) {
	ctx := context.Background()
	for _, layout := range []string{"none", "z-order", "text-by-id", "stray"} {
		t.Run(layout, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sitmap.db")
			s := openFile(t, path)
			fs := workload.Generate(0.01)
			if _, err := workload.Load(ctx, s, fs); err != nil {
				t.Fatal(err)
			}
			checkBBoxes(t, s, 1)
			s.Close()
			writeOldRects(t, path, layout, fs)

			size := fileSize(t, path)
			s = openFile(t, path)
			if rewrote := fileSize(t, path) != size; rewrote != (layout != "none") {
				t.Errorf("open rewrote the file: %v", rewrote)
			}
			if n := bunt.CountKeys(t, path, "b:*"); n != 0 {
				t.Errorf("%d rect keys left after open", n)
			}
			checkBBoxes(t, s, 2)
			moved, err := fs[0].WithGeometry(orb.Point{30.5, 55.5})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Replace(ctx, moved, 0); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, fs[1].Collection(), fs[1].ID(), 0); err != nil {
				t.Fatal(err)
			}
			checkBBoxes(t, s, 3)
		})
	}
}

// writeOldRects adds to a closed store file the rect keys of a layout.
func writeOldRects(t *testing.T, path, layout string, fs []*geo.Feature) {
	t.Helper()
	db, err := buntdb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	binRect := func(b orb.Bound) string {
		v := []byte{'r'}
		for _, x := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
			v = binary.LittleEndian.AppendUint64(v, math.Float64bits(x))
		}
		return string(v)
	}
	err = db.Update(func(tx *buntdb.Tx) error {
		for i, f := range fs {
			b := f.Bound()
			var k, v string
			switch layout {
			case "none":
				return nil
			case "z-order":
				k, v = fmt.Sprintf("b:%s:%016x:%s", f.Collection(), i, f.ID()), binRect(b)
			case "text-by-id":
				k, v = "b:"+f.Collection()+":"+f.ID(), buntdb.Rect(b.Min[:], b.Max[:])
			case "stray":
				whole := orb.Bound{Min: orb.Point{14, 49}, Max: orb.Point{33, 58}}
				_, _, err := tx.Set("b:"+workload.PointsID+":0000000000000000:gone", binRect(whole), nil)
				return err
			}
			if _, _, err := tx.Set(k, v, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBBoxPointsThenShapes: a shape whose rect meets the box but which
// passes outside it is no hit, in a collection of points too.
func TestBBoxPointsThenShapes(t *testing.T) {
	ctx := context.Background()
	s := openFile(t, ":memory:")
	if err := s.PutCollection(ctx, geo.NewCollection("layer")); err != nil {
		t.Fatal(err)
	}
	pt := func(id string, x, y float64) *geo.Feature {
		f, err := geo.NewFeature(id, orb.Point{x, y}, map[string]json.RawMessage{"name": json.RawMessage(strconv.Quote(id))})
		if err != nil {
			t.Fatal(err)
		}
		return f.WithCollection("layer")
	}
	if _, err := s.Put(ctx, []*geo.Feature{pt("a", 20.5, 50.5), pt("b", 21.5, 50.5)}, store.Upsert); err != nil {
		t.Fatal(err)
	}
	box := geo.BBox{West: 20, South: 50, East: 21, North: 51}
	query := func() []string {
		t.Helper()
		p, err := s.Query(ctx, store.Query{Collection: "layer", Filter: geo.Filter{BBox: &box}})
		if err != nil {
			t.Fatal(err)
		}
		return idsOf(p.Features)
	}
	if got := query(); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("points: %v, want [a]", got)
	}
	// A line whose rect meets the box but which passes outside it.
	line, err := pt("b", 0, 0).WithGeometry(orb.LineString{{20.9, 51.5}, {21.5, 50.9}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Replace(ctx, line, 0); err != nil {
		t.Fatal(err)
	}
	if got := query(); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("with a line outside the box: %v, want [a]", got)
	}
	if _, err := s.Replace(ctx, pt("b", 20.1, 50.1), 0); err != nil {
		t.Fatal(err)
	}
	if got := query(); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("the line back to a point inside: %v, want [a b]", got)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestBBoxEdgesBetweenFloat32s: the R-tree rounds to float32, so points
// and box edges a few float64 steps apart share a rect; the answers must
// still be the exact ones, edges included.
func TestBBoxEdgesBetweenFloat32s(t *testing.T) {
	ctx := context.Background()
	s := openFile(t, ":memory:")
	if err := s.PutCollection(ctx, geo.NewCollection("layer")); err != nil {
		t.Fatal(err)
	}
	const x0, y0 = 21.123456789012345, 52.987654321098765 // no float32 is either
	var fs []*geo.Feature
	at := map[string]orb.Point{}
	for i := range 5 {
		p := orb.Point{x0 + float64(i-2)*1e-9, y0 + float64(i-2)*1e-9}
		id := "p" + strconv.Itoa(i)
		f, err := geo.NewFeature(id, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		fs, at[id] = append(fs, f.WithCollection("layer")), p
	}
	if _, err := s.Put(ctx, fs, store.Upsert); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		box  geo.BBox
	}{
		{"west edge on p2", geo.BBox{West: x0, South: 52, East: 22, North: 53}},
		{"east edge on p2", geo.BBox{West: 21, South: 52, East: x0, North: 53}},
		{"south edge on p2", geo.BBox{West: 21, South: y0, East: 22, North: 53}},
		{"north edge on p2", geo.BBox{West: 21, South: 52, East: 22, North: y0}},
		{"between p2 and p3", geo.BBox{West: x0 + 0.5e-9, South: 52, East: 22, North: 53}},
		{"a point's width", geo.BBox{West: x0, South: y0, East: x0, North: y0}},
		{"just short of p2", geo.BBox{West: 21, South: 52, East: math.Nextafter(x0, 0), North: 53}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := orb.Bound{Min: orb.Point{tc.box.West, tc.box.South}, Max: orb.Point{tc.box.East, tc.box.North}}
			var want []string
			for _, f := range fs {
				if b.Contains(at[f.ID()]) {
					want = append(want, f.ID())
				}
			}
			p, err := s.Query(ctx, store.Query{Collection: "layer", Filter: geo.Filter{BBox: &tc.box}})
			if err != nil {
				t.Fatal(err)
			}
			if got := idsOf(p.Features); !slices.Equal(got, want) || p.Matched != len(want) {
				t.Errorf("%d matched %v, want %v", p.Matched, got, want)
			}
		})
	}
}
