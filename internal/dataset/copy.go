package dataset

import (
	"context"
	"fmt"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// Copy writes every collection of src, definitions, features and history,
// into dst, which must hold no feature and no history (store.Restore):
// all in one restore, or nothing. Features keep their ids, versions and
// "updated" times; versions their seq, record times, editors and changes.
// It returns the number of current features copied.
func Copy(ctx context.Context, src, dst store.Store) (int, error) {
	cols, err := src.Collections(ctx)
	if err != nil {
		return 0, fmt.Errorf("copy: %w", err)
	}
	r := store.Restoration{Create: cols}
	err = WalkHistory(ctx, src, "", func(v store.Version) error {
		r.Versions = append(r.Versions, v)
		return nil
	}, func(f *geo.Feature) error {
		r.Unrecorded = append(r.Unrecorded, f)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("copy: %w", err)
	}
	if err := dst.Restore(ctx, r); err != nil {
		return 0, fmt.Errorf("copy: %w", err)
	}
	return len(r.Current()), nil
}
