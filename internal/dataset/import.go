package dataset

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/formats"
	"github.com/sitmap/sitmap/internal/par"
	"github.com/sitmap/sitmap/internal/store"
)

// Input is one file to import.
type Input struct {
	Name string
	R    io.Reader
	// Format is the file's encoding; "" guesses it from Name's extension
	// (GeoJSON when none fits).
	Format formats.Format
}

// Options steer an import.
type Options struct {
	// Collection puts every feature into this collection; otherwise each
	// feature's "collection" property decides.
	Collection string
	// Collections are created when missing, with these definitions
	// (e.g. the seed's); other unknown ids get geo.NewCollection.
	Collections []geo.Collection
	// Set gives properties to the features that lack them (import's
	// --set key=value); see fill for source-url and source-title.
	Set map[string]string
}

// Import decodes and validates every feature of every input first, then
// writes them all in one store write, or nothing. It returns the number of
// features per collection.
func Import(ctx context.Context, st store.Store, inputs []Input, opts Options) (map[string]int, error) {
	all, err := Read(inputs, opts.Collection, opts.Set)
	if err != nil {
		return nil, err
	}
	if IsHistory(all) {
		return importHistory(ctx, st, inputs, all, opts.Collections)
	}
	cols, created, err := resolve(ctx, st, collectionIDs(all), opts.Collections)
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

// Read decodes every input, gives the features the properties of set
// that they lack (see fill), and puts each feature in the collection of
// collection or, when that is empty, of its "collection" property. The
// features of a history export are left as they are (IsHistory).
func Read(inputs []Input, collection string, set map[string]string) ([]*geo.Feature, error) {
	var all []*geo.Feature
	for _, in := range inputs {
		fs, err := decodeInput(in)
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", in.Name, err)
		}
		if IsHistory(fs) { // restored as exported (history.go)
			if collection != "" || len(set) > 0 {
				return nil, fmt.Errorf("import %s: a history export (export --history) restores as it was: --collection and --set do not apply", in.Name)
			}
			all = append(all, fs...)
			continue
		}
		if fs, err = fill(fs, set, in.Name); err != nil {
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

func decodeInput(in Input) ([]*geo.Feature, error) {
	f := in.Format
	if f == "" {
		f = formats.ByExtension(in.Name)
	}
	if f == formats.GeoJSON {
		return Decode(in.R)
	}
	return formats.Decode(f, in.R)
}

// fill gives each feature the properties of set that it lacks. Two keys
// make a source instead: a feature without sources gets one,
// {"title": source-title, "url": source-url}, its title "Imported from"
// and the file's name when source-title is not given.
func fill(fs []*geo.Feature, set map[string]string, file string) ([]*geo.Feature, error) {
	if len(set) == 0 {
		return fs, nil
	}
	props := map[string]json.RawMessage{}
	for k, v := range set {
		if k != "source-url" && k != "source-title" {
			props[k] = formats.PropertyValue(k, v)
		}
	}
	url, hasURL := set["source-url"]
	title, hasTitle := set["source-title"]
	if hasURL || hasTitle {
		if !hasTitle {
			title = "Imported from " + filepath.Base(file)
		}
		src := map[string]string{"title": title}
		if hasURL {
			src["url"] = url
		}
		props["sources"], _ = json.Marshal([]map[string]string{src})
	}
	out := make([]*geo.Feature, len(fs))
	for i, f := range fs {
		for _, k := range slices.Sorted(maps.Keys(props)) {
			if f.Has(k) {
				continue
			}
			var err error
			if f, err = f.WithProperty(k, props[k]); err != nil {
				return nil, fmt.Errorf("--set %s: %w", k, err)
			}
		}
		out[i] = f
	}
	return out, nil
}

// Check validates every feature against its collection as Import does,
// without changing any; an error names the feature (and the file when
// there is one).
func Check(inputs []Input, fs []*geo.Feature, cols map[string]*geo.Collection) error {
	return validate(inputs, slices.Clone(fs), cols)
}

// assign puts each feature in the collection of the option or of its
// property, on every core; the error is the first feature's that has
// none.
func assign(fs []*geo.Feature, collection string) ([]*geo.Feature, error) {
	out := make([]*geo.Feature, len(fs))
	err := par.Do(len(fs), func(i int) error {
		f := fs[i]
		cid := collection
		if cid == "" {
			cid = f.String("collection")
		}
		if cid == "" {
			return &geo.ValidationError{Feature: fmt.Sprintf("#%d", i), Field: "properties.collection",
				Reason: "no collection: give --collection or a \"collection\" property"}
		}
		if !geo.ValidID(cid) {
			return &geo.ValidationError{Feature: fmt.Sprintf("#%d", i), Field: "properties.collection",
				Reason: fmt.Sprintf("%q is not a valid collection id ([a-z0-9-], at most 128)", cid)}
		}
		out[i] = f.WithCollection(cid)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// collectionIDs are the features' collections, in order, repeated.
func collectionIDs(fs []*geo.Feature) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Collection()
	}
	return out
}

// resolve finds each collection, and which must be created.
func resolve(ctx context.Context, st store.Store, ids []string, defs []geo.Collection) (map[string]*geo.Collection, []geo.Collection, error) {
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
	for _, id := range ids {
		if _, ok := cols[id]; ok {
			continue
		}
		c, ok := byID[id]
		if !ok {
			c = geo.NewCollection(id)
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
	err := par.Do(len(fs), func(i int) error {
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
