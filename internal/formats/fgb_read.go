package formats

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
	fg "github.com/sitmap/sitmap/internal/formats/flatgeobuf"
)

// maxFGBBuffer bounds one header or feature of a file being imported.
const maxFGBBuffer = 64 << 20

// decodeFGB reads a FlatGeobuf file front to back, skipping its index.
func decodeFGB(r io.Reader) ([]*geo.Feature, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	magic := make([]byte, 8)
	if _, err := io.ReadFull(br, magic); err != nil || !bytes.Equal(magic[:3], fgbMagic[:3]) || magic[3] != 3 {
		return nil, errors.New("fgb: not a FlatGeobuf 3 file")
	}
	hb, err := readSizePrefixed(br)
	if err != nil {
		return nil, fmt.Errorf("fgb header: %w", err)
	}
	h := fg.GetRootAsHeader(hb, 0)
	cols := make([]fgbColumn, h.ColumnsLength())
	var c fg.Column
	for i := range cols {
		h.Columns(&c, i)
		cols[i] = fgbColumn{name: string(c.Name()), typ: c.Type()}
	}
	if n, ns := h.FeaturesCount(), h.IndexNodeSize(); n > 0 && ns > 0 {
		lb := levelBounds(int(n), int(ns))
		if _, err := io.CopyN(io.Discard, br, int64(lb[0][1])*40); err != nil {
			return nil, fmt.Errorf("fgb index: %w", err)
		}
	}
	var out []*geo.Feature
	for {
		fb, err := readSizePrefixed(br)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("fgb: feature #%d: %w", len(out), err)
		}
		f, err := fgbFeature(fg.GetRootAsFeature(fb, 0), cols, h.GeometryType(), len(out))
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
}

// fgbColumn is a column as the file declares it.
type fgbColumn struct {
	name string
	typ  fg.ColumnType
}

// fgbWidth is the size of a fixed-width value; 0 for text.
var fgbWidth = map[fg.ColumnType]int{fg.ColumnTypeByte: 1, fg.ColumnTypeUByte: 1, fg.ColumnTypeBool: 1,
	fg.ColumnTypeShort: 2, fg.ColumnTypeUShort: 2, fg.ColumnTypeInt: 4, fg.ColumnTypeUInt: 4,
	fg.ColumnTypeLong: 8, fg.ColumnTypeULong: 8, fg.ColumnTypeFloat: 4, fg.ColumnTypeDouble: 8}

func readSizePrefixed(r io.Reader) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	size := binary.LittleEndian.Uint32(n[:])
	if size > maxFGBBuffer {
		return nil, fmt.Errorf("a buffer of %d bytes is too large", size)
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("truncated: %w", io.ErrUnexpectedEOF)
	}
	return buf, nil
}

func fgbFeature(f *fg.Feature, cols []fgbColumn, htype fg.GeometryType, i int) (*geo.Feature, error) {
	p := newProps()
	if err := p.fgbProperties(f.PropertiesBytes(), cols); err != nil {
		return nil, invalidAt(i, p.id, "properties", "%v", err)
	}
	var gm fg.Geometry
	if f.Geometry(&gm) == nil {
		return p.feature(i, nil)
	}
	g, err := fgbGeometry(&gm, htype)
	if err != nil {
		return nil, invalidAt(i, p.id, "geometry", "%v", err)
	}
	return p.feature(i, g)
}

// fgbProperties reads the (column index, value) pairs of a feature.
func (p *props) fgbProperties(b []byte, cols []fgbColumn) error {
	for len(b) > 0 {
		if len(b) < 2 {
			return errors.New("truncated properties")
		}
		ci := int(binary.LittleEndian.Uint16(b))
		b = b[2:]
		if ci >= len(cols) {
			return fmt.Errorf("column %d is not in the header", ci)
		}
		col := cols[ci]
		width := fgbWidth[col.typ]
		if width == 0 { // text: a length, then UTF-8
			if len(b) < 4 {
				return fmt.Errorf("%s: truncated", col.name)
			}
			width = 4 + int(binary.LittleEndian.Uint32(b))
		}
		if width < 0 || len(b) < width {
			return fmt.Errorf("%s: truncated", col.name)
		}
		p.fgbValue(col, b[:width])
		b = b[width:]
	}
	return nil
}

