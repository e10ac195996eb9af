package store

import (
	"slices"
	"strings"

	"github.com/sitmap/sitmap/geo"
)

// PageOf sorts features that a backend selected in Go (statuses at an
// instant, the store as it was at a time) and cuts the query's page, by
// the same rule as the queries it answers in its own index: sort keys,
// then id.
func PageOf(fs []*geo.Feature, q Query) Page {
	type keyed struct {
		f    *geo.Feature
		keys []string
	}
	ks := make([]keyed, len(fs))
	for i, f := range fs {
		ks[i] = keyed{f: f, keys: make([]string, len(q.Sort))}
		for j, s := range q.Sort {
			ks[i].keys[j] = f.SortValue(s.Property)
		}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		for j, s := range q.Sort {
			if c := strings.Compare(a.keys[j], b.keys[j]); c != 0 {
				if s.Descending {
					return -c
				}
				return c
			}
		}
		return strings.Compare(a.f.ID(), b.f.ID())
	})
	p := Page{Matched: len(fs)}
	start := min(max(q.Offset, 0), len(ks))
	end := len(ks)
	if q.Limit > 0 {
		end = min(end, start+q.Limit)
	}
	for _, k := range ks[start:end] {
		p.Features = append(p.Features, k.f)
	}
	return p
}
