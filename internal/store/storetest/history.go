package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// historyCases are the contract of store.History; Run runs them.
var historyCases = []struct {
	name string
	fn   func(*testing.T, harness)
}{
	{"HistoryVersions", testHistoryVersions},
	{"HistoryAsOf", testHistoryAsOf},
	{"HistoryChanges", testHistoryChanges},
	{"HistoryPatch", testHistoryPatch},
	{"HistoryPrune", testHistoryPrune},
	{"HistoryRestore", testHistoryRestore},
	{"HistoryFailedWriteKeepsNone", testHistoryFailedWrite},
	{"Tokens", testTokens},
}

// writeHistory makes a feature's life: created by ana, replaced by ben an
// hour later, deleted by ana an hour after that; and a second feature
// created with the first. It returns the times of the three writes.
func writeHistory(t *testing.T, h harness, s store.Store) [3]time.Time {
	t.Helper()
	var at [3]time.Time
	at[0] = h.clock.Now()
	if _, err := s.Put(store.WithEditor(ctx, "ana"), []*geo.Feature{
		feature(places, "terespol", orb.Point{23.6, 52.07}, "status", `"active"`),
		feature(places, "kuznica", orb.Point{23.65, 53.5}),
	}, store.CreateOnly); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Hour)
	at[1] = h.clock.Now()
	if _, err := s.Replace(store.WithEditor(ctx, "ben"), feature(places, "terespol", orb.Point{23.61, 52.07}, "status", `"inactive"`), 0); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Hour)
	at[2] = h.clock.Now()
	if err := s.Delete(store.WithEditor(ctx, "ana"), places, "terespol", 0); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Hour)
	return at
}

func testHistoryVersions(t *testing.T, h harness) {
	s := setup(t, h.open)
	at := writeHistory(t, h, s)
	vs, err := s.Versions(ctx, places, "terespol")
	if err != nil {
		t.Fatalf("Versions of a deleted feature: %v", err)
	}
	want := []struct {
		change store.ChangeType
		editor string
		at     time.Time
		status string
	}{
		{store.Deleted, "ana", at[2], "inactive"},
		{store.Replaced, "ben", at[1], "inactive"},
		{store.Created, "ana", at[0], "active"},
	}
	if len(vs) != len(want) {
		t.Fatalf("%d versions, want %d: %+v", len(vs), len(want), vs)
	}
	for i, w := range want {
		v := vs[i]
		if v.Change != w.change || v.Editor != w.editor || !v.Time.Equal(w.at) || v.Collection != places || v.ID != "terespol" {
			t.Errorf("version %d: %s by %q at %v, want %s by %q at %v", i, v.Change, v.Editor, v.Time, w.change, w.editor, w.at)
		}
		f := v.StoredAt()
		if f == nil || f.String("status") != w.status {
			t.Errorf("version %d (%s): feature %v, want status %s", i, v.Change, f, w.status)
			continue
		}
		if (f.Geometry() == nil) != (w.change == store.Deleted) {
			t.Errorf("version %d (%s): geometry %v; only a deletion has none", i, v.Change, f.Geometry())
		}
		if i > 0 && v.Version >= vs[i-1].Version {
			t.Errorf("versions not newest first: %d then %d", vs[i-1].Version, v.Version)
		}
	}
	if vs[2].Version != vs[2].StoredAt().Version() {
		t.Errorf("a version's feature has version %d, want %d", vs[2].StoredAt().Version(), vs[2].Version)
	}
	if _, err := s.Versions(ctx, places, "never-was"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Versions of a feature that never was: %v, want ErrNotFound", err)
	}
	// One batch writing an id twice keeps both versions.
	mustPut(t, s, store.Upsert, feature(places, "twice", orb.Point{1, 1}), feature(places, "twice", orb.Point{1, 1}, "status", `"inactive"`))
	vs, err = s.Versions(ctx, places, "twice")
	if err != nil || len(vs) != 2 || vs[0].StoredAt().String("status") != "inactive" || vs[1].StoredAt().String("status") != "active" {
		t.Errorf("an id written twice in one batch: %+v, %v; want inactive then active", vs, err)
	}
}

