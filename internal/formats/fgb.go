package formats

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	flatbuffers "github.com/google/flatbuffers/go"
	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
	fg "github.com/sitmap/sitmap/internal/formats/flatgeobuf"
)

// fgbMagic starts every FlatGeobuf file (version 3.0).
var fgbMagic = []byte{'f', 'g', 'b', 3, 'f', 'g', 'b', 0}

// fgbNodeSize is the packed R-tree's branching factor, FlatGeobuf's default.
const fgbNodeSize = 16

var fgbColumnType = map[Kind]fg.ColumnType{String: fg.ColumnTypeString, DateTime: fg.ColumnTypeDateTime,
	Number: fg.ColumnTypeDouble, Integer: fg.ColumnTypeLong, Boolean: fg.ColumnTypeBool, JSON: fg.ColumnTypeJson}

var fgbGeometryType = map[string]fg.GeometryType{"Point": fg.GeometryTypePoint, "LineString": fg.GeometryTypeLineString,
	"Polygon": fg.GeometryTypePolygon, "MultiPoint": fg.GeometryTypeMultiPoint,
	"MultiLineString": fg.GeometryTypeMultiLineString, "MultiPolygon": fg.GeometryTypeMultiPolygon}

// fgbEntry is where one encoded feature sits in the temporary file.
type fgbEntry struct {
	bound   orb.Bound
	off     int64
	size    uint32
	hilbert uint32
}

// fgbEncoder writes each feature's FlatBuffer to a temporary file as it
// comes, keeping only its box and place (about 50 bytes). Close sorts the
// boxes along a Hilbert curve, writes the header and the packed R-tree,
// and copies the features in that order: the index requires it.
type fgbEncoder struct {
	w       io.Writer
	tmp     *os.File
	tw      *bufio.Writer
	off     int64
	schema  *Schema
	geom    fg.GeometryType
	title   string
	entries []fgbEntry
	b       *flatbuffers.Builder
	props   []byte
}

func newFGBEncoder(w io.Writer, cols []geo.Collection, s *Schema) (Encoder, error) {
	tmp, err := os.CreateTemp("", "sitmap-*.fgb")
	if err != nil {
		return nil, fmt.Errorf("fgb: %w", err)
	}
	e := &fgbEncoder{w: w, tmp: tmp, tw: bufio.NewWriterSize(tmp, 256<<10), schema: s,
		geom: fg.GeometryTypeUnknown, b: flatbuffers.NewBuilder(4096)}
	// A single declared type for every collection becomes the header's.
	if len(cols[0].Geometry) == 1 {
		e.geom = fgbGeometryType[cols[0].Geometry[0]]
		for _, c := range cols[1:] {
			if len(c.Geometry) != 1 || c.Geometry[0] != cols[0].Geometry[0] {
				e.geom = fg.GeometryTypeUnknown
			}
		}
	}
	e.title = cols[0].Title
	if len(cols) > 1 {
		e.title = "sitmap"
	}
	return e, nil
}

func (e *fgbEncoder) Write(f *geo.Feature) error {
	e.b.Reset()
	g, err := e.geometry(f.Geometry(), e.geom == fg.GeometryTypeUnknown)
	if err != nil {
		return fmt.Errorf("fgb: feature %s: %w", f.ID(), err)
	}
	e.props = fgbProperties(e.props[:0], e.schema, e.schema.Row(f))
	pv := e.b.CreateByteVector(e.props)
	fg.FeatureStart(e.b)
	fg.FeatureAddGeometry(e.b, g)
	fg.FeatureAddProperties(e.b, pv)
	e.b.FinishSizePrefixed(fg.FeatureEnd(e.b))
	buf := e.b.FinishedBytes()
	if _, err := e.tw.Write(buf); err != nil {
		return fmt.Errorf("fgb: %w", err)
	}
	e.entries = append(e.entries, fgbEntry{bound: f.Geometry().Bound(), off: e.off, size: uint32(len(buf))})
	e.off += int64(len(buf))
	return nil
}

