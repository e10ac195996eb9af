package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/sitmap/sitmap/geo"
)

// Decode reads GeoJSON: a FeatureCollection, a single Feature, or
// newline-delimited features (any sequence of those). Errors name the
// feature by its position in the input.
func Decode(r io.Reader) ([]*geo.Feature, error) {
	dec := json.NewDecoder(r)
	var out []*geo.Feature
	for {
		var doc document
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("after feature #%d: not a GeoJSON object: %w", len(out), err)
		}
		fs, err := doc.features(len(out))
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
}

// document is any top-level GeoJSON value we accept, read in one pass: a
// collection's features stay raw until decodeAll spreads them over cores.
type document struct {
	Type       string            `json:"type"`
	Features   []json.RawMessage `json:"features,omitempty"`
	ID         json.RawMessage   `json:"id,omitempty"`
	Geometry   json.RawMessage   `json:"geometry"`
	Properties json.RawMessage   `json:"properties"`
}

func (d *document) features(first int) ([]*geo.Feature, error) {
	switch d.Type {
	case "Feature":
		raw, err := json.Marshal(d)
		if err != nil {
			return nil, fmt.Errorf("feature #%d: %w", first, err)
		}
		f, err := decodeFeature(raw, first)
		if err != nil {
			return nil, err
		}
		return []*geo.Feature{f}, nil
	case "FeatureCollection":
		return decodeAll(d.Features, first)
	}
	return nil, fmt.Errorf("feature #%d: type %q is neither Feature nor FeatureCollection", first, d.Type)
}

// decodeAll decodes features on every core: decoding is most of an
// import's time. The error reported is the first in input order.
func decodeAll(raws []json.RawMessage, first int) ([]*geo.Feature, error) {
	out := make([]*geo.Feature, len(raws))
	err := parallel(len(raws), func(i int) error {
		var err error
		out[i], err = decodeFeature(raws[i], first+i)
		return err
	})
	return out, err
}

// parallel runs fn(0..n-1) in contiguous chunks, one per core, and returns
// the error of the lowest i that failed.
func parallel(n int, fn func(i int) error) error {
	errs := make([]error, n)
	workers := runtime.GOMAXPROCS(0)
	chunk := max(1, (n+workers-1)/workers)
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				if errs[i] = fn(i); errs[i] != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func decodeFeature(raw json.RawMessage, index int) (*geo.Feature, error) {
	f, err := geo.DecodeFeature(bytes.TrimSpace(raw))
	if err != nil {
		return nil, geo.InFeature(err, index, peekID(raw), "")
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
