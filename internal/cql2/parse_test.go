package cql2_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sitmap/sitmap/internal/cql2"
)

// TestParseErrors: what is wrong, and where.
func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("NOT ", 65) + "a = 1"
	tests := []struct{ text, want string }{
		{"", "at offset 0: expected a property, a literal or a function, found the end of the filter"},
		{"a =", "at offset 3: expected a property"},
		{"a == 1", "at offset 3: expected a property, a literal or a function, found \"=\""},
		{"a = 'x", "at offset 4: unterminated '-quoted string"},
		{"a = 1 b = 2", "at offset 6: expected AND, OR or the end of the filter"},
		{"a LIKE", "at offset 6: expected a property"},
		{"a BETWEEN 1 2", "at offset 12: expected AND of BETWEEN"},
		{"a IN 1", "at offset 5: expected \"(\""},
		{"a IS 1", "at offset 5: expected NULL"},
		{"a NOT = 1", "expected LIKE, BETWEEN or IN"},
		{"a", "expected a comparison"},
		{"and = 1", "quote a property named like a keyword"},
		{"avg(a) = 1", "unsupported function avg"},
		{"a + 1 = 2", "unexpected character '+'"},
		{"S_INTERSECTS(geometry, POINT(1))", "expected a position"},
		{"S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 0 0)))", "at least 4 positions"},
		{"S_INTERSECTS(geometry, BBOX(1, 2, 3))", "BBOX needs 4 or 6 numbers"},
		{"S_INTERSECTS(geometry, BBOX(3, 2, 1, 4))", "west <= east"},
		{"T_AFTER(valid_from, DATE('2025-13-01'))", `"2025-13-01" is not a date`},
		{"T_AFTER(valid_from, TIMESTAMP('2025-09-01'))", "not an RFC 3339 timestamp"},
		{"S_INTERSECTS(1, geometry)", "needs geometries"},
		{"a LIKE 1", "LIKE needs"},
		{deep, "deeper than 64 levels"},
		{"a = '" + strings.Repeat("x", cql2.MaxBytes) + "'", "longer than 65536 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.text[:min(len(tt.text), 40)], func(t *testing.T) {
			_, err := cql2.ParseText(tt.text)
			if !errors.Is(err, cql2.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseText(%q): %v, want an error with %q", tt.text, err, tt.want)
			}
		})
	}
}

func TestParseJSONErrors(t *testing.T) {
	tests := []struct{ json, want string }{
		{`{"op":"=","args":[{"property":"a"}]}`, "at /args: = takes 2 arguments, got 1"},
		{`{"op":"and","args":[{"op":"=","args":[{"property":"a"},1]}]}`, "and takes two or more arguments"},
		{`{"op":"and","args":[1, {"op":"=","args":[{"property":"a"},1]}]}`, "at /args/0: and needs predicates"},
		{`{"op":"avg","args":[{"property":"a"}]}`, `at /op: unsupported operator "avg"`},
		{`{"op":"in","args":[{"property":"a"}, 1]}`, "IN needs a list"},
		{`{"op":"=","args":[{"property":"a"}, null]}`, "at /args/1: null is not a CQL2 value"},
		{`{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":"x"}]}`, "not a GeoJSON geometry"},
		{`{"op":"t_after","args":[{"property":"valid_from"},{"date":"x"}]}`, "at /args/1/date"},
		{`{"op":"t_after","args":[{"property":"valid_from"},{"interval":["2025-01-01"]}]}`, "two ends"},
		{`{"property":"a"}`, "expected a predicate"},
		{`{"op":"=","args":[{"property":"a"},1]} {}`, "more than one JSON value"},
		{`{"op":`, "not JSON"},
		{strings.Repeat(`{"op":"not","args":[`, 70) + `{"op":"=","args":[{"property":"a"},1]}` + strings.Repeat(`]}`, 70), "deeper than 64 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.json[:min(len(tt.json), 40)], func(t *testing.T) {
			_, err := cql2.ParseJSON([]byte(tt.json))
			if !errors.Is(err, cql2.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseJSON(%s): %v, want an error with %q", tt.json, err, tt.want)
			}
		})
	}
}

// TestVertexLimit: 10,000 vertices parse, one more does not, in both forms.
func TestVertexLimit(t *testing.T) {
	for _, n := range []int{cql2.MaxVertices, cql2.MaxVertices + 1} {
		pts := make([]string, n)
		jpts := make([]string, n)
		for i := range pts {
			pts[i], jpts[i] = "1 2", "[1,2]"
		}
		_, terr := cql2.ParseText("S_INTERSECTS(geometry, MULTIPOINT(" + strings.Join(pts, ",") + "))")
		_, jerr := cql2.ParseJSON([]byte(`{"op":"s_intersects","args":[{"property":"geometry"},{"type":"MultiPoint","coordinates":[` + strings.Join(jpts, ",") + `]}]}`))
		for _, err := range []error{terr, jerr} {
			if (err != nil) != (n > cql2.MaxVertices) {
				t.Errorf("%d vertices: %v", n, err)
			}
		}
	}
}

// TestValidate: sitmap's own rules on top of the grammar.
func TestValidate(t *testing.T) {
	tests := []struct{ text, want string }{
		{"S_INTERSECTS(footprint, POINT(1 2))", "needs geometries"},
		{"T_AFTER(built, DATE('2025-01-01'))", "needs times"},
		{"name = DATE('2025-01-01')", `"name" is not a temporal property`},
		{"valid_from = '2025-01-01'", "compare it with DATE"},
		{"name LIKE name_local", "must be a text literal"},
		{`name LIKE 'x\'`, "lone escape character"},
		{"name = 'a\x00b'", "not valid UTF-8 text"},
		{"name = '\xff'", "not valid UTF-8 text"},
	}
	for _, tt := range tests {
		e, err := cql2.ParseText(tt.text)
		if err == nil {
			err = cql2.Validate(e)
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.text, err, tt.want)
		}
	}
	for _, ok := range []string{`name LIKE 'x\\'`, "T_DURING(INTERVAL(valid_from, '..'), INTERVAL('2025-01-01', '..'))", "S_WITHIN(geometry, BBOX(0, 0, 1, 1))"} {
		e, err := cql2.ParseText(ok)
		if err == nil {
			err = cql2.Validate(e)
		}
		if err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

// TestBound: the box a store may narrow its index walk to, only when
// every match must meet it.
func TestBound(t *testing.T) {
	tests := []struct {
		text string
		ok   bool
		want [4]float64
	}{
		{"S_WITHIN(geometry, BBOX(1, 2, 3, 4))", true, [4]float64{1, 2, 3, 4}},
		{"a = 1 AND S_INTERSECTS(geometry, POINT(5 6))", true, [4]float64{5, 6, 5, 6}},
		{"S_INTERSECTS(geometry, BBOX(0, 0, 4, 4)) AND S_INTERSECTS(geometry, BBOX(2, 2, 6, 6))", true, [4]float64{2, 2, 4, 4}},
		{"a = 1 OR S_INTERSECTS(geometry, POINT(5 6))", false, [4]float64{}},
		{"S_DISJOINT(geometry, BBOX(1, 2, 3, 4))", false, [4]float64{}},
		{"NOT S_INTERSECTS(geometry, BBOX(1, 2, 3, 4))", false, [4]float64{}},
	}
	for _, tt := range tests {
		e, err := cql2.ParseText(tt.text)
		if err != nil {
			t.Fatal(err)
		}
		b, ok := cql2.Bound(e)
		got := [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("Bound(%s) = %v, %v; want %v, %v", tt.text, got, ok, tt.want, tt.ok)
		}
	}
}
