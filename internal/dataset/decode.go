package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/par"
	"github.com/sitmap/sitmap/internal/store"
)

// Decode reads GeoJSON: a FeatureCollection, a single Feature, or
// newline-delimited features (any sequence of those). Errors name the
// feature by its position in the input. A collection's features are read
// one at a time and decoded in batches on every core, so an import holds
// the decoded features and one batch of raw text, not the whole file twice.
func Decode(r io.Reader) ([]*geo.Feature, error) {
	sc := newScanner(r)
	var out []*geo.Feature
	for {
		_, err := sc.next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if _, err := sc.expect("{"); err != nil {
			return nil, fmt.Errorf("after feature #%d: not a GeoJSON object (%v)", len(out), err)
		}
		fs, err := decodeObject(sc, len(out))
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
}

// batchSize is how many raw features are decoded together.
const batchSize = 4096

// decodeObject reads the members of a top-level object whose "{" has been
// read: a collection's features as they come, anything else kept raw
// until the object's type says what it is.
func decodeObject(sc *scanner, first int) ([]*geo.Feature, error) {
	members := map[string]json.RawMessage{}
	bs := &batches{first: first}
	bad := func(err error) error {
		if err := bs.wait(); err != nil { // the earlier error
			return err
		}
		return fmt.Errorf("after feature #%d: not a GeoJSON object: %w", first+len(bs.out)+len(bs.raw), err)
	}
	for n := 0; ; n++ {
		more, err := sc.more('}', n)
		if !more && err == nil {
			break
		}
		if err != nil {
			return nil, bad(err)
		}
		key, err := sc.key()
		if err != nil {
			return nil, bad(err)
		}
		if key != "features" {
			raw, err := sc.value()
			if err != nil {
				return nil, bad(err)
			}
			members[key] = raw
			continue
		}
		if _, err := sc.expect("["); err != nil {
			return nil, fmt.Errorf("feature #%d: \"features\" must be an array", first)
		}
		for i := 0; ; i++ {
			more, err := sc.more(']', i)
			if !more && err == nil {
				break
			}
			var raw []byte
			if err == nil {
				raw, err = sc.value()
			}
			if err != nil {
				return nil, bad(err)
			}
			if err := bs.add(raw); err != nil {
				return nil, err
			}
		}
		members[key] = nil
	}
	if err := bs.start(bs.raw); err != nil {
		return nil, err
	}
	if err := bs.wait(); err != nil {
		return nil, err
	}
	return finishObject(members, bs.out, first)
}

// batches decodes a collection's features a batch at a time while the
// next is read (reading is on one core, decoding on all: together they
// keep both busy), and reports the first error in input order.
type batches struct {
	first   int
	out     []*geo.Feature
	raw     []json.RawMessage // read, not being decoded yet
	pending chan decoded      // the batch being decoded; nil when none
}

// add takes the next feature's text, and starts decoding a full batch.
func (b *batches) add(raw json.RawMessage) error {
	if b.raw = append(b.raw, raw); len(b.raw) < batchSize {
		return nil
	}
	err := b.start(b.raw)
	b.raw = nil // the decoder has it
	return err
}

type decoded struct {
	fs  []*geo.Feature
	err error
}

// start waits for the batch before and starts decoding raws.
func (b *batches) start(raws []json.RawMessage) error {
	if err := b.wait(); err != nil {
		return err
	}
	ch, at := make(chan decoded, 1), b.first+len(b.out)
	go func() {
		fs, err := decodeAll(raws, at)
		ch <- decoded{fs, err}
	}()
	b.pending = ch
	return nil
}

// wait adds the batch being decoded, if any, to out.
func (b *batches) wait() error {
	if b.pending == nil {
		return nil
	}
	d := <-b.pending
	b.pending = nil
	b.out = append(b.out, d.fs...)
	return d.err
}

// finishObject checks the object's type: a FeatureCollection's features
// are decoded already; a Feature is decoded from its members.
func finishObject(members map[string]json.RawMessage, out []*geo.Feature, first int) ([]*geo.Feature, error) {
	var typ string
	_ = json.Unmarshal(members["type"], &typ)
	switch typ {
	case "FeatureCollection":
		return out, nil
	case "Feature":
		raw, err := json.Marshal(members)
		if err != nil {
			return nil, fmt.Errorf("feature #%d: %w", first, err)
		}
		f, err := decodeFeature(raw, first)
		if err != nil {
			return nil, err
		}
		return []*geo.Feature{f}, nil
	}
	return nil, fmt.Errorf("feature #%d: type %q is neither Feature nor FeatureCollection", first, typ)
}

// decodeAll decodes features on every core: decoding is most of an
// import's time. The error reported is the first in input order.
func decodeAll(raws []json.RawMessage, first int) ([]*geo.Feature, error) {
	out := make([]*geo.Feature, len(raws))
	err := par.Do(len(raws), func(i int) error {
		var err error
		out[i], err = decodeFeature(raws[i], first+i)
		return err
	})
	return out, err
}

func decodeFeature(raw json.RawMessage, index int) (*geo.Feature, error) {
	f, err := geo.DecodeFeature(bytes.TrimSpace(raw))
	if err != nil {
		if f, ok := decodeDeletion(raw); ok {
			return f, nil
		}
		return nil, geo.InFeature(err, index, peekID(raw), "")
	}
	return f, nil
}

// decodeDeletion reads what a history export writes for a deletion whose
// feature it did not know: an id, a null geometry and HistoryMember.
func decodeDeletion(raw json.RawMessage) (*geo.Feature, bool) {
	var v struct {
		Type       string                     `json:"type"`
		ID         string                     `json:"id"`
		Geometry   json.RawMessage            `json:"geometry"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if json.Unmarshal(raw, &v) != nil || v.Type != "Feature" || string(v.Geometry) != "null" || len(v.Properties) != 1 {
		return nil, false
	}
	var h historyEntry
	if json.Unmarshal(v.Properties[HistoryMember], &h) != nil || h.Change != store.Deleted {
		return nil, false
	}
	f, err := geo.NewFeature(v.ID, nil, v.Properties)
	return f, err == nil
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
