package geo

import (
	"encoding/binary"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/paulmach/orb"
)

// The tile's protobuf is written here rather than by orb's encoder, which
// wants each feature's properties as a map and sorts, hashes and boxes
// them: with a map per feature that was half of what a cold tile cost.
// The bytes are those orb's encoder (gogo protobuf) writes for the same
// tile: fields in number order, packed tags and geometry, one key and one
// value table per layer in order of first use, values shared when orb's
// would be (TestEncodeTileAsOrb).

// tileVal is a property's MVT value. kind stands for the Go type orb's
// encoder told values apart by, so the same values share a table entry as
// they did.
type tileVal struct {
	kind byte
	s    string
	i    int64
	f    float64
}

const (
	valString byte = iota
	valInt64       // a property's integer
	valInt         // a thinned point's count
	valDouble
	valBool // i is 0 or 1
)

type tileProp struct {
	key string
	val tileVal
}

// tileGeom is a feature's geometry in tile coordinates: a point, or (g
// not nil) a line or polygon as orb's pipeline left it. A point is kept
// as a value: boxed in an orb.Geometry, each would be an allocation.
type tileGeom struct {
	feat int // index into the layer's feats
	pt   orb.Point
	g    orb.Geometry
}

// tileFeat is a feature on its way into a tile, with the count of the
// thinned features it stands for (0: none).
type tileFeat struct {
	f     *Feature
	count int
}

// props are the properties tf carries into the layer's tile, in key
// order, appended to ps (empty).
func (l *tileLayer) props(ps []tileProp, tf tileFeat) []tileProp {
	ps = tileProps(ps, tf.f, l.at, l.slim)
	if tf.count > 0 {
		ps = setProp(ps, "count", tileVal{kind: valInt, i: int64(tf.count)})
	}
	return ps
}

// setProp gives key the value v in ps, which is in key order.
func setProp(ps []tileProp, key string, v tileVal) []tileProp {
	for i, p := range ps {
		switch {
		case p.key == key:
			ps[i].val = v
			return ps
		case p.key > key:
			ps = append(ps[:i+1], ps[i:]...)
			ps[i] = tileProp{key, v}
			return ps
		}
	}
	return append(ps, tileProp{key, v})
}

// tileLayer is one layer on its way into the tile: the features'
// geometries in tile coordinates, each with the index of its feature in
// feats, and what their properties are read with.
type tileLayer struct {
	name  string
	geoms []tileGeom
	feats []tileFeat
	at    time.Time
	slim  bool
}

// encodeTile writes the layers as one tile (Tile.layers, field 3).
func encodeTile(layers []tileLayer) []byte {
	e := encoders.Get().(*layerEncoder)
	defer func() {
		// The pool must not keep the strings of features alive.
		clear(e.keyList[:cap(e.keyList)])
		clear(e.valList[:cap(e.valList)])
		clear(e.props[:cap(e.props)])
		clear(e.keys)
		e.vals.clear()
		encoders.Put(e)
	}()
	e.tile = e.tile[:0]
	for _, l := range layers {
		e.tile = appendBytesField(e.tile, 3, e.layer(l))
	}
	return slices.Clone(e.tile)
}

// layerEncoder keeps its buffers from layer to layer and, pooled, from
// tile to tile.
type layerEncoder struct {
	tile, body, feat, value []byte
	tags, lastTags, geom    []uint32
	props, last             []tileProp // last: the previous feature's
	keys                    map[string]uint32
	vals                    valueTable
	keyList                 []string
	valList                 []tileVal
}

var encoders = sync.Pool{New: func() any {
	return &layerEncoder{keys: map[string]uint32{}, vals: newValueTable()}
}}

