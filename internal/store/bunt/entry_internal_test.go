package bunt

import (
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
)

// byID orders entries exactly as their ids, whether the ids differ in
// their first 8 bytes or only after them.
func TestByIDIsIDOrder(t *testing.T) {
	ids := []string{"b", "a", "ab", "a0", "abcdefgh1", "abcdefgh0", "abcdefgh", "abcdefg", "pt-000010", "pt-000001", "pt-00000", "z", "0"}
	var es []entry
	for _, id := range ids {
		f, err := geo.NewFeature(id, orb.Point{1, 2}, nil)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, entryOf(f))
	}
	slices.SortFunc(es, byID)
	want := slices.Clone(ids)
	slices.Sort(want)
	for i, e := range es {
		if e.f.ID() != want[i] {
			t.Fatalf("entries in the order %v, want %v", idsOfEntries(es), want)
		}
	}
	for k := 1; k <= len(es); k++ {
		got := smallest(slices.Clone(es), k)
		if !slices.Equal(idsOfEntries(got), want[:k]) {
			t.Errorf("smallest %d: %v, want %v", k, idsOfEntries(got), want[:k])
		}
	}
}

func idsOfEntries(es []entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.f.ID()
	}
	return out
}
