package geo

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

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
