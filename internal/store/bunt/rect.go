package bunt

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
)

// The spatial index is an R-tree per collection (tidwall/rtree) over the
// in-memory features, built when the store opens and changed with them
// after each commit. buntdb's own spatial index needed a rect key per
// feature (b:{cid}:{z}:{fid}): a second item for buntdb to hold, write and
// parse at open, and an R-tree that allocates two slices per entry and
// hands back keys to look up again. Files that still hold rect keys lose
// them at open (dropKeys).

// The R-tree holds each feature's bound in float32, rounded outwards, so
// a rect holds its feature's bound: a third less memory than float64 for
// the tree (its leaves are most of it), and a bbox query that reads less.
// A rect that lies inside the query box puts its feature inside; the few
// that cross an edge, the box's own rounding among them, are tested
// against the feature itself.

// rectOf is b rounded outwards to float32.
func rectOf(b orb.Bound) (min, max [2]float32) {
	return [2]float32{down(b.Min[0]), down(b.Min[1])}, [2]float32{up(b.Max[0]), up(b.Max[1])}
}

// boundOf is a rect as a bound, exactly.
func boundOf(min, max [2]float32) orb.Bound {
	return orb.Bound{Min: orb.Point{float64(min[0]), float64(min[1])}, Max: orb.Point{float64(max[0]), float64(max[1])}}
}

// down and up are the float32 nearest v at or below it, and at or above.
func down(v float64) float32 {
	f := float32(v)
	if float64(f) > v {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func up(v float64) float32 {
	f := float32(v)
	if float64(f) < v {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// zorder interleaves the bits of p's lon and lat, each scaled to 32 bits.
func zorder(p orb.Point) uint64 {
	spread := func(v, lo, hi float64) uint64 {
		x := uint64(uint32(math.Min(math.Max((v-lo)/(hi-lo), 0), 1) * math.MaxUint32))
		x = (x | x<<16) & 0x0000ffff0000ffff
		x = (x | x<<8) & 0x00ff00ff00ff00ff
		x = (x | x<<4) & 0x0f0f0f0f0f0f0f0f
		x = (x | x<<2) & 0x3333333333333333
		x = (x | x<<1) & 0x5555555555555555
		return x
	}
	return spread(p[0], -180, 180) | spread(p[1], -90, 90)<<1
}

// byLocality is the order of fs by the Z-order of their bound's centre,
// as indexes into fs. An R-tree filled in that order keeps features near
// each other on the map near each other in its leaves, and a bbox query,
// which visits hundreds of them, misses the cache far less than in file
// (id) order.
func byLocality(fs []*geo.Feature) []uint32 {
	type keyed struct {
		z uint64
		i uint32
	}
	ks := make([]keyed, len(fs))
	for i, f := range fs {
		ks[i] = keyed{zorder(f.Bound().Center()), uint32(i)}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return cmp.Compare(a.z, b.z) })
	out := make([]uint32, len(ks))
	for i := range ks {
		out[i] = ks[i].i
	}
	return out
}

// within reports whether a lies inside b, edges included.
func within(a, b orb.Bound) bool {
	return a.Min[0] >= b.Min[0] && a.Max[0] <= b.Max[0] && a.Min[1] >= b.Min[1] && a.Max[1] <= b.Max[1]
}

// rectPrefix starts the keys of the rect items that older versions kept
// for buntdb's spatial index; open drops them (dropKeys).
const rectPrefix = "b:"
