package geo

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"iter"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// Feature is one GeoJSON feature, and an immutable value: build makes its
// fields and its GeoJSON encoding together and nothing changes them after,
// so the two can never disagree. Changes make new values (WithID,
// WithProperty, ...). Properties are kept as raw JSON inside the encoding,
// so values the service does not understand survive byte for byte, and a
// feature holds no map: a store keeps hundreds of thousands of them.
type Feature struct {
	json       string // the GeoJSON encoding, properties in key order
	id         string
	collection string // not encoded; set by stores and importers
	version    int64  // not encoded; changes on every write (the ETag)
	geometry   orb.Geometry
	propsJSON  span      // the properties object's JSON in json
	props      valueEnds // in key order
	from, to   int64     // validity in Unix nanoseconds; 0 is an open end
}

// span is a [start, end) byte range of a feature's JSON; offsets keep the
// property table free of pointers, so the collector never scans it.
type span struct{ start, end uint32 }

func (s span) of(json string) string { return json[s.start:s.end] }

// valueEnds is a feature's property table: where each property's value
// ends, as an offset from the properties object's start. A key starts
// after the previous value's comma (or the brace) and skipString finds
// where it ends, so one offset a property is enough: a uint16 while the
// object is under 64 KiB, as nearly every one is, else a uint32 held in
// two. A store holds the table of every feature for as long as it runs:
// 2 bytes a property, against 8 for a key end and a value end as uint32s.
type valueEnds []uint16

// wideEnds reports whether the table of the properties object at obj
// needs four-byte offsets.
func wideEnds(obj span) bool { return obj.end-obj.start > math.MaxUint16 }

// words is how many uint16 an offset takes.
func words(wide bool) int {
	if wide {
		return 2
	}
	return 1
}

func (t valueEnds) len(wide bool) int { return len(t) / words(wide) }

func (t valueEnds) at(i int, wide bool) uint32 {
	if wide {
		return uint32(t[2*i])<<16 | uint32(t[2*i+1])
	}
	return uint32(t[i])
}

func (t valueEnds) append(off uint32, wide bool) valueEnds {
	if wide {
		return append(t, uint16(off>>16), uint16(off))
	}
	return append(t, uint16(off))
}

// packEnds is the table of the properties object at obj whose values end
// at ends (offsets in the feature's JSON).
func packEnds(ends []uint32, obj span) valueEnds {
	wide := wideEnds(obj)
	t := make(valueEnds, 0, len(ends)*words(wide))
	for _, e := range ends {
		t = t.append(e-obj.start, wide)
	}
	return t
}

// nprops is how many properties f has.
func (f *Feature) nprops() int { return f.props.len(wideEnds(f.propsJSON)) }

// valueEnd is where the i-th property's value ends in f.json.
func (f *Feature) valueEnd(i int) int {
	return int(f.propsJSON.start + f.props.at(i, wideEnds(f.propsJSON)))
}

// keyStart is where the i-th property's quoted key starts in f.json.
func (f *Feature) keyStart(i int) int {
	if i == 0 {
		return int(f.propsJSON.start) + 1
	}
	return f.valueEnd(i-1) + 1
}

// rawProp is the i-th property's quoted key and its value's JSON.
func (f *Feature) rawProp(i int) (key, value string) {
	start := f.keyStart(i)
	keyEnd := skipString(f.json, start)
	return f.json[start:keyEnd], f.json[keyEnd+1 : f.valueEnd(i)]
}

// rawProps yields every property's name and its value's JSON, read in
// place: what Properties, the tile encoder and validation walk.
func (f *Feature) rawProps() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for i := range f.nprops() {
			k, v := f.rawProp(i)
			if !yield(unquoteKey(k), v) {
				return
			}
		}
	}
}

// unquoteKey is a key's text from its quoted form. build wrote it: valid
// UTF-8, control characters escaped, so without a backslash it is its
// own text.
func unquoteKey(quoted string) string {
	if strings.IndexByte(quoted, '\\') < 0 {
		return quoted[1 : len(quoted)-1]
	}
	s, _ := decodeString(quoted)
	return s
}

// kv is a property on its way into build; value is valid, compact JSON.
type kv struct{ key, value string }

// NewFeature makes a feature from its parts. Every property value must be
// valid JSON (an error names the first that is not); whitespace in objects
// and arrays is dropped.
func NewFeature(id string, g orb.Geometry, props map[string]json.RawMessage) (*Feature, error) {
	kvs := make([]kv, 0, len(props))
	for k, v := range props {
		if !json.Valid(v) {
			return nil, invalid("properties."+k, "is not valid JSON")
		}
		kvs = append(kvs, kv{k, string(compact(v))})
	}
	return build(id, "", 0, g, "", kvs)
}

