package cql2

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// ParseJSON parses a cql2-json filter.
func ParseJSON(src []byte) (Expr, error) {
	if len(src) > MaxBytes {
		return nil, &Error{Pos: -1, Msg: fmt.Sprintf("the filter is longer than %d bytes", MaxBytes)}
	}
	d := json.NewDecoder(bytes.NewReader(src))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, &Error{Pos: -1, Msg: fmt.Sprintf("not JSON: %v", err)}
	}
	if d.More() {
		return nil, &Error{Pos: -1, Msg: "more than one JSON value"}
	}
	j := &jsonParser{}
	e, err := j.expr(v, "", 0)
	if err != nil {
		return nil, err
	}
	if !isPredicate(e) {
		return nil, &Error{Pos: -1, Path: "/", Msg: "expected a predicate (an object with op and args), found " + e.String()}
	}
	return e, check(e, false)
}

type jsonParser struct{ vertices int }

func jerr(path, format string, args ...any) error {
	if path == "" {
		path = "/"
	}
	return &Error{Pos: -1, Path: path, Msg: fmt.Sprintf(format, args...)}
}

func (j *jsonParser) expr(v any, path string, depth int) (Expr, error) {
	if depth > MaxDepth {
		return nil, jerr(path, "the filter nests deeper than %d levels", MaxDepth)
	}
	switch v := v.(type) {
	case string:
		return String{V: v}, nil
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return nil, jerr(path, "%s is not a number", v)
		}
		return Number{V: f}, nil
	case bool:
		return Bool{V: v}, nil
	case map[string]any:
		return j.object(v, path, depth)
	case nil:
		return nil, jerr(path, "null is not a CQL2 value")
	}
	return nil, jerr(path, "expected an expression, found an array (only IN takes a list)")
}

func (j *jsonParser) object(m map[string]any, path string, depth int) (Expr, error) {
	switch {
	case has(m, "op"):
		return j.op(m, path, depth)
	case has(m, "property"):
		s, ok := m["property"].(string)
		if !ok || len(m) != 1 {
			return nil, jerr(path, `expected {"property": "name"}`)
		}
		return Property{Name: s}, nil
	case has(m, "date"), has(m, "timestamp"):
		date := has(m, "date")
		key := map[bool]string{true: "date", false: "timestamp"}[date]
		s, ok := m[key].(string)
		if !ok || len(m) != 1 {
			return nil, jerr(path, `expected {"%s": "..."}`, key)
		}
		in, err := parseInstant(s, date)
		if err != nil {
			return nil, jerr(path+"/"+key, "%v", err)
		}
		return in, nil
	case has(m, "interval"):
		return j.interval(m, path, depth)
	case has(m, "bbox"):
		list, ok := m["bbox"].([]any)
		v := make([]float64, 0, len(list))
		for _, x := range list {
			n, isNum := x.(json.Number)
			f, err := n.Float64()
			if !isNum || err != nil {
				ok = false
			}
			v = append(v, f)
		}
		if !ok {
			return nil, jerr(path+"/bbox", "expected 4 or 6 numbers")
		}
		return bboxLiteral(v, &Error{Pos: -1, Path: path + "/bbox"})
	case has(m, "type"):
		return j.geometry(m, path)
	}
	return nil, jerr(path, "expected an object with op, property, date, timestamp, interval, bbox or a GeoJSON geometry")
}

func has(m map[string]any, k string) bool { _, ok := m[k]; return ok }

func (j *jsonParser) interval(m map[string]any, path string, depth int) (Expr, error) {
	list, ok := m["interval"].([]any)
	if !ok || len(list) != 2 {
		return nil, jerr(path+"/interval", "expected an array of two ends")
	}
	var ends [2]Expr
	for i, x := range list {
		p := fmt.Sprintf("%s/interval/%d", path, i)
		switch x := x.(type) {
		case string:
			if x == ".." {
				ends[i] = Open{}
				continue
			}
			in, err := parseInstant(x, !strings.Contains(x, "T"))
			if err != nil {
				return nil, jerr(p, "%v", err)
			}
			ends[i] = in
		default:
			e, err := j.expr(x, p, depth+1)
			if err != nil {
				return nil, err
			}
			if _, ok := e.(Property); !ok {
				return nil, jerr(p, "expected a date, a timestamp, \"..\" or a property")
			}
			ends[i] = e
		}
	}
	return Interval{Start: ends[0], End: ends[1]}, nil
}

