package geo_test

import (
	"errors"
	"testing"
	"time"

	"github.com/sitmap/sitmap/geo"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

const endOfDay = 24*time.Hour - time.Nanosecond

func TestParseDatetime(t *testing.T) {
	day := ts("2025-09-12T00:00:00Z")
	tests := []struct {
		in   string
		want geo.Interval
	}{
		{"2025-09-12", geo.Interval{Start: day, End: day.Add(endOfDay)}}, // a date is the whole day
		{"2025-09-12T10:00:00Z", geo.Interval{Start: ts("2025-09-12T10:00:00Z"), End: ts("2025-09-12T10:00:00Z")}},
		{"2025-09-12T10:00:00+02:00", geo.Interval{Start: ts("2025-09-12T08:00:00Z"), End: ts("2025-09-12T08:00:00Z")}},
		{"2025-09-12T10:00:00.5Z", geo.Interval{Start: ts("2025-09-12T10:00:00.5Z"), End: ts("2025-09-12T10:00:00.5Z")}},
		{"2025-09-12/2025-09-16", geo.Interval{Start: day, End: ts("2025-09-16T00:00:00Z").Add(endOfDay)}},
		{"2025-09-12T06:00:00Z/2025-09-12T18:00:00Z", geo.Interval{Start: ts("2025-09-12T06:00:00Z"), End: ts("2025-09-12T18:00:00Z")}},
		{"2025-09-12/2025-09-12", geo.Interval{Start: day, End: day.Add(endOfDay)}},
		{"../2025-09-16", geo.Interval{End: ts("2025-09-16T00:00:00Z").Add(endOfDay)}},
		{"/2025-09-16", geo.Interval{End: ts("2025-09-16T00:00:00Z").Add(endOfDay)}},
		{"2025-09-12/..", geo.Interval{Start: day}},
		{"2025-09-12/", geo.Interval{Start: day}},
		{"../..", geo.Interval{}},
		{"2025-09-12/P2D", geo.Interval{Start: day, End: ts("2025-09-14T00:00:00Z")}},
		{"2025-09-12T00:00:00Z/PT12H", geo.Interval{Start: day, End: ts("2025-09-12T12:00:00Z")}},
		{"2025-09-12/P1W", geo.Interval{Start: day, End: ts("2025-09-19T00:00:00Z")}},
		{"2025-01-31/P1M", geo.Interval{Start: ts("2025-01-31T00:00:00Z"), End: ts("2025-03-03T00:00:00Z")}}, // Go's AddDate normalises
		{"2025-09-12/P1Y2M3DT4H5M6.5S", geo.Interval{Start: day, End: ts("2026-11-15T04:05:06.5Z")}},
	}
	for _, tt := range tests {
		got, err := geo.ParseDatetime(tt.in)
		if err != nil {
			t.Errorf("ParseDatetime(%q): %v", tt.in, err)
			continue
		}
		if !got.Start.Equal(tt.want.Start) || !got.End.Equal(tt.want.End) {
			t.Errorf("ParseDatetime(%q) = %v – %v, want %v – %v", tt.in, got.Start, got.End, tt.want.Start, tt.want.End)
		}
	}
}

func TestParseDatetimeErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"yesterday",
		"12.09.2025",
		"2025-9-12",
		"2025-13-01",
		"2025-09-12T25:00:00Z",
		"2025-09-12T10:00:00", // no zone
		"PT12H",               // a duration needs a start
		"../P2D",
		"P2D/2025-09-12",
		"2025-09-16/2025-09-12", // end before start
		"2025-09-12T12:00:00Z/2025-09-12T11:59:59Z",
		"2025-09-12/P",
		"2025-09-12/PT",
		"2025-09-12/P2X",
		"2025-09-12/P-2D",
		"2025-09-12/soon",
		"2025-09-12/2025-09-13/2025-09-14",
	} {
		iv, err := geo.ParseDatetime(in)
		if err == nil {
			t.Errorf("ParseDatetime(%q) = %v – %v, want an error", in, iv.Start, iv.End)
			continue
		}
		var ve *geo.ValidationError
		if !errors.Is(err, geo.ErrInvalid) || !errors.As(err, &ve) || ve.Field != "datetime" {
			t.Errorf("ParseDatetime(%q): %v; want a ValidationError on datetime", in, err)
		}
	}
}