func (p *props) fgbValue(col fgbColumn, v []byte) {
	le := binary.LittleEndian
	switch col.typ {
	case fg.ColumnTypeBool:
		p.boolean(col.name, v[0] != 0)
	case fg.ColumnTypeByte:
		p.integer(col.name, int64(int8(v[0])))
	case fg.ColumnTypeUByte:
		p.integer(col.name, int64(v[0]))
	case fg.ColumnTypeShort:
		p.integer(col.name, int64(int16(le.Uint16(v))))
	case fg.ColumnTypeUShort:
		p.integer(col.name, int64(le.Uint16(v)))
	case fg.ColumnTypeInt:
		p.integer(col.name, int64(int32(le.Uint32(v))))
	case fg.ColumnTypeUInt:
		p.integer(col.name, int64(le.Uint32(v)))
	case fg.ColumnTypeLong, fg.ColumnTypeULong:
		p.integer(col.name, int64(le.Uint64(v)))
	case fg.ColumnTypeFloat:
		p.number(col.name, float64(math.Float32frombits(le.Uint32(v))))
	case fg.ColumnTypeDouble:
		p.number(col.name, math.Float64frombits(le.Uint64(v)))
	case fg.ColumnTypeBinary:
	default:
		p.text(col.name, string(v[4:]))
	}
}

// splitEnds cuts the positions at the geometry's ends (none: one part);
// ends out of order give no parts.
func splitEnds(g *fg.Geometry, pts []orb.Point) [][]orb.Point {
	if g.EndsLength() == 0 {
		return [][]orb.Point{pts}
	}
	var out [][]orb.Point
	start := 0
	for j := 0; j < g.EndsLength(); j++ {
		end := int(g.Ends(j))
		if end < start || end > len(pts) {
			return nil
		}
		out = append(out, pts[start:end])
		start = end
	}
	return out
}

// fgbGeometry turns a FlatGeobuf geometry into an orb geometry; t is the
// header's type, used when the geometry has none of its own.
func fgbGeometry(g *fg.Geometry, t fg.GeometryType) (orb.Geometry, error) {
	if g.Type() != fg.GeometryTypeUnknown {
		t = g.Type()
	}
	if t == fg.GeometryTypeMultiPolygon {
		mp := make(orb.MultiPolygon, g.PartsLength())
		var part fg.Geometry
		for j := range mp {
			g.Parts(&part, j)
			pg, err := fgbGeometry(&part, fg.GeometryTypePolygon)
			if err != nil {
				return nil, err
			}
			mp[j] = pg.(orb.Polygon)
		}
		return mp, nil
	}
	pts := make([]orb.Point, g.XyLength()/2)
	for j := range pts {
		pts[j] = orb.Point{g.Xy(2 * j), g.Xy(2*j + 1)}
	}
	switch t {
	case fg.GeometryTypePoint:
		if len(pts) != 1 {
			return nil, errors.New("a point needs one position")
		}
		return pts[0], nil
	case fg.GeometryTypeMultiPoint:
		return orb.MultiPoint(pts), nil
	case fg.GeometryTypeLineString:
		return orb.LineString(pts), nil
	case fg.GeometryTypeMultiLineString:
		var ml orb.MultiLineString
		for _, l := range splitEnds(g, pts) {
			ml = append(ml, l)
		}
		return ml, nil
	case fg.GeometryTypePolygon:
		var pg orb.Polygon
		for _, l := range splitEnds(g, pts) {
			pg = append(pg, l)
		}
		return pg, nil
	}
	return nil, fmt.Errorf("geometry type %s is not supported", t)
}
