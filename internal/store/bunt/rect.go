package bunt

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/tidwall/buntdb"

	"github.com/sitmap/sitmap/geo"
)

// The spatial index is an R-tree per collection (tidwall/rtree) over the
// in-memory features, built when the store opens and changed with them
// after each commit. buntdb's own spatial index needed a rect key per
// feature (b:{cid}:{z}:{fid}): a second item for buntdb to hold, write and
// parse at open, and an R-tree that allocates two slices per entry and
// hands back keys to look up again. Files that still hold rect keys lose
// them at open (dropRectKeys).

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

// byLocality orders features by the Z-order of their bound's centre. An
// R-tree filled in that order keeps features near each other on the map
// near each other in its leaves, and a bbox query, which visits hundreds
// of them, misses the cache far less than in file (id) order.
func byLocality(fs []*geo.Feature) {
	type keyed struct {
		z uint64
		f *geo.Feature
	}
	ks := make([]keyed, len(fs))
	for i, f := range fs {
		ks[i] = keyed{zorder(f.Bound().Center()), f}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return cmp.Compare(a.z, b.z) })
	for i := range ks {
		fs[i] = ks[i].f
	}
}

// within reports whether a lies inside b, edges included.
func within(a, b orb.Bound) bool {
	return a.Min[0] >= b.Min[0] && a.Max[0] <= b.Max[0] && a.Min[1] >= b.Min[1] && a.Max[1] <= b.Max[1]
}

// rectPrefix starts the keys of the rect items that older versions kept
// for buntdb's spatial index.
const rectPrefix = "b:"

// dropRectKeys deletes the rect items an older version wrote, once. The
// deletions are idempotent, so a crash halfway leaves the rest for the
// next open.
func (s *Store) dropRectKeys() error {
	var keys []string
	err := s.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendKeys(rectPrefix+"*", func(k, _ string) bool {
			keys = append(keys, k)
			return true
		})
	})
	if err != nil || len(keys) == 0 {
		return err
	}
	err = s.db.Update(func(tx *buntdb.Tx) error {
		for _, k := range keys {
			if _, err := tx.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("drop the rect keys of an older version: %w", err)
	}
	return nil
}
