package query_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/web/api"
	"github.com/sitmap/sitmap/web/query"
)

// places is a collection with one queryable of its own, an integer.
var places = &geo.Collection{ID: "places", Statuses: []string{"active", "closed"},
	Queryables: map[string]geo.Queryable{"lanes": {Type: "integer"}}}

const epsg2180 = "http://www.opengis.net/def/crs/EPSG/0/2180"

// wantBadRequest fails unless err is a 400 api.Error naming field.
func wantBadRequest(t *testing.T, what string, err error, field string) {
	t.Helper()
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Status != 400 || ae.Field != field || ae.Description == "" {
		t.Errorf("%s: %v (%T), want a 400 api.Error naming %q", what, err, err, field)
	}
}

func TestParseItems_Rejects(t *testing.T) {
	cases := []struct{ query, field string }{
		{"bbox=1,2,3", "bbox"},
		{"bbox=a,2,3,4", "bbox"},
		{"bbox-crs=urn:nowhere&bbox=1,2,3,4", "bbox-crs"},
		{"bbox-crs=" + epsg2180 + "&bbox=1,2,3", "bbox"},
		{"bbox-crs=" + epsg2180 + "&bbox=500000,500000,400000,600000", "bbox"},
		{"crs=EPSG:9999", "crs"},
		{"datetime=yesterday", "datetime"},
		{"as_of=last week", "as_of"},
		{"limit=0", "limit"},
		{"limit=ten", "limit"},
		{"offset=-1", "offset"},
		{"offset=x", "offset"},
		{"sortby=colour", "sortby"},
		{"sortby=name,-", "sortby"},
		{"filter=name ===", "filter"},
		{"filter=name%3D'a'&filter-lang=sql", "filter-lang"},
		{"filter=name%3D'a'&filter-crs=urn:nowhere", "filter-crs"},
		{"filter=colour%3D'red'", "filter"}, // not a queryable
		{"lanes=many", "lanes"},
		{"colour=red", "colour"},
		{"limit=1&limit=2", "limit"},
	}
	for _, c := range cases {
		v, err := url.ParseQuery(c.query)
		if err != nil {
			t.Fatal(err)
		}
		_, err = query.ParseItems(v, places)
		wantBadRequest(t, "ParseItems("+c.query+")", err, c.field)
	}
}

func TestParseItems(t *testing.T) {
	v, err := url.ParseQuery("bbox=20,52,21,53&limit=20000&offset=5&q=+Brest+&sortby=-updated,name&status=active&lanes=2&filter=name%3D'a'&datetime=2025-09-12&f=json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := query.ParseItems(v, places)
	if err != nil {
		t.Fatal(err)
	}
	q := got.Query
	if q.Collection != "places" || q.Limit != query.MaxLimit || !got.LimitGiven || q.Offset != 5 || q.Text != "Brest" {
		t.Errorf("collection %q limit %d (given %v) offset %d q %q", q.Collection, q.Limit, got.LimitGiven, q.Offset, q.Text)
	}
	if q.BBox == nil || *q.BBox != (geo.BBox{West: 20, South: 52, East: 21, North: 53}) {
		t.Errorf("bbox %v", q.BBox)
	}
	want := []store.Sort{{Property: geo.SortUpdated, Descending: true}, {Property: geo.SortName}}
	if len(q.Sort) != 2 || q.Sort[0] != want[0] || q.Sort[1] != want[1] {
		t.Errorf("sort %+v, want %+v", q.Sort, want)
	}
	if len(q.Props) != 2 || q.Props["status"] != "active" || q.Props["lanes"] != "2" {
		t.Errorf("props %v", q.Props)
	}
	if q.CQL == nil || q.At.IsZero() || got.CRS != nil {
		t.Errorf("filter %v, at %v, crs %v", q.CQL, q.At, got.CRS)
	}
	// Without parameters: the default page, nothing filtered.
	got, err = query.ParseItems(url.Values{}, places)
	if err != nil || got.Limit != query.DefaultLimit || got.LimitGiven || got.BBox != nil || got.CQL != nil || got.Props != nil {
		t.Errorf("empty query: %+v, %v", got, err)
	}
}

func TestCheck(t *testing.T) {
	allowed := map[string]bool{"f": true, "limit": true}
	cases := []struct {
		raw     string
		allowed map[string]bool
		field   string // "" for no error
		says    string
	}{
		{"", allowed, "", ""},
		{"f=json&limit=3", allowed, "", ""},
		{"anything=1", nil, "", ""}, // the route checks its own
		{"limit=1;x=y", allowed, "query", "does not parse"},
		{"limit=%zz", nil, "query", "does not parse"},
		{"colour=red", allowed, "colour", "use f, limit"},
		{"f=json", map[string]bool{}, "f", "takes none"},
		{"f=json&f=html", allowed, "f", "given 2 times"},
	}
	for _, c := range cases {
		err := query.Check(c.raw, c.allowed)
		if c.field == "" {
			if err != nil {
				t.Errorf("Check(%q): %v", c.raw, err)
			}
			continue
		}
		wantBadRequest(t, "Check("+c.raw+")", err, c.field)
		if err != nil && !strings.Contains(err.Error(), c.says) {
			t.Errorf("Check(%q): %q does not say %q", c.raw, err, c.says)
		}
	}
}
