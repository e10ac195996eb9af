package workload

import (
	"context"
	"fmt"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// Load creates the workload's collections in st and writes fs (which may
// be empty) in one Put, as an import does; it returns them as stored.
func Load(ctx context.Context, st store.Store, fs []*geo.Feature) ([]*geo.Feature, error) {
	for _, c := range Collections() {
		if err := st.PutCollection(ctx, c); err != nil {
			return nil, fmt.Errorf("load workload: %w", err)
		}
	}
	if len(fs) == 0 {
		return nil, nil
	}
	stored, err := st.Put(ctx, fs, store.Upsert)
	if err != nil {
		return nil, fmt.Errorf("load workload: %w", err)
	}
	return stored, nil
}

// ByID maps the workload's collection ids to their definitions, the form
// geo.ValidateAll asks for.
func ByID() map[string]*geo.Collection {
	m := map[string]*geo.Collection{}
	for _, c := range Collections() {
		m[c.ID] = &c
	}
	return m
}