// layer writes Tile.Layer: name 1, features 2, keys 3, values 4, extent 5,
// version 15.
func (e *layerEncoder) layer(l tileLayer) []byte {
	clear(e.keys)
	e.vals.clear()
	e.keyList, e.valList = e.keyList[:0], e.valList[:0]
	e.props, e.tags = e.props[:0], e.tags[:0] // the last feature's, of another layer
	e.body = appendBytesField(e.body[:0], 1, l.name)
	for _, tg := range l.geoms {
		tf := l.feats[tg.feat]
		e.props, e.last = l.props(e.last[:0], tf), e.props
		e.tags, e.lastTags = e.lastTags[:0], e.tags
		for j, p := range e.props {
			ki := e.keyIndex(j, p.key)
			vi, ok := e.vals.index(p.val, uint32(len(e.valList)))
			if !ok {
				e.valList = append(e.valList, p.val)
			}
			e.tags = append(e.tags, ki, vi)
		}
		var typ uint64
		if tg.g == nil {
			var c cursor
			typ, e.geom = mvtPoint, c.moveTo(e.geom[:0], []orb.Point{tg.pt})
		} else {
			typ, e.geom = appendGeometryCommands(e.geom[:0], tg.g)
		}
		e.feat = appendVarintField(e.feat[:0], 1, FeatureNumber(l.name, tf.f))
		e.feat = appendPackedField(e.feat, 2, e.tags)
		e.feat = appendVarintField(e.feat, 3, typ)
		e.feat = appendPackedField(e.feat, 4, e.geom)
		e.body = appendBytesField(e.body, 2, e.feat)
	}
	for _, k := range e.keyList {
		e.body = appendBytesField(e.body, 3, k)
	}
	for _, v := range e.valList {
		e.value = appendValue(e.value[:0], v)
		e.body = appendBytesField(e.body, 4, e.value)
	}
	e.body = appendVarintField(e.body, 5, TileExtent)
	return appendVarintField(e.body, 15, 2)
}

// keyIndex is the index of key, the j-th of a feature's, in the layer's
// keys. The features of a layer mostly carry the same keys in the same
// order, so the previous feature's j-th key, whose index is its tag,
// answers most lookups with a comparison rather than a hash.
func (e *layerEncoder) keyIndex(j int, key string) uint32 {
	if j < len(e.last) && e.last[j].key == key && 2*j < len(e.lastTags) {
		return e.lastTags[2*j]
	}
	ki, ok := e.keys[key]
	if !ok {
		ki = uint32(len(e.keyList))
		e.keys[key], e.keyList = ki, append(e.keyList, key)
	}
	return ki
}

// valueTable numbers a layer's values in order of first use, a map per
// kind: hashing the string (or number) alone costs a fraction of hashing
// the whole tileVal, and a tile looks up every value of every feature.
type valueTable struct {
	strs         map[string]uint32
	ints, counts map[int64]uint32
	doubles      map[float64]uint32
	bools        [2]uint32 // index+1; 0 when not yet used
}

func newValueTable() valueTable {
	return valueTable{strs: map[string]uint32{}, ints: map[int64]uint32{}, counts: map[int64]uint32{}, doubles: map[float64]uint32{}}
}

func (t *valueTable) clear() {
	clear(t.strs)
	clear(t.ints)
	clear(t.counts)
	clear(t.doubles)
	t.bools = [2]uint32{}
}

// index is v's number, or next (and false) when v is new, which it then
// gets.
func (t *valueTable) index(v tileVal, next uint32) (uint32, bool) {
	switch v.kind {
	case valString:
		return lookup(t.strs, v.s, next)
	case valInt64:
		return lookup(t.ints, v.i, next)
	case valInt:
		return lookup(t.counts, v.i, next)
	case valDouble:
		return lookup(t.doubles, v.f, next)
	}
	b := &t.bools[v.i]
	if *b > 0 {
		return *b - 1, true
	}
	*b = next + 1
	return next, false
}

func lookup[K comparable](m map[K]uint32, k K, next uint32) (uint32, bool) {
	if i, ok := m[k]; ok {
		return i, true
	}
	m[k] = next
	return next, false
}

