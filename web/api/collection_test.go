package api_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/web/api"
)

func TestAppendFeatureCollection(t *testing.T) {
	var fs []*geo.Feature
	for _, raw := range []string{
		`{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[23.69,52.09]},"properties":{"name":"A"}}`,
		`{"type":"Feature","id":"b","geometry":{"type":"Point","coordinates":[23.7,52.1]},"properties":{"name":"B"}}`,
	} {
		f, err := geo.DecodeFeature([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, f)
	}
	each := func(buf []byte, i int) ([]byte, error) { return fs[i].AppendJSON(buf), nil }
	a, b := string(fs[0].AppendJSON(nil)), string(fs[1].AppendJSON(nil))
	at := time.Date(2025, 9, 12, 6, 0, 0, 0, time.FixedZone("", 3*3600))
	cases := []struct {
		name string
		head api.CollectionHead
		n    int
		want string
	}{
		{"page", api.CollectionHead{Matched: 7, Returned: 2, TimeStamp: at, Links: []api.Link{{Href: "/x", Rel: "self"}}}, 2,
			`{"type":"FeatureCollection","numberMatched":7,"numberReturned":2,"timeStamp":"2025-09-12T03:00:00Z","links":[{"href":"/x","rel":"self"}],"features":[` + a + `,` + b + `]}`},
		{"created", api.CollectionHead{Matched: -1, Returned: 2}, 2,
			`{"type":"FeatureCollection","numberReturned":2,"features":[` + a + `,` + b + `]}`},
		{"empty", api.CollectionHead{Matched: 0, Returned: 0, Links: []api.Link{}}, 0,
			`{"type":"FeatureCollection","numberMatched":0,"numberReturned":0,"links":[],"features":[]}`},
	}
	for _, c := range cases {
		got, err := api.AppendFeatureCollection([]byte("prefix:"), c.head, c.n, each)
		if err != nil || string(got) != "prefix:"+c.want {
			t.Errorf("%s:\n got %s (%v)\nwant prefix:%s", c.name, got, err, c.want)
			continue
		}
		if !json.Valid(got[len("prefix:"):]) {
			t.Errorf("%s: not JSON: %s", c.name, got)
		}
	}
	stop := errors.New("client gone")
	_, err := api.AppendFeatureCollection(nil, api.CollectionHead{Returned: 2}, 2, func(buf []byte, i int) ([]byte, error) {
		if i == 1 {
			return nil, stop
		}
		return each(buf, i)
	})
	if !errors.Is(err, stop) {
		t.Errorf("a failing feature: %v, want %v", err, stop)
	}
}
