package geo

// Filter is what a query asks of features beyond their collection. Zero
// values match everything.
type Filter struct {
	BBox  *BBox
	Time  Interval
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
		if !f.HasValue(k, v) {
			return false
		}
	}
	return q.Text == "" || f.MatchesText(q.Text)
}