func (j *jsonParser) geometry(m map[string]any, path string) (Expr, error) {
	raw, _ := json.Marshal(m)
	g, err := geojson.UnmarshalGeometry(raw)
	if err != nil {
		return nil, jerr(path, "not a GeoJSON geometry: %v", err)
	}
	j.vertices += countVertices(g.Geometry())
	if j.vertices > MaxVertices {
		return nil, jerr(path, "the geometries of the filter have more than %d vertices", MaxVertices)
	}
	return Geometry{G: g.Geometry()}, nil
}

func countVertices(g orb.Geometry) int {
	n := 0
	forEachPoint(g, func(orb.Point) { n++ })
	return n
}

// op decodes {"op": ..., "args": [...]}.
func (j *jsonParser) op(m map[string]any, path string, depth int) (Expr, error) {
	name, ok := m["op"].(string)
	list, okArgs := m["args"].([]any)
	if !ok || !okArgs || len(m) != 2 {
		return nil, jerr(path, `expected {"op": "...", "args": [...]}`)
	}
	name = strings.ToLower(name)
	args := make([]Expr, len(list))
	for i, a := range list {
		p := fmt.Sprintf("%s/args/%d", path, i)
		if arr, isList := a.([]any); isList && name == "in" && i == 1 {
			in := In{V: args[0]}
			for k, x := range arr {
				e, err := j.expr(x, fmt.Sprintf("%s/%d", p, k), depth+1)
				if err != nil {
					return nil, err
				}
				in.List = append(in.List, e)
			}
			if len(in.List) == 0 {
				return nil, jerr(p, "IN needs at least one value")
			}
			return in, nil
		}
		e, err := j.expr(a, p, depth+1)
		if err != nil {
			return nil, err
		}
		args[i] = e
	}
	want := arity(name)
	if want == 0 {
		return nil, jerr(path+"/op", "unsupported operator %q", m["op"])
	}
	if (want > 0 && len(args) != want) || (want < 0 && len(args) < 2) {
		return nil, jerr(path+"/args", "%s takes %s arguments, got %d", name, arityText(want), len(args))
	}
	return build(name, args, path)
}

func arity(op string) int {
	switch {
	case op == "and" || op == "or":
		return -1
	case op == "not" || op == "isnull" || op == "casei" || op == "accenti":
		return 1
	case op == "between":
		return 3
	case op == "like" || op == "in" || spatialOps[op] || temporalOps[op]:
		return 2
	case op == "=" || op == "<>" || op == "<" || op == "<=" || op == ">" || op == ">=":
		return 2
	}
	return 0
}

func arityText(n int) string {
	if n < 0 {
		return "two or more"
	}
	return fmt.Sprint(n)
}

func build(op string, a []Expr, path string) (Expr, error) {
	for i, x := range a {
		if op == "and" || op == "or" || op == "not" {
			if !isPredicate(x) {
				return nil, jerr(fmt.Sprintf("%s/args/%d", path, i), "%s needs predicates, found %s", op, x)
			}
		}
	}
	switch {
	case op == "and" || op == "or":
		return Logical{Op: op, Args: a}, nil
	case op == "not":
		return Not{Arg: a[0]}, nil
	case op == "isnull":
		return IsNull{V: a[0]}, nil
	case op == "casei" || op == "accenti":
		return Func{Name: op, Arg: a[0]}, nil
	case op == "between":
		return Between{V: a[0], Lo: a[1], Hi: a[2]}, nil
	case op == "like":
		return Like{L: a[0], Pattern: a[1]}, nil
	case op == "in":
		return nil, jerr(path+"/args/1", "IN needs a list of values")
	case spatialOps[op]:
		return Spatial{Op: op, L: a[0], R: a[1]}, nil
	case temporalOps[op]:
		return Temporal{Op: op, L: a[0], R: a[1]}, nil
	}
	return Compare{Op: op, L: a[0], R: a[1]}, nil
}

// isPredicate reports whether e is true or false rather than a value.
func isPredicate(e Expr) bool {
	switch e.(type) {
	case Logical, Not, Compare, Like, Between, In, IsNull, Spatial, Temporal, Bool:
		return true
	}
	return false
}