// fgbProperties encodes the non-null cells: a column index (uint16), then
// the value, little-endian; text as a uint32 length and UTF-8.
func fgbProperties(buf []byte, s *Schema, row []Value) []byte {
	for i, v := range row {
		if v.Null {
			continue
		}
		buf = binary.LittleEndian.AppendUint16(buf, uint16(i))
		switch s.Fields[i].Kind {
		case Number:
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v.F))
		case Integer:
			buf = binary.LittleEndian.AppendUint64(buf, uint64(v.I))
		case Boolean:
			b := byte(0)
			if v.B {
				b = 1
			}
			buf = append(buf, b)
		default:
			buf = binary.LittleEndian.AppendUint32(buf, uint32(len(v.S)))
			buf = append(buf, v.S...)
		}
	}
	return buf
}

// flatten lays a geometry out as FlatGeobuf does: flat x, y pairs and the
// end (in positions) of each line or ring; a MultiPolygon is its parts.
func flatten(g orb.Geometry) (xy []float64, ends []uint32, parts []orb.Polygon, err error) {
	addLine := func(ps []orb.Point) {
		for _, p := range ps {
			xy = append(xy, p[0], p[1])
		}
		ends = append(ends, uint32(len(xy)/2))
	}
	switch g := g.(type) {
	case orb.Point:
		xy = []float64{g[0], g[1]}
	case orb.MultiPoint:
		addLine(g)
	case orb.LineString:
		addLine(g)
	case orb.MultiLineString:
		for _, ls := range g {
			addLine(ls)
		}
	case orb.Polygon:
		for _, r := range g {
			addLine(r)
		}
	case orb.MultiPolygon:
		parts = g
	default:
		err = fmt.Errorf("geometry %T is not supported", g)
	}
	return xy, ends, parts, err
}

// geometry builds a FlatGeobuf geometry table; typed says whether it
// names its own type (the header's is Unknown, or it is a part).
func (e *fgbEncoder) geometry(g orb.Geometry, typed bool) (flatbuffers.UOffsetT, error) {
	b := e.b
	xy, ends, polys, err := flatten(g)
	if err != nil {
		return 0, err
	}
	var xyv, endv, partv flatbuffers.UOffsetT
	if len(polys) > 0 {
		parts := make([]flatbuffers.UOffsetT, len(polys))
		for i, p := range polys {
			if parts[i], err = e.geometry(p, true); err != nil {
				return 0, err
			}
		}
		fg.GeometryStartPartsVector(b, len(parts))
		for i := len(parts) - 1; i >= 0; i-- {
			b.PrependUOffsetT(parts[i])
		}
		partv = b.EndVector(len(parts))
	} else {
		fg.GeometryStartXyVector(b, len(xy))
		for i := len(xy) - 1; i >= 0; i-- {
			b.PrependFloat64(xy[i])
		}
		xyv = b.EndVector(len(xy))
	}
	// One part needs no ends (the spec recommends leaving them out).
	if len(ends) > 1 {
		fg.GeometryStartEndsVector(b, len(ends))
		for i := len(ends) - 1; i >= 0; i-- {
			b.PrependUint32(ends[i])
		}
		endv = b.EndVector(len(ends))
	}
	fg.GeometryStart(b)
	if xyv != 0 {
		fg.GeometryAddXy(b, xyv)
	}
	if endv != 0 {
		fg.GeometryAddEnds(b, endv)
	}
	if partv != 0 {
		fg.GeometryAddParts(b, partv)
	}
	if typed {
		fg.GeometryAddType(b, fgbGeometryType[g.GeoJSONType()])
	}
	return fg.GeometryEnd(b), nil
}

