package store

import (
	"context"
	"time"

	"github.com/sitmap/sitmap/geo"
)

// Version is one write of a feature as the history keeps it (record
// time: when the store learned it).
type Version struct {
	Seq        int64 // the change sequence, as /events numbers it
	Change     ChangeType
	Collection string
	ID         string
	Version    int64
	Time       time.Time
	Editor     string
	// Feature is the feature as written; for a deletion, as it was when
	// deleted, without its geometry. Nil when the history does not have it
	// (a deletion of a feature written before history was kept).
	Feature *geo.Feature
}

// ChangesQuery selects writes for the changes feed: those at or after
// Since with a Seq above After (the page cursor), of one collection or
// all, oldest first, at most Limit (0: no limit).
type ChangesQuery struct {
	Since      time.Time
	After      int64
	Collection string
	Limit      int
}

// History is what both backends keep of every write, atomically with it.
// Stores embed it in Store; it is apart only to be read as one contract.
type History interface {
	// Versions returns every kept version of a feature, newest first,
	// deleted features included; ErrNotFound if it has none.
	Versions(ctx context.Context, collection, id string) ([]Version, error)
	// Changes returns the writes that q selects, oldest first.
	Changes(ctx context.Context, q ChangesQuery) ([]Version, error)
	// PruneHistory drops versions written before t, never a feature's
	// latest one, and says how many it dropped.
	PruneHistory(ctx context.Context, before time.Time) (int, error)
	// Restore writes an exported history into a store that holds no
	// feature and no history (ErrConflict otherwise, and nothing is
	// written), all or nothing; see Restoration.
	Restore(ctx context.Context, r Restoration) error
}

// Restoration is a history to restore (an export --history, a migrate).
// Every version keeps its Seq, number, time, editor and change; each
// feature's last version in Seq order is its current state unless it is
// a deletion; a collection's version goes on from the highest restored,
// and the change sequence from the highest Seq.
type Restoration struct {
	// Versions in Seq order, each with its Feature (a deletion's may be
	// nil: the feature as it was is not known).
	Versions []Version
	// Unrecorded are current features that have no kept version (written
	// before history was kept), with their versions.
	Unrecorded []*geo.Feature
	// Create are made in the same transaction when missing, as Put's.
	Create []geo.Collection
}

// Check says what in r no store could restore: versions out of Seq
// order, without a number, collection or id, or (but for deletions)
// without their feature.
func (r Restoration) Check() error {
	var seq int64
	for i, v := range r.Versions {
		switch {
		case v.Seq <= seq:
			return Errorf(geo.ErrInvalid, "history: version #%d (%s/%s) has seq %d after %d: versions go in rising seq order", i, v.Collection, v.ID, v.Seq, seq)
		case v.Version < 1 || v.Collection == "" || v.ID == "":
			return Errorf(geo.ErrInvalid, "history: version #%d (%s/%s) needs a collection, an id and a version of 1 or more", i, v.Collection, v.ID)
		case v.Change != Created && v.Change != Replaced && v.Change != Patched && v.Change != Deleted:
			return Errorf(geo.ErrInvalid, "history: version #%d (%s/%s): change %q is not created, replaced, patched or deleted", i, v.Collection, v.ID, v.Change)
		case v.Feature == nil && v.Change != Deleted:
			return Errorf(geo.ErrInvalid, "history: version #%d (%s/%s) has no feature", i, v.Collection, v.ID)
		}
		seq = v.Seq
	}
	for _, f := range r.Unrecorded {
		if f.Version() < 1 || f.Collection() == "" || f.ID() == "" {
			return Errorf(geo.ErrInvalid, "history: unrecorded feature %s/%s needs a collection, an id and a version of 1 or more", f.Collection(), f.ID())
		}
	}
	return nil
}

// Current is each feature's current state after r: its last version's
// feature unless that is a deletion, then the unrecorded ones, each with
// its collection and version.
func (r Restoration) Current() []*geo.Feature {
	last := map[[2]string]int{}
	for i, v := range r.Versions {
		last[[2]string{v.Collection, v.ID}] = i
	}
	var out []*geo.Feature
	for i, v := range r.Versions {
		if last[[2]string{v.Collection, v.ID}] == i && v.Change != Deleted && v.Feature != nil {
			out = append(out, v.Feature.WithCollection(v.Collection).WithVersion(v.Version))
		}
	}
	return append(out, r.Unrecorded...)
}

// Heads are the highest version restored of each collection and the
// highest Seq.
func (r Restoration) Heads() (map[string]int64, int64) {
	vers := map[string]int64{}
	var seq int64
	for _, v := range r.Versions {
		vers[v.Collection] = max(vers[v.Collection], v.Version)
		seq = max(seq, v.Seq)
	}
	for _, f := range r.Unrecorded {
		vers[f.Collection()] = max(vers[f.Collection()], f.Version())
	}
	return vers, seq
}

// TimeKey is how the backends keep record times: fixed width UTC, so text
// order is time order.
const TimeKey = "2006-01-02T15:04:05.000000000Z"

type editorKey struct{}

// WithEditor names the editor of the writes made with ctx.
func WithEditor(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, editorKey{}, name)
}

// EditorOf is the editor WithEditor named, or "" (a write by the server
// itself: the seed, an import).
func EditorOf(ctx context.Context) string {
	name, _ := ctx.Value(editorKey{}).(string)
	return name
}

// StoredAt is a version as the feature stood: a deletion loses its
// geometry, and the feature carries the version's number.
func (v Version) StoredAt() *geo.Feature {
	f := v.Feature
	if f == nil {
		return nil
	}
	f = f.WithCollection(v.Collection).WithVersion(v.Version)
	if v.Change == Deleted && f.Geometry() != nil {
		f, _ = f.WithGeometry(nil)
	}
	return f
}
