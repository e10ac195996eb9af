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

// PageAsOf answers a query as of q.AsOf from a collection's versions in
// feature order, each feature's in ascending version order: the last
// version of each at or before AsOf, unless it was a deletion, filtered,
// sorted and paged like any query.
func PageAsOf(vs []Version, q Query) Page {
	var fs []*geo.Feature
	for i := 0; i < len(vs); {
		j, last := i, -1
		for ; j < len(vs) && vs[j].ID == vs[i].ID; j++ {
			if !vs[j].Time.After(q.AsOf) {
				last = j
			}
		}
		if last >= 0 && vs[last].Change != Deleted && vs[last].Feature != nil {
			if f := vs[last].StoredAt(); q.Match(f) {
				fs = append(fs, f)
			}
		}
		i = j
	}
	return PageOf(fs, q)
}