// build is the one place a Feature is made. geomJSON, when not empty, is
// g's encoding already (a copy of another feature's), saving a re-encode;
// only encoding g can fail (NaN or infinite coordinates).
func build(id, collection string, version int64, g orb.Geometry, geomJSON string, props []kv) (*Feature, error) {
	props = lastOfEach(props)
	size := 64 + len(id) + len(geomJSON)
	if geomJSON == "" {
		size += 48 * vertices(g)
	}
	for _, p := range props {
		size += len(p.key) + len(p.value) + 4
	}
	buf := make([]byte, 0, size)
	buf = append(buf, `{"type":"Feature","id":`...)
	idStart := len(buf)
	buf = appendKey(buf, id)
	idEnd := len(buf)
	buf = append(buf, `,"geometry":`...)
	f := &Feature{collection: collection, version: version, geometry: g}
	if geomJSON != "" {
		buf = append(buf, geomJSON...)
	} else {
		var err error
		if buf, err = appendGeometry(buf, g); err != nil {
			return nil, invalid("geometry.coordinates", "%v", err)
		}
	}
	buf = append(buf, `,"properties":`...)
	f.propsJSON.start = uint32(len(buf))
	buf = append(buf, '{')
	var stack [32]uint32
	ends := stack[:0]
	for i, p := range props {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendKey(buf, p.key)
		buf = append(buf, ':')
		buf = append(buf, p.value...)
		ends = append(ends, uint32(len(buf)))
	}
	buf = append(buf, '}')
	f.propsJSON.end = uint32(len(buf))
	f.props = packEnds(ends, f.propsJSON)
	buf = append(buf, '}')
	f.json = string(buf)
	f.id = id
	if idEnd-idStart == len(id)+2 {
		f.id = f.json[idStart+1 : idEnd-1] // no escapes: share the encoding's bytes
	}
	f.from, f.to = validity(f)
	return f, nil
}

// lastOfEach sorts props by key and keeps the last of a repeated key, as
// encoding/json does.
func lastOfEach(props []kv) []kv {
	slices.SortStableFunc(props, func(a, b kv) int { return strings.Compare(a.key, b.key) })
	out := props[:0]
	for _, p := range props {
		if n := len(out); n > 0 && out[n-1].key == p.key {
			out[n-1] = p
			continue
		}
		out = append(out, p)
	}
	return out
}

// validity reads valid_from and valid_to; unparsable values (rejected by
// Validate) count as open.
func validity(f *Feature) (from, to int64) {
	if s := f.String("valid_from"); s != "" {
		if t, err := ParseTime(s, false); err == nil {
			from = t.UnixNano()
		}
	}
	if s := f.String("valid_to"); s != "" {
		if t, err := ParseTime(s, true); err == nil {
			to = t.UnixNano()
		}
	}
	return from, to
}

// ID is the feature's id; "" until a store assigns one.
func (f *Feature) ID() string { return f.id }

// Collection is the id of the collection the feature belongs to.
func (f *Feature) Collection() string { return f.collection }

// Version changes on every write of the feature; HTTP makes it the ETag.
func (f *Feature) Version() int64 { return f.version }

// Geometry is shared by every reader: clone it before changing it.
func (f *Feature) Geometry() orb.Geometry { return f.geometry }

// Bound is the geometry's bounding box.
// It is worked out when asked for (a point's is itself), not kept: a
// store holds every feature.
func (f *Feature) Bound() orb.Bound {
	if f.geometry == nil {
		return orb.Bound{}
	}
	return f.geometry.Bound()
}

// JSON is the feature's GeoJSON encoding.
func (f *Feature) JSON() string { return f.json }

// AppendJSON appends the feature's GeoJSON encoding to buf.
func (f *Feature) AppendJSON(buf []byte) []byte { return append(buf, f.json...) }

// MarshalJSON encodes the feature as RFC 7946 GeoJSON.
func (f *Feature) MarshalJSON() ([]byte, error) { return []byte(f.json), nil }

// PropertiesJSON is the encoding of the properties object.
func (f *Feature) PropertiesJSON() string { return f.propsJSON.of(f.json) }

// Extent is the feature's temporal extent from valid_from and valid_to.
func (f *Feature) Extent() Interval {
	var iv Interval
	if f.from != 0 {
		iv.Start = time.Unix(0, f.from).UTC()
	}
	if f.to != 0 {
		iv.End = time.Unix(0, f.to).UTC()
	}
	return iv
}

