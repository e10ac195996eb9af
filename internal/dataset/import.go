package dataset

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// Input is one file to import.
type Input struct {
	Name string
	R    io.Reader
}

// Options steer an import.
type Options struct {
	// Collection puts every feature into this collection; otherwise each
	// feature's "collection" property decides.
	Collection string
	// Collections are created when missing, with these definitions
	// (e.g. the seed's); other unknown ids get geo.NewCollection.
	Collections []geo.Collection
}

// Import decodes and validates every feature of every input first, then
// writes them all in one store write, or nothing. It returns the number of
// features per collection.
func Import(ctx context.Context, st store.Store, inputs []Input, opts Options) (map[string]int, error) {
	all, err := Read(inputs, opts.Collection)
	if err != nil {
		return nil, err
	}
	cols, created, err := resolve(ctx, st, all, opts.Collections)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if err := validate(inputs, all, cols); err != nil {
		return nil, err
	}
	// The new collections are made in the features' transaction: an
	// import that fails or is killed leaves none of them behind.
	stored, err := st.Put(ctx, all, store.Upsert, created...)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	counts := map[string]int{}
	for _, f := range stored {
		counts[f.Collection()]++
	}
	return counts, nil
}

// Read decodes every input and puts each feature in the collection of
// collection or, when that is empty, of its "collection" property.
func Read(inputs []Input, collection string) ([]*geo.Feature, error) {
	var all []*geo.Feature
	for _, in := range inputs {
		fs, err := Decode(in.R)
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", in.Name, err)
		}
		fs, err = assign(fs, collection)
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", in.Name, err)
		}
		all = append(all, fs...)
	}
	return all, nil
}

// Check validates every feature against its collection as Import does,
// without changing any; an error names the feature (and the file when
// there is one).
func Check(inputs []Input, fs []*geo.Feature, cols map[string]*geo.Collection) error {
	return validate(inputs, slices.Clone(fs), cols)
}

// assign puts each feature in the collection of the option or of its
// property.
func assign(fs []*geo.Feature, collection string) ([]*geo.Feature, error) {
	out := make([]*geo.Feature, len(fs))
	for i, f := range fs {
		cid := collection
		if cid == "" {
			cid = f.String("collection")
		}
		if cid == "" {
			return nil, &geo.ValidationError{Feature: fmt.Sprintf("#%d", i), Field: "properties.collection",
				Reason: "no collection: give --collection or a \"collection\" property"}
		}
		if !geo.ValidID(cid) {
			return nil, &geo.ValidationError{Feature: fmt.Sprintf("#%d", i), Field: "properties.collection",
				Reason: fmt.Sprintf("%q is not a valid collection id ([a-z0-9-], at most 128)", cid)}
		}
		out[i] = f.WithCollection(cid)
	}
	return out, nil
}

// resolve finds the collection of every feature, and which must be created.
func resolve(ctx context.Context, st store.Store, fs []*geo.Feature, defs []geo.Collection) (map[string]*geo.Collection, []geo.Collection, error) {
	cols := map[string]*geo.Collection{}
	existing, err := st.Collections(ctx)
	if err != nil {
		return nil, nil, err
	}
	for i := range existing {
		cols[existing[i].ID] = &existing[i]
	}
	byID := map[string]geo.Collection{}
	for _, d := range defs {
		byID[d.ID] = d
	}
	var created []geo.Collection
	for _, f := range fs {
		if _, ok := cols[f.Collection()]; ok {
			continue
		}
		c, ok := byID[f.Collection()]
		if !ok {
			c = geo.NewCollection(f.Collection())
		}
		cols[c.ID] = &c
		created = append(created, c)
	}
	sort.Slice(created, func(i, j int) bool { return created[i].ID < created[j].ID })
	return cols, created, nil
}

// validate checks every feature on every core and names the first that
// fails (and its file, when there is one). It stamps "updated" on the valid
// ones, replacing them in fs: the store would otherwise re-encode each
// feature to stamp it, on its one writing core.
func validate(inputs []Input, fs []*geo.Feature, cols map[string]*geo.Collection) error {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	err := parallel(len(fs), func(i int) error {
		f := fs[i]
		if err := geo.Validate(f, cols[f.Collection()]); err != nil {
			return geo.InFeature(err, i, f.ID(), "")
		}
		if !f.Has("updated") {
			fs[i] = f.WithString("updated", now)
		}
		return nil
	})
	if err == nil {
		return nil
	}
	if len(inputs) == 1 {
		return fmt.Errorf("import %s: %w", inputs[0].Name, err)
	}
	return fmt.Errorf("import: %w", err)
}
