package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/cql2"
)

// Sort orders query results; ties break on id so paging is stable.
type Sort struct {
	Property   geo.SortKey
	Descending bool
}

// Query selects features of one collection.
type Query struct {
	Collection string
	geo.Filter
	// CQL is a CQL2 filter (checked with cql2.Validate), ANDed with the
	// rest; nil for none. (The name Filter is the embedded geo.Filter's.)
	// Stores stop evaluating it when ctx ends and return an error that
	// wraps cql2.ErrTimeout.
	CQL    cql2.Expr
	Sort   []Sort
	Limit  int // 0 means no limit
	Offset int
	// AsOf, when set, asks for the features as the store held them at
	// that time (record time), from their history.
	AsOf time.Time
}

// Match applies the query's whole filter, geo's and the CQL2 one, to a
// feature, for the stores' paths that filter in Go (as_of).
func (q *Query) Match(f *geo.Feature) bool {
	return q.Filter.Match(f) && (q.CQL == nil || cql2.Match(q.CQL, f))
}

// Page is one page of a query and the number of all its matches.
type Page struct {
	Features []*geo.Feature
	Matched  int
}

// EncodeCollection is the stored form of a collection's metadata, the
// same in every backend: its JSON, once its id is checked.
func EncodeCollection(meta geo.Collection) (string, error) {
	if !geo.ValidID(meta.ID) {
		return "", &geo.ValidationError{Field: "id", Reason: fmt.Sprintf("%q is not a valid collection id", meta.ID)}
	}
	raw, err := json.Marshal(meta)
	if err != nil {
		return "", fmt.Errorf("collection %s: %w", meta.ID, err)
	}
	return string(raw), nil
}

// Clock is where a store reads the time of a write (once per write, so
// every feature and change of it has the same time); tests set it instead
// of sleeping.
type Clock func() time.Time

// SystemClock is the wall clock in UTC.
func SystemClock() time.Time { return time.Now().UTC() }

// PutMode says what a Put does with ids that exist already.
type PutMode int

const (
	Upsert     PutMode = iota // replace them (import)
	CreateOnly                // fail with ErrConflict (POST)
)

// ChangeType names what happened to a feature.
type ChangeType string

const (
	Created  ChangeType = "created"
	Replaced ChangeType = "replaced"
	Patched  ChangeType = "patched"
	Deleted  ChangeType = "deleted"
)

// Change is one write, as the /events feed reports it. Seq grows across all
// collections, so a client can resume after the last Seq it saw.
type Change struct {
	Seq        int64      `json:"seq"`
	Type       ChangeType `json:"type"`
	Collection string     `json:"collection"`
	ID         string     `json:"id"`
	Version    int64      `json:"version"`
	Time       time.Time  `json:"time"`
}

// Store keeps collections of features. Features handed to writes must
// already be valid (geo.Validate). Features are immutable values: a store
// never changes what it is given, and its writes return the features as
// stored, with their ids, versions and "updated" (the time of the write,
// unless the caller set it: an import restoring exported data keeps its
// times; the HTTP layer always clears it).
type Store interface {
	// Collections lists every collection, with count, extents and version.
	Collections(ctx context.Context) ([]geo.Collection, error)
	// Collection returns one; ErrNotFound if it does not exist.
	Collection(ctx context.Context, id string) (geo.Collection, error)
	// PutCollection creates a collection or updates its metadata.
	PutCollection(ctx context.Context, c geo.Collection) error

	// Version is the collection's change version, cheap enough to ask on
	// every tile request; ErrNotFound if it does not exist.
	Version(ctx context.Context, collection string) (int64, error)

	// Get returns one feature; ErrNotFound if it or its collection does not exist.
	Get(ctx context.Context, collection, id string) (*geo.Feature, error)
	// Query returns a page of the features that match, ordered by q.Sort
	// then id; ErrNotFound if the collection does not exist.
	Query(ctx context.Context, q Query) (Page, error)
	// Put writes features all or nothing and returns them as stored, in
	// order. Each names its Collection, which must exist or be among
	// create: those collections are made in the same transaction, so a
	// failed or killed write leaves none of them behind. Features without an
	// id get one. In CreateOnly mode an existing id fails the whole batch
	// with ErrConflict.
	Put(ctx context.Context, fs []*geo.Feature, mode PutMode, create ...geo.Collection) ([]*geo.Feature, error)
	// Replace overwrites an existing feature and returns it as stored; if
	// version is not 0 it must be the current version (ErrVersionMismatch).
	// ErrNotFound if it is absent.
	Replace(ctx context.Context, f *geo.Feature, version int64) (*geo.Feature, error)
	// Patch is Replace for a feature that the caller merged from a patch
	// (PATCH): the history and the change feed record it as Patched.
	Patch(ctx context.Context, f *geo.Feature, version int64) (*geo.Feature, error)
	// Delete removes a feature, with the same version rule as Replace.
	Delete(ctx context.Context, collection, id string, version int64) error

	// Subscribe streams every change from now on until ctx ends. A
	// subscriber that falls behind loses changes rather than blocking writers.
	Subscribe(ctx context.Context) <-chan Change
	// History: every version of every feature, with time and editor.
	History
	// Tokens: named editors.
	Tokens

	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	Close() error
}

// Locker is implemented by stores that several servers share (PostGIS).
// Exclusive runs fn while no other server runs Exclusive with the same
// name, so that check-then-write steps such as loading the seed into an
// empty store happen once.
type Locker interface {
	Exclusive(ctx context.Context, name string, fn func() error) error
}

// CollectionVersion is a collection's id and change version.
type CollectionVersion struct {
	ID      string
	Version int64
}

// VersionLister is implemented by stores that list every collection's
// change version more cheaply than Collections (no metadata, extents or
// counts to copy): the tile set of every collection asks on each tile
// request, cached or not.
type VersionLister interface {
	// CollectionVersions lists every collection, in id order.
	CollectionVersions(ctx context.Context) ([]CollectionVersion, error)
}
