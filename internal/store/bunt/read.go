package bunt

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// Collections lists the collections in id order.
func (s *Store) Collections(ctx context.Context) ([]geo.Collection, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]geo.Collection, 0, len(s.cols))
	for _, c := range s.cols {
		ext, _ := c.derived()
		out = append(out, ext)
	}
	slices.SortFunc(out, func(a, b geo.Collection) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Collection returns one collection with its extents.
func (s *Store) Collection(ctx context.Context, id string) (geo.Collection, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.cols[id]
	if !ok {
		return geo.Collection{}, store.Errorf(store.ErrNotFound, "collection %s does not exist", id)
	}
	ext, _ := c.derived()
	return ext, nil
}

// Version returns the collection's change version.
func (s *Store) Version(ctx context.Context, id string) (int64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.cols[id]
	if !ok {
		return 0, store.Errorf(store.ErrNotFound, "collection %s does not exist", id)
	}
	return c.version, nil
}

// Get returns one feature.
func (s *Store) Get(ctx context.Context, cid, fid string) (*geo.Feature, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.lookup(cid, fid)
}

// lookup finds a feature, or says which of collection and feature does
// not exist; the caller holds s.mu.
func (s *Store) lookup(cid, fid string) (*geo.Feature, error) {
	c, ok := s.cols[cid]
	if !ok {
		return nil, store.Errorf(store.ErrNotFound, "collection %s does not exist", cid)
	}
	f := c.get(fid)
	if f == nil {
		return nil, store.Errorf(store.ErrNotFound, "feature %s/%s does not exist", cid, fid)
	}
	return f, nil
}

// Query walks the R-tree when there is a bbox, and the id order otherwise,
// applies the rest of the filter, sorts and pages.
func (s *Store) Query(ctx context.Context, q store.Query) (store.Page, error) {
	if !q.AsOf.IsZero() {
		return s.queryAsOf(ctx, q)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.cols[q.Collection]
	if !ok {
		return store.Page{}, store.Errorf(store.ErrNotFound, "collection %s does not exist", q.Collection)
	}
	var matched []*geo.Feature
	m := newMatcher(ctx, &q)
	if q.BBox != nil {
		buf := hitPool.Get().(*[]entry)
		hits := spatial(c, q, m, (*buf)[:0])
		defer func() {
			*buf = hits[:0]
			hitPool.Put(buf)
		}()
		if err := m.err(); err != nil {
			return store.Page{}, err
		}
		if len(q.Sort) == 0 {
			// Only the page's features are put in id order.
			n := len(hits)
			if q.Limit > 0 {
				n = min(n, max(q.Offset, 0)+q.Limit)
			}
			return store.Page{Matched: len(hits), Features: c.features(window(c.smallest(hits, n), q.Offset, q.Limit))}, nil
		}
		matched = c.features(hits)
	} else {
		_, order := c.derived()
		for _, s := range order {
			if f := c.slots[s]; q.MatchAttributes(f) && m.match(f) {
				matched = append(matched, f)
			}
		}
		if err := m.err(); err != nil {
			return store.Page{}, err
		}
	}
	if len(q.Sort) > 0 {
		sortFeatures(matched, q.Sort)
	}
	return page(matched, q.Offset, q.Limit), nil
}

// spatial appends to hits the features the R-tree finds that pass the
// exact test and the other filters, in no order. A feature whose rect
// lies inside the query box (nearly every point's does) needs no exact
// test.
func spatial(c *collection, q store.Query, m *matcher, hits []entry) []entry {
	bounds := q.BBox.Bounds()
	attrs := q.Filter
	attrs.BBox = nil
	noAttrs := attrs.Time.Unbounded() && len(attrs.Props) == 0 && attrs.Text == "" && m == nil
	for _, b := range bounds {
		min, max := rectOf(b)
		c.tree.Search(min, max, func(min, max [2]float32, e entry) bool {
			inside := within(boundOf(min, max), b)
			if inside && noAttrs {
				hits = append(hits, e)
				return true
			}
			f := c.slots[e.slot]
			if (!inside && !geo.IntersectsBound(f.Geometry(), b)) || (!noAttrs && !(q.MatchAttributes(f) && m.match(f))) {
				return true
			}
			if m.stopped() {
				return false
			}
			hits = append(hits, e)
			return true
		})
	}
	if len(bounds) > 1 {
		// A box split at the antimeridian can meet a feature twice.
		slices.SortFunc(hits, c.byID)
		hits = slices.Compact(hits)
	}
	return hits
}

// hitPool recycles the hit slices of bbox queries: a busy server would
// otherwise allocate one per request, growing it to hundreds of features.
var hitPool = sync.Pool{New: func() any { hits := make([]entry, 0, 1024); return &hits }}

// features are the entries' features, in a slice of their own.
func (c *collection) features(es []entry) []*geo.Feature {
	out := make([]*geo.Feature, len(es))
	for i, e := range es {
		out[i] = c.slots[e.slot]
	}
	return out
}

// smallest moves the k entries of smallest id, in order, to the front of
// es and returns them. A page of 100 from some 600 matches costs far
// fewer comparisons than sorting them all.
func (c *collection) smallest(es []entry, k int) []entry {
	if k*2 >= len(es) {
		slices.SortFunc(es, c.byID)
		return es[:k]
	}
	h := es[:k] // a max-heap of the k smallest so far
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= k {
				return
			}
			if r := l + 1; r < k && c.byID(h[r], h[l]) > 0 {
				l = r
			}
			if c.byID(h[i], h[l]) >= 0 {
				return
			}
			h[i], h[l] = h[l], h[i]
			i = l
		}
	}
	for i := k/2 - 1; i >= 0; i-- {
		down(i)
	}
	for _, e := range es[k:] {
		if c.byID(e, h[0]) < 0 {
			h[0] = e
			down(0)
		}
	}
	slices.SortFunc(h, c.byID)
	return h
}

func sortFeatures(fs []*geo.Feature, by []store.Sort) {
	if len(by) == 0 {
		slices.SortFunc(fs, func(a, b *geo.Feature) int { return strings.Compare(a.ID(), b.ID()) })
		return
	}
	// The keys are worked out once per feature, not once per comparison.
	type keyed struct {
		f    *geo.Feature
		keys []string
	}
	ks := make([]keyed, len(fs))
	for i, f := range fs {
		ks[i] = keyed{f: f, keys: make([]string, len(by))}
		for j, s := range by {
			ks[i].keys[j] = f.SortValue(s.Property)
		}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		for j, s := range by {
			if c := strings.Compare(a.keys[j], b.keys[j]); c != 0 {
				if s.Descending {
					return -c
				}
				return c
			}
		}
		return strings.Compare(a.f.ID(), b.f.ID())
	})
	for i := range ks {
		fs[i] = ks[i].f
	}
}

func page(fs []*geo.Feature, offset, limit int) store.Page {
	return store.Page{Matched: len(fs), Features: window(fs, offset, limit)}
}

// window is the slice from offset, at most limit long (0: no limit).
func window[T any](s []T, offset, limit int) []T {
	offset = max(offset, 0)
	if offset >= len(s) {
		return nil
	}
	s = s[offset:]
	if limit > 0 && limit < len(s) {
		s = s[:limit]
	}
	return s
}