func testHistoryAsOf(t *testing.T, h harness) {
	s := setup(t, h.open)
	at := writeHistory(t, h, s)
	tests := []struct {
		name   string
		asOf   time.Time
		filter geo.Filter
		want   []string
		status string // of terespol, when present
	}{
		{"before anything", at[0].Add(-time.Second), geo.Filter{}, nil, ""},
		{"as created", at[0], geo.Filter{}, []string{"kuznica", "terespol"}, "active"},
		{"between", at[1].Add(-time.Nanosecond), geo.Filter{}, []string{"kuznica", "terespol"}, "active"},
		{"as replaced", at[1], geo.Filter{}, []string{"kuznica", "terespol"}, "inactive"},
		{"filtered on the old status", at[1], geo.Filter{Props: map[string]string{"status": "inactive"}}, []string{"terespol"}, "inactive"},
		{"bbox of the old position", at[0], geo.Filter{BBox: box(23.5, 52, 23.605, 52.1)}, []string{"terespol"}, "active"},
		{"bbox after the move", at[1], geo.Filter{BBox: box(23.5, 52, 23.605, 52.1)}, nil, ""},
		{"deleted by then", at[2], geo.Filter{}, []string{"kuznica"}, ""},
	}
	for _, tt := range tests {
		p := mustQuery(t, s, store.Query{Collection: places, AsOf: tt.asOf, Filter: tt.filter})
		if got := ids(p.Features); !slices.Equal(got, tt.want) || p.Matched != len(tt.want) {
			t.Errorf("%s: got %v (matched %d), want %v", tt.name, got, p.Matched, tt.want)
			continue
		}
		for _, f := range p.Features {
			if f.ID() == "terespol" && f.String("status") != tt.status {
				t.Errorf("%s: terespol %s, want %s", tt.name, f.String("status"), tt.status)
			}
		}
	}
	p := mustQuery(t, s, store.Query{Collection: places, AsOf: at[0], Limit: 1, Offset: 1, Sort: []store.Sort{{Property: geo.SortName, Descending: true}}})
	if got := ids(p.Features); !slices.Equal(got, []string{"kuznica"}) || p.Matched != 2 {
		t.Errorf("as of, sorted and paged: %v (matched %d), want [kuznica] of 2", got, p.Matched)
	}
	if _, err := s.Query(ctx, store.Query{Collection: "nope", AsOf: at[0]}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("as of in an unknown collection: %v, want ErrNotFound", err)
	}
}

func testHistoryChanges(t *testing.T, h harness) {
	s := setup(t, h.open)
	at := writeHistory(t, h, s)
	mustPut(t, s, store.CreateOnly, feature(other, "elsewhere", orb.Point{1, 1}))
	all, err := s.Changes(ctx, store.ChangesQuery{})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id     string
		change store.ChangeType
	}
	var got []row
	for i, v := range all {
		got = append(got, row{v.ID, v.Change})
		if i > 0 && v.Seq <= all[i-1].Seq {
			t.Errorf("changes not oldest first: seq %d after %d", v.Seq, all[i-1].Seq)
		}
	}
	want := []row{{"terespol", store.Created}, {"kuznica", store.Created}, {"terespol", store.Replaced}, {"terespol", store.Deleted}, {"elsewhere", store.Created}}
	if !slices.Equal(got, want) {
		t.Fatalf("changes %v, want %v", got, want)
	}
	since, err := s.Changes(ctx, store.ChangesQuery{Since: at[1], Collection: places})
	if err != nil {
		t.Fatal(err)
	}
	if len(since) != 2 || since[0].Change != store.Replaced || since[1].Change != store.Deleted || since[0].Editor != "ben" {
		t.Errorf("changes of places since the replace: %+v", since)
	}
	// Paging by the last Seq seen walks every change once.
	var paged []string
	for after := int64(0); ; {
		page, err := s.Changes(ctx, store.ChangesQuery{After: after, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 2 {
			t.Fatalf("a page of %d, limit 2", len(page))
		}
		for _, v := range page {
			paged = append(paged, v.ID)
		}
		after = page[len(page)-1].Seq
	}
	if len(paged) != len(want) {
		t.Errorf("paged changes %v, want %d", paged, len(want))
	}
}

// testHistoryPatch: a Patch is a Replace that the history, the changes
// feed and the live feed call patched; its version rule is Replace's.
func testHistoryPatch(t *testing.T, h harness) {
	s := setup(t, h.open)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	live := s.Subscribe(sctx)
	v1 := mustPut(t, s, store.CreateOnly, feature(places, "p", orb.Point{1, 1}))[0].Version()
	if _, err := s.Patch(ctx, feature(places, "p", orb.Point{1, 1}, "status", `"inactive"`), v1+99); !errors.Is(err, store.ErrVersionMismatch) {
		t.Errorf("Patch at a wrong version: %v, want ErrVersionMismatch", err)
	}
	if _, err := s.Patch(ctx, feature(places, "absent", orb.Point{1, 1}), 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Patch of an absent feature: %v, want ErrNotFound", err)
	}
	stored, err := s.Patch(store.WithEditor(ctx, "ana"), feature(places, "p", orb.Point{1, 1}, "status", `"inactive"`), v1)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, places, "p"); got.String("status") != "inactive" || got.Version() != stored.Version() || got.Version() <= v1 {
		t.Errorf("after Patch: %s at version %d, want inactive at %d > %d", got.String("status"), got.Version(), stored.Version(), v1)
	}
	vs, err := s.Versions(ctx, places, "p")
	if err != nil || len(vs) != 2 || vs[0].Change != store.Patched || vs[0].Editor != "ana" || vs[1].Change != store.Created {
		t.Errorf("versions after a patch: %+v, %v; want patched by ana, then created", vs, err)
	}
	cs, err := s.Changes(ctx, store.ChangesQuery{})
	if err != nil || len(cs) != 2 || cs[1].Change != store.Patched {
		t.Errorf("changes after a patch: %+v, %v; want created, patched", cs, err)
	}
	if got := receive(t, live, 2); got[1].Type != store.Patched || got[1].Version != stored.Version() {
		t.Errorf("live changes: %+v, want the second patched at %d", got, stored.Version())
	}
}

