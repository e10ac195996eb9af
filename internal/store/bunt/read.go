package bunt

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/paulmach/orb"
	"github.com/tidwall/buntdb"

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
	c, ok := s.cols[cid]
	if !ok {
		return nil, store.Errorf(store.ErrNotFound, "collection %s does not exist", cid)
	}
	f, ok := c.feats[fid]
	if !ok {
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
		buf := idPool.Get().(*[]string)
		defer idPool.Put(buf)
		ids, err := s.spatial(c, q, m, (*buf)[:0])
		*buf = ids[:0]
		if err == nil {
			err = m.err()
		}
		if err != nil {
			return store.Page{}, err
		}
		if len(q.Sort) == 0 {
			// Only the page's features are looked up.
			p := store.Page{Matched: len(ids)}
			n := len(ids)
			if q.Limit > 0 {
				n = min(n, max(q.Offset, 0)+q.Limit)
			}
			ids = window(smallest(ids, n), q.Offset, q.Limit)
			p.Features = make([]*geo.Feature, len(ids))
			for i, id := range ids {
				p.Features[i] = c.feats[id]
			}
			return p, nil
		}
		matched = make([]*geo.Feature, len(ids))
		for i, id := range ids {
			matched[i] = c.feats[id]
		}
	} else {
		_, order := c.derived()
		for _, id := range order {
			if f := c.feats[id]; q.MatchAttributes(f) && m.match(f) {
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

// spatial returns the ids of the features buntdb's R-tree finds that pass
// the exact test and the other filters, in no order. A feature whose rect
// lies inside the query box (every point does) needs no exact test, so
// without attribute filters most candidates are never looked up: the id is
// the tail of the key and the rect is the value (not even read when the
// collection holds only points).
func (s *Store) spatial(c *collection, q store.Query, m *matcher, ids []string) ([]string, error) {
	bounds := q.BBox.Bounds()
	attrs := q.Filter
	attrs.BBox = nil
	noAttrs := attrs.Time.Unbounded() && len(attrs.Props) == 0 && attrs.Text == "" && m == nil
	skip := rectPrefixLen(c.meta.ID)
	err := s.db.View(func(tx *buntdb.Tx) error {
		for _, b := range bounds {
			err := tx.Intersects(indexName(c.meta.ID), encodeRect(b), func(key, val string) bool {
				id := key[skip:]
				inside := c.notPoints == 0 || (validRect(val) && within(rectBound(val), b))
				if inside && noAttrs {
					ids = append(ids, id)
					return true
				}
				f := c.feats[id]
				if f == nil || (!inside && !geo.IntersectsBound(f.Geometry(), b)) || (!noAttrs && !(q.MatchAttributes(f) && m.match(f))) {
					return true
				}
				if m.stopped() {
					return false
				}
				ids = append(ids, id)
				return true
			})
			if err != nil {
				return fmt.Errorf("bbox query %s: %w", c.meta.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(bounds) > 1 {
		// A box split at the antimeridian can meet a feature twice.
		slices.Sort(ids)
		ids = slices.Compact(ids)
	}
	return ids, nil
}

// idPool recycles the id slices of bbox queries: a busy server would
// otherwise allocate one per request, growing it to hundreds of ids.
var idPool = sync.Pool{New: func() any { ids := make([]string, 0, 1024); return &ids }}

// smallest moves the k smallest ids, in order, to the front of ids and
// returns them. A page of 100 from some 600 matches costs far fewer
// comparisons than sorting them all.
func smallest(ids []string, k int) []string {
	if k*2 >= len(ids) {
		slices.Sort(ids)
		return ids[:k]
	}
	h := ids[:k] // a max-heap of the k smallest so far
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= k {
				return
			}
			if r := l + 1; r < k && h[r] > h[l] {
				l = r
			}
			if h[i] >= h[l] {
				return
			}
			h[i], h[l] = h[l], h[i]
			i = l
		}
	}
	for i := k/2 - 1; i >= 0; i-- {
		down(i)
	}
	for _, id := range ids[k:] {
		if id < h[0] {
			h[0] = id
			down(0)
		}
	}
	slices.Sort(h)
	return h
}

// within reports whether a lies inside b, edges included.
func within(a, b orb.Bound) bool {
	return a.Min[0] >= b.Min[0] && a.Max[0] <= b.Max[0] && a.Min[1] >= b.Min[1] && a.Max[1] <= b.Max[1]
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
