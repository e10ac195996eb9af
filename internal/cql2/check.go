package cql2

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// Validate checks a parsed filter against what sitmap's features hold:
// spatial functions take the property "geometry", temporal ones and time
// literals the TemporalProperties; LIKE patterns are literals; text is
// valid UTF-8 without NUL (which no stored property holds).
func Validate(e Expr) error {
	var err error
	walk(e, func(x Expr) {
		var s string
		switch x := x.(type) {
		case String:
			s = x.V
		case Property:
			s = x.Name
		default:
			return
		}
		if err == nil && (!utf8.ValidString(s) || strings.ContainsRune(s, 0)) {
			err = &Error{Pos: -1, Msg: fmt.Sprintf("%q is not valid UTF-8 text", s)}
		}
	})
	if err != nil {
		return err
	}
	return check(e, true)
}

// checkPattern: a pattern is a literal, and a final \ escapes nothing.
func checkPattern(p Expr) error {
	for {
		f, ok := p.(Func)
		if !ok {
			break
		}
		p = f.Arg
	}
	s, ok := p.(String)
	if !ok {
		return &Error{Pos: -1, Msg: fmt.Sprintf("the pattern of LIKE must be a text literal, found %s", p)}
	}
	n := len(s.V) - len(strings.TrimRight(s.V, `\`))
	if n%2 == 1 {
		return &Error{Pos: -1, Msg: fmt.Sprintf("the LIKE pattern %s ends with a lone escape character \\", s)}
	}
	return nil
}

// check rejects trees that parse but mean nothing: a spatial function of
// a number, LIKE on a number, and so on; strict adds Validate's rules.
func check(e Expr, strict bool) error {
	bad := func(format string, args ...any) error { return &Error{Pos: -1, Msg: fmt.Sprintf(format, args...)} }
	switch e := e.(type) {
	case Logical:
		for _, a := range e.Args {
			if err := check(a, strict); err != nil {
				return err
			}
		}
	case Not:
		return check(e.Arg, strict)
	case Compare:
		if !scalar(e.L) || !scalar(e.R) {
			return bad("%s compares values, not %s and %s", e.Op, e.L, e.R)
		}
		if strict {
			return checkTemporalOperands(e.L, e.R)
		}
	case Like:
		if !character(e.L) || !character(e.Pattern) {
			return bad("LIKE needs a property or text on the left and a text pattern, found %s", e)
		}
		if strict {
			return checkPattern(e.Pattern)
		}
	case Between:
		for _, x := range []Expr{e.V, e.Lo, e.Hi} {
			if !scalar(x) {
				return bad("BETWEEN needs values, found %s", x)
			}
		}
	case In:
		for _, x := range append([]Expr{e.V}, e.List...) {
			if !scalar(x) {
				return bad("IN needs values, found %s", x)
			}
		}
	case IsNull:
		if _, ok := e.V.(Property); !ok {
			return bad("IS NULL needs a property, found %s", e.V)
		}
	case Spatial:
		return checkSpatial(e, strict)
	case Temporal:
		for _, x := range []Expr{e.L, e.R} {
			if err := checkTemporal(e.Op, x, strict); err != nil {
				return err
			}
		}
	case Bool:
	default:
		return bad("expected a predicate, found %s", e)
	}
	return nil
}

// checkSpatial: a spatial function compares geometries, the geometry
// property (strictly: no other property) or literals.
func checkSpatial(e Spatial, strict bool) error {
	for _, x := range []Expr{e.L, e.R} {
		p, isProp := x.(Property)
		_, isGeom := x.(Geometry)
		if !isGeom && (!isProp || (strict && p.Name != GeometryProperty)) {
			return &Error{Pos: -1, Msg: fmt.Sprintf("%s needs geometries (the property %q or a literal), found %s", e.Op, GeometryProperty, x)}
		}
	}
	return nil
}

func scalar(e Expr) bool {
	switch e := e.(type) {
	case Property, String, Number, Bool, Instant:
		return true
	case Func:
		return character(e.Arg)
	}
	return false
}

func character(e Expr) bool {
	switch e := e.(type) {
	case Property, String:
		return true
	case Func:
		return character(e.Arg)
	}
	return false
}

// checkTemporalOperands: a time literal compares with a temporal property
// or another time literal only.
func checkTemporalOperands(l, r Expr) error {
	_, li := l.(Instant)
	_, ri := r.(Instant)
	lp, _ := l.(Property)
	rp, _ := r.(Property)
	if IsTemporal(lp.Name) && IsTemporal(rp.Name) {
		return nil // two times
	}
	if !li && !ri {
		for _, x := range []Expr{l, r} {
			if p, ok := x.(Property); ok && IsTemporal(p.Name) {
				return &Error{Pos: -1, Msg: fmt.Sprintf("%q is a time: compare it with DATE('YYYY-MM-DD') or TIMESTAMP('...')", p.Name)}
			}
		}
		return nil
	}
	for _, x := range []Expr{l, r} {
		if p, ok := x.(Property); ok && !IsTemporal(p.Name) {
			return &Error{Pos: -1, Msg: fmt.Sprintf("%q is not a temporal property (use %v)", p.Name, TemporalProperties)}
		}
	}
	return nil
}

func checkTemporal(op string, x Expr, strict bool) error {
	switch x := x.(type) {
	case Instant:
		return nil
	case Property:
		if IsTemporal(x.Name) || !strict {
			return nil
		}
	case Interval:
		for _, end := range []Expr{x.Start, x.End} {
			if p, ok := end.(Property); ok {
				if err := checkTemporal(op, p, strict); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return &Error{Pos: -1, Msg: fmt.Sprintf("%s needs times (DATE, TIMESTAMP, INTERVAL or one of the properties %v), found %s", op, TemporalProperties, x)}
}

// Properties lists the properties a filter names, each once.
func Properties(e Expr) []string {
	seen := map[string]bool{}
	var out []string
	walk(e, func(x Expr) {
		if p, ok := x.(Property); ok && !seen[p.Name] {
			seen[p.Name] = true
			out = append(out, p.Name)
		}
	})
	return out
}

func walk(e Expr, fn func(Expr)) {
	fn(e)
	var kids []Expr
	switch e := e.(type) {
	case Logical:
		kids = e.Args
	case Not:
		kids = []Expr{e.Arg}
	case Compare:
		kids = []Expr{e.L, e.R}
	case Like:
		kids = []Expr{e.L, e.Pattern}
	case Between:
		kids = []Expr{e.V, e.Lo, e.Hi}
	case In:
		kids = append([]Expr{e.V}, e.List...)
	case IsNull:
		kids = []Expr{e.V}
	case Spatial:
		kids = []Expr{e.L, e.R}
	case Temporal:
		kids = []Expr{e.L, e.R}
	case Func:
		kids = []Expr{e.Arg}
	case Interval:
		kids = []Expr{e.Start, e.End}
	}
	for _, k := range kids {
		walk(k, fn)
	}
}

// Bound is a box that every feature the filter matches meets, when the
// filter says so: a spatial function (other than S_DISJOINT) of the
// geometry and a literal, alone or ANDed with other terms. Stores use it
// to narrow the spatial index walk.
func Bound(e Expr) (orb.Bound, bool) {
	switch e := e.(type) {
	case Spatial:
		if e.Op == "s_disjoint" {
			return orb.Bound{}, false
		}
		for _, x := range []Expr{e.L, e.R} {
			if g, ok := x.(Geometry); ok {
				return g.G.Bound(), true
			}
		}
	case Logical:
		if e.Op != "and" {
			return orb.Bound{}, false
		}
		var b orb.Bound
		found := false
		for _, a := range e.Args {
			if ab, ok := Bound(a); ok {
				if found {
					b = intersection(b, ab)
				} else {
					b, found = ab, true
				}
			}
		}
		return b, found
	}
	return orb.Bound{}, false
}

// intersection of two bounds; an empty one has Min > Max.
func intersection(a, b orb.Bound) orb.Bound {
	return orb.Bound{Min: orb.Point{max(a.Min[0], b.Min[0]), max(a.Min[1], b.Min[1])},
		Max: orb.Point{min(a.Max[0], b.Max[0]), min(a.Max[1], b.Max[1])}}
}
