package dataset

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/formats"
	"github.com/sitmap/sitmap/internal/store"
)

// HistoryMember is the property that every feature of a history export
// (export --history) carries: which version of which feature it is. The
// other properties and the geometry are the version's as stored; a
// deletion carries the feature as it was when deleted (a null geometry
// and no other properties when that is not known).
const HistoryMember = "sitmap:history"

// historyEntry is HistoryMember's value. Seq, Recorded and Change are
// empty for a current feature that has no kept version (written before
// history was kept).
type historyEntry struct {
	Collection string           `json:"collection"`
	Seq        int64            `json:"seq,omitempty"`
	Version    int64            `json:"version"`
	Recorded   string           `json:"recorded,omitempty"` // RFC 3339, nanoseconds
	Editor     string           `json:"editor,omitempty"`
	Change     store.ChangeType `json:"change,omitempty"`
}

// historyChunk is how many versions a history walk reads at a time.
const historyChunk = 10000

// WalkHistory calls version with every kept version of the collection
// (every collection when ""), oldest first, a deletion with the feature
// as it was when the history still has it; then unrecorded with each
// current feature that has no kept version.
func WalkHistory(ctx context.Context, st store.Store, collection string, version func(store.Version) error, unrecorded func(*geo.Feature) error) error {
	cols, err := exportCollections(ctx, st, collection)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	last := map[[2]string]*geo.Feature{} // each feature's last version so far
	for after := int64(0); ; {
		vs, err := st.Changes(ctx, store.ChangesQuery{After: after, Collection: collection, Limit: historyChunk})
		if err != nil {
			return fmt.Errorf("history: %w", err)
		}
		if len(vs) == 0 {
			break
		}
		for _, v := range vs {
			k := [2]string{v.Collection, v.ID}
			if v.Feature == nil && v.Change == store.Deleted {
				v.Feature = last[k]
			}
			last[k] = v.Feature
			if err := version(v); err != nil {
				return err
			}
		}
		after = vs[len(vs)-1].Seq
	}
	for _, c := range cols {
		_, err := formats.Stream(ctx, st, store.Query{Collection: c.ID, Sort: []store.Sort{{Property: "id"}}}, func(f *geo.Feature) error {
			if _, ok := last[[2]string{c.ID, f.ID()}]; ok {
				return nil
			}
			return unrecorded(f.WithCollection(c.ID))
		})
		if err != nil {
			return fmt.Errorf("history of %s: %w", c.ID, err)
		}
	}
	return nil
}

// ExportHistory writes every kept version of the collection (every
// collection when "") as one GeoJSON FeatureCollection, oldest first, one
// feature a line, each with its HistoryMember; then the current features
// that have no kept version. It returns how many features it wrote.
func ExportHistory(ctx context.Context, st store.Store, w io.Writer, collection string) (int, error) {
	bw := bufio.NewWriter(w)
	bw.WriteString(`{"type":"FeatureCollection","features":[`)
	n := 0
	write := func(f *geo.Feature, h historyEntry) error {
		raw, err := json.Marshal(h)
		if err != nil {
			return err
		}
		if f, err = f.WithProperty(HistoryMember, raw); err != nil {
			return fmt.Errorf("%s/%s: %w", h.Collection, f.ID(), err)
		}
		if n > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		n++
		_, err = bw.WriteString(f.JSON())
		return err
	}
	err := WalkHistory(ctx, st, collection, func(v store.Version) error {
		f := v.Feature
		if f == nil { // a deletion of a feature no longer in the history
			var err error
			if f, err = geo.NewFeature(v.ID, nil, nil); err != nil {
				return err
			}
		}
		return write(f, historyEntry{Collection: v.Collection, Seq: v.Seq, Version: v.Version,
			Recorded: v.Time.UTC().Format(time.RFC3339Nano), Editor: v.Editor, Change: v.Change})
	}, func(f *geo.Feature) error {
		return write(f, historyEntry{Collection: f.Collection(), Version: f.Version()})
	})
	if err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	bw.WriteString("\n]}\n")
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	return n, nil
}

// IsHistory reports whether features were read from a history export:
// its first feature carries HistoryMember.
func IsHistory(fs []*geo.Feature) bool { return len(fs) > 0 && fs[0].Has(HistoryMember) }

// importHistory restores a history export into an empty store: the
// current features are validated as an import's are, the collections
// missing made (with defs' definitions), and every version written as
// recorded, all or nothing (store.Restore). It returns the number of
// current features per collection.
func importHistory(ctx context.Context, st store.Store, inputs []Input, fs []*geo.Feature, defs []geo.Collection) (map[string]int, error) {
	r, err := restoration(fs)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	current := r.Current()
	ids := collectionIDs(current)
	for _, v := range r.Versions { // features deleted since may be in other collections
		ids = append(ids, v.Collection)
	}
	cols, created, err := resolve(ctx, st, ids, defs)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if err := validate(inputs, slices.Clone(current), cols); err != nil {
		return nil, err
	}
	r.Create = created
	if err := st.Restore(ctx, r); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	counts := map[string]int{}
	for _, f := range current {
		counts[f.Collection()]++
	}
	return counts, nil
}

// restoration reads a history export's features back into versions.
func restoration(fs []*geo.Feature) (store.Restoration, error) {
	var r store.Restoration
	for i, f := range fs {
		bad := func(reason string) error {
			return &geo.ValidationError{Feature: fmt.Sprintf("#%d (%s)", i, f.ID()), Field: "properties." + HistoryMember, Reason: reason}
		}
		raw, ok := f.Property(HistoryMember)
		if !ok {
			return r, bad("is missing: every feature of a history export carries it")
		}
		var h historyEntry
		if err := json.Unmarshal(raw, &h); err != nil {
			return r, bad(err.Error())
		}
		if !geo.ValidID(h.Collection) {
			return r, bad(fmt.Sprintf("collection %q is not a valid collection id", h.Collection))
		}
		f = f.Without(HistoryMember).WithCollection(h.Collection)
		if h.Change == "" {
			r.Unrecorded = append(r.Unrecorded, f.WithVersion(h.Version))
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, h.Recorded)
		if err != nil {
			return r, bad("recorded: " + err.Error())
		}
		v := store.Version{Seq: h.Seq, Change: h.Change, Collection: h.Collection, ID: f.ID(), Version: h.Version, Time: t, Editor: h.Editor, Feature: f}
		if f.Geometry() == nil { // a deletion whose feature was not known
			v.Feature = nil
		}
		r.Versions = append(r.Versions, v)
	}
	return r, nil
}
