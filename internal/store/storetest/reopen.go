package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// Reopen is how a backend closes a store and opens the same data again.
type Reopen func(t *testing.T, s store.Store) store.Store

// RunReopen runs the part of the contract that needs the data opened again:
// what a store acknowledged, ids it assigned included, is what it holds
// after Close and Open.
func RunReopen(t *testing.T, open Open, reopen Reopen) {
	t.Run("AssignedIDsSurvive", func(t *testing.T) {
		s := setup(t, newHarness(open).open)
		stored := mustPut(t, s, store.CreateOnly,
			feature(places, "", orb.Point{1, 1}), feature(places, "", orb.Point{2, 2}), feature(places, "", orb.Point{3, 3}))
		batch := mustPut(t, s, store.Upsert, feature(other, "", orb.Point{4, 4}), feature(other, "named", orb.Point{5, 5}))
		stored = append(stored, batch...)
		s = reopen(t, s)
		for _, want := range stored {
			got := mustGet(t, s, want.Collection(), want.ID())
			if got.JSON() != want.JSON() || got.Version() != want.Version() {
				t.Errorf("after reopening %s/%s v%d:\n%s\nacknowledged v%d:\n%s",
					want.Collection(), want.ID(), got.Version(), got.JSON(), want.Version(), want.JSON())
			}
		}
		for cid, n := range map[string]int{places: 3, other: 2} {
			if p := mustQuery(t, s, store.Query{Collection: cid}); p.Matched != n {
				t.Errorf("%s: %d features after reopening, want %d", cid, p.Matched, n)
			}
		}
	})
	t.Run("HistorySurvives", func(t *testing.T) {
		h := newHarness(open)
		s := setup(t, h.open)
		at := writeHistory(t, h, s)
		before := asOfIDs(t, s, at)
		vs := mustVersions(t, s, "terespol")
		changes := changeList(t, s)
		s = reopen(t, s)
		if after := asOfIDs(t, s, at); !slices.Equal(after, before) {
			t.Errorf("as of each write, after reopening: %v, before: %v", after, before)
		}
		sameVersions(t, "terespol", vs, mustVersions(t, s, "terespol"))
		if after := changeList(t, s); !slices.Equal(after, changes) {
			t.Errorf("the changes after reopening:\n%v\nbefore:\n%v", after, changes)
		}
	})
	t.Run("FailedPutLeavesNothing", func(t *testing.T) {
		s := setup(t, newHarness(open).open)
		_, _ = s.Put(ctx, []*geo.Feature{feature("fresh", "a", orb.Point{1, 1}), feature("no-such-collection", "b", orb.Point{1, 1})},
			store.Upsert, geo.NewCollection("fresh"))
		s = reopen(t, s)
		if _, err := s.Collection(ctx, "fresh"); err == nil {
			t.Errorf("a failed Put's new collection is there after reopening")
		}
	})
}

// asOfIDs are the features and their statuses as of each time, in the
// bbox of terespol's first position and in the whole collection.
func asOfIDs(t *testing.T, s store.Store, at [3]time.Time) []string {
	t.Helper()
	var out []string
	for _, a := range at {
		for _, bbox := range []*geo.BBox{nil, box(23.5, 52, 23.605, 52.1)} {
			p := mustQuery(t, s, store.Query{Collection: places, AsOf: a, Filter: geo.Filter{BBox: bbox}})
			for _, f := range p.Features {
				out = append(out, fmt.Sprintf("%v %v %s:%s", a, bbox != nil, f.ID(), f.String("status")))
			}
		}
	}
	return out
}

// changeList is every write the store's changes feed lists, in order.
func changeList(t *testing.T, s store.Store) []string {
	t.Helper()
	cs, err := s.Changes(context.Background(), store.ChangesQuery{})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = fmt.Sprintf("%d %s %s/%s v%d %s %s", c.Seq, c.Change, c.Collection, c.ID, c.Version, c.Editor, c.Time.Format(time.RFC3339Nano))
	}
	return out
}