func TestIntervalIntersects(t *testing.T) {
	a, b, c, d := ts("2025-09-01T00:00:00Z"), ts("2025-09-10T00:00:00Z"), ts("2025-09-20T00:00:00Z"), ts("2025-09-30T00:00:00Z")
	open := geo.Interval{}
	tests := []struct {
		name string
		x, y geo.Interval
		want bool
	}{
		{"overlap", geo.Interval{Start: a, End: c}, geo.Interval{Start: b, End: d}, true},
		{"inside", geo.Interval{Start: a, End: d}, geo.Interval{Start: b, End: c}, true},
		{"apart", geo.Interval{Start: a, End: b}, geo.Interval{Start: c, End: d}, false},
		{"touching ends share an instant", geo.Interval{Start: a, End: b}, geo.Interval{Start: b, End: c}, true},
		{"one nanosecond apart", geo.Interval{Start: a, End: b}, geo.Interval{Start: b.Add(time.Nanosecond), End: c}, false},
		{"open both ends", open, geo.Interval{Start: a, End: b}, true},
		{"open start reaches", geo.Interval{End: b}, geo.Interval{Start: b, End: c}, true},
		{"open start stops short", geo.Interval{End: a}, geo.Interval{Start: b, End: c}, false},
		{"open end reaches", geo.Interval{Start: c}, geo.Interval{Start: a, End: d}, true},
		{"open end starts after", geo.Interval{Start: d.Add(time.Second)}, geo.Interval{Start: a, End: d}, false},
		{"open end and open start", geo.Interval{Start: c}, geo.Interval{End: b}, false},
		{"open end and open start overlapping", geo.Interval{Start: b}, geo.Interval{End: c}, true},
		{"two open", open, open, true},
		{"instant inside", geo.Interval{Start: b, End: b}, geo.Interval{Start: a, End: c}, true},
	}
	for _, tt := range tests {
		if got := tt.x.Intersects(tt.y); got != tt.want {
			t.Errorf("%s: %v.Intersects(%v) = %v, want %v", tt.name, tt.x, tt.y, got, tt.want)
		}
		if got := tt.y.Intersects(tt.x); got != tt.want {
			t.Errorf("%s (swapped): %v", tt.name, got)
		}
	}
	if !(geo.Interval{Start: a, End: b}).Contains(b) || (geo.Interval{Start: a, End: b}).Contains(c) {
		t.Errorf("Contains is wrong at the closed end or past it")
	}
	if !open.Unbounded() || (geo.Interval{Start: a}).Unbounded() {
		t.Errorf("Unbounded is wrong")
	}
	u := geo.Interval{Start: b, End: c}.Union(geo.Interval{Start: a, End: b})
	if !u.Start.Equal(a) || !u.End.Equal(c) {
		t.Errorf("Union = %v – %v, want %v – %v", u.Start, u.End, a, c)
	}
	if u := (geo.Interval{Start: b, End: c}).Union(geo.Interval{Start: a}); !u.Start.Equal(a) || !u.End.IsZero() {
		t.Errorf("Union with an open end = %v – %v, want %v – open", u.Start, u.End, a)
	}
}

func TestStatusAt(t *testing.T) {
	f := with(t, validFeature(), "status", `"open"`)
	// Closed from 00:00 local (UTC+2) on 12 Sep to 25 Sep; restricted for
	// part of that time, an entry that ends before the next begins, and an
	// open-ended entry.
	f = with(t, f, "timeline", `[
		{"from":"2025-09-12T00:00:00+02:00","to":"2025-09-25","status":"closed","note":"Zapad"},
		{"from":"2025-09-20","to":"2025-09-21","status":"restricted"},
		{"from":"2025-10-01","status":"closed"}
	]`)
	tests := []struct {
		at, want string
		source   int
	}{
		{"2025-09-01T00:00:00Z", "open", -1},
		{"2025-09-11T21:59:59Z", "open", -1},
		{"2025-09-11T22:00:00Z", "closed", 0}, // midnight in Poland
		{"2025-09-15T12:00:00Z", "closed", 0},
		{"2025-09-20T12:00:00Z", "restricted", 1}, // the later entry wins
		{"2025-09-21T00:00:00Z", "closed", 0},     // "to" is exclusive
		{"2025-09-24T23:59:59Z", "closed", 0},
		{"2025-09-25T00:00:00Z", "open", -1},
		{"2025-10-01T00:00:00Z", "closed", 2},
		{"2030-01-01T00:00:00Z", "closed", 2},
	}
	for _, tt := range tests {
		if got := f.StatusAt(ts(tt.at)); got != tt.want {
			t.Errorf("StatusAt(%s) = %q, want %q", tt.at, got, tt.want)
		}
		if _, src := f.StatusSourceAt(ts(tt.at)); src != tt.source {
			t.Errorf("StatusSourceAt(%s) entry %d, want %d", tt.at, src, tt.source)
		}
		g := f.AsAt(ts(tt.at))
		if g.String("status") != tt.want {
			t.Errorf("AsAt(%s) status %q, want %q", tt.at, g.String("status"), tt.want)
		}
		raw, ok := g.Property("status_source")
		if ok != (tt.source >= 0) {
			t.Errorf("AsAt(%s) status_source %s, want one only from an entry", tt.at, raw)
		}
		filter := geo.Filter{Props: map[string]string{"status": tt.want}, At: ts(tt.at)}
		if !filter.MatchAttributes(f) {
			t.Errorf("status=%s at %s does not match", tt.want, tt.at)
		}
	}
	if raw, _ := f.AsAt(ts("2025-09-15T12:00:00Z")).Property("status_source"); string(raw) != `{"from":"2025-09-12T00:00:00+02:00","note":"Zapad","status":"closed","timeline":0,"to":"2025-09-25"}` {
		t.Errorf("status_source %s", raw)
	}
	if f.String("status") != "open" {
		t.Error("AsAt changed the original")
	}
	f = f.Without("timeline")
	if got := f.StatusAt(ts("2025-09-15T00:00:00Z")); got != "open" {
		t.Errorf("without a timeline StatusAt = %q, want the status", got)
	}
}

func TestFeatureExtent(t *testing.T) {
	f := validFeature() // valid_from 2025-09-12, valid_to 2025-09-25T00:00:00+02:00
	iv := f.Extent()
	if !iv.Start.Equal(ts("2025-09-12T00:00:00Z")) || !iv.End.Equal(ts("2025-09-24T22:00:00Z")) {
		t.Errorf("Extent = %v – %v", iv.Start, iv.End)
	}
	f = with(t, f, "valid_to", `"2025-09-16"`)
	if iv := f.Extent(); !iv.End.Equal(ts("2025-09-16T00:00:00Z").Add(endOfDay)) {
		t.Errorf("a bare valid_to ends at %v, want the end of that day", iv.End)
	}
	f = f.Without("valid_from", "valid_to")
	if iv := f.Extent(); !iv.Unbounded() {
		t.Errorf("without valid_from and valid_to the extent is %v – %v, want open", iv.Start, iv.End)
	}
}
