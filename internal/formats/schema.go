package formats

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
)

// Kind is the type of a column.
type Kind int

// Column kinds: each encoder maps them to its own types.
const (
	String Kind = iota
	DateTime
	Number
	Integer
	Boolean
	JSON // JSON text: lists and objects
)

// Field is one column of a schema.
type Field struct {
	Name string
	Kind Kind
}

// OtherProperties is the column that holds, as a JSON object, every
// property without a column of its own, so that no property is lost.
const OtherProperties = "other_properties"

// coreFields are the properties of the data model (DESIGN.md), and id and
// collection, which every layer has.
var coreFields = []Field{
	{"id", String}, {"collection", String}, {"name", String}, {"name_local", String},
	{"country", String}, {"status", String}, {"confidence", String},
	{"valid_from", DateTime}, {"valid_to", DateTime}, {"uncertainty_m", Number},
	{"description", String}, {"sources", JSON}, {"timeline", JSON}, {"updated", DateTime},
}

// Schema is the columns of a file: the core fields, the queryables of its
// collections, and OtherProperties last.
type Schema struct {
	Fields []Field
	// UTCTimes makes date-time values UTC with milliseconds (GeoPackage's
	// DATETIME); a value that changes so keeps its exact text in
	// OtherProperties, and the decoder restores it.
	UTCTimes bool

	// Row's buffers, reused from feature to feature: an export makes
	// garbage in proportion to one feature, not to all of them.
	row   []Value
	used  map[string]bool
	other map[string]json.RawMessage
	props map[string]json.RawMessage
}

// NewSchema is the schema of a file holding features of these collections.
func NewSchema(cols []geo.Collection) *Schema {
	s := &Schema{Fields: append([]Field(nil), coreFields...)}
	seen := map[string]bool{OtherProperties: true}
	for _, f := range coreFields {
		seen[f.Name] = true
	}
	extra := map[string]Kind{}
	for _, c := range cols {
		for name, q := range c.Queryables {
			if !seen[name] {
				extra[name] = kindOf(q.Type)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(extra)) {
		s.Fields = append(s.Fields, Field{name, extra[name]})
	}
	s.Fields = append(s.Fields, Field{OtherProperties, JSON})
	return s
}

func kindOf(jsonType string) Kind {
	switch jsonType {
	case "number":
		return Number
	case "integer":
		return Integer
	case "boolean":
		return Boolean
	}
	return String
}

// Value is one cell; only the member of the field's kind is set (S for
// String, DateTime and JSON).
type Value struct {
	Null bool
	S    string
	F    float64
	I    int64
	B    bool
}

// Row returns the feature's values in schema order, valid until the next
// call. A property whose value does not fit its column's kind goes to
// OtherProperties instead.
func (s *Schema) Row(f *geo.Feature) []Value {
	if s.used == nil {
		s.row, s.used = make([]Value, len(s.Fields)), map[string]bool{}
		s.other, s.props = map[string]json.RawMessage{}, map[string]json.RawMessage{}
	}
	row, used, other, props := s.row, s.used, s.other, s.props
	clear(used)
	clear(other)
	clear(props)
	for k, raw := range f.Properties() {
		props[k] = raw
	}
	for i, fd := range s.Fields {
		switch fd.Name {
		case "id":
			row[i] = Value{S: f.ID(), Null: f.ID() == ""}
			continue
		case "collection":
			c := f.Collection()
			if c == "" {
				c = f.String("collection")
			}
			row[i] = Value{S: c, Null: c == ""}
			used["collection"] = true
			continue
		case OtherProperties:
			continue
		}
		raw, ok := props[fd.Name]
		if !ok {
			row[i] = Value{Null: true}
			continue
		}
		used[fd.Name] = true
		v, fits := cell(fd.Kind, raw)
		if !fits {
			other[fd.Name] = raw
			v = Value{Null: true}
		}
		if fd.Kind == DateTime && s.UTCTimes && !v.Null {
			if utc, ok := utcTime(v.S, fd.Name == "valid_to"); ok && utc != v.S {
				other[fd.Name] = raw
				v.S = utc
			}
		}
		row[i] = v
	}
	for k, raw := range props {
		if !used[k] {
			other[k] = raw
		}
	}
	last := len(s.Fields) - 1
	row[last] = Value{Null: true}
	if len(other) > 0 {
		row[last] = Value{S: string(objectJSON(other))}
	}
	return row
}

// cell converts a JSON value to a cell of kind k; fits is false when it is
// of another type.
func cell(k Kind, raw json.RawMessage) (v Value, fits bool) {
	raw = bytes.TrimSpace(raw)
	if string(raw) == "null" {
		return Value{Null: true}, true
	}
	switch k {
	case String, DateTime:
		if len(raw) < 2 || raw[0] != '"' {
			return v, false
		}
		// Plain strings (nearly all) need no decoder.
		if body := raw[1 : len(raw)-1]; bytes.IndexAny(body, "\\\"") < 0 && utf8.Valid(body) {
			return Value{S: string(body)}, true
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return v, false
		}
		return Value{S: s}, true
	case Number:
		f, err := strconv.ParseFloat(string(raw), 64)
		return Value{F: f}, err == nil && json.Valid(raw)
	case Integer:
		n, err := strconv.ParseInt(string(raw), 10, 64)
		return Value{I: n}, err == nil
	case Boolean:
		b, err := strconv.ParseBool(string(raw))
		return Value{B: b}, err == nil && (string(raw) == "true" || string(raw) == "false")
	}
	if len(raw) == 0 || (raw[0] != '[' && raw[0] != '{') {
		return v, false
	}
	return Value{S: string(raw)}, true
}

// utcTime is an RFC 3339 date or date-time as GeoPackage's DATETIME
// wants it: UTC, milliseconds, Z. A date that ends a validity becomes
// the last millisecond of that day, as sitmap reads it.
func utcTime(s string, end bool) (string, bool) {
	t, err := geo.ParseTime(s, end)
	if err != nil {
		return "", false
	}
	return t.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z"), true
}

// objectJSON writes a JSON object with the keys in order.
func objectJSON(m map[string]json.RawMessage) []byte {
	buf := []byte{'{'}
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			buf = append(buf, ',')
		}
		kb := quote(k)
		buf = append(buf, kb...)
		buf = append(buf, ':')
		buf = append(buf, bytes.TrimSpace(m[k])...)
	}
	return append(buf, '}')
}

