package bunt

import (
	"context"
	"fmt"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/cql2"
	"github.com/sitmap/sitmap/internal/store"
)

// matcher applies a query's CQL2 filter; a nil matcher matches everything.
type matcher struct{ m *cql2.Matcher }

// newMatcher returns nil when the query has no CQL2 filter. When the
// filter bounds its matches (cql2.Bound) and the query has no bbox, the
// bound becomes the bbox, so the R-tree finds the candidates.
func newMatcher(ctx context.Context, q *store.Query) *matcher {
	if q.CQL == nil {
		return nil
	}
	if b, ok := cql2.Bound(q.CQL); ok && q.BBox == nil && b.Min[0] <= b.Max[0] && b.Min[1] <= b.Max[1] {
		q.BBox = &geo.BBox{West: b.Min[0], South: b.Min[1], East: b.Max[0], North: b.Max[1]}
	}
	return &matcher{m: cql2.NewMatcher(ctx, q.CQL)}
}

func (m *matcher) match(f *geo.Feature) bool { return m == nil || m.m.Match(f) }

func (m *matcher) stopped() bool { return m != nil && m.m.Err() != nil }

func (m *matcher) err() error {
	if m == nil || m.m.Err() == nil {
		return nil
	}
	return fmt.Errorf("bunt: %w: %w", cql2.ErrTimeout, m.m.Err())
}
