package cql2

import (
	"time"

	"github.com/sitmap/sitmap/geo"
)

// TemporalProperties are the properties temporal functions and time
// literals apply to: the feature's validity.
var TemporalProperties = []string{"valid_from", "valid_to"}

// IsTemporal reports whether name is one of TemporalProperties.
func IsTemporal(name string) bool { return name == "valid_from" || name == "valid_to" }

// end is an end of a span: an instant, or -inf (inf < 0) / +inf (inf > 0)
// for an open end.
type end struct {
	t   time.Time
	inf int
}

func point(t time.Time) end { return end{t: t} }

func (a end) cmp(b end) int {
	if a.inf != 0 || b.inf != 0 {
		return a.inf - b.inf
	}
	return a.t.Compare(b.t)
}

// span is a closed interval of time.
type span struct{ start, end end }

func (a span) intersects(b span) bool { return a.start.cmp(b.end) <= 0 && a.end.cmp(b.start) >= 0 }

// interval is the span of a temporal operand: a temporal property (an
// instant; false when absent), an instant literal or an INTERVAL (whose
// absent or '..' ends are open).
func interval(e Expr, f *geo.Feature) (span, bool) {
	switch e := e.(type) {
	case Instant:
		return span{point(e.Start), point(e.End)}, true
	case Property:
		v := value(e, f)
		return v.t, v.kind == kTime
	case Interval:
		s, okS := intervalEnd(e.Start, f, -1)
		t, okT := intervalEnd(e.End, f, 1)
		return span{s, t}, okS && okT
	}
	return span{}, false
}

func intervalEnd(e Expr, f *geo.Feature, side int) (end, bool) {
	switch e := e.(type) {
	case Open:
		return end{inf: side}, true
	case Instant:
		if side < 0 {
			return point(e.Start), true
		}
		return point(e.End), true
	case Property:
		v := value(e, f)
		if v.kind != kTime {
			return end{inf: side}, true
		}
		return v.t.start, true
	}
	return end{}, false
}

// temporal applies a T_ function (the relations of Allen's interval
// algebra, as CQL2 defines them) to two spans.
func temporal(op string, a, b span) bool {
	as, ae, bs, be := a.start, a.end, b.start, b.end
	switch op {
	case "t_after":
		return as.cmp(be) > 0
	case "t_before":
		return ae.cmp(bs) < 0
	case "t_contains":
		return as.cmp(bs) < 0 && ae.cmp(be) > 0
	case "t_disjoint":
		return !a.intersects(b)
	case "t_during":
		return as.cmp(bs) > 0 && ae.cmp(be) < 0
	case "t_equals":
		return as.cmp(bs) == 0 && ae.cmp(be) == 0
	case "t_finishedby":
		return as.cmp(bs) < 0 && ae.cmp(be) == 0
	case "t_finishes":
		return as.cmp(bs) > 0 && ae.cmp(be) == 0
	case "t_intersects":
		return a.intersects(b)
	case "t_meets":
		return ae.cmp(bs) == 0
	case "t_metby":
		return as.cmp(be) == 0
	case "t_overlappedby":
		return as.cmp(bs) > 0 && as.cmp(be) < 0 && ae.cmp(be) > 0
	case "t_overlaps":
		return as.cmp(bs) < 0 && ae.cmp(bs) > 0 && ae.cmp(be) < 0
	case "t_startedby":
		return as.cmp(bs) == 0 && ae.cmp(be) > 0
	case "t_starts":
		return as.cmp(bs) == 0 && ae.cmp(be) < 0
	}
	return false
}
