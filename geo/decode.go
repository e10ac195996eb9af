package geo

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

type featureDoc struct {
	Type       string                     `json:"type"`
	ID         json.RawMessage            `json:"id,omitempty"`
	Geometry   json.RawMessage            `json:"geometry"`
	Properties map[string]json.RawMessage `json:"properties"`
}

// DecodeFeature parses one GeoJSON Feature. Errors are ValidationErrors that
// name the field; the id may be empty (the store assigns one).
func DecodeFeature(data []byte) (*Feature, error) {
	if err := CheckText(data); err != nil {
		return nil, err
	}
	if f, ok := decodeFast(data); ok {
		return f, nil
	}
	return decodeSlow(data)
}

// decodeSlow reads any Feature encoding/json reads, and names what is wrong.
func decodeSlow(data []byte) (*Feature, error) {
	var doc featureDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, invalid("", "not a GeoJSON Feature: %v", err)
	}
	if doc.Type != "Feature" {
		return nil, invalid("type", "must be \"Feature\", got %q", doc.Type)
	}
	var id string
	if len(doc.ID) > 0 && string(doc.ID) != "null" {
		if err := json.Unmarshal(doc.ID, &id); err != nil {
			return nil, invalid("id", "must be a string of [a-z0-9-]")
		}
	}
	g, err := decodeGeometry(doc.Geometry)
	if err != nil {
		return nil, err
	}
	props := make([]kv, 0, len(doc.Properties))
	for k, v := range doc.Properties {
		props = append(props, kv{k, string(compact(v))})
	}
	return build(id, "", 0, g, "", props)
}

// compact drops insignificant whitespace from a property value; every
// value, numbers included, stays exactly as written.
func compact(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
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
	// orb reads [] as [0, 0] and [21] as [21, 0], and drops a third
	// number: a position must be exactly [longitude, latitude].
	if !positionsComplete(head.Coordinates, positionDepth[head.Type]) {
		return nil, invalid("geometry.coordinates", "every position must be [longitude, latitude]: a third number (altitude) is refused, as it would not be kept")
	}
	return g.Geometry(), nil
}

// positionDepth is how deep in a type's coordinates the positions are.
var positionDepth = map[string]int{
	"Point": 1, "MultiPoint": 2, "LineString": 2, "MultiLineString": 3, "Polygon": 3, "MultiPolygon": 4,
}

// positionsComplete reports whether every array at the positions' depth
// has exactly two elements. It scans bytes (numbers hold no brackets or
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
			if d == depth && (empty || n != 2) {
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

// decodeString reads a JSON string value. Plain strings (no escapes, the
// usual case) skip encoding/json, which costs a good part of an import.
func decodeString(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' {
		plain := true
		for i := 1; i < n-1; i++ {
			if c := raw[i]; c < 0x20 || c == '"' || c == '\\' {
				plain = false
				break
			}
		}
		if plain && utf8.ValidString(raw) {
			return raw[1 : n-1], true
		}
	}
	var s string
	if json.Unmarshal([]byte(raw), &s) != nil {
		return "", false
	}
	return s, true
}