// props collects the properties of one decoded feature, column by column.
type props struct {
	id string
	m  map[string]json.RawMessage
	// other is OtherProperties, applied last (see finish).
	other []byte
}

func newProps() *props { return &props{m: map[string]json.RawMessage{}} }

// jsonFields hold lists or objects, which files other than ours may give
// as JSON text.
var jsonFields = map[string]bool{"sources": true, "timeline": true}

// numberFields are numbers however a file types them (CSV has only text).
var numberFields = map[string]bool{"uncertainty_m": true}

// text sets a column read as text.
func (p *props) text(name, s string) {
	switch name {
	case "id":
		p.id = s
	case OtherProperties:
		p.other = []byte(s)
	default:
		p.m[name] = PropertyValue(name, s)
	}
}

// PropertyValue is the JSON value of a property given as text (a cell of a
// file without types, or import's --set): a number or a list where the
// data model has one and the text is one, else a string.
func PropertyValue(name, s string) json.RawMessage {
	switch {
	case jsonFields[name] && s != "" && (s[0] == '[' || s[0] == '{') && json.Valid([]byte(s)):
		return json.RawMessage(s)
	case numberFields[name]:
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return json.RawMessage(strconv.FormatFloat(f, 'f', -1, 64))
		}
	}
	return quote(s)
}

// quote is s as a JSON string, written as GeoJSON import keeps it: no
// HTML escapes (encoding/json would turn > into \u003e).
func quote(s string) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func (p *props) number(name string, f float64) {
	p.m[name] = json.RawMessage(strconv.FormatFloat(f, 'f', -1, 64))
}

func (p *props) integer(name string, n int64) {
	p.m[name] = json.RawMessage(strconv.FormatInt(n, 10))
}

func (p *props) boolean(name string, b bool) {
	p.m[name] = json.RawMessage(strconv.FormatBool(b))
}

// feature builds the decoded feature; i is its position, for errors. The
// properties of OtherProperties fill what the columns left empty, and
// restore the exact text of a date-time the file holds in UTC, unless the
// column was edited since (its value no longer matches the exact text).
func (p *props) feature(i int, g orb.Geometry) (*geo.Feature, error) {
	if len(bytes.TrimSpace(p.other)) > 0 {
		var other map[string]json.RawMessage
		if err := json.Unmarshal(p.other, &other); err != nil {
			return nil, invalidAt(i, p.id, "properties."+OtherProperties, "must be a JSON object: %v", err)
		}
		for k, raw := range other {
			cur, ok := p.m[k]
			if ok && !sameTime(k, cur, raw) {
				continue
			}
			p.m[k] = raw
		}
	}
	if g == nil {
		return nil, invalidAt(i, p.id, "geometry", "is required")
	}
	f, err := geo.NewFeature(p.id, g, p.m)
	if err != nil {
		var ve *geo.ValidationError
		if errors.As(err, &ve) {
			ve.Feature = featureName(i, p.id)
		}
		return nil, err
	}
	return f, nil
}

// sameTime reports whether exact is the original text of the UTC
// date-time cur.
func sameTime(name string, cur, exact json.RawMessage) bool {
	var c, e string
	if json.Unmarshal(cur, &c) != nil || json.Unmarshal(exact, &e) != nil {
		return false
	}
	utc, ok := utcTime(e, name == "valid_to")
	return ok && utc == c
}
