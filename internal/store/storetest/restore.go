package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// testHistoryRestore: a history read from one store (Changes) and
// restored into an empty one gives the same versions, changes, current
// features and as_of answers; a non-empty store refuses it and keeps
// what it has.
func testHistoryRestore(t *testing.T, h harness) {
	src := setup(t, h.open)
	at := writeHistory(t, h, src)
	if _, err := src.Patch(store.WithEditor(ctx, "ben"), feature(places, "kuznica", orb.Point{23.66, 53.5}, "status", `"inactive"`), 0); err != nil {
		t.Fatal(err)
	}
	vs, err := src.Changes(ctx, store.ChangesQuery{})
	if err != nil {
		t.Fatal(err)
	}
	unrecorded := feature(other, "older", orb.Point{5, 5}).WithVersion(7)
	dst := setup(t, h.open)
	if err := dst.Restore(ctx, store.Restoration{Versions: vs, Unrecorded: []*geo.Feature{unrecorded}}); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	for _, id := range []string{"terespol", "kuznica"} {
		sameVersions(t, id, mustVersions(t, src, id), mustVersions(t, dst, id))
	}
	if got := mustGet(t, dst, places, "kuznica"); got.JSON() != mustGet(t, src, places, "kuznica").JSON() || got.Version() != mustGet(t, src, places, "kuznica").Version() {
		t.Errorf("kuznica restored as %s at %d", got.JSON(), got.Version())
	}
	if _, err := dst.Get(ctx, places, "terespol"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the deleted terespol after the restore: %v, want ErrNotFound", err)
	}
	if got := mustGet(t, dst, other, "older"); got.Version() != 7 {
		t.Errorf("the unrecorded feature restored at version %d, want 7", got.Version())
	}
	for _, asOf := range []time.Time{at[0], at[1], at[2], h.clock.Now()} {
		a, b := mustQuery(t, src, store.Query{Collection: places, AsOf: asOf}), mustQuery(t, dst, store.Query{Collection: places, AsOf: asOf})
		if !slices.Equal(ids(a.Features), ids(b.Features)) || !slices.EqualFunc(a.Features, b.Features, func(x, y *geo.Feature) bool { return x.JSON() == y.JSON() }) {
			t.Errorf("as of %v: restored %v, want %v", asOf, ids(b.Features), ids(a.Features))
		}
	}
	// Writes go on after the restored versions and sequence.
	next := mustPut(t, dst, store.CreateOnly, feature(places, "next", orb.Point{1, 1}))[0]
	if v, _ := src.Version(ctx, places); next.Version() <= v {
		t.Errorf("a write after the restore got version %d, not above the restored %d", next.Version(), v)
	}
	if cs, err := dst.Changes(ctx, store.ChangesQuery{After: vs[len(vs)-1].Seq}); err != nil || len(cs) != 1 || cs[0].ID != "next" {
		t.Errorf("changes after the restored ones: %+v, %v; want the one write", cs, err)
	}
	checkRestoreRefused(t, dst, vs)
}

// checkRestoreRefused: a store with features or history refuses a
// restore, and a malformed one is invalid; either way nothing changes.
func checkRestoreRefused(t *testing.T, s store.Store, vs []store.Version) {
	t.Helper()
	before, err := s.Changes(ctx, store.ChangesQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(ctx, store.Restoration{Versions: vs}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Restore into a store with features: %v, want ErrConflict", err)
	}
	backwards := []store.Version{vs[1], vs[0]}
	if err := s.Restore(ctx, store.Restoration{Versions: backwards}); !errors.Is(err, geo.ErrInvalid) {
		t.Errorf("Restore of versions out of seq order: %v, want ErrInvalid", err)
	}
	after, err := s.Changes(ctx, store.ChangesQuery{})
	if err != nil || len(after) != len(before) {
		t.Errorf("a refused restore changed the history: %d changes, then %d (%v)", len(before), len(after), err)
	}
}

func mustVersions(t *testing.T, s store.Store, id string) []store.Version {
	t.Helper()
	vs, err := s.Versions(ctx, places, id)
	if err != nil {
		t.Fatalf("Versions(%s): %v", id, err)
	}
	return vs
}

// sameVersions compares two stores' versions of a feature as the API
// shows them.
func sameVersions(t *testing.T, id string, want, got []store.Version) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d versions restored, want %d", id, len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Seq != w.Seq || g.Change != w.Change || g.Editor != w.Editor || !g.Time.Equal(w.Time) || g.Version != w.Version {
			t.Errorf("%s version %d: %d %s by %q at %v (seq %d), want %d %s by %q at %v (seq %d)", id, i,
				g.Version, g.Change, g.Editor, g.Time, g.Seq, w.Version, w.Change, w.Editor, w.Time, w.Seq)
		}
		if a, b := w.StoredAt(), g.StoredAt(); (a == nil) != (b == nil) || (a != nil && a.JSON() != b.JSON()) {
			t.Errorf("%s version %d: feature %v, want %v", id, i, b, a)
		}
	}
}
