package bunt

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
)

// TestIndexMatchesBruteForce checks the grid index against a scan of every
// bounding box, with features of every size, inserts and removes, and
// boxes from a sliver to the whole world.
func TestIndexMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ix := newIndex()
	live := map[*geo.Feature]bool{}
	randBound := func() orb.Bound {
		sizes := []float64{0, 0, 0.01, 0.1, 0.125, 0.5, 1, 3, 8, 20, 64, 100, 360}
		w := sizes[r.IntN(len(sizes))] * r.Float64()
		h := sizes[r.IntN(len(sizes))] * r.Float64()
		x := -180 + r.Float64()*(360-w)
		y := -90 + r.Float64()*math.Max(0, 180-h)
		if r.IntN(10) == 0 { // on a cell edge
			x, y = math.Round(x), math.Round(y)
		}
		return orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + w, math.Min(90, y+h)}}
	}
	for i := range 5000 {
		b := randBound()
		f := &geo.Feature{ID: fmt.Sprint(i), Geometry: b.ToPolygon()}
		if b.Min == b.Max {
			f.Geometry = b.Min
		}
		ix.insert(f)
		live[f] = true
		if r.IntN(4) == 0 { // remove a random earlier feature
			for g := range live {
				ix.remove(g)
				delete(live, g)
				break
			}
		}
	}
	if ix.n != len(live) {
		t.Fatalf("index holds %d, want %d", ix.n, len(live))
	}
	for range 500 {
		q := randBound()
		var got, want []string
		ix.search(q, func(e *entry) bool {
			got = append(got, e.id)
			return true
		})
		for f := range live {
			if f.Geometry.Bound().Intersects(q) {
				want = append(want, f.ID)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("search %v: %d found, want %d\n got %v\nwant %v", q, len(got), len(want), got, want)
		}
	}
}