// raw is a property's JSON value, without copying it.
func (f *Feature) raw(name string) (string, bool) {
	var b [64]byte
	q := appendKey(b[:0], name)
	for i := range f.nprops() {
		if k, v := f.rawProp(i); k == string(q) {
			return v, true
		}
	}
	return "", false
}

// Property returns a property's JSON value.
func (f *Feature) Property(name string) (json.RawMessage, bool) {
	v, ok := f.raw(name)
	if !ok {
		return nil, false
	}
	return json.RawMessage(v), true
}

// Has reports whether the feature has the property (null included).
func (f *Feature) Has(name string) bool {
	_, ok := f.raw(name)
	return ok
}

// PropertyNames lists the property names in order.
func (f *Feature) PropertyNames() []string {
	names := make([]string, 0, f.nprops())
	for k := range f.rawProps() {
		names = append(names, k)
	}
	return names
}

// Properties yields every property, names in order.
func (f *Feature) Properties() iter.Seq2[string, json.RawMessage] {
	return func(yield func(string, json.RawMessage) bool) {
		for k, v := range f.rawProps() {
			if !yield(k, json.RawMessage(v)) {
				return
			}
		}
	}
}

// String returns a string property, or "" when it is absent or not a string.
func (f *Feature) String(name string) string {
	raw, ok := f.raw(name)
	if !ok {
		return ""
	}
	s, _ := decodeString(raw)
	return s
}

// Scalar returns a property as text for equality filters: strings as they
// are, numbers and booleans as written in the JSON, and ok=false for
// objects, arrays and null.
func (f *Feature) Scalar(name string) (string, bool) {
	raw, ok := f.raw(name)
	if !ok {
		return "", false
	}
	return scalar(raw)
}

func scalar(raw string) (string, bool) {
	switch {
	case raw == "", raw[0] == '{', raw[0] == '[', raw == "null":
		return "", false
	case raw[0] == '"':
		return decodeString(raw)
	}
	return raw, true
}

// kvs lists the properties for a rebuild.
func (f *Feature) kvs() []kv {
	out := make([]kv, 0, f.nprops())
	for k, v := range f.rawProps() {
		out = append(out, kv{k, v})
	}
	return out
}

// geomJSON is the geometry's JSON, where build writes it: between the
// quoted id and the properties.
func (f *Feature) geomJSON() string {
	const head, geomKey, propsKey = len(`{"type":"Feature","id":`), len(`,"geometry":`), len(`,"properties":`)
	return f.json[skipString(f.json, head)+geomKey : int(f.propsJSON.start)-propsKey]
}

// rebuild makes a changed copy; it reuses the geometry's encoding, so it
// cannot fail.
func (f *Feature) rebuild(id string, props []kv) *Feature {
	g, _ := build(id, f.collection, f.version, f.geometry, f.geomJSON(), props)
	return g
}

// WithID returns the feature with another id.
func (f *Feature) WithID(id string) *Feature { return f.rebuild(id, f.kvs()) }

// WithCollection returns the feature in another collection.
func (f *Feature) WithCollection(c string) *Feature {
	g := *f
	g.collection = c
	return &g
}

// WithVersion returns the feature at another version.
func (f *Feature) WithVersion(v int64) *Feature {
	g := *f
	g.version = v
	return &g
}

// WithGeometry returns the feature with another geometry.
func (f *Feature) WithGeometry(geom orb.Geometry) (*Feature, error) {
	return build(f.id, f.collection, f.version, geom, "", f.kvs())
}

// WithProperty returns the feature with a property set to raw, which must
// be valid JSON.
func (f *Feature) WithProperty(name string, raw json.RawMessage) (*Feature, error) {
	if !json.Valid(raw) {
		return nil, invalid("properties."+name, "is not valid JSON")
	}
	return f.withMember(name, string(compact(raw))), nil
}

