package bunt

import (
	"cmp"
	"encoding/binary"
	"hash/maphash"
	"iter"
	"slices"
	"strings"
	"sync"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"github.com/sitmap/sitmap/geo"
)

// collection is the in-memory side of one collection. Derived data (the
// extents and the id order) is rebuilt lazily after writes.
//
// Each feature has a slot, and the R-tree's entries name their feature by
// its slot rather than point to it: the tree holds no pointers, so the
// collector never scans it, and neither the hits of a bbox query nor their
// sorting write pointers the collector must hear of.
type collection struct {
	meta    geo.Collection
	version int64
	ids     slotIndex      // every feature's slot
	slots   []*geo.Feature // nil where free
	free    []uint32
	tree    rtree.RTreeGN[float32, entry] // every feature, by its rect (rect.go)
	past    rtree.RTreeG[*span]           // every superseded version (asof.go)

	dmu    sync.Mutex // guards the derived data below under the store's read lock
	dirty  bool       // extents and order need rebuilding
	extent geo.Collection
	order  []uint32 // the slots in ascending id order
}

func newCollection(meta geo.Collection, version int64) *collection {
	return &collection{meta: meta, version: version}
}

// get is the feature with the id, or nil.
func (c *collection) get(id string) *geo.Feature {
	if s, ok := c.ids.get(id, c.slots); ok {
		return c.slots[s]
	}
	return nil
}

// add and drop keep the slots and the R-tree; every change to the
// features goes through them.
func (c *collection) add(f *geo.Feature) {
	c.drop(f.ID())
	var s uint32
	if n := len(c.free); n > 0 {
		s, c.free = c.free[n-1], c.free[:n-1]
		c.slots[s] = f
	} else {
		s, c.slots = uint32(len(c.slots)), append(c.slots, f)
	}
	c.ids.set(f.ID(), s, c.slots)
	min, max := rectOf(f.Bound())
	c.tree.Insert(min, max, entryOf(f.ID(), s))
}

func (c *collection) drop(id string) {
	s, ok := c.ids.get(id, c.slots)
	if !ok {
		return
	}
	min, max := rectOf(c.slots[s].Bound())
	c.tree.Delete(min, max, entryOf(id, s))
	c.ids.remove(id, c.slots) // reads the ids of slots, this one's too
	c.slots[s], c.free = nil, append(c.free, s)
}

// load fills an empty collection with fs, in id order (open): the slot
// index and the derived data on one core while the R-tree is filled, in
// locality order, on another. Deriving them on the first request instead
// (sorting every id) held up every request of a fresh server's first
// tenth of a second.
func (c *collection) load(fs []*geo.Feature) {
	// Decoded on every core, the features lie among the garbage of their
	// decoding; copied together, they leave no half-used pages behind. A
	// copy stays until every feature in its allocation is replaced.
	fs = geo.Compact(fs)
	c.slots = fs
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.ids.reset(len(fs))
		for i, f := range fs {
			c.ids.set(f.ID(), uint32(i), c.slots)
		}
		order := make([]uint32, len(fs)) // fs come in id order
		for i := range order {
			order[i] = uint32(i)
		}
		c.order, c.extent, c.dirty = order, c.extentOf(slices.Values(fs)), false
	}()
	for _, s := range byLocality(fs) {
		f := fs[s]
		min, max := rectOf(f.Bound())
		c.tree.Insert(min, max, entryOf(f.ID(), s))
	}
	<-done
}

// derived returns the extents and the id order, rebuilt if writes made
// them stale. Callers hold the store's lock (read or write).
func (c *collection) derived() (geo.Collection, []uint32) {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.refresh()
	return c.extent, c.order
}

func (c *collection) refresh() {
	if !c.dirty && c.order != nil {
		return
	}
	c.order = c.order[:0]
	for s, f := range c.slots {
		if f != nil {
			c.order = append(c.order, uint32(s))
		}
	}
	slices.SortFunc(c.order, func(a, b uint32) int { return strings.Compare(c.slots[a].ID(), c.slots[b].ID()) })
	c.extent = c.extentOf(func(yield func(*geo.Feature) bool) {
		for _, s := range c.order {
			if !yield(c.slots[s]) {
				return
			}
		}
	})
	c.dirty = false
}

