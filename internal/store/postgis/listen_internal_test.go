package postgis

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/sitmap/sitmap/internal/store"
)

// Changes go out as runs and come back the same, in order and under the
// limit of a notification; a payload of the older form still reads.
func TestNoticeRuns(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	var many []store.Change
	for i := range 3000 {
		many = append(many, store.Change{Seq: int64(100 + i), Type: store.Created, Collection: "points",
			ID: fmt.Sprintf("01JD%022d", i), Version: int64(7 + i), Time: at})
	}
	mixed := []store.Change{
		{Seq: 1, Type: store.Created, Collection: "a", ID: "x", Version: 1, Time: at},
		{Seq: 2, Type: store.Created, Collection: "a", ID: "y", Version: 2, Time: at},
		{Seq: 3, Type: store.Created, Collection: "b", ID: "x", Version: 1, Time: at},         // another collection
		{Seq: 4, Type: store.Replaced, Collection: "b", ID: "x", Version: 2, Time: at},        // another type
		{Seq: 5, Type: store.Replaced, Collection: "b", ID: "<&\"é>", Version: 9, Time: at},   // a version skipped
		{Seq: 6, Type: store.Deleted, Collection: "b", ID: "z", Version: 10, Time: at.Add(1)}, // another time
	}
	for name, changes := range map[string][]store.Change{"many": many, "mixed": mixed} {
		var got []store.Change
		notices := 0
		for rest := changes; len(rest) > 0; notices++ {
			runs, n := runsOf(rest, 32+len("origin"))
			p, err := json.Marshal(notice{Origin: "origin", Runs: runs})
			if err != nil {
				t.Fatal(err)
			}
			if len(p) > 8000 {
				t.Errorf("%s: a notification of %d bytes, over PostgreSQL's limit", name, len(p))
			}
			var back notice
			if err := json.Unmarshal(p, &back); err != nil {
				t.Fatal(err)
			}
			got, rest = append(got, back.changes()...), rest[n:]
		}
		if !reflect.DeepEqual(got, changes) {
			t.Errorf("%s: changes through %d notifications differ:\n%v\nwant\n%v", name, notices, got, changes)
		}
	}
	var old notice
	if err := json.Unmarshal([]byte(`{"o":"x","c":[{"seq":3,"type":"deleted","collection":"c","id":"p","version":4,"time":"2026-01-02T03:04:05.000000006Z"}]}`), &old); err != nil {
		t.Fatal(err)
	}
	want := []store.Change{{Seq: 3, Type: store.Deleted, Collection: "c", ID: "p", Version: 4, Time: at}}
	if got := old.changes(); !reflect.DeepEqual(got, want) {
		t.Errorf("a payload of the older form: %v, want %v", got, want)
	}
}
