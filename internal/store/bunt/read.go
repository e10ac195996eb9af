package bunt

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

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
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
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

// Query walks the R-tree when there is a bbox, and the id order otherwise,
// applies the rest of the filter, sorts and pages.
func (s *Store) Query(ctx context.Context, q store.Query) (store.Page, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.cols[q.Collection]
	if !ok {
		return store.Page{}, fmt.Errorf("collection %s: %w", q.Collection, store.ErrNotFound)
	}
	var matched []*geo.Feature
	var err error
	if q.BBox != nil {
		matched, err = s.spatial(c, q)
	} else {
		_, order := c.derived()
		for _, id := range order {
			if f := c.feats[id]; q.MatchAttributes(f) {
				matched = append(matched, f)
			}
		}
	}
	if err != nil {
		return store.Page{}, err
	}
	if q.BBox != nil || len(q.Sort) > 0 {
		sortFeatures(matched, q.Sort)
	}
	return page(matched, q.Offset, q.Limit), nil
}

// spatial finds candidates through the collection's spatial index and keeps
// those the exact test and the other filters accept.
func (s *Store) spatial(c *collection, q store.Query) ([]*geo.Feature, error) {
	bounds := q.BBox.Bounds()
	var seen map[*geo.Feature]bool // only a box split at the antimeridian meets a feature twice
	if len(bounds) > 1 {
		seen = map[*geo.Feature]bool{}
	}
	out := make([]*geo.Feature, 0, 64)
	skip := rectPrefixLen(c.meta.ID)
	err := s.db.View(func(tx *buntdb.Tx) error {
		for _, b := range bounds {
			rect := encodeRect([2][2]float64{{b.Min[0], b.Min[1]}, {b.Max[0], b.Max[1]}})
			err := tx.Intersects(indexName(c.meta.ID), rect, func(key, _ string) bool {
				f := c.feats[key[skip:]]
				if f == nil || (seen != nil && seen[f]) {
					return true
				}
				if !exactlyIntersects(f.Geometry, b) || !q.MatchAttributes(f) {
					return true
				}
				if seen != nil {
					seen[f] = true
				}
				out = append(out, f)
				return true
			})
			if err != nil {
				return fmt.Errorf("bbox query %s: %w", c.meta.ID, err)
			}
		}
		return nil
	})
	return out, err
}

// exactlyIntersects is the exact test for a candidate the index found. A
// point's indexed rect is the point itself, so the index has decided it
// already (and reading the point would cost a cache miss per candidate).
func exactlyIntersects(g orb.Geometry, b orb.Bound) bool {
	switch g.(type) {
	case orb.Point:
		return true
	}
	return geo.IntersectsBound(g, b)
}

func sortFeatures(fs []*geo.Feature, by []store.Sort) {
	if len(by) == 0 {
		slices.SortFunc(fs, func(a, b *geo.Feature) int { return strings.Compare(a.ID, b.ID) })
		return
	}
	sort.Slice(fs, func(i, j int) bool {
		for _, s := range by {
			a, b := sortKey(fs[i], s.Property), sortKey(fs[j], s.Property)
			if a != b {
				return (a < b) != s.Descending
			}
		}
		return fs[i].ID < fs[j].ID
	})
}

func page(fs []*geo.Feature, offset, limit int) store.Page {
	p := store.Page{Matched: len(fs)}
	if offset >= len(fs) {
		return p
	}
	fs = fs[offset:]
	if limit > 0 && limit < len(fs) {
		fs = fs[:limit]
	}
	p.Features = fs
	return p
}
