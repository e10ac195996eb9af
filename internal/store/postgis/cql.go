package postgis

import (
	"fmt"
	"strings"
	"time"

	"github.com/paulmach/orb/encoding/wkb"

	"github.com/sitmap/sitmap/internal/cql2"
)

// CQL2 filters become SQL over the features row f with bind parameters
// only: property names, strings, numbers, times and geometries all go in
// as $n, never into the text of the statement. Each predicate is wrapped
// in coalesce(..., false), so SQL's NULLs (missing properties) behave as
// the embedded store's two-valued logic: a comparison with a missing
// property is false, and NOT of it true.

// cqlSQL translates a filter (checked by cql2.Validate) into a condition.
func (a *args) cqlSQL(e cql2.Expr) (string, error) {
	switch e := e.(type) {
	case cql2.Logical:
		parts := make([]string, len(e.Args))
		for i, x := range e.Args {
			s, err := a.cqlSQL(x)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return "(" + strings.Join(parts, " "+strings.ToUpper(e.Op)+" ") + ")", nil
	case cql2.Not:
		s, err := a.cqlSQL(e.Arg)
		return "(NOT " + s + ")", err
	case cql2.Bool:
		return a.add(e.V) + "::boolean", nil
	case cql2.Compare:
		return a.compare(e.Op, e.L, e.R)
	case cql2.Between:
		lo, err := a.compare(">=", e.V, e.Lo)
		if err != nil {
			return "", err
		}
		hi, err := a.compare("<=", e.V, e.Hi)
		return "(" + lo + " AND " + hi + ")", err
	case cql2.In:
		parts := make([]string, len(e.List))
		for i, x := range e.List {
			s, err := a.compare("=", e.V, x)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return "(" + strings.Join(parts, " OR ") + ")", nil
	case cql2.Like:
		l, p := a.term(e.L), a.term(e.Pattern)
		ls, lg := l.as("text")
		ps, pg := p.as("text")
		return leaf(ls+" LIKE "+ps, lg, pg), nil
	case cql2.IsNull:
		return a.isNull(e.V.(cql2.Property)), nil
	case cql2.Spatial:
		return a.spatial(e)
	case cql2.Temporal:
		return a.temporal(e)
	}
	return "", fmt.Errorf("postgis: filter %s: unsupported expression", e)
}

// propsSQL is the row's properties as jsonb, read from props (the only
// copy of them since schema version 3).
const propsSQL = "(convert_from(f.props, 'UTF8')::jsonb)"

// leaf wraps a predicate with its guards (type checks) in coalesce.
func leaf(cond string, guards ...string) string {
	var all []string
	for _, g := range guards {
		if g != "" {
			all = append(all, g)
		}
	}
	all = append(all, cond)
	return "coalesce((" + strings.Join(all, " AND ") + "), false)"
}

// sqlTerm is an operand in SQL: typ is text, numeric, boolean, time (sql and
// end are row values of (timestamptz, nanoseconds)), or dyn (a property
// whose JSON type is known only per row; sql is its jsonb).
type sqlTerm struct {
	sql, end string
	typ      string
	guard    string
	inst     *cql2.Instant // a time literal: its parameters are added when used
}

// lo and hi are the start and end of a time term.
func (a *args) lo(t sqlTerm) string {
	if t.inst != nil {
		return a.instant(t.inst.Start)
	}
	return t.sql
}

func (a *args) hi(t sqlTerm) string {
	if t.inst != nil {
		return a.instant(t.inst.End)
	}
	return t.end
}

func (a *args) term(e cql2.Expr) sqlTerm {
	switch e := e.(type) {
	case cql2.String:
		return sqlTerm{sql: a.add(e.V) + "::text", typ: "text"}
	case cql2.Number:
		return sqlTerm{sql: a.add(e.V) + "::numeric", typ: "numeric"}
	case cql2.Bool:
		return sqlTerm{sql: a.add(e.V) + "::boolean", typ: "boolean"}
	case cql2.Instant:
		return sqlTerm{typ: "time", inst: &e}
	case cql2.Func:
		s, g := a.term(e.Arg).as("text")
		t := cql2.Fold(e.Name)
		return sqlTerm{sql: "translate(" + s + ", " + a.add(t.From) + "::text, " + a.add(t.To) + "::text)", typ: "text", guard: g}
	case cql2.Property:
		if cql2.IsTemporal(e.Name) {
			col := "f." + e.Name // one of two fixed column names, not client text
			r := "(" + col + ", " + col + "_ns)"
			return sqlTerm{sql: r, end: r, typ: "time"}
		}
		return sqlTerm{sql: propsSQL + " -> " + a.add(e.Name) + "::text", typ: "dyn"}
	}
	return sqlTerm{sql: "NULL", typ: "none"}
}

func (a *args) instant(t time.Time) string {
	ts, ns := encodeTime(t)
	return "(" + a.add(ts) + "::timestamptz, " + a.add(ns) + "::smallint)"
}

// jsonType is the JSON type of the values of a SQL type. Numbers compare
// as numeric, which holds any JSON number (float8 would fail on 1e400).
var jsonType = map[string]string{"text": "string", "numeric": "number", "boolean": "boolean"}

// as gives the term as SQL of type typ, with the guard that must hold.
func (t sqlTerm) as(typ string) (string, string) {
	if t.typ != "dyn" {
		return t.sql, t.guard
	}
	guard := "jsonb_typeof(" + t.sql + ") = '" + jsonType[typ] + "'"
	i := strings.LastIndex(t.sql, " -> ")
	return "(" + t.sql[:i] + " ->> " + t.sql[i+len(" -> "):] + ")::" + typ, guard
}

func (a *args) compare(op string, l, r cql2.Expr) (string, error) {
	if c, ok := a.stringEquality(op, l, r); ok {
		return c, nil
	}
	lt, rt := a.term(l), a.term(r)
	if lt.typ == "time" || rt.typ == "time" {
		if lt.typ != rt.typ {
			return "false", nil
		}
		return leaf(a.timeCompare(op, lt, rt)), nil
	}
	if lt.typ == "dyn" && rt.typ == "dyn" {
		// two properties: compare when their JSON types agree
		var cases []string
		for _, typ := range []string{"text", "numeric", "boolean"} {
			ls, lg := lt.as(typ)
			rs, rg := rt.as(typ)
			if c, ok := sqlCompare(op, ls, rs, typ); ok {
				cases = append(cases, "WHEN "+lg+" AND "+rg+" THEN "+c)
			}
		}
		return "coalesce(CASE " + strings.Join(cases, " ") + " ELSE false END, false)", nil
	}
	typ := lt.typ
	if typ == "dyn" {
		typ = rt.typ
	}
	if (lt.typ != "dyn" && rt.typ != "dyn" && lt.typ != rt.typ) || jsonType[typ] == "" {
		return "false", nil
	}
	ls, lg := lt.as(typ)
	rs, rg := rt.as(typ)
	c, ok := sqlCompare(op, ls, rs, typ)
	if !ok {
		return "false", nil
	}
	return leaf(c, lt.guard, rt.guard, lg, rg), nil
}

// stringEquality writes property = 'text' as one jsonb comparison (the
// properties are read once per row, not twice), behind the GIN-indexed
// terms column, which holds a term for every string property value: a
// row without the term is rejected before its properties are read.
func (a *args) stringEquality(op string, l, r cql2.Expr) (string, bool) {
	if op != "=" {
		return "", false
	}
	p, ok := l.(cql2.Property)
	s, okS := r.(cql2.String)
	if !ok || !okS {
		p, ok = r.(cql2.Property)
		s, okS = l.(cql2.String)
	}
	if !ok || !okS || cql2.IsTemporal(p.Name) || p.Name == cql2.GeometryProperty {
		return "", false
	}
	eq := propsSQL + " -> " + a.add(p.Name) + "::text = to_jsonb(" + a.add(s.V) + "::text)"
	if freeText[p.Name] {
		return leaf(eq), true
	}
	return leaf("f.terms @> (SELECT sitmap_codes(ARRAY[" + a.add(term(p.Name, s.V)) + "::text])) AND " + eq), true
}

// sqlCompare is a comparison of two values of typ; booleans only = and <>.
func sqlCompare(op, l, r, typ string) (string, bool) {
	switch typ {
	case "boolean":
		if op != "=" && op != "<>" {
			return "", false
		}
	case "text":
		// byte order, as Go compares strings
		l, r = l+` COLLATE "C"`, r+` COLLATE "C"`
	}
	return l + " " + op + " " + r, true
}

// timeCompare compares instants or days, as cql2 does: = when they share
// an instant, < when the left ends before the right starts.
func (a *args) timeCompare(op string, l, r sqlTerm) string {
	switch op {
	case "=":
		return a.lo(l) + " <= " + a.hi(r) + " AND " + a.hi(l) + " >= " + a.lo(r)
	case "<>":
		return "NOT (" + a.lo(l) + " <= " + a.hi(r) + " AND " + a.hi(l) + " >= " + a.lo(r) + ")"
	case "<":
		return a.hi(l) + " < " + a.lo(r)
	case "<=":
		return a.lo(l) + " <= " + a.hi(r)
	case ">":
		return a.lo(l) + " > " + a.hi(r)
	}
	return a.hi(l) + " >= " + a.lo(r)
}

func (a *args) isNull(p cql2.Property) string {
	switch {
	case p.Name == cql2.GeometryProperty:
		return "false"
	case cql2.IsTemporal(p.Name):
		return "(f." + p.Name + " IS NULL)"
	}
	k := a.add(p.Name)
	return "coalesce(" + propsSQL + " -> " + k + "::text IS NULL OR jsonb_typeof(" + propsSQL + " -> " + k + "::text) = 'null', true)"
}

var spatialFuncs = map[string]string{"s_intersects": "ST_Intersects", "s_disjoint": "ST_Disjoint", "s_equals": "ST_Equals",
	"s_touches": "ST_Touches", "s_within": "ST_Within", "s_overlaps": "ST_Overlaps", "s_crosses": "ST_Crosses", "s_contains": "ST_Contains"}

func (a *args) spatial(e cql2.Spatial) (string, error) {
	var ops [2]string
	for i, x := range []cql2.Expr{e.L, e.R} {
		switch x := x.(type) {
		case cql2.Property:
			ops[i] = "f.geom"
		case cql2.Geometry:
			g, err := wkb.Marshal(x.G)
			if err != nil {
				return "", fmt.Errorf("postgis: filter geometry: %w", err)
			}
			ops[i] = "ST_GeomFromWKB(" + a.add(g) + "::bytea, 4326)"
		}
	}
	return leaf(spatialFuncs[e.Op] + "(" + ops[0] + ", " + ops[1] + ")"), nil
}

// temporal writes a T_ function over spans: each operand's start and end
// as row values, open ends as ±infinity. An end's parameters are added
// only when the relation uses it (PostgreSQL rejects unused parameters).
func (a *args) temporal(e cql2.Temporal) (string, error) {
	lazy := func(f func() string) func() string {
		var s string
		return func() string {
			if s == "" {
				s = f()
			}
			return s
		}
	}
	as := lazy(func() string { return a.spanEnd(e.L, true) })
	ae := lazy(func() string { return a.spanEnd(e.L, false) })
	bs := lazy(func() string { return a.spanEnd(e.R, true) })
	be := lazy(func() string { return a.spanEnd(e.R, false) })
	c := func(x func() string, op string, y func() string) string { return x() + " " + op + " " + y() }
	var rel string
	switch e.Op {
	case "t_after":
		rel = c(as, ">", be)
	case "t_before":
		rel = c(ae, "<", bs)
	case "t_contains":
		rel = c(as, "<", bs) + " AND " + c(ae, ">", be)
	case "t_disjoint":
		rel = "NOT (" + c(as, "<=", be) + " AND " + c(ae, ">=", bs) + ")"
	case "t_during":
		rel = c(as, ">", bs) + " AND " + c(ae, "<", be)
	case "t_equals":
		rel = c(as, "=", bs) + " AND " + c(ae, "=", be)
	case "t_finishedby":
		rel = c(as, "<", bs) + " AND " + c(ae, "=", be)
	case "t_finishes":
		rel = c(as, ">", bs) + " AND " + c(ae, "=", be)
	case "t_intersects":
		rel = c(as, "<=", be) + " AND " + c(ae, ">=", bs)
	case "t_meets":
		rel = c(ae, "=", bs)
	case "t_metby":
		rel = c(as, "=", be)
	case "t_overlappedby":
		rel = c(as, ">", bs) + " AND " + c(as, "<", be) + " AND " + c(ae, ">", be)
	case "t_overlaps":
		rel = c(as, "<", bs) + " AND " + c(ae, ">", bs) + " AND " + c(ae, "<", be)
	case "t_startedby":
		rel = c(as, "=", bs) + " AND " + c(ae, ">", be)
	case "t_starts":
		rel = c(as, "=", bs) + " AND " + c(ae, "<", be)
	default:
		return "", fmt.Errorf("postgis: filter: unsupported %s", e.Op)
	}
	return leaf(rel), nil
}

const (
	openStart = "('-infinity'::timestamptz, 0::smallint)"
	openEnd   = "('infinity'::timestamptz, 0::smallint)"
)

// spanEnd is the start or end of a temporal operand: of an INTERVAL, of
// an instant, or of a temporal property (an instant; NULL when absent).
func (a *args) spanEnd(x cql2.Expr, start bool) string {
	if iv, ok := x.(cql2.Interval); ok {
		if start {
			return a.intervalEnd(iv.Start, true)
		}
		return a.intervalEnd(iv.End, false)
	}
	t := a.term(x)
	if start {
		return a.lo(t)
	}
	return a.hi(t)
}

func (a *args) intervalEnd(x cql2.Expr, start bool) string {
	switch x := x.(type) {
	case cql2.Open:
	case cql2.Property:
		// an absent end is open, as in the embedded store
		col, inf := "f."+x.Name, "'infinity'"
		if start {
			inf = "'-infinity'"
		}
		return "(coalesce(" + col + ", " + inf + "::timestamptz), " + col + "_ns)"
	default:
		t := a.term(x)
		if start {
			return a.lo(t)
		}
		return a.hi(t)
	}
	if start {
		return openStart
	}
	return openEnd
}
