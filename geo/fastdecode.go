package geo

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// decodeFast reads a well-formed Feature document without encoding/json's
// reflection: it finds the members by scanning and parses coordinates
// itself, which makes imports and store loads several times faster. It
// handles the plain case only; ok is false for anything unusual (a null or
// unknown geometry, a position of other than two numbers, an empty
// array, a malformed id or type), and DecodeFeature then takes the general
// path, which gives the errors.
func decodeFast(data []byte) (*Feature, bool) {
	// With the document known to be valid JSON, the scanner below need
	// only find where things are.
	if !json.Valid(data) {
		return nil, false
	}
	s := string(data)
	var d fastDoc
	if !d.members(s) || d.typ != `"Feature"` {
		return nil, false
	}
	id := ""
	if d.id != "" && d.id != "null" {
		var ok bool
		if id, ok = decodeString(d.id); !ok || d.id[0] != '"' {
			return nil, false
		}
	}
	g, ok := fastGeometry(d.geometry)
	if !ok {
		return nil, false
	}
	props, ok := fastProperties(d.properties)
	if !ok {
		return nil, false
	}
	f, err := build(id, "", 0, g, "", props)
	return f, err == nil
}

type fastDoc struct{ typ, id, geometry, properties string }

// members finds the document's members; the last of a repeated name wins,
// as in encoding/json.
func (d *fastDoc) members(s string) bool {
	return eachMember(s, func(key, val string) bool {
		switch key {
		case "type":
			d.typ = val
		case "id":
			d.id = val
		case "geometry":
			d.geometry = val
		case "properties":
			d.properties = val
		}
		return true
	})
}

// eachMember calls fn with each member of the JSON object s (keys decoded,
// values as raw text without surrounding space); false when s is not an
// object the scanner can read, or fn says stop.
func eachMember(s string, fn func(key, val string) bool) bool {
	i := skipSpace(s, 0)
	if i >= len(s) || s[i] != '{' {
		return false
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		return skipSpace(s, i+1) == len(s)
	}
	for i < len(s) {
		kEnd := skipString(s, i)
		if kEnd < 0 {
			return false
		}
		key, ok := decodeString(s[i:kEnd])
		if !ok {
			return false
		}
		i = skipSpace(s, kEnd)
		if i >= len(s) || s[i] != ':' {
			return false
		}
		i = skipSpace(s, i+1)
		vEnd := skipValue(s, i)
		if vEnd < 0 || !fn(key, s[i:vEnd]) {
			return false
		}
		i = skipSpace(s, vEnd)
		if i >= len(s) {
			return false
		}
		if s[i] == '}' {
			return skipSpace(s, i+1) == len(s)
		}
		if s[i] != ',' {
			return false
		}
		i = skipSpace(s, i+1)
	}
	return false
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the end of the string starting at s[i], or -1.
func skipString(s string, i int) int {
	if i >= len(s) || s[i] != '"' {
		return -1
	}
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the end of the JSON value starting at s[i], or -1; s
// is valid JSON, so it need only follow nesting and strings.
func skipValue(s string, i int) int {
	if i >= len(s) {
		return -1
	}
	switch s[i] {
	case '"':
		return skipString(s, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(s); j++ {
			switch s[j] {
			case '"':
				e := skipString(s, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(s) && s[j] != ',' && s[j] != '}' && s[j] != ']' && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r' {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

// fastProperties reads the properties object (or null) into build's form.
func fastProperties(s string) ([]kv, bool) {
	if s == "" || s == "null" {
		return nil, true
	}
	var props []kv
	ok := eachMember(s, func(key, val string) bool {
		props = append(props, kv{key, compactValid(val)})
		return true
	})
	return props, ok
}

// compactValid drops the whitespace between the tokens of s, valid JSON,
// and returns s itself when there is none.
func compactValid(s string) string {
	var b strings.Builder
	inString, escaped, from := false, false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if b.Cap() == 0 {
				b.Grow(len(s))
			}
			b.WriteString(s[from:i])
			from = i + 1
		}
	}
	if b.Cap() == 0 {
		return s
	}
	b.WriteString(s[from:])
	return b.String()
}

// fastGeometry reads a geometry of the six types we store.
func fastGeometry(s string) (orb.Geometry, bool) {
	var typ, coords string
	ok := eachMember(s, func(key, val string) bool {
		switch key {
		case "type":
			typ = val
		case "coordinates":
			coords = val
		}
		return true
	})
	if !ok || coords == "" {
		return nil, false
	}
	p := coordParser{s: coords, ok: true}
	var g orb.Geometry
	switch typ {
	case `"Point"`:
		pt, ok := p.position()
		g, p.ok = pt, p.ok && ok
	case `"MultiPoint"`:
		g = orb.MultiPoint(p.positions())
	case `"LineString"`:
		g = orb.LineString(p.positions())
	case `"MultiLineString"`:
		g = orb.MultiLineString(nested(&p, func() orb.LineString { return p.positions() }))
	case `"Polygon"`:
		g = p.polygon()
	case `"MultiPolygon"`:
		g = orb.MultiPolygon(nested(&p, p.polygon))
	default:
		return nil, false
	}
	return g, p.ok && skipSpace(p.s, p.i) == len(p.s)
}

// coordParser reads nested arrays of numbers; ok turns false at the first
// thing the fast path does not take.
type coordParser struct {
	s  string
	i  int
	ok bool
}

func (p *coordParser) open() bool {
	p.i = skipSpace(p.s, p.i)
	if p.i < len(p.s) && p.s[p.i] == '[' {
		p.i++
		return true
	}
	p.ok = false
	return false
}

// next moves past a comma and says true, or past the closing bracket and
// says false.
func (p *coordParser) next() bool {
	p.i = skipSpace(p.s, p.i)
	if p.i < len(p.s) {
		switch p.s[p.i] {
		case ',':
			p.i++
			return true
		case ']':
			p.i++
			return false
		}
	}
	p.ok = false
	return false
}

func (p *coordParser) number() float64 {
	p.i = skipSpace(p.s, p.i)
	j := p.i
	for j < len(p.s) && (p.s[j] == '-' || p.s[j] == '+' || p.s[j] == '.' || p.s[j] == 'e' || p.s[j] == 'E' || p.s[j] >= '0' && p.s[j] <= '9') {
		j++
	}
	v, err := strconv.ParseFloat(p.s[p.i:j], 64)
	if err != nil || math.IsInf(v, 0) {
		p.ok = false
	}
	p.i = j
	return v
}

// position reads [x, y]; a height or anything else is for the general path.
func (p *coordParser) position() (orb.Point, bool) {
	if !p.open() {
		return orb.Point{}, false
	}
	x := p.number()
	if !p.next() {
		p.ok = false
		return orb.Point{}, false
	}
	y := p.number()
	if p.next() {
		p.ok = false
	}
	return orb.Point{x, y}, p.ok
}

func (p *coordParser) positions() []orb.Point {
	return nested(p, func() orb.Point { pt, _ := p.position(); return pt })
}

func (p *coordParser) polygon() orb.Polygon {
	return nested(p, func() orb.Ring { return orb.Ring(p.positions()) })
}

// nested reads a non-empty array whose elements elem reads.
func nested[T any](p *coordParser, elem func() T) []T {
	if !p.open() {
		return nil
	}
	var out []T
	for p.ok {
		out = append(out, elem())
		if !p.next() {
			break
		}
	}
	if len(out) == 0 {
		p.ok = false
	}
	return out
}
