package formats

import (
	"context"
	"fmt"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// chunk is how many features one store query of an export returns: the
// export holds no more than these at a time.
const chunk = 2000

// Stream calls fn for every feature of the query, reading the store a
// chunk at a time (q.Limit 0 means all matches, from q.Offset on). Stores
// order every query (q.Sort, then id), so the chunks do not overlap.
func Stream(ctx context.Context, st store.Store, q store.Query, fn func(*geo.Feature) error) (int, error) {
	total, n := q.Limit, 0
	for {
		cq := q
		cq.Offset = q.Offset + n
		cq.Limit = chunk
		if total > 0 {
			cq.Limit = min(chunk, total-n)
		}
		page, err := st.Query(ctx, cq)
		if err != nil {
			return n, fmt.Errorf("query %s: %w", q.Collection, err)
		}
		for _, f := range page.Features {
			if err := fn(f); err != nil {
				return n, err
			}
			n++
		}
		if len(page.Features) < cq.Limit || (total > 0 && n >= total) {
			return n, nil
		}
		if err := ctx.Err(); err != nil {
			return n, err
		}
	}
}
