package geo

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"

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
	f := &Feature{Properties: doc.Properties}
	if f.Properties == nil {
		f.Properties = map[string]json.RawMessage{}
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
	return g.Geometry(), nil
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

// Changed drops the cached encoding after a direct change to the feature.
func (f *Feature) Changed() { f.encoded.Store(nil) }

func (f *Feature) encode() ([]byte, error) {
	var buf []byte
	id, err := json.Marshal(f.ID)
	if err != nil {
		return nil, err
	}
	g, err := geojson.NewGeometry(f.Geometry).MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encode geometry of %s: %w", f.ID, err)
	}
	props, err := json.Marshal(f.Properties)
	if err != nil {
		return nil, fmt.Errorf("encode properties of %s: %w", f.ID, err)
	}
	buf = append(buf, `{"type":"Feature","id":`...)
	buf = append(buf, id...)
	buf = append(buf, `,"geometry":`...)
	buf = append(buf, g...)
	buf = append(buf, `,"properties":`...)
	buf = append(buf, props...)
	return append(buf, '}'), nil
}

// String returns a string property, or "" when it is absent or not a string.
func (f *Feature) String(name string) string {
	raw, ok := f.Properties[name]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
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
