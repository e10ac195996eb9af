package geo

import (
	"iter"
	"strings"
	"time"
)

// SortKey is what features can be ordered by. Both stores order by the
// value SortValue gives, then by id.
type SortKey string

// The sort keys.
const (
	SortID      SortKey = "id"
	SortName    SortKey = "name"
	SortUpdated SortKey = "updated"
)

// SortKeys lists every sort key, in the order errors name them.
var SortKeys = []SortKey{SortName, SortUpdated, SortID}

// ParseSortKey reads a sort key's name.
func ParseSortKey(s string) (SortKey, bool) {
	for _, k := range SortKeys {
		if string(k) == s {
			return k, true
		}
	}
	return "", false
}

// sortTimeLayout is how SortUpdated writes times: fixed width UTC, so text
// order is time order (RFC 3339 with offsets or fractions of a second is
// not: "08:00:00Z" > "08:00:00.5Z").
const sortTimeLayout = "2006-01-02T15:04:05.000000000"

// SortValue is the text the feature sorts by under k.
func (f *Feature) SortValue(k SortKey) string {
	switch k {
	case SortName:
		return strings.ToLower(f.String("name"))
	case SortUpdated:
		u := f.String("updated")
		if t, err := ParseTime(u, false); err == nil {
			return t.UTC().Format(sortTimeLayout)
		}
		return u
	}
	return f.id
}

// SearchText is what a text search (q=) looks in: the name and the local
// name, lower-cased.
func (f *Feature) SearchText() (name, local string) {
	return strings.ToLower(f.String("name")), strings.ToLower(f.String("name_local"))
}

// MatchesText reports whether q occurs, ignoring case, in the name or the
// local name.
func (f *Feature) MatchesText(q string) bool {
	q = strings.ToLower(q)
	name, local := f.SearchText()
	return strings.Contains(name, q) || strings.Contains(local, q)
}

// EqualityTerms yields, for each property, the values an equality filter
// (name=value) matches: a scalar as Scalar gives it, or each scalar
// element of an array (countries=PL). Objects and null match nothing.
func (f *Feature) EqualityTerms() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for k, raw := range f.rawProps() {
			for v := range equalityValues(raw) {
				if !yield(k, v) {
					return
				}
			}
		}
	}
}

func equalityValues(raw string) iter.Seq[string] {
	return func(yield func(string) bool) {
		if s, ok := scalar(raw); ok {
			yield(s)
			return
		}
		if raw == "" || raw[0] != '[' {
			return
		}
		// The elements are found by scanning the (valid) value rather
		// than decoding it: the terms of features with sources cost a
		// tenth of a store's bulk load otherwise.
		for i := skipSpace(raw, 1); i < len(raw) && raw[i] != ']'; {
			end := skipValue(raw, i)
			if end < 0 {
				return
			}
			if s, ok := scalar(raw[i:end]); ok && !yield(s) {
				return
			}
			if i = skipSpace(raw, end); i < len(raw) && raw[i] == ',' {
				i = skipSpace(raw, i+1)
			}
		}
	}
}

// HasValue reports whether the property equals value under the rule of
// EqualityTerms.
func (f *Feature) HasValue(name, value string) bool {
	raw, ok := f.raw(name)
	if !ok {
		return false
	}
	for v := range equalityValues(raw) {
		if v == value {
			return true
		}
	}
	return false
}

// DecodeString reads a JSON string value; ok is false for anything else.
// It is the one decoder of JSON strings: plain strings (no escapes, the
// usual case) skip encoding/json.
func DecodeString(raw string) (string, bool) { return decodeString(raw) }

// Filter is what a query asks of features beyond their collection. Zero
// values match everything.
type Filter struct {
	BBox *BBox
	Time Interval
	// At, when set, is the instant of an instant datetime: an equality on
	// status then compares the status at At (StatusSourceAt), not the
	// stored one.
	At    time.Time
	Props map[string]string // equality on queryable properties
	Text  string            // case-insensitive substring of name or name_local
}

// Match applies every part of the filter to a feature.
func (q *Filter) Match(f *Feature) bool {
	if q.BBox != nil && !q.BBox.Intersects(f.Geometry()) {
		return false
	}
	return q.MatchAttributes(f)
}

// MatchAttributes applies all but the spatial part, for stores whose index
// already did that.
func (q *Filter) MatchAttributes(f *Feature) bool {
	if !q.Time.Unbounded() && !f.Extent().Intersects(q.Time) {
		return false
	}
	for k, v := range q.Props {
		if k == "status" && !q.At.IsZero() {
			if f.StatusAt(q.At) != v {
				return false
			}
			continue
		}
		if !f.HasValue(k, v) {
			return false
		}
	}
	return q.Text == "" || f.MatchesText(q.Text)
}
