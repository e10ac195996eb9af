package bunt

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/tidwall/buntdb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

func TestRecordRoundTrip(t *testing.T) {
	const json = `{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[1,2]},"properties":{}}`
	at := "2026-12-02T03:04:05.000000006Z"
	for _, m := range []meta{
		{},
		{seq: 1, at: at, change: store.Created},
		{seq: 42, at: at, change: store.Replaced, editor: "ana"},
		{seq: 7, at: at, change: store.Patched, editor: `we"ird,{ed}` + "\n\u00fc"},
	} {
		rec := recordOf(3, m, json)
		r, err := parseRecord(rec)
		if err != nil {
			t.Fatalf("%q: %v", rec, err)
		}
		if r.version != 3 || r.meta != m || r.json != json {
			t.Errorf("%q read as %+v", rec, r)
		}
	}
	for _, bad := range []string{
		"", "x{}", "3", "3,", "3,1,2026,created,\"\"{}", "3,0," + at + ",created,\"\"{}",
		"3,1," + at + ",created,ed{}", "3,1," + at + ",created,\"ed\"", "3,1," + at + ",created,\"ed",
	} {
		if r, err := parseRecord(bad); err == nil {
			t.Errorf("%q read as %+v, want an error", bad, r)
		}
	}
}

// TestOlderHistoryLayoutFolded opens a file that keeps the history of each
// current version in an h: key of its own, as sitmap did before: open
// moves it into the features' records, and the history reads as before.
// The same holds when a fold was cut short, the records written and the
// h: keys left, and for a file older still, from before the as_of index
// (no spans in its records), whose spans open builds first.
func TestOlderHistoryLayoutFolded(t *testing.T) {
	for _, tt := range []struct {
		name              string
		cutShort, noSpans bool
	}{
		{"older layout", false, false},
		{"fold cut short", true, false},
		{"older layout without the as_of index", false, true},
	} {
		t.Run(tt.name, func(t *testing.T) { testFold(t, tt.cutShort, tt.noSpans) })
	}
}

