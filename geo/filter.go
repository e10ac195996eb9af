package geo

import "time"

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
