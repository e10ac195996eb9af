package postgis

import (
	"context"
	"maps"
	"time"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// statusAtInstant reports whether q filters on the status at an instant,
// which the timeline decides: SQL cannot ask geo's rule, so such a query
// selects by its other filters in SQL and by status in Go.
func statusAtInstant(q store.Query) bool {
	_, ok := q.Props["status"]
	return ok && !q.At.IsZero()
}

// queryStatusAt answers a query with a status filter at an instant: the
// rows that pass the other filters, then geo's rule, sort and page.
func (s *Store) queryStatusAt(ctx context.Context, q store.Query) (store.Page, error) {
	wide := q
	wide.Props = maps.Clone(q.Props)
	delete(wide.Props, "status")
	wide.At, wide.Sort, wide.Limit, wide.Offset = time.Time{}, nil, 0, 0
	all, err := s.Query(ctx, wide)
	if err != nil {
		return store.Page{}, err
	}
	var fs []*geo.Feature
	for _, f := range all.Features {
		if q.MatchAttributes(f) {
			fs = append(fs, f)
		}
	}
	return store.PageOf(fs, q), nil
}
