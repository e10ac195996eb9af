package geo

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Interval is a closed time interval; a zero Start or End is an open end.
type Interval struct {
	Start, End time.Time
}

// Intersects reports whether two intervals share at least one instant.
func (a Interval) Intersects(b Interval) bool {
	if !a.Start.IsZero() && !b.End.IsZero() && b.End.Before(a.Start) {
		return false
	}
	if !a.End.IsZero() && !b.Start.IsZero() && b.Start.After(a.End) {
		return false
	}
	return true
}

// Contains reports whether t lies in the interval.
func (a Interval) Contains(t time.Time) bool {
	return a.Intersects(Interval{Start: t, End: t})
}

// Unbounded reports whether both ends are open.
func (a Interval) Unbounded() bool { return a.Start.IsZero() && a.End.IsZero() }

// Union is the smallest interval holding both; an open end stays open.
func (a Interval) Union(b Interval) Interval {
	u := a
	if a.Start.IsZero() || b.Start.IsZero() {
		u.Start = time.Time{}
	} else if b.Start.Before(a.Start) {
		u.Start = b.Start
	}
	if a.End.IsZero() || b.End.IsZero() {
		u.End = time.Time{}
	} else if b.End.After(a.End) {
		u.End = b.End
	}
	return u
}

// ParseTime reads an RFC 3339 date-time or a full date (taken as UTC midnight).
// dateIsEnd moves a bare date to the last instant of that day, so a valid_to
// of "2025-09-16" includes all of the 16th.
func ParseTime(s string, dateIsEnd bool) (time.Time, error) {
	// A bare date is too short for RFC 3339: it skips that parse, whose
	// error costs as much as the parse (an import reads every feature's
	// dates several times over).
	if len(s) != len(time.DateOnly) {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC(), nil
		}
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 date or date-time", s)
	}
	if dateIsEnd {
		t = t.Add(24*time.Hour - time.Nanosecond)
	}
	return t, nil
}

// TimelineEntry is one period of a feature's status history.
type TimelineEntry struct {
	From   string `json:"from"`
	To     string `json:"to,omitempty"`
	Status string `json:"status"`
	Note   string `json:"note,omitempty"`
}

// Timeline returns the decoded timeline, or nil when there is none.
func (f *Feature) Timeline() []TimelineEntry {
	raw, ok := f.raw("timeline")
	if !ok {
		return nil
	}
	var tl []TimelineEntry
	if json.Unmarshal([]byte(raw), &tl) != nil {
		return nil
	}
	return tl
}

// StatusAt answers "what is this feature's status at t": the status of the
// last timeline entry whose [from, to) holds t, else the feature's status.
func (f *Feature) StatusAt(t time.Time) string {
	s, _ := f.StatusSourceAt(t)
	return s
}

// StatusSourceAt is StatusAt with the index of the timeline entry that
// gave the status, or -1 when none holds t and the stored status applies.
// It is the one rule of valid-time status: the stores filter by it, the
// API reports it and the tiles draw it.
func (f *Feature) StatusSourceAt(t time.Time) (string, int) {
	status, source := f.String("status"), -1
	for i, e := range f.Timeline() {
		from, err := ParseTime(e.From, false)
		if err != nil || t.Before(from) {
			continue
		}
		if e.To != "" {
			to, err := ParseTime(e.To, false)
			if err != nil || !t.Before(to) {
				continue
			}
		}
		status, source = e.Status, i
	}
	return status, source
}

// AsAt returns the feature as it stood at t (valid time): status from its
// timeline and, when an entry gave it, status_source: that entry as
// stored (every member, known or not) with "timeline", its index.
// A feature whose stored status applies comes back unchanged.
func (f *Feature) AsAt(t time.Time) *Feature {
	status, i := f.StatusSourceAt(t)
	if i < 0 {
		return f
	}
	raw, _ := f.raw("timeline")
	var entries []map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &entries) != nil || i >= len(entries) {
		return f.WithString("status", status)
	}
	entries[i]["timeline"] = json.RawMessage(strconv.Itoa(i))
	src, _ := json.Marshal(entries[i])
	g, _ := f.WithString("status", status).WithProperty("status_source", src)
	return g
}

// ParseDatetimeAt is ParseDatetime that also gives the instant at which
// statuses are read: for an instant (no "/") its start, so a bare date
// means the situation at the start of that day (as the tiles show it);
// zero for an interval, whose features keep their stored status.
func ParseDatetimeAt(s string) (Interval, time.Time, error) {
	iv, err := ParseDatetime(s)
	if err != nil || strings.Contains(s, "/") {
		return iv, time.Time{}, err
	}
	return iv, iv.Start, nil
}

// ParseDatetime reads the OGC API datetime parameter: an instant, a closed
// or half-open interval ("a/b", "../b", "a/.."), or a start and an
// ISO 8601 duration ("2025-09-12/P2D"). A bare date as an instant means the
// whole day.
func ParseDatetime(s string) (Interval, error) {
	start, end, isInterval := strings.Cut(s, "/")
	if !isInterval {
		from, err := ParseTime(s, false)
		if err != nil {
			return Interval{}, invalid("datetime", "%v", err)
		}
		to, _ := ParseTime(s, true)
		return Interval{Start: from, End: to}, nil
	}
	var iv Interval
	var err error
	if start != ".." && start != "" {
		if iv.Start, err = ParseTime(start, false); err != nil {
			return Interval{}, invalid("datetime", "start: %v", err)
		}
	}
	switch {
	case end == ".." || end == "":
	case strings.HasPrefix(end, "P"):
		if iv.Start.IsZero() {
			return Interval{}, invalid("datetime", "a duration needs a start")
		}
		if iv.End, err = addDuration(iv.Start, end); err != nil {
			return Interval{}, invalid("datetime", "%v", err)
		}
	default:
		if iv.End, err = ParseTime(end, true); err != nil {
			return Interval{}, invalid("datetime", "end: %v", err)
		}
	}
	if !iv.Start.IsZero() && !iv.End.IsZero() && iv.End.Before(iv.Start) {
		return Interval{}, invalid("datetime", "end %s is before start %s", end, start)
	}
	return iv, nil
}

var durationRE = regexp.MustCompile(`^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)

// addDuration adds an ISO 8601 duration such as P2D or PT12H to t.
func addDuration(t time.Time, d string) (time.Time, error) {
	m := durationRE.FindStringSubmatch(d)
	if m == nil || d == "P" || strings.HasSuffix(d, "T") {
		return time.Time{}, fmt.Errorf("%q is not an ISO 8601 duration such as P2D or PT12H", d)
	}
	n := make([]int, 6)
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	secs, _ := strconv.ParseFloat(m[7], 64)
	t = t.AddDate(n[0], n[1], 7*n[2]+n[3])
	return t.Add(time.Duration(n[4])*time.Hour + time.Duration(n[5])*time.Minute +
		time.Duration(secs*float64(time.Second))), nil
}
