package dataset

import (
	"context"
	"fmt"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// Copy writes every collection of src, definitions and features, into dst:
// the definitions first, then every feature in one Put, all or nothing.
// Features keep their ids and "updated" times.
func Copy(ctx context.Context, src, dst store.Store) (int, error) {
	cols, err := src.Collections(ctx)
	if err != nil {
		return 0, fmt.Errorf("copy: %w", err)
	}
	var all []*geo.Feature
	for _, c := range cols {
		page, err := src.Query(ctx, store.Query{Collection: c.ID})
		if err != nil {
			return 0, fmt.Errorf("copy %s: %w", c.ID, err)
		}
		all = append(all, page.Features...)
	}
	for _, c := range cols {
		if err := dst.PutCollection(ctx, c); err != nil {
			return 0, fmt.Errorf("copy %s: %w", c.ID, err)
		}
	}
	if _, err := dst.Put(ctx, all, store.Upsert); err != nil {
		return 0, fmt.Errorf("copy: %w", err)
	}
	return len(all), nil
}
