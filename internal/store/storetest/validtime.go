package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// testStatusAtInstant: with an instant, status= filters on the status the
// timeline gives then (geo's StatusAt), with a bbox or without, sorted and
// paged, and the count agrees with the page.
func testStatusAtInstant(t *testing.T, h harness) {
	s := setup(t, h.open)
	closedZapad := `[{"from":"2025-09-11T22:00:00Z","to":"2025-09-25","status":"inactive","note":"closed for Zapad"}]`
	mustPut(t, s, store.CreateOnly,
		feature(places, "terespol", orb.Point{23.6, 52.07}, "timeline", closedZapad),
		feature(places, "kuznica", orb.Point{23.65, 53.5}, "status", `"inactive"`,
			"timeline", `[{"from":"2025-09-12","to":"2025-09-14","status":"active"}]`),
		feature(places, "silene", orb.Point{26.77, 55.68}),
		feature(places, "far", orb.Point{100, 10}, "timeline", closedZapad),
	)
	at := func(s string) time.Time { t, _ := geo.ParseTime(s, false); return t }
	near := box(20, 50, 30, 60)
	tests := []struct {
		at     string
		status string
		bbox   *geo.BBox
		want   []string
	}{
		{"2025-09-10T00:00:00Z", "inactive", nil, []string{"kuznica"}},
		{"2025-09-10T00:00:00Z", "active", nil, []string{"far", "silene", "terespol"}},
		{"2025-09-11T22:00:00Z", "inactive", nil, []string{"far", "kuznica", "terespol"}},
		{"2025-09-13T12:00:00Z", "inactive", nil, []string{"far", "terespol"}},
		{"2025-09-13T12:00:00Z", "active", nil, []string{"kuznica", "silene"}},
		{"2025-09-13T12:00:00Z", "inactive", near, []string{"terespol"}},
		{"2025-09-14T00:00:00Z", "inactive", near, []string{"kuznica", "terespol"}}, // "to" is exclusive
		{"2025-09-25T00:00:00Z", "inactive", nil, []string{"kuznica"}},
	}
	for _, tt := range tests {
		f := geo.Filter{BBox: tt.bbox, At: at(tt.at), Props: map[string]string{"status": tt.status}}
		p := mustQuery(t, s, store.Query{Collection: places, Filter: f})
		if got := ids(p.Features); !slices.Equal(got, tt.want) || p.Matched != len(tt.want) {
			t.Errorf("status=%s at %s (bbox %v): got %v (matched %d), want %v", tt.status, tt.at, tt.bbox != nil, got, p.Matched, tt.want)
		}
		for _, g := range p.Features {
			if g.String("status") != mustGet(t, s, places, g.ID()).String("status") {
				t.Errorf("%s: the store changed the stored status; only the API shows statuses at an instant", g.ID())
			}
		}
	}
	// Sorted by name descending and paged: the page is cut after the
	// timeline's rule, and the count is of every match.
	f := geo.Filter{At: at("2025-09-13T12:00:00Z"), Props: map[string]string{"status": "inactive"}}
	p := mustQuery(t, s, store.Query{Collection: places, Filter: f, Sort: []store.Sort{{Property: geo.SortName, Descending: true}}, Limit: 1, Offset: 1})
	if got := ids(p.Features); !slices.Equal(got, []string{"far"}) || p.Matched != 2 {
		t.Errorf("second page of one, name descending: got %v (matched %d), want [far] of 2", got, p.Matched)
	}
	// Without At the stored status decides, as before.
	p = mustQuery(t, s, store.Query{Collection: places, Filter: geo.Filter{Props: map[string]string{"status": "inactive"}}})
	if got := ids(p.Features); !slices.Equal(got, []string{"kuznica"}) {
		t.Errorf("status=inactive with no instant: got %v, want [kuznica]", got)
	}
}
