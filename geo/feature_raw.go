package geo

import (
	"fmt"
	"strings"

	"github.com/paulmach/orb"
)

// StoredFeature rebuilds a feature from the encoding a store kept (JSON(),
// as build made it) and the geometry the store decoded from its own
// column. It goes through build like every feature, but takes the
// geometry's JSON and the property values from enc as they are, so nothing
// is parsed into maps or formatted again: reading a stored feature costs
// one scan of its bytes.
func StoredFeature(collection, id string, version int64, g orb.Geometry, enc string) (*Feature, error) {
	bad := func(what string) error {
		return fmt.Errorf("feature %s/%s: stored encoding: %s", collection, id, what)
	}
	head := string(appendKey([]byte(`{"type":"Feature","id":`), id)) + `,"geometry":`
	if !strings.HasPrefix(enc, head) || !strings.HasSuffix(enc, "}}") {
		return nil, bad("not a feature with this id")
	}
	// The geometry holds only numbers, brackets and its type, so the first
	// properties key after it is the one build wrote.
	i := strings.Index(enc[len(head):], `,"properties":{`)
	if i < 0 {
		return nil, bad("no properties")
	}
	geomJSON := enc[len(head) : len(head)+i]
	props, ok := scanObject(enc[len(head)+i+len(`,"properties":`) : len(enc)-1])
	if !ok {
		return nil, bad("malformed properties")
	}
	return build(id, collection, version, g, geomJSON, props)
}

// scanObject splits a compact JSON object (as build writes it: no
// whitespace, valid values) into its keys, decoded, and raw values, with
// fastdecode's skipString and skipValue.
func scanObject(obj string) ([]kv, bool) {
	if len(obj) < 2 || obj[0] != '{' || obj[len(obj)-1] != '}' {
		return nil, false
	}
	var out []kv
	for i := 1; i < len(obj)-1; {
		if obj[i] == ',' && len(out) > 0 {
			i++
		}
		kEnd := skipString(obj, i)
		if kEnd < 0 || kEnd >= len(obj) || obj[kEnd] != ':' {
			return nil, false
		}
		key, ok := decodeString(obj[i:kEnd])
		if !ok {
			return nil, false
		}
		vEnd := skipValue(obj, kEnd+1)
		if vEnd <= kEnd+1 {
			return nil, false
		}
		out = append(out, kv{key, obj[kEnd+1 : vEnd]})
		i = vEnd
	}
	return out, true
}
