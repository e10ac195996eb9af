package geo

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Feature is one GeoJSON feature. Properties are kept as raw JSON so that
// values the service does not understand survive a round trip byte for byte.
type Feature struct {
	ID         string
	Collection string // not encoded; set by stores and importers
	Geometry   orb.Geometry
	Properties map[string]json.RawMessage
	// Version changes on every write of the feature; stores set it and
	// HTTP turns it into the ETag.
	Version int64

	// encoded caches the GeoJSON encoding: features in a store are read far
	// more often than written. SetString clears it; code that changes
	// Geometry or Properties directly must call Changed.
	encoded atomic.Pointer[[]byte]
}

type featureDoc struct {
	Type       string                     `json:"type"`
	ID         json.RawMessage            `json:"id,omitempty"`
	Geometry   json.RawMessage            `json:"geometry"`
	Properties map[string]json.RawMessage `json:"properties"`
}

// DecodeFeature parses one GeoJSON Feature. Errors are ValidationErrors that
// name the field; the id may be empty (the server assigns one).
func DecodeFeature(data []byte) (*Feature, error) {
	var doc featureDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, invalid("", "not a GeoJSON Feature: %v", err)
	}
	if doc.Type != "Feature" {
		return nil, invalid("type", "must be \"Feature\", got %q", doc.Type)
	}
	f := &Feature{Properties: make(map[string]json.RawMessage, len(doc.Properties))}
	for k, v := range doc.Properties {
		f.Properties[k] = compact(v)
	}
	if len(doc.ID) > 0 && string(doc.ID) != "null" {
		if err := json.Unmarshal(doc.ID, &f.ID); err != nil {
			return nil, invalid("id", "must be a string of [a-z0-9-]")
		}
	}
	g, err := decodeGeometry(doc.Geometry)
	if err != nil {
		return nil, err
	}
	f.Geometry = g
	return f, nil
}

// compact drops insignificant whitespace from a property value; every
// value, numbers included, stays exactly as written.
func compact(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || (raw[0] != '{' && raw[0] != '[') {
		return raw
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return raw
	}
	return buf.Bytes()
}

func decodeGeometry(raw json.RawMessage) (orb.Geometry, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, invalid("geometry", "is required")
	}
	var head struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, invalid("geometry", "not a GeoJSON geometry: %v", err)
	}
	switch head.Type {
	case "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon":
	default:
		return nil, invalid("geometry.type", "%q is not supported (Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon)", head.Type)
	}
	if len(head.Coordinates) == 0 || string(head.Coordinates) == "null" {
		return nil, invalid("geometry.coordinates", "is required")
	}
	g, err := geojson.UnmarshalGeometry(raw)
	if err != nil {
		return nil, invalid("geometry.coordinates", "malformed for a %s: %v", head.Type, err)
	}
	// orb reads [] as [0, 0] and [21] as [21, 0]: a position must have both.
	if !positionsComplete(head.Coordinates, positionDepth[head.Type]) {
		return nil, invalid("geometry.coordinates", "every position needs a longitude and a latitude")
	}
	return g.Geometry(), nil
}

// positionDepth is how deep in a type's coordinates the positions are.
var positionDepth = map[string]int{
	"Point": 1, "MultiPoint": 2, "LineString": 2, "MultiLineString": 3, "Polygon": 3, "MultiPolygon": 4,
}

// positionsComplete reports whether every array at the positions' depth
// has at least two elements. It scans bytes (numbers hold no brackets or
// commas), as orb has already checked the JSON's shape.
func positionsComplete(coords []byte, depth int) bool {
	d, n, empty := 0, 0, true
	for _, c := range coords {
		switch c {
		case '[':
			d++
			if d == depth {
				n, empty = 1, true
			}
		case ']':
			if d == depth && (empty || n < 2) {
				return false
			}
			d--
		case ',':
			if d == depth {
				n++
			}
		case ' ', '\t', '\n', '\r':
		default:
			if d == depth {
				empty = false
			}
		}
	}
	return true
}

// MarshalJSON encodes the feature as RFC 7946 GeoJSON.
func (f *Feature) MarshalJSON() ([]byte, error) {
	return f.AppendJSON(nil)
}

// AppendJSON appends the feature's GeoJSON encoding to buf.
func (f *Feature) AppendJSON(buf []byte) ([]byte, error) {
	if enc := f.encoded.Load(); enc != nil {
		return append(buf, *enc...), nil
	}
	enc, err := f.encode()
	if err != nil {
		return nil, err
	}
	f.encoded.Store(&enc)
	return append(buf, enc...), nil
}

