package geo

import (
	"fmt"
	"slices"
	"strings"

	"github.com/paulmach/orb"
)

// StoredFeature adopts an encoding that build made and a store kept
// (JSON()) as the feature's own, with the geometry the store decoded from
// its own column: the fields build would set are found in enc's bytes,
// which the feature then shares, so reading a stored feature costs one
// scan and no copy, map or re-encoding. enc must be what JSON() returned
// for a feature with this id; a damaged one is an error.
func StoredFeature(collection, id string, version int64, g orb.Geometry, enc string) (*Feature, error) {
	bad := func(what string) error {
		return fmt.Errorf("feature %s/%s: stored encoding: %s", collection, id, what)
	}
	head := string(appendKey([]byte(`{"type":"Feature","id":`), id)) + `,"geometry":`
	if len(enc) > 1<<31 || !strings.HasPrefix(enc, head) || !strings.HasSuffix(enc, "}}") {
		return nil, bad("not a feature with this id")
	}
	// The geometry holds only numbers, brackets and its type, so the first
	// properties key after it is the one build wrote.
	i := strings.Index(enc[len(head):], `,"properties":{`)
	if i < 0 {
		return nil, bad("no properties")
	}
	f := &Feature{json: enc, id: id, collection: collection, version: version, geometry: g}
	f.propsJSON = span{uint32(len(head) + i + len(`,"properties":`)), uint32(len(enc) - 1)}
	return adopt(f, bad)
}

// StoredProperties is StoredFeature for a store that keeps only the
// properties object (PropertiesJSON()) beside the geometry's own column:
// the rest of the encoding is written again as build wrote it, and the
// geometry's GeoJSON from g, so the feature's JSON() is the same bytes as
// before it was stored.
func StoredProperties(collection, id string, version int64, g orb.Geometry, props string) (*Feature, error) {
	bad := func(what string) error {
		return fmt.Errorf("feature %s/%s: stored properties: %s", collection, id, what)
	}
	// The head, the geometry's type and brackets, then up to 48 bytes a
	// position: one allocation for all but the longest numbers.
	buf := make([]byte, 0, 96+len(id)+len(props)+48*vertices(g))
	buf = appendKey(append(buf, `{"type":"Feature","id":`...), id)
	buf = append(buf, `,"geometry":`...)
	buf, err := appendGeometry(buf, g)
	if err != nil {
		return nil, bad(err.Error())
	}
	buf = append(buf, `,"properties":`...)
	pStart := len(buf)
	buf = append(append(buf, props...), '}')
	if len(buf) > 1<<31 {
		return nil, bad("too long")
	}
	f := &Feature{json: string(buf), id: id, collection: collection, version: version, geometry: g}
	f.propsJSON = span{uint32(pStart), uint32(len(buf) - 1)}
	return adopt(f, bad)
}

// adopt indexes the properties of a stored feature whose properties
// span is set.
func adopt(f *Feature, bad func(string) error) (*Feature, error) {
	var ok bool
	if f.props, ok = scanObject(f.json, f.propsJSON); !ok {
		return nil, bad("malformed properties")
	}
	f.from, f.to = validity(f)
	return f, nil
}

// scanObject finds the keys and values of the compact JSON object at obj
// in s (as build writes it: no whitespace, valid values, keys in order),
// with fastdecode's skipString and skipValue.
func scanObject(s string, obj span) (valueEnds, bool) {
	start, end := int(obj.start), int(obj.end)
	if end-start < 2 || s[start] != '{' || s[end-1] != '}' {
		return nil, false
	}
	wide := wideEnds(obj)
	var stack [32]uint16
	out := valueEnds(stack[:0])
	for i := start + 1; i < end-1; {
		if s[i] == ',' && len(out) > 0 {
			i++
		}
		kEnd := skipString(s, i)
		if kEnd < 0 || kEnd >= end-1 || s[kEnd] != ':' {
			return nil, false
		}
		vEnd := skipValue(s[:end-1], kEnd+1)
		if vEnd <= kEnd+1 {
			return nil, false
		}
		out = out.append(uint32(vEnd-start), wide)
		i = vEnd
	}
	// A store holds every feature for as long as it runs: no slack.
	return slices.Clone(out), true
}

// DecodeStored reads a feature back from an encoding that build made
// (JSON()) and a store kept, without the validation and re-encoding of
// DecodeFeature: the id and the geometry are read from the encoding, the
// rest is adopted as StoredFeature does. Loading a store of 222,000
// features spends a fifth of its time re-encoding otherwise. An encoding
// that build would not have made in its layout (other spacing or key
// order, as older versions may have stored) is an error, so callers can
// fall back to DecodeFeature.
func DecodeStored(collection string, version int64, enc string) (*Feature, error) {
	const head, geomKey, propsKey = `{"type":"Feature","id":`, `,"geometry":`, `,"properties":{`
	bad := func(what string) error {
		return fmt.Errorf("feature in %s: stored encoding: %s", collection, what)
	}
	if !strings.HasPrefix(enc, head) {
		return nil, bad("not a feature")
	}
	idEnd := skipString(enc, len(head))
	if idEnd < 0 || !strings.HasPrefix(enc[idEnd:], geomKey) {
		return nil, bad("no id")
	}
	id, ok := decodeString(enc[len(head):idEnd])
	if !ok {
		return nil, bad("malformed id")
	}
	gStart := idEnd + len(geomKey)
	i := strings.Index(enc[gStart:], propsKey)
	if i < 0 {
		return nil, bad("no properties")
	}
	g, ok := fastGeometry(enc[gStart : gStart+i])
	if !ok {
		return nil, bad("geometry not as build writes it")
	}
	f, err := StoredFeature(collection, id, version, g, enc)
	if err != nil {
		return nil, err
	}
	for j := 1; j < f.nprops(); j++ {
		k0, _ := f.rawProp(j - 1)
		if k1, _ := f.rawProp(j); k0 >= k1 {
			return nil, bad("properties not in key order")
		}
	}
	return f, nil
}
