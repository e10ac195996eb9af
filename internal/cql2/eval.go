package cql2

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/sitmap/sitmap/geo"
)

// Match reports whether the feature satisfies the filter.
func Match(e Expr, f *geo.Feature) bool { return eval(e, f) }

// Matcher evaluates a filter on many features and gives up when ctx
// ends: Stop reports it, and every later Match is false.
type Matcher struct {
	E   Expr
	ctx context.Context
	n   int
	err error
}

// NewMatcher returns a Matcher for e bounded by ctx.
func NewMatcher(ctx context.Context, e Expr) *Matcher { return &Matcher{E: e, ctx: ctx} }

// Match is Match(m.E, f), checking the context every 256 features.
func (m *Matcher) Match(f *geo.Feature) bool {
	if m.err != nil {
		return false
	}
	if m.n&255 == 0 {
		if err := m.ctx.Err(); err != nil {
			m.err = err
			return false
		}
	}
	m.n++
	return eval(m.E, f)
}

// Err is the context's error once evaluation stopped, else nil.
func (m *Matcher) Err() error { return m.err }

// ErrTimeout is returned (wrapped) by stores when a filter ran past its deadline.
var ErrTimeout = errors.New("filter evaluation took too long")

func eval(e Expr, f *geo.Feature) bool {
	switch e := e.(type) {
	case Logical:
		for _, a := range e.Args {
			if eval(a, f) != (e.Op == "and") {
				return e.Op != "and"
			}
		}
		return e.Op == "and"
	case Not:
		return !eval(e.Arg, f)
	case Bool:
		return e.V
	case Compare:
		return compare(e.Op, value(e.L, f), value(e.R, f))
	case Like:
		l, p := value(e.L, f), value(e.Pattern, f)
		return l.kind == kString && p.kind == kString && like(l.s, p.s)
	case Between:
		v := value(e.V, f)
		return compare(">=", v, value(e.Lo, f)) && compare("<=", v, value(e.Hi, f))
	case In:
		v := value(e.V, f)
		for _, x := range e.List {
			if compare("=", v, value(x, f)) {
				return true
			}
		}
		return false
	case IsNull:
		return value(e.V, f).kind == kNull
	case Spatial:
		a, b := geometryValue(e.L, f), geometryValue(e.R, f)
		return a != nil && b != nil && spatial(e.Op, a, b)
	case Temporal:
		a, okA := interval(e.L, f)
		b, okB := interval(e.R, f)
		return okA && okB && temporal(e.Op, a, b)
	}
	return false
}

type kind int

const (
	kNull kind = iota
	kString
	kNumber
	kBool
	kTime
	kOther // object, array, geometry: equal to nothing
)

type val struct {
	kind kind
	s    string
	n    float64
	b    bool
	t    span // kTime: an instant (Start == End) or a whole day (a DATE)
}

func value(e Expr, f *geo.Feature) val {
	switch e := e.(type) {
	case String:
		return val{kind: kString, s: e.V}
	case Number:
		return val{kind: kNumber, n: e.V}
	case Bool:
		return val{kind: kBool, b: e.V}
	case Instant:
		return val{kind: kTime, t: span{point(e.Start), point(e.End)}}
	case Func:
		v := value(e.Arg, f)
		if v.kind == kString {
			v.s = fold(e.Name, v.s)
		}
		return v
	case Property:
		if e.Name == GeometryProperty {
			return val{kind: kOther}
		}
		if IsTemporal(e.Name) {
			iv := extentOf(f)
			t := iv.Start
			if e.Name == "valid_to" {
				t = iv.End
			}
			if t.IsZero() {
				return val{}
			}
			return val{kind: kTime, t: span{point(t), point(t)}}
		}
		raw, ok := propertyOf(f, e.Name)
		if !ok {
			return val{}
		}
		return decode(raw)
	}
	return val{kind: kOther}
}

func decode(raw json.RawMessage) val {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return val{}
	case raw[0] == '"':
		s, ok := geo.DecodeString(string(raw))
		if !ok {
			return val{kind: kOther}
		}
		return val{kind: kString, s: s}
	case string(raw) == "true" || string(raw) == "false":
		return val{kind: kBool, b: raw[0] == 't'}
	case raw[0] == '{' || raw[0] == '[':
		return val{kind: kOther}
	}
	// A number beyond float64 (1e400) is ±Inf, which still compares
	// right with every literal.
	n, err := strconv.ParseFloat(string(raw), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return val{kind: kOther}
	}
	return val{kind: kNumber, n: n}
}

// compare applies a comparison to values of one type; any other pair is
// false. A DATE stands for its day: = holds for any instant of it.
func compare(op string, a, b val) bool {
	if a.kind != b.kind || a.kind == kNull || a.kind == kOther {
		return false
	}
	var c int
	switch a.kind {
	case kString:
		c = strings.Compare(a.s, b.s)
	case kNumber:
		c = cmpFloat(a.n, b.n)
	case kBool:
		if op != "=" && op != "<>" {
			return false
		}
		if a.b != b.b {
			c = 1
		}
	case kTime:
		return compareTime(op, a.t, b.t)
	}
	switch op {
	case "=":
		return c == 0
	case "<>":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareTime compares spans: a < b when a ends before b starts, a = b
// when they share an instant.
func compareTime(op string, a, b span) bool {
	switch op {
	case "=":
		return a.intersects(b)
	case "<>":
		return !a.intersects(b)
	case "<":
		return a.end.cmp(b.start) < 0
	case "<=":
		return a.start.cmp(b.end) <= 0
	case ">":
		return a.start.cmp(b.end) > 0
	}
	return a.end.cmp(b.start) >= 0
}

// like matches s against a CQL2 pattern: % any run, _ one character,
// \ escapes the next character.
func like(s, pattern string) bool {
	p := []rune(pattern)
	r := []rune(s)
	// dynamic programming over positions; patterns are short
	cur := make([]bool, len(r)+1)
	cur[0] = true
	for i := 0; i < len(p); i++ {
		next := make([]bool, len(r)+1)
		c := p[i]
		lit := false
		if c == '\\' && i+1 < len(p) {
			i++
			c, lit = p[i], true
		}
		for j := 0; j <= len(r); j++ {
			if !cur[j] {
				continue
			}
			switch {
			case c == '%' && !lit:
				for k := j; k <= len(r); k++ {
					next[k] = true
				}
			case j < len(r) && ((c == '_' && !lit) || r[j] == c):
				next[j+1] = true
			}
		}
		cur = next
	}
	return cur[len(r)]
}