// extentOf is the collection's metadata with the count and extents of fs,
// its features.
func (c *collection) extentOf(fs iter.Seq[*geo.Feature]) geo.Collection {
	ext := c.meta
	ext.Count = c.ids.n
	ext.Version = c.version
	first := true
	for f := range fs {
		b, iv := f.Bound(), f.Extent()
		if first {
			ext.Bound, ext.Time, first = b, iv, false
			continue
		}
		ext.Bound = ext.Bound.Union(b)
		ext.Time = ext.Time.Union(iv)
	}
	if first {
		ext.Bound = orb.Bound{}
	}
	return ext
}

// entry is a feature in the R-tree: its slot, and the first 12 bytes of
// its id as numbers, so that putting a query's hits in id order compares
// integers and seldom reads the features themselves: the hits lie
// scattered in memory, and comparing their ids through them was half of
// what a bbox query with a page of 100 cost. (8 bytes left ids such as
// pt-001207 tied in tens, and the slot leaves room for 4 more.)
type entry struct {
	hi   uint64
	lo   uint32
	slot uint32
}

func entryOf(id string, slot uint32) entry {
	var b [12]byte
	copy(b[:], id)
	return entry{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint32(b[8:]), slot}
}

// byID orders entries as their features' ids: a < b as strings implies
// a's numbers are at most b's, and only ids that share their first 12
// bytes need reading.
func (c *collection) byID(a, b entry) int {
	if a.hi != b.hi {
		return cmp.Compare(a.hi, b.hi)
	}
	if a.lo != b.lo {
		return cmp.Compare(a.lo, b.lo)
	}
	return strings.Compare(c.slots[a.slot].ID(), c.slots[b.slot].ID())
}

// slotIndex finds a feature's slot from its id: an open-addressing table
// (linear probing, at most half full) of slots plus one, 0 for an empty
// cell, that reads the ids from the features in the slots. A
// map[string]uint32 kept every id's string header beside its slot: 7.6
// MB at 222,000 features, where this keeps 2 MB.
type slotIndex struct {
	seed  maphash.Seed
	cells []uint32 // a power of two of them
	n     int
}

// reset empties the index and makes room for n ids.
func (x *slotIndex) reset(n int) {
	size := 16
	for size < 2*n {
		size *= 2
	}
	*x = slotIndex{seed: maphash.MakeSeed(), cells: make([]uint32, size)}
}

func (x *slotIndex) home(id string) int {
	return int(maphash.String(x.seed, id) & uint64(len(x.cells)-1))
}

// find is the cell holding id's slot, or the empty cell where it would go.
func (x *slotIndex) find(id string, slots []*geo.Feature) (int, bool) {
	mask := len(x.cells) - 1
	for i := x.home(id); ; i = (i + 1) & mask {
		switch c := x.cells[i]; {
		case c == 0:
			return i, false
		case slots[c-1].ID() == id:
			return i, true
		}
	}
}

func (x *slotIndex) get(id string, slots []*geo.Feature) (uint32, bool) {
	if x.n == 0 {
		return 0, false
	}
	i, ok := x.find(id, slots)
	return x.cells[i] - 1, ok
}

// set gives id the slot s; slots[s] holds the feature already.
func (x *slotIndex) set(id string, s uint32, slots []*geo.Feature) {
	if 2*(x.n+1) > len(x.cells) {
		old := x.cells
		x.reset(x.n + 1)
		for _, c := range old {
			if c != 0 {
				i, _ := x.find(slots[c-1].ID(), slots)
				x.cells[i], x.n = c, x.n+1
			}
		}
	}
	i, ok := x.find(id, slots)
	if !ok {
		x.n++
	}
	x.cells[i] = s + 1
}

// remove drops id, closing the gap it leaves in its run of cells
// (backward-shift deletion: no tombstones to slow later lookups).
func (x *slotIndex) remove(id string, slots []*geo.Feature) {
	if x.n == 0 {
		return
	}
	i, ok := x.find(id, slots)
	if !ok {
		return
	}
	mask := len(x.cells) - 1
	for j := (i + 1) & mask; x.cells[j] != 0; j = (j + 1) & mask {
		// The cell at j may fill the gap unless its home lies in (i, j].
		h := x.home(slots[x.cells[j]-1].ID())
		if i <= j && (h <= i || h > j) || i > j && h <= i && h > j {
			x.cells[i], i = x.cells[j], j
		}
	}
	x.cells[i] = 0
	x.n--
}
