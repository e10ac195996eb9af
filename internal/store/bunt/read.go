package bunt

import (
	"context"
	"fmt"
	"slices"
	"strings"

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
		return geo.Collection{}, fmt.Errorf("collection %s: %w", id, store.ErrNotFound)
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
		return 0, fmt.Errorf("collection %s: %w", id, store.ErrNotFound)
	}
	return c.version, nil
}

// Get returns one feature.
func (s *Store) Get(ctx context.Context, cid, fid string) (*geo.Feature, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.cols[cid]
	if !ok {
		return nil, fmt.Errorf("collection %s: %w", cid, store.ErrNotFound)
	}
	f, ok := c.feats[fid]
	if !ok {
		return nil, fmt.Errorf("feature %s/%s: %w", cid, fid, store.ErrNotFound)
	}
	return f, nil
}

// Query walks the spatial index when there is a bbox, and the id order
// otherwise, applies the rest of the filter, sorts and pages.
func (s *Store) Query(ctx context.Context, q store.Query) (store.Page, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.cols[q.Collection]
	if !ok {
		return store.Page{}, fmt.Errorf("collection %s: %w", q.Collection, store.ErrNotFound)
	}
	var matched []*geo.Feature
	switch {
	case q.BBox != nil && len(q.Sort) == 0:
		// Sort on the ids held in the index entries: the features
		// themselves are touched only for the page.
		ms := spatial(c, q)
		slices.SortFunc(ms, func(a, b *entry) int { return strings.Compare(a.id, b.id) })
		p := store.Page{Matched: len(ms)}
		ms = window(ms, q.Offset, q.Limit)
		p.Features = make([]*geo.Feature, len(ms))
		for i, e := range ms {
			p.Features[i] = e.f
		}
		return p, nil
	case q.BBox != nil:
		ms := spatial(c, q)
		matched = make([]*geo.Feature, len(ms))
		for i, e := range ms {
			matched[i] = e.f
		}
	default:
		_, order := c.derived()
		for _, id := range order {
			if f := c.feats[id]; q.MatchAttributes(f) {
				matched = append(matched, f)
			}
		}
	}
	if len(q.Sort) > 0 {
		sortFeatures(matched, q.Sort)
	}
	return page(matched, q.Offset, q.Limit), nil
}

// spatial finds candidates through the collection's spatial index and keeps
// those the exact test and the other filters accept.
func spatial(c *collection, q store.Query) []*entry {
	bounds := q.BBox.Bounds()
	var seen map[*geo.Feature]bool // only a box split at the antimeridian meets a feature twice
	if len(bounds) > 1 {
		seen = map[*geo.Feature]bool{}
	}
	attrs := q.Filter
	attrs.BBox = nil
	noAttrs := attrs.Time.Unbounded() && len(attrs.Props) == 0 && attrs.Text == ""
	out := make([]*entry, 0, 64)
	for _, b := range bounds {
		c.ix.search(b, func(e *entry) bool {
			if seen != nil && seen[e.f] {
				return true
			}
			// A box that is a point, or lies inside the query box, needs no
			// exact test; that spares reading most features at all.
			inside := e.minX >= b.Min[0] && e.maxX <= b.Max[0] && e.minY >= b.Min[1] && e.maxY <= b.Max[1]
			if !inside && !geo.IntersectsBound(e.f.Geometry, b) {
				return true
			}
			if !noAttrs && !q.MatchAttributes(e.f) {
				return true
			}
			if seen != nil {
				seen[e.f] = true
			}
			out = append(out, e)
			return true
		})
	}
	return out
}

func sortFeatures(fs []*geo.Feature, by []store.Sort) {
	if len(by) == 0 {
		slices.SortFunc(fs, func(a, b *geo.Feature) int { return strings.Compare(a.ID, b.ID) })
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
			ks[i].keys[j] = sortKey(f, s.Property)
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
		return strings.Compare(a.f.ID, b.f.ID)
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