// appendValue writes Tile.Value: string 1, double 3, sint 6, bool 7.
func appendValue(b []byte, v tileVal) []byte {
	switch v.kind {
	case valString:
		return appendBytesField(b, 1, v.s)
	case valDouble:
		b = append(b, 3<<3|1)
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(v.f))
	case valBool:
		return appendVarintField(b, 7, uint64(v.i))
	}
	return appendVarintField(b, 6, uint64(v.i<<1^v.i>>63))
}

// Geometry types and commands of the MVT specification.
const (
	mvtPoint, mvtLine, mvtPolygon  = 1, 2, 3
	cmdMoveTo, cmdLineTo, cmdClose = 1, 2, 7
)

// appendGeometryCommands encodes g, in tile coordinates, as MVT commands
// (each coordinate truncated to an integer, as orb's encoder does).
func appendGeometryCommands(b []uint32, g orb.Geometry) (uint64, []uint32) {
	var c cursor
	switch g := g.(type) {
	case orb.Point:
		return mvtPoint, c.moveTo(b, []orb.Point{g})
	case orb.MultiPoint:
		return mvtPoint, c.moveTo(b, g)
	case orb.LineString:
		return mvtLine, c.line(b, g)
	case orb.MultiLineString:
		for _, ls := range g {
			b = c.line(b, ls)
		}
		return mvtLine, b
	case orb.Polygon:
		return mvtPolygon, c.polygon(b, g)
	case orb.MultiPolygon:
		for _, p := range g {
			b = c.polygon(b, p)
		}
		return mvtPolygon, b
	}
	return 0, b // cleanGeometry lets no other type through
}

// cursor is the position the commands have moved to.
type cursor struct{ x, y int32 }

func (c *cursor) moveTo(b []uint32, ps []orb.Point) []uint32 {
	return c.points(append(b, uint32(len(ps))<<3|cmdMoveTo), ps)
}

func (c *cursor) line(b []uint32, ls orb.LineString) []uint32 {
	b = c.moveTo(b, ls[:1])
	return c.points(append(b, uint32(len(ls)-1)<<3|cmdLineTo), ls[1:])
}

func (c *cursor) polygon(b []uint32, p orb.Polygon) []uint32 {
	for _, r := range p {
		rest := r[1:]
		if r.Closed() {
			rest = r[1 : len(r)-1]
		}
		b = c.moveTo(b, r[:1])
		b = c.points(append(b, uint32(len(rest))<<3|cmdLineTo), rest)
		b = append(b, 1<<3|cmdClose)
	}
	return b
}

func (c *cursor) points(b []uint32, ps []orb.Point) []uint32 {
	for _, p := range ps {
		x, y := int32(p[0]), int32(p[1])
		dx, dy := x-c.x, y-c.y
		c.x, c.y = x, y
		b = append(b, uint32(dx<<1^dx>>31), uint32(dy<<1^dy>>31))
	}
	return b
}

// Protobuf: each field is a varint key (number << 3 | wire type), then a
// varint, or a varint length and that many bytes.

func appendVarintField(b []byte, field int, v uint64) []byte {
	return binary.AppendUvarint(append(b, byte(field<<3)), v)
}

func appendBytesField[T string | []byte](b []byte, field int, v T) []byte {
	b = binary.AppendUvarint(append(b, byte(field<<3|2)), uint64(len(v)))
	return append(b, v...)
}

// appendPackedField writes a packed repeated uint32; none is no field.
func appendPackedField(b []byte, field int, vs []uint32) []byte {
	if len(vs) == 0 {
		return b
	}
	n := 0
	for _, v := range vs {
		n += uvarintLen(uint64(v))
	}
	b = binary.AppendUvarint(append(b, byte(field<<3|2)), uint64(n))
	for _, v := range vs {
		b = binary.AppendUvarint(b, uint64(v))
	}
	return b
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