// SetEncoded hands the feature its GeoJSON encoding, made earlier by
// AppendJSON, so that a store holding those bytes anyway need not hold a
// second copy. The caller must never modify enc.
func (f *Feature) SetEncoded(enc []byte) { f.encoded.Store(&enc) }

// Changed drops the cached encoding after a direct change to the feature.
func (f *Feature) Changed() { f.encoded.Store(nil) }

func (f *Feature) encode() ([]byte, error) {
	size := 128 + len(f.ID) + 48*vertices(f.Geometry)
	for k, v := range f.Properties {
		size += len(k) + len(v) + 4
	}
	buf := make([]byte, 0, size)
	buf = append(buf, `{"type":"Feature","id":`...)
	buf = appendKey(buf, f.ID)
	var err error
	buf = append(buf, `,"geometry":`...)
	if buf, err = appendGeometry(buf, f.Geometry); err != nil {
		return nil, fmt.Errorf("encode geometry of %s: %w", f.ID, err)
	}
	buf = append(buf, `,"properties":`...)
	if buf, err = appendProperties(buf, f.Properties); err != nil {
		return nil, fmt.Errorf("encode properties of %s: %w", f.ID, err)
	}
	return append(buf, '}'), nil
}

// appendProperties writes the properties in key order, each value exactly
// as it is held (so unknown properties keep their bytes); encoding/json
// would re-compact and HTML-escape every value, and is the larger part of
// an import's time.
func appendProperties(buf []byte, props map[string]json.RawMessage) ([]byte, error) {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	buf = append(buf, '{')
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendKey(buf, k)
		buf = append(buf, ':')
		v := bytes.TrimSpace(props[k])
		if len(v) == 0 {
			v = []byte("null")
		} else if !json.Valid(v) {
			return nil, fmt.Errorf("property %s is not valid JSON", k)
		}
		buf = append(buf, v...)
	}
	return append(buf, '}'), nil
}

// vertices counts the positions of a geometry.
func vertices(g orb.Geometry) int {
	switch g := g.(type) {
	case orb.Point:
		return 1
	case orb.MultiPoint:
		return len(g)
	case orb.LineString:
		return len(g)
	case orb.MultiLineString:
		n := 0
		for _, ls := range g {
			n += len(ls)
		}
		return n
	case orb.Polygon:
		n := 0
		for _, r := range g {
			n += len(r)
		}
		return n
	case orb.MultiPolygon:
		n := 0
		for _, p := range g {
			n += vertices(p)
		}
		return n
	}
	return 0
}

// appendKey quotes a property name; names that need no escaping (nearly
// all) skip encoding/json.
func appendKey(buf []byte, k string) []byte {
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(k)
			return append(buf, q...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, k...)
	return append(buf, '"')
}

// appendGeometry writes a GeoJSON geometry as orb's geojson package does,
// without its reflection.
func appendGeometry(buf []byte, g orb.Geometry) ([]byte, error) {
	var typ string
	switch g.(type) {
	case orb.Point, orb.MultiPoint, orb.LineString, orb.MultiLineString, orb.Polygon, orb.MultiPolygon:
		typ = g.GeoJSONType()
	default: // collections, rings, bounds, nil: leave them to orb
		raw, err := geojson.NewGeometry(g).MarshalJSON()
		return append(buf, raw...), err
	}
	buf = append(buf, `{"type":"`...)
	buf = append(buf, typ...)
	buf = append(buf, `","coordinates":`...)
	var err error
	switch g := g.(type) {
	case orb.Point:
		buf, err = appendPosition(buf, g)
	case orb.MultiPoint:
		buf, err = appendPositions(buf, g)
	case orb.LineString:
		buf, err = appendPositions(buf, g)
	case orb.MultiLineString:
		if g == nil {
			buf = append(buf, "null"...)
			break
		}
		buf = append(buf, '[')
		for i, ls := range g {
			if i > 0 {
				buf = append(buf, ',')
			}
			if buf, err = appendPositions(buf, ls); err != nil {
				break
			}
		}
		buf = append(buf, ']')
	case orb.Polygon:
		buf, err = appendRings(buf, g)
	case orb.MultiPolygon:
		if g == nil {
			buf = append(buf, "null"...)
			break
		}
		buf = append(buf, '[')
		for i, p := range g {
			if i > 0 {
				buf = append(buf, ',')
			}
			if buf, err = appendRings(buf, p); err != nil {
				break
			}
		}
		buf = append(buf, ']')
	}
	if err != nil {
		return nil, err
	}
	return append(buf, '}'), nil
}

