package dataset

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// SeedDir is where the seed data set lives inside the assets tree:
// collections.json and one <collection-id>.geojson per collection.
const SeedDir = "seed"

// SeedCollections reads the seed's collection definitions.
func SeedCollections(fsys fs.FS) ([]geo.Collection, error) {
	raw, err := fs.ReadFile(fsys, path.Join(SeedDir, "collections.json"))
	if err != nil {
		return nil, fmt.Errorf("seed collections: %w", err)
	}
	var cols []geo.Collection
	if err := json.Unmarshal(raw, &cols); err != nil {
		return nil, fmt.Errorf("seed collections: %w", err)
	}
	return cols, nil
}

// LoadSeed imports the seed data set into st, all or nothing.
func LoadSeed(ctx context.Context, st store.Store, fsys fs.FS) error {
	cols, err := SeedCollections(fsys)
	if err != nil {
		return err
	}
	for _, c := range cols {
		name := path.Join(SeedDir, c.ID+".geojson")
		f, err := fsys.Open(name)
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		_, err = Import(ctx, st, []Input{{Name: name, R: f}}, Options{Collection: c.ID, Collections: cols})
		f.Close()
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	return nil
}

// SeedOnce loads the seed into a store that has never had a collection.
// Once seeded, what analysts delete stays deleted: the seed never returns.
// On a store that servers share, the check and the load hold its lock, so
// replicas starting together seed it once.
func SeedOnce(ctx context.Context, st store.Store, fsys fs.FS) (seeded bool, err error) {
	if l, ok := st.(store.Locker); ok {
		err = l.Exclusive(ctx, "sitmap-seed", func() error {
			seeded, err = seedIfEmpty(ctx, st, fsys)
			return err
		})
		return seeded, err
	}
	return seedIfEmpty(ctx, st, fsys)
}

func seedIfEmpty(ctx context.Context, st store.Store, fsys fs.FS) (bool, error) {
	existing, err := st.Collections(ctx)
	if err != nil {
		return false, err
	}
	if len(existing) > 0 {
		return false, nil
	}
	return true, LoadSeed(ctx, st, fsys)
}
