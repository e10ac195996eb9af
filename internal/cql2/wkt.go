package cql2

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
)

// geometry parses a WKT geometry literal or BBOX(...) at the parser's position.
func (p *parser) geometry() (Expr, error) {
	t := p.next()
	kw := strings.ToLower(t.text)
	if kw == "bbox" {
		return p.bbox()
	}
	_ = p.keyword("z") // POLYGON Z: heights are read and dropped
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	var g orb.Geometry
	var err error
	switch kw {
	case "point":
		g, err = p.wrapped(func() (orb.Geometry, error) { pt, err := p.position(); return pt, err })
	case "linestring":
		g, err = p.wrapped(func() (orb.Geometry, error) { ls, err := p.positions(); return orb.LineString(ls), err })
	case "polygon":
		g, err = p.polygon()
	case "multipoint":
		g, err = p.multiPoint()
	case "multilinestring":
		g, err = p.list(func() (orb.Geometry, error) {
			return p.wrapped(func() (orb.Geometry, error) { ls, err := p.positions(); return orb.LineString(ls), err })
		},
			func(gs []orb.Geometry) orb.Geometry {
				m := make(orb.MultiLineString, len(gs))
				for i, g := range gs {
					m[i] = g.(orb.LineString)
				}
				return m
			})
	case "multipolygon":
		g, err = p.list(p.polygon, func(gs []orb.Geometry) orb.Geometry {
			m := make(orb.MultiPolygon, len(gs))
			for i, g := range gs {
				m[i] = g.(orb.Polygon)
			}
			return m
		})
	case "geometrycollection":
		g, err = p.list(func() (orb.Geometry, error) {
			e, err := p.geometry()
			if err != nil {
				return nil, err
			}
			return e.(Geometry).G, nil
		}, func(gs []orb.Geometry) orb.Geometry { return orb.Collection(gs) })
	}
	if err != nil {
		return nil, err
	}
	return Geometry{G: g}, nil
}

func (p *parser) bbox() (Expr, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	var v []float64
	for {
		t := p.next()
		f, err := strconv.ParseFloat(t.text, 64)
		if t.kind != tNumber || err != nil {
			return nil, p.expected(t, "a number of BBOX")
		}
		v = append(v, f)
		if !p.op(",") {
			break
		}
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	return bboxLiteral(v, &Error{Pos: p.peek().pos})
}

// bboxLiteral makes a polygon of 4 or 6 numbers (heights dropped).
func bboxLiteral(v []float64, at *Error) (Expr, error) {
	if len(v) == 6 {
		v = []float64{v[0], v[1], v[3], v[4]}
	}
	if len(v) != 4 {
		at.Msg = fmt.Sprintf("BBOX needs 4 or 6 numbers, got %d", len(v))
		return nil, at
	}
	if v[0] > v[2] || v[1] > v[3] {
		at.Msg = "BBOX needs west <= east and south <= north (a box across the antimeridian is not supported in a filter)"
		return nil, at
	}
	b := orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}
	return Geometry{G: b.ToPolygon(), IsBBox: true}, nil
}

// wrapped parses "(" inner ")".
func (p *parser) wrapped(inner func() (orb.Geometry, error)) (orb.Geometry, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	g, err := inner()
	if err != nil {
		return nil, err
	}
	return g, p.expect(")")
}

// list parses "(" item {"," item} ")" and combines the items.
func (p *parser) list(item func() (orb.Geometry, error), combine func([]orb.Geometry) orb.Geometry) (orb.Geometry, error) {
	return p.wrapped(func() (orb.Geometry, error) {
		var gs []orb.Geometry
		for {
			g, err := item()
			if err != nil {
				return nil, err
			}
			gs = append(gs, g)
			if !p.op(",") {
				return combine(gs), nil
			}
		}
	})
}

func (p *parser) polygon() (orb.Geometry, error) {
	return p.list(func() (orb.Geometry, error) {
		return p.wrapped(func() (orb.Geometry, error) {
			ps, err := p.positions()
			if err != nil {
				return nil, err
			}
			if len(ps) < 4 || ps[0] != ps[len(ps)-1] {
				return nil, &Error{Pos: p.peek().pos, Msg: "a polygon ring needs at least 4 positions, the last equal to the first"}
			}
			return orb.LineString(ps), nil
		})
	}, func(gs []orb.Geometry) orb.Geometry {
		pg := make(orb.Polygon, len(gs))
		for i, g := range gs {
			pg[i] = orb.Ring(g.(orb.LineString))
		}
		return pg
	})
}

// multiPoint reads both MULTIPOINT((1 2),(3 4)) and MULTIPOINT(1 2, 3 4).
func (p *parser) multiPoint() (orb.Geometry, error) {
	g, err := p.wrapped(func() (orb.Geometry, error) {
		var mp orb.MultiPoint
		for {
			var pt orb.Point
			var err error
			if p.op("(") {
				if pt, err = p.position(); err == nil {
					err = p.expect(")")
				}
			} else {
				pt, err = p.position()
			}
			if err != nil {
				return nil, err
			}
			mp = append(mp, pt)
			if !p.op(",") {
				return mp, nil
			}
		}
	})
	return g, err
}

func (p *parser) positions() ([]orb.Point, error) {
	var ps []orb.Point
	for {
		pt, err := p.position()
		if err != nil {
			return nil, err
		}
		ps = append(ps, pt)
		if !p.op(",") {
			return ps, nil
		}
	}
}

// position reads "x y" or "x y z" (the height is dropped).
func (p *parser) position() (orb.Point, error) {
	p.vertices++
	if p.vertices > MaxVertices {
		return orb.Point{}, &Error{Pos: p.peek().pos, Msg: fmt.Sprintf("the geometries of the filter have more than %d vertices", MaxVertices)}
	}
	var v [3]float64
	n := 0
	for n < 3 && p.peek().kind == tNumber {
		t := p.next()
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return orb.Point{}, &Error{Pos: t.pos, Msg: fmt.Sprintf("%q is not a number", t.text)}
		}
		v[n] = f
		n++
	}
	if n < 2 {
		return orb.Point{}, p.expected(p.peek(), "a position (longitude latitude)")
	}
	return orb.Point{v[0], v[1]}, nil
}

// parseInstant reads a date (its whole day) or an RFC 3339 timestamp.
func parseInstant(s string, date bool) (Instant, error) {
	if date {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return Instant{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
		}
		end, _ := geo.ParseTime(s, true)
		return Instant{Start: t, End: end, Date: true}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return Instant{}, fmt.Errorf("%q is not an RFC 3339 timestamp", s)
	}
	return Instant{Start: t.UTC(), End: t.UTC()}, nil
}
