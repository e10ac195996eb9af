package workload

import (
	"context"
	"fmt"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// Load creates the workload's collections in st and writes fs (which may
// be empty) in one Put, as an import does.
func Load(ctx context.Context, st store.Store, fs []*geo.Feature) error {
	for _, c := range Collections() {
		if err := st.PutCollection(ctx, c); err != nil {
			return fmt.Errorf("load workload: %w", err)
		}
	}
	if len(fs) == 0 {
		return nil
	}
	if err := st.Put(ctx, fs, store.Upsert); err != nil {
		return fmt.Errorf("load workload: %w", err)
	}
	return nil
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

// Clone gives a benchmark run features of its own: a Put sets versions and
// "updated" on what it is handed.
func Clone(fs []*geo.Feature) []*geo.Feature {
	out := make([]*geo.Feature, len(fs))
	for i, f := range fs {
		out[i] = f.Clone()
	}
	return out
}