func testHistoryPrune(t *testing.T, h harness) {
	s := setup(t, h.open)
	at := writeHistory(t, h, s)
	n, err := s.PruneHistory(ctx, at[2].Add(time.Nanosecond))
	if err != nil {
		t.Fatal(err)
	}
	// terespol loses its create and replace (its deletion is the latest);
	// kuznica keeps its only version.
	if n != 2 {
		t.Errorf("pruned %d versions, want 2", n)
	}
	for id, want := range map[string]store.ChangeType{"terespol": store.Deleted, "kuznica": store.Created} {
		vs, err := s.Versions(ctx, places, id)
		if err != nil || len(vs) != 1 || vs[0].Change != want {
			t.Errorf("%s after pruning: %+v, %v; want its %s version only", id, vs, err, want)
		}
	}
	// The changes feed lists the versions kept, and none pruned.
	if cs, err := s.Changes(ctx, store.ChangesQuery{}); err != nil || len(cs) != 2 {
		t.Errorf("changes after pruning: %+v, %v; want the 2 versions kept", cs, err)
	}
	if n, err := s.PruneHistory(ctx, h.clock.Now()); err != nil || n != 0 {
		t.Errorf("pruning again: %d, %v; want 0", n, err)
	}
	if p := mustQuery(t, s, store.Query{Collection: places, AsOf: at[0]}); len(p.Features) != 1 {
		t.Errorf("as of the first write after pruning: %v, want kuznica only", ids(p.Features))
	}
}

func testHistoryFailedWrite(t *testing.T, h harness) {
	s := setup(t, h.open)
	mustPut(t, s, store.CreateOnly, feature(places, "a", orb.Point{1, 1}))
	_, err := s.Put(ctx, []*geo.Feature{feature(places, "b", orb.Point{1, 1}), feature(places, "a", orb.Point{1, 1})}, store.CreateOnly)
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Put of an existing id: %v, want ErrConflict", err)
	}
	if _, err := s.Replace(ctx, feature(places, "a", orb.Point{2, 2}), 999); !errors.Is(err, store.ErrVersionMismatch) {
		t.Fatalf("Replace at a wrong version: %v", err)
	}
	all, err := s.Changes(ctx, store.ChangesQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].ID != "a" {
		t.Errorf("after failed writes the history holds %+v, want the one create", all)
	}
	if _, err := s.Versions(ctx, places, "b"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a feature of a failed batch has history: %v", err)
	}
}
