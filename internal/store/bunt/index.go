package bunt

import (
	"math"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
)

// index is a collection's spatial index: a hierarchy of loose grids that
// keeps each feature's bounding box inline beside the feature, so a bbox
// query tests its candidates without touching the features (buntdb's
// R-tree hands back keys, and turning 500 keys into features through a map
// cost more than the whole query budget).
//
// A feature lives in exactly one cell: at the finest level whose cells are
// at least as large as the feature's bounding box, in the cell holding the
// box's south-west corner. A query therefore looks one cell further west
// and south than its own corner, and never meets a feature twice.
type index struct {
	levels [len(cellSizes)]map[cell][]entry
	n      int
}

// cellSizes in degrees, finest first; the last holds anything.
var cellSizes = [...]float64{0.125, 1, 8, 64, 512}

type cell struct{ x, y int32 }

// entry is a feature and its bounding box; the id is kept inline for
// sorting the matches.
type entry struct {
	minX, minY, maxX, maxY float64
	id                     string
	f                      *geo.Feature
}

func newIndex() *index {
	ix := &index{}
	for i := range ix.levels {
		ix.levels[i] = map[cell][]entry{}
	}
	return ix
}

func placement(b orb.Bound) (level int, c cell) {
	ext := math.Max(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1])
	for level = 0; level < len(cellSizes)-1 && cellSizes[level] < ext; level++ {
	}
	size := cellSizes[level]
	return level, cell{int32(math.Floor(b.Min[0] / size)), int32(math.Floor(b.Min[1] / size))}
}

func (ix *index) insert(f *geo.Feature) {
	b := f.Geometry.Bound()
	level, c := placement(b)
	ix.levels[level][c] = append(ix.levels[level][c], entry{
		minX: b.Min[0], minY: b.Min[1], maxX: b.Max[0], maxY: b.Max[1], id: f.ID, f: f,
	})
	ix.n++
}

// remove takes out exactly the feature f was inserted as (features in the
// store are never changed in place, so its bound is the same).
func (ix *index) remove(f *geo.Feature) {
	level, c := placement(f.Geometry.Bound())
	es := ix.levels[level][c]
	for i := range es {
		if es[i].f == f {
			es[i] = es[len(es)-1]
			es[len(es)-1] = entry{}
			es = es[:len(es)-1]
			if len(es) == 0 {
				delete(ix.levels[level], c)
			} else {
				ix.levels[level][c] = es
			}
			ix.n--
			return
		}
	}
}

// search calls fn for every entry whose bounding box intersects b (edges
// included). fn returns false to stop.
func (ix *index) search(b orb.Bound, fn func(e *entry) bool) bool {
	for level, cells := range ix.levels {
		if len(cells) == 0 {
			continue
		}
		size := cellSizes[level]
		x0 := int64(math.Floor(b.Min[0]/size)) - 1
		y0 := int64(math.Floor(b.Min[1]/size)) - 1
		x1 := int64(math.Floor(b.Max[0] / size))
		y1 := int64(math.Floor(b.Max[1] / size))
		visit := func(es []entry) bool {
			for i := range es {
				e := &es[i]
				if e.minX <= b.Max[0] && e.maxX >= b.Min[0] && e.minY <= b.Max[1] && e.maxY >= b.Min[1] {
					if !fn(e) {
						return false
					}
				}
			}
			return true
		}
		if (x1-x0+1)*(y1-y0+1) > int64(len(cells)) {
			// A big box: walking the occupied cells is cheaper.
			for c, es := range cells {
				if int64(c.x) >= x0 && int64(c.x) <= x1 && int64(c.y) >= y0 && int64(c.y) <= y1 && !visit(es) {
					return false
				}
			}
			continue
		}
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				if es, ok := cells[cell{int32(x), int32(y)}]; ok && !visit(es) {
					return false
				}
			}
		}
	}
	return true
}
