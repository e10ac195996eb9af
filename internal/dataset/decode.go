// Package dataset moves features between files and a store: import (validate
// everything, then write everything or nothing), export, and the one-time
// load of the embedded seed data set.
package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/sitmap/sitmap/geo"
)

// Decode reads GeoJSON: a FeatureCollection, a single Feature, or
// newline-delimited features (any sequence of those). Errors name the
// feature by its position in the input.
func Decode(r io.Reader) ([]*geo.Feature, error) {
	dec := json.NewDecoder(r)
	var out []*geo.Feature
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("after feature #%d: not valid JSON: %w", len(out), err)
		}
		fs, err := decodeValue(raw, len(out))
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
}

func decodeValue(raw json.RawMessage, first int) ([]*geo.Feature, error) {
	var head struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("feature #%d: not a GeoJSON object: %w", first, err)
	}
	switch head.Type {
	case "Feature":
		f, err := decodeFeature(raw, first)
		if err != nil {
			return nil, err
		}
		return []*geo.Feature{f}, nil
	case "FeatureCollection":
		out := make([]*geo.Feature, 0, len(head.Features))
		for i, fr := range head.Features {
			f, err := decodeFeature(fr, first+i)
			if err != nil {
				return nil, err
			}
			out = append(out, f)
		}
		return out, nil
	}
	return nil, fmt.Errorf("feature #%d: type %q is neither Feature nor FeatureCollection", first, head.Type)
}

func decodeFeature(raw json.RawMessage, index int) (*geo.Feature, error) {
	f, err := geo.DecodeFeature(bytes.TrimSpace(raw))
	if err != nil {
		var ve *geo.ValidationError
		if errors.As(err, &ve) {
			ve.Feature = fmt.Sprintf("#%d", index)
			if id := peekID(raw); id != "" {
				ve.Feature = fmt.Sprintf("#%d (%s)", index, id)
			}
		}
		return nil, err
	}
	return f, nil
}

func peekID(raw json.RawMessage) string {
	var v struct {
		ID any `json:"id"`
	}
	_ = json.Unmarshal(raw, &v)
	if v.ID == nil {
		return ""
	}
	return fmt.Sprint(v.ID)
}