// withMember sets a property by splicing its member into a copy of the
// encoding: the bytes before and after it, the geometry's among them, are
// the same as build would write, so they are copied rather than written
// again. Stores and imports stamp "updated" on every feature they write;
// rebuilding each for that was a fifth of an import's decoding.
func (f *Feature) withMember(name, value string) *Feature {
	n := f.nprops()
	i, found := 0, false
	var key string
	for ; i < n; i++ {
		k, _ := f.rawProp(i)
		if c := strings.Compare(unquoteKey(k), name); c >= 0 {
			found, key = c == 0, k
			break
		}
	}
	// f.json[cut:keep] gives way to the member: its value only when the
	// key is there, else the key and value, with a comma before or after.
	cut, keep := int(f.propsJSON.end)-1, int(f.propsJSON.end)-1
	var before, after string
	switch {
	case found:
		cut, keep = f.keyStart(i)+len(key)+1, f.valueEnd(i)
	case i == 0 && n > 0:
		cut, keep, after = int(f.propsJSON.start)+1, int(f.propsJSON.start)+1, ","
	case i < n:
		cut, keep, after = f.valueEnd(i-1)+1, f.valueEnd(i-1)+1, ","
	case i > 0:
		before = ","
	}
	// A builder's String does not copy: one allocation for the encoding.
	var b strings.Builder
	b.Grow(len(f.json) + len(name) + len(value) + 8)
	b.WriteString(f.json[:cut])
	b.WriteString(before)
	if !found {
		var q [64]byte
		b.Write(appendKey(q[:0], name))
		b.WriteByte(':')
	}
	b.WriteString(value)
	end := b.Len()
	b.WriteString(after)
	b.WriteString(f.json[keep:])

	g := *f
	g.json = b.String()
	g.propsJSON.end += uint32(len(g.json) - len(f.json))
	g.props = f.splicedEnds(i, found, uint32(end), g.propsJSON)
	g.id = shareID(g.json, f.id)
	if name == "valid_from" || name == "valid_to" {
		g.from, g.to = validity(&g)
	}
	return &g
}

// splicedEnds is f's property table with the member that withMember
// spliced in before the i-th property (or in its place, if found), its
// value ending at end, in the properties object now at obj. The object
// starts where it did: offsets before the member stay, those after it
// move by as much as the object grew.
func (f *Feature) splicedEnds(i int, found bool, end uint32, obj span) valueEnds {
	n, delta := f.nprops(), obj.end-f.propsJSON.end
	wideF, wide := wideEnds(f.propsJSON), wideEnds(obj)
	t := make(valueEnds, 0, (n+1)*words(wide))
	for j := range i {
		t = t.append(f.props.at(j, wideF), wide)
	}
	t = t.append(end-obj.start, wide)
	if found {
		i++
	}
	for j := i; j < n; j++ {
		t = t.append(f.props.at(j, wideF)+delta, wide)
	}
	return t
}

// shareID is id as a substring of the encoding json when json holds it
// unescaped, so that a feature keeps no second copy of it.
func shareID(json, id string) string {
	const head = `{"type":"Feature","id":"`
	rest, ok := strings.CutPrefix(json, head)
	if ok && len(rest) > len(id) && rest[len(id)] == '"' && rest[:len(id)] == id {
		return rest[:len(id)]
	}
	return id
}

// WithString returns the feature with a string property set.
func (f *Feature) WithString(name, value string) *Feature {
	return f.withMember(name, string(appendKey(nil, value)))
}

// Without returns the feature without the named properties.
func (f *Feature) Without(names ...string) *Feature {
	props := slices.DeleteFunc(f.kvs(), func(p kv) bool { return slices.Contains(names, p.key) })
	if len(props) == f.nprops() {
		return f
	}
	return f.rebuild(f.id, props)
}

// SharingJSON returns the feature holding enc as its encoding when enc is
// exactly the feature's encoding, so that a store which keeps those bytes
// anyway (buntdb keeps every record in memory) need not keep a second copy.
// Otherwise it returns f unchanged.
func (f *Feature) SharingJSON(enc string) *Feature {
	if enc != f.json {
		return f
	}
	g := *f
	g.json = enc
	if len(g.id) > 0 {
		if i := strings.Index(enc, `"id":`) + 6; i >= 6 && strings.HasPrefix(enc[i:], g.id) {
			g.id = enc[i : i+len(g.id)]
		}
	}
	return &g
}

// NewID makes a random feature id for features created without one.
func NewID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Compact copies fs into three allocations, of the features, of their
// property tables and of the pointers to the copies it returns, for a
// store that holds them for as long as it runs.
func Compact(fs []*Feature) []*Feature {
	n := 0
	for _, f := range fs {
		n += len(f.props)
	}
	slab, tabs, out := make([]Feature, len(fs)), make(valueEnds, n), make([]*Feature, len(fs))
	for i, f := range fs {
		slab[i] = *f
		k := copy(tabs, f.props)
		slab[i].props, tabs = tabs[:k:k], tabs[k:]
		out[i] = &slab[i]
	}
	return out
}