func (e *fgbEncoder) Close() error {
	defer func() {
		e.tmp.Close()
		os.Remove(e.tmp.Name())
	}()
	if err := e.tw.Flush(); err != nil {
		return fmt.Errorf("fgb: %w", err)
	}
	extent := hilbertSort(e.entries)
	bw := bufio.NewWriterSize(e.w, 256<<10)
	bw.Write(fgbMagic)
	bw.Write(e.header(extent))
	if len(e.entries) > 0 {
		if err := writePackedRTree(bw, e.entries); err != nil {
			return fmt.Errorf("fgb: %w", err)
		}
	}
	buf := make([]byte, 0, 64<<10)
	for _, en := range e.entries {
		if cap(buf) < int(en.size) {
			buf = make([]byte, en.size)
		}
		buf = buf[:en.size]
		if _, err := e.tmp.ReadAt(buf, en.off); err != nil {
			return fmt.Errorf("fgb: %w", err)
		}
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("fgb: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("fgb: %w", err)
	}
	return nil
}

// header is the size-prefixed Header table.
func (e *fgbEncoder) header(extent orb.Bound) []byte {
	b := flatbuffers.NewBuilder(4096)
	cols := make([]flatbuffers.UOffsetT, len(e.schema.Fields))
	for i, f := range e.schema.Fields {
		name := b.CreateString(f.Name)
		fg.ColumnStart(b)
		fg.ColumnAddName(b, name)
		fg.ColumnAddType(b, fgbColumnType[f.Kind])
		cols[i] = fg.ColumnEnd(b)
	}
	fg.HeaderStartColumnsVector(b, len(cols))
	for i := len(cols) - 1; i >= 0; i-- {
		b.PrependUOffsetT(cols[i])
	}
	colv := b.EndVector(len(cols))
	var envv flatbuffers.UOffsetT
	if len(e.entries) > 0 {
		env := []float64{extent.Min[0], extent.Min[1], extent.Max[0], extent.Max[1]}
		fg.HeaderStartEnvelopeVector(b, 4)
		for i := 3; i >= 0; i-- {
			b.PrependFloat64(env[i])
		}
		envv = b.EndVector(4)
	}
	org := b.CreateString("EPSG")
	fg.CrsStart(b)
	fg.CrsAddOrg(b, org)
	fg.CrsAddCode(b, srsWGS84)
	crs := fg.CrsEnd(b)
	name := b.CreateString(e.title)
	fg.HeaderStart(b)
	fg.HeaderAddName(b, name)
	if envv != 0 {
		fg.HeaderAddEnvelope(b, envv)
	}
	fg.HeaderAddGeometryType(b, e.geom)
	fg.HeaderAddColumns(b, colv)
	fg.HeaderAddFeaturesCount(b, uint64(len(e.entries)))
	nodeSize := uint16(fgbNodeSize)
	if len(e.entries) == 0 {
		nodeSize = 0 // an empty tree cannot be written
	}
	fg.HeaderAddIndexNodeSize(b, nodeSize)
	fg.HeaderAddCrs(b, crs)
	b.FinishSizePrefixed(fg.HeaderEnd(b))
	return b.FinishedBytes()
}

// hilbertSort orders the entries along a Hilbert curve over their
// centres, as FlatGeobuf's index needs, and returns their extent.
func hilbertSort(es []fgbEntry) orb.Bound {
	if len(es) == 0 {
		return orb.Bound{}
	}
	ext := es[0].bound
	for _, e := range es[1:] {
		ext = ext.Union(e.bound)
	}
	w, h := ext.Max[0]-ext.Min[0], ext.Max[1]-ext.Min[1]
	const hmax = (1 << 16) - 1
	for i := range es {
		var x, y uint32
		c := es[i].bound.Center()
		if w != 0 {
			x = uint32(math.Floor(hmax * (c[0] - ext.Min[0]) / w))
		}
		if h != 0 {
			y = uint32(math.Floor(hmax * (c[1] - ext.Min[1]) / h))
		}
		es[i].hilbert = hilbert(x, y)
	}
	sort.SliceStable(es, func(i, j int) bool { return es[i].hilbert > es[j].hilbert })
	return ext
}

// hilbert maps a 16-bit cell to its Hilbert curve index (the public-domain
// algorithm FlatGeobuf's reference implementation uses).
func hilbert(x, y uint32) uint32 {
	a := x ^ y
	b := 0xFFFF ^ a
	c := 0xFFFF ^ (x | y)
	d := x & (y ^ 0xFFFF)
	A := a | (b >> 1)
	B := (a >> 1) ^ a
	C := ((c >> 1) ^ (b & (d >> 1))) ^ c
	D := ((a & (c >> 1)) ^ (d >> 1)) ^ d
	a, b, c, d = A, B, C, D
	A = (a & (a >> 2)) ^ (b & (b >> 2))
	B = (a & (b >> 2)) ^ (b & ((a ^ b) >> 2))
	C ^= (a & (c >> 2)) ^ (b & (d >> 2))
	D ^= (b & (c >> 2)) ^ ((a ^ b) & (d >> 2))
	a, b, c, d = A, B, C, D
	A = (a & (a >> 4)) ^ (b & (b >> 4))
	B = (a & (b >> 4)) ^ (b & ((a ^ b) >> 4))
	C ^= (a & (c >> 4)) ^ (b & (d >> 4))
	D ^= (b & (c >> 4)) ^ ((a ^ b) & (d >> 4))
	a, b, c, d = A, B, C, D
	C ^= (a & (c >> 8)) ^ (b & (d >> 8))
	D ^= (b & (c >> 8)) ^ ((a ^ b) & (d >> 8))
	a = C ^ (C >> 1)
	b = D ^ (D >> 1)
	i0 := x ^ y
	i1 := b | (0xFFFF ^ (i0 | a))
	spread := func(v uint32) uint32 {
		v = (v | (v << 8)) & 0x00FF00FF
		v = (v | (v << 4)) & 0x0F0F0F0F
		v = (v | (v << 2)) & 0x33333333
		return (v | (v << 1)) & 0x55555555
	}
	return (spread(i1) << 1) | spread(i0)
}

// levelBounds are the node ranges of each level of a packed R-tree, leaves
// first; the root level is stored first in the file.
func levelBounds(n, nodeSize int) [][2]int {
	counts := []int{n}
	total := n
	for c := n; c != 1; {
		c = (c + nodeSize - 1) / nodeSize
		total += c
		counts = append(counts, c)
	}
	bounds := make([][2]int, len(counts))
	off := total
	for i, c := range counts {
		off -= c
		bounds[i] = [2]int{off, off + c}
	}
	return bounds
}

// writePackedRTree writes the index: every node as minX, minY, maxX,
// maxY and an offset (for a leaf, the feature's byte offset in the data
// section; otherwise its first child's node index), root first.
func writePackedRTree(w io.Writer, es []fgbEntry) error {
	lb := levelBounds(len(es), fgbNodeSize)
	nodes := make([]orb.Bound, lb[0][1])
	offs := make([]uint64, lb[0][1])
	var off uint64
	for i, e := range es {
		nodes[lb[0][0]+i] = e.bound
		offs[lb[0][0]+i] = off
		off += uint64(e.size)
	}
	for l := 0; l < len(lb)-1; l++ {
		pos, end, up := lb[l][0], lb[l][1], lb[l+1][0]
		for pos < end {
			b, first := nodes[pos], pos
			for j := 0; j < fgbNodeSize && pos < end; j++ {
				b = b.Union(nodes[pos])
				pos++
			}
			nodes[up], offs[up] = b, uint64(first)
			up++
		}
	}
	var rec [40]byte
	for i, b := range nodes {
		for j, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
			binary.LittleEndian.PutUint64(rec[j*8:], math.Float64bits(v))
		}
		binary.LittleEndian.PutUint64(rec[32:], offs[i])
		if _, err := w.Write(rec[:]); err != nil {
			return err
		}
	}
	return nil
}
