package bunt

import (
	"cmp"
	"encoding/binary"
	"iter"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"github.com/sitmap/sitmap/geo"
)

// collection is the in-memory side of one collection. Derived data (the
// extents and the id order) is rebuilt lazily after writes.
type collection struct {
	meta    geo.Collection
	version int64
	feats   map[string]*geo.Feature
	tree    rtree.RTreeGN[float32, entry] // every feature, by its rect (rect.go)
	past    rtree.RTreeG[*span]           // every superseded version (asof.go)

	dmu    sync.Mutex // guards the derived data below under the store's read lock
	dirty  bool       // extents and order need rebuilding
	extent geo.Collection
	order  []*geo.Feature // in ascending id order
}

func newCollection(meta geo.Collection, version int64) *collection {
	return &collection{meta: meta, version: version, feats: map[string]*geo.Feature{}}
}

// add and drop keep the R-tree; every change to feats goes through them.
func (c *collection) add(f *geo.Feature) {
	c.drop(f.ID())
	c.feats[f.ID()] = f
	min, max := rectOf(f.Bound())
	c.tree.Insert(min, max, entryOf(f))
}

func (c *collection) drop(id string) {
	if old, ok := c.feats[id]; ok {
		min, max := rectOf(old.Bound())
		c.tree.Delete(min, max, entryOf(old))
		delete(c.feats, id)
	}
}

// load fills an empty collection with fs, in id order (open): the map
// and the derived data on one core while the R-tree is filled, in
// locality order, on another. Deriving them on the first request instead
// (sorting every id) held up every request of a fresh server's first
// tenth of a second.
func (c *collection) load(fs []*geo.Feature) {
	byID := slices.Clone(fs)
	byLocality(fs)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.feats = make(map[string]*geo.Feature, len(fs))
		for _, f := range byID {
			c.feats[f.ID()] = f
		}
		c.order, c.extent, c.dirty = byID, c.extentOf(slices.Values(byID)), false
	}()
	for _, f := range fs {
		min, max := rectOf(f.Bound())
		c.tree.Insert(min, max, entryOf(f))
	}
	<-done
}

// derived returns the extents and the id order, rebuilt if writes made
// them stale. Callers hold the store's lock (read or write).
func (c *collection) derived() (geo.Collection, []*geo.Feature) {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.refresh()
	return c.extent, c.order
}

func (c *collection) refresh() {
	if !c.dirty && c.order != nil {
		return
	}
	c.order = slices.AppendSeq(c.order[:0], maps.Values(c.feats))
	slices.SortFunc(c.order, func(a, b *geo.Feature) int { return strings.Compare(a.ID(), b.ID()) })
	c.extent = c.extentOf(slices.Values(c.order))
	c.dirty = false
}

// extentOf is the collection's metadata with the count and extents of fs,
// its features.
func (c *collection) extentOf(fs iter.Seq[*geo.Feature]) geo.Collection {
	ext := c.meta
	ext.Count = len(c.feats)
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

// entry is a feature in the R-tree with the first bytes of its id as a
// number, so that putting a query's hits in id order compares integers
// and seldom reads the features themselves: the hits lie scattered in
// memory, and comparing their ids through them was half of what a bbox
// query with a page of 100 cost.
type entry struct {
	key uint64
	f   *geo.Feature
}

func entryOf(f *geo.Feature) entry { return entry{idKey(f.ID()), f} }

// idKey is the id's first 8 bytes, big-endian, zero-padded: a < b as
// strings implies idKey(a) <= idKey(b).
func idKey(id string) uint64 {
	var b [8]byte
	copy(b[:], id)
	return binary.BigEndian.Uint64(b[:])
}

// byID orders entries as their ids.
func byID(a, b entry) int {
	if a.key != b.key {
		return cmp.Compare(a.key, b.key)
	}
	return strings.Compare(a.f.ID(), b.f.ID())
}