func testFold(t *testing.T, cutShort, noSpans bool) {
	path := filepath.Join(t.TempDir(), "sitmap.db")
	now := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	s, err := Open(path, WithClock(func() time.Time { now = now.Add(time.Minute); return now }))
	if err != nil {
		t.Fatal(err)
	}
	writeHistory(t, s)
	want := historyOf(t, s, now)
	s.Close()
	kept := countKeys(t, path, "h:*")

	unfold(t, path, cutShort)
	if noSpans && dropSpans(t, path) == 0 {
		t.Fatal("no spans to drop")
	}
	if n := countKeys(t, path, "h:*"); n <= kept {
		t.Fatalf("the older layout has %d h: keys, want more than %d", n, kept)
	}
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := historyOf(t, s, now); !slices.Equal(got, want) {
		t.Errorf("after the fold:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := countKeys(t, path, "h:*"); n != kept {
		t.Errorf("%d h: keys after the fold, want %d", n, kept)
	}
}

// writeHistory creates, replaces, patches, deletes and creates again, by
// editors whose names need quoting.
func writeHistory(t *testing.T, s *Store) {
	t.Helper()
	ctx := store.WithEditor(context.Background(), "ana")
	pt := func(id string, x float64, status string) *geo.Feature {
		f, err := geo.NewFeature(id, orb.Point{x, 50}, map[string]json.RawMessage{"status": json.RawMessage(`"` + status + `"`)})
		if err != nil {
			t.Fatal(err)
		}
		return f.WithCollection("places")
	}
	steps := []func() error{
		func() error {
			_, err := s.Put(ctx, []*geo.Feature{pt("a", 10, "open"), pt("b", 11, "open"), pt("c", 12, "open")}, store.Upsert, geo.NewCollection("places"))
			return err
		},
		func() error {
			_, err := s.Replace(store.WithEditor(ctx, `o"dd,{x}`), pt("a", 20, "closed"), 0)
			return err
		},
		func() error { _, err := s.Patch(ctx, pt("b", 11, "closed"), 0); return err },
		func() error { return s.Delete(ctx, "places", "c", 0) },
		func() error {
			_, err := s.Put(ctx, []*geo.Feature{pt("c", 13, "open"), pt("a", 21, "open"), pt("a", 22, "open")}, store.Upsert)
			return err
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
}

// historyOf lists the changes feed, every feature's versions and the
// features as of each minute of the writes.
func historyOf(t *testing.T, s *Store, end time.Time) []string {
	t.Helper()
	ctx := context.Background()
	line := func(v store.Version) string {
		j := "-"
		if v.Feature != nil {
			j = v.Feature.JSON()
		}
		return fmt.Sprintf("%d %s %s/%s v%d %s %q %s", v.Seq, v.Change, v.Collection, v.ID, v.Version, v.Time.Format(store.TimeKey), v.Editor, j)
	}
	var out []string
	changes, err := s.Changes(ctx, store.ChangesQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range changes {
		out = append(out, "change "+line(v))
	}
	for _, id := range []string{"a", "b", "c"} {
		vs, err := s.Versions(ctx, "places", id)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			out = append(out, "version "+line(v))
		}
	}
	for at := end.Add(-6 * time.Minute); !at.After(end); at = at.Add(30 * time.Second) {
		p, err := s.Query(ctx, store.Query{Collection: "places", AsOf: at})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range p.Features {
			out = append(out, fmt.Sprintf("as of %s: %s v%d %s", at.Format(time.TimeOnly), f.ID(), f.Version(), f.String("status")))
		}
	}
	return out
}

// unfold rewrites the file as older versions kept it: each current
// version's history in an h: key of its own ("feature": null), the
// feature's record only its version and GeoJSON; or, cut short, the h:
// keys only.
func unfold(t *testing.T, path string, cutShort bool) {
	t.Helper()
	db, err := buntdb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *buntdb.Tx) error {
		sets := map[string]string{}
		err := tx.AscendKeys("f:*", func(k, v string) bool {
			r, err := parseRecord(v)
			if err != nil || r.seq == 0 {
				t.Errorf("%s: %q has no history (%v)", k, v, err)
				return true
			}
			cid, fid := splitFeatKey(k)
			sets[histKey(cid, fid, r.version)] = histValue(r.seq, r.at, r.editor, r.change, r.version, "null")
			if !cutShort {
				sets[k] = recordOf(r.version, meta{}, r.json)
			}
			return true
		})
		if err != nil {
			return err
		}
		for k, v := range sets {
			if _, _, err := tx.Set(k, v, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// countKeys counts the keys matching pattern, reading the file as buntdb
// does beside the store that has it open (reading changes nothing).
func countKeys(t *testing.T, path, pattern string) int {
	t.Helper()
	db, err := buntdb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	err = db.View(func(tx *buntdb.Tx) error {
		return tx.AscendKeys(pattern, func(string, string) bool { n++; return true })
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// dropSpans makes the file look as if written before the as_of index: no
// spans in its records, no marker. It returns how many records had one.
func dropSpans(t *testing.T, path string) int {
	t.Helper()
	db, err := buntdb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	spanRE := regexp.MustCompile(`,"until":"[^"]*","bbox":\[[^\]]*\]`)
	n := 0
	err = db.Update(func(tx *buntdb.Tx) error {
		sets := map[string]string{}
		err := tx.AscendKeys("h:*", func(k, v string) bool {
			if spanRE.MatchString(v) {
				sets[k] = spanRE.ReplaceAllString(v, "")
			}
			return true
		})
		if err != nil {
			return err
		}
		n = len(sets)
		for k, v := range sets {
			if _, _, err := tx.Set(k, v, nil); err != nil {
				return err
			}
		}
		_, err = tx.Delete(histMarker)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
