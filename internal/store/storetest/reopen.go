package storetest

import (
	"testing"

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