func appendRings(buf []byte, p orb.Polygon) ([]byte, error) {
	if p == nil {
		return append(buf, "null"...), nil
	}
	buf = append(buf, '[')
	for i, r := range p {
		if i > 0 {
			buf = append(buf, ',')
		}
		var err error
		if buf, err = appendPositions(buf, r); err != nil {
			return nil, err
		}
	}
	return append(buf, ']'), nil
}

func appendPositions[S ~[]orb.Point](buf []byte, ps S) ([]byte, error) {
	if ps == nil {
		return append(buf, "null"...), nil
	}
	buf = append(buf, '[')
	for i, p := range ps {
		if i > 0 {
			buf = append(buf, ',')
		}
		var err error
		if buf, err = appendPosition(buf, p); err != nil {
			return nil, err
		}
	}
	return append(buf, ']'), nil
}

func appendPosition(buf []byte, p orb.Point) ([]byte, error) {
	buf = append(buf, '[')
	var err error
	if buf, err = appendFloat(buf, p[0]); err != nil {
		return nil, err
	}
	buf = append(buf, ',')
	if buf, err = appendFloat(buf, p[1]); err != nil {
		return nil, err
	}
	return append(buf, ']'), nil
}

// appendFloat formats a number as encoding/json does.
func appendFloat(buf []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("unsupported value: %v", f)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	buf = strconv.AppendFloat(buf, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(buf)
		if n >= 4 && buf[n-4] == 'e' && buf[n-3] == '-' && buf[n-2] == '0' {
			buf[n-2] = buf[n-1]
			buf = buf[:n-1]
		}
	}
	return buf, nil
}

// String returns a string property, or "" when it is absent or not a string.
func (f *Feature) String(name string) string {
	raw, ok := f.Properties[name]
	if !ok {
		return ""
	}
	s, ok := decodeString(raw)
	if !ok {
		return ""
	}
	return s
}

// decodeString reads a JSON string value. Plain strings (no escapes, the
// usual case) skip encoding/json, which costs a good part of an import.
func decodeString(raw []byte) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' {
		plain := true
		for _, c := range raw[1 : n-1] {
			if c < 0x20 || c == '"' || c == '\\' {
				plain = false
				break
			}
		}
		if plain && utf8.Valid(raw) {
			return string(raw[1 : n-1]), true
		}
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// SetString sets a string property.
func (f *Feature) SetString(name, value string) {
	raw, _ := json.Marshal(value)
	f.Properties[name] = raw
	f.Changed()
}

// Scalar returns a property as text for equality filters: strings as they
// are, numbers and booleans as written in the JSON, and ok=false for
// objects, arrays and null.
func (f *Feature) Scalar(name string) (string, bool) {
	raw, ok := f.Properties[name]
	if !ok {
		return "", false
	}
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0, raw[0] == '{', raw[0] == '[', string(raw) == "null":
		return "", false
	case raw[0] == '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	}
	return string(raw), true
}

// HasValue reports whether the property equals value: a scalar equal to
// it, or an array of scalars that contains it (countries=PL).
func (f *Feature) HasValue(name, value string) bool {
	if s, ok := f.Scalar(name); ok {
		return s == value
	}
	var list []any
	if json.Unmarshal(f.Properties[name], &list) != nil {
		return false
	}
	for _, v := range list {
		if fmt.Sprint(v) == value {
			return true
		}
	}
	return false
}

// MatchesText reports whether q occurs, ignoring case, in the name or the
// local name.
func (f *Feature) MatchesText(q string) bool {
	q = strings.ToLower(q)
	return strings.Contains(strings.ToLower(f.String("name")), q) ||
		strings.Contains(strings.ToLower(f.String("name_local")), q)
}

// Clone returns a deep copy, so callers may change it freely.
func (f *Feature) Clone() *Feature {
	c := &Feature{ID: f.ID, Collection: f.Collection, Version: f.Version, Geometry: orb.Clone(f.Geometry),
		Properties: make(map[string]json.RawMessage, len(f.Properties))}
	for k, v := range f.Properties {
		c.Properties[k] = v
	}
	return c
}

// NewID makes a random feature id for features created without one.
func NewID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
