package storetest

import (
	"context"
	"testing"

	"github.com/sitmap/sitmap/internal/store"
)

// Run runs the contract suite against stores made by open. open must
// return an empty store and arrange its cleanup (t.Cleanup).
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		fn   func(*testing.T, harness)
	}{
		{"Collections", testCollections},
		{"Extents", testExtents},
		{"VersionGrows", testVersionGrows},
		{"Get", testGet},
		{"QueryUnknownCollection", testQueryUnknownCollection},
		{"BBox", testBBox},
		{"BBoxAntimeridian", testAntimeridian},
		{"Time", testTime},
		{"Props", testProps},
		{"StatusAtInstant", testStatusAtInstant},
		{"Text", testText},
		{"FiltersCombine", testFiltersCombine},
		{"Filter", testFilter},
		{"FilterDeadline", testFilterDeadline},
		{"Sort", testSort},
		{"SortUpdated", testSortUpdated},
		{"Paging", testPaging},
		{"PutAllOrNothing", testPutAllOrNothing},
		{"PutUpsert", testPutUpsert},
		{"PutAssignsIDs", testPutAssignsIDs},
		{"PutLeavesCallersFeatures", testPutLeavesCallersFeatures},
		{"PutCreatesCollections", testPutCreatesCollections},
		{"BadCollectionID", testBadCollectionID},
		{"PutSetsUpdated", testPutSetsUpdated},
		{"Replace", testReplace},
		{"Delete", testDelete},
		{"UnknownPropertiesPreserved", testUnknownProperties},
		{"Subscribe", testSubscribe},
		{"Ping", testPing},
	}
	tests = append(tests, historyCases...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newHarness(open)) })
	}
}

// Open makes a fresh, empty store that reads the time of its writes from
// now, and arranges its cleanup (t.Cleanup).
type Open func(t *testing.T, now store.Clock) store.Store

// harness is what each case gets: a way to open stores, and the clock they
// share, which the case moves on instead of sleeping.
type harness struct {
	open  func(t *testing.T) store.Store
	clock *Clock
}

func newHarness(open Open) harness {
	c := NewClock()
	return harness{open: func(t *testing.T) store.Store { return open(t, c.Now) }, clock: c}
}

var ctx = context.Background()
