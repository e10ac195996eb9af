package postgis

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/sitmap/sitmap/geo"
)

// row is a feature as the features table holds it. Everything a query
// filters or sorts on is derived here, in Go, with the same functions the
// embedded store uses, so both stores give the same answers.
type row struct {
	collection, id string
	version        int64
	wkb            []byte
	xmin, ymin     float64
	xmax, ymax     float64
	raw            []byte      // the properties object, compact (encodeProps)
	props          pgtype.Text // raw, for the jsonb column; invalid when jsonb cannot hold it
	terms          []string
	nameLower      []byte
	localLower     []byte
	updated        []byte
	validFrom      pgtype.Timestamptz
	validFromNs    int16
	validTo        pgtype.Timestamptz
	validToNs      int16
}

func encodeRow(f *geo.Feature) (row, error) {
	g, err := wkb.Marshal(f.Geometry)
	if err != nil {
		return row{}, fmt.Errorf("encode geometry of %s: %w", f.ID, err)
	}
	raw, err := encodeProps(f.Properties)
	if err != nil {
		return row{}, fmt.Errorf("encode properties of %s: %w", f.ID, err)
	}
	b := f.Geometry.Bound()
	r := row{
		collection: f.Collection, id: f.ID, version: f.Version, wkb: g,
		xmin: b.Min[0], ymin: b.Min[1], xmax: b.Max[0], ymax: b.Max[1],
		raw:        raw,
		terms:      terms(f),
		nameLower:  []byte(strings.ToLower(f.String("name"))),
		localLower: []byte(strings.ToLower(f.String("name_local"))),
		updated:    []byte(f.String("updated")),
	}
	// jsonb refuses \u0000 and the text type refuses invalid UTF-8: such
	// rows keep only raw.
	if utf8.Valid(raw) && !bytes.Contains(raw, []byte(`\u0000`)) {
		r.props = pgtype.Text{String: string(raw), Valid: true}
	}
	iv := f.Extent()
	r.validFrom, r.validFromNs = encodeTime(iv.Start)
	r.validTo, r.validToNs = encodeTime(iv.End)
	return r, nil
}

// encodeProps writes the properties object compactly, leaving < > &
// as they are (json.Marshal would escape them: "<b>" must come back "<b>").
func encodeProps(props map[string]json.RawMessage) ([]byte, error) {
	if props == nil {
		props = map[string]json.RawMessage{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(props); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// encodeTime splits t into what timestamptz keeps (microseconds) and the
// nanoseconds it drops; the zero time (an open end) is NULL.
func encodeTime(t time.Time) (pgtype.Timestamptz, int16) {
	if t.IsZero() {
		return pgtype.Timestamptz{}, 0
	}
	return pgtype.Timestamptz{Time: t, Valid: true}, int16(t.Nanosecond() % 1000)
}

func decodeTime(ts pgtype.Timestamptz, ns int16) time.Time {
	if !ts.Valid {
		return time.Time{}
	}
	return ts.Time.UTC().Add(time.Duration(ns))
}

// decodeFeature rebuilds a feature from its row.
func decodeFeature(collection, id string, version int64, raw, geom []byte) (*geo.Feature, error) {
	g, err := wkb.Unmarshal(geom)
	if err != nil {
		return nil, fmt.Errorf("feature %s/%s: geometry: %w", collection, id, err)
	}
	f := &geo.Feature{ID: id, Collection: collection, Geometry: g, Version: version}
	if err := json.Unmarshal(raw, &f.Properties); err != nil {
		return nil, fmt.Errorf("feature %s/%s: properties: %w", collection, id, err)
	}
	if f.Properties == nil {
		f.Properties = map[string]json.RawMessage{}
	}
	return f, nil
}

// terms lists what property equality filters match: for each property,
// its scalar value, or each element of an array, exactly as
// geo.Feature.HasValue compares them. A query for name=value matches when
// the row's terms hold term(name, value).
func terms(f *geo.Feature) []string {
	out := make([]string, 0, len(f.Properties))
	seen := make(map[string]bool, len(f.Properties))
	add := func(k, v string) {
		t := term(k, v)
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for k, raw := range f.Properties {
		if s, ok := f.Scalar(k); ok {
			add(k, s)
			continue
		}
		var list []any
		if json.Unmarshal(raw, &list) != nil {
			continue
		}
		for _, v := range list {
			add(k, fmt.Sprint(v))
		}
	}
	return out
}

// term is "name\x1fvalue", or a hash of both when they are long or hold
// bytes that would make the term ambiguous or unstorable (NUL; \x1e, which
// separates the terms of a row on their way in).
func term(k, v string) string {
	if len(k)+len(v) <= 200 && utf8.ValidString(k) && utf8.ValidString(v) &&
		!strings.ContainsAny(k, "\x00\x1e\x1f") && !strings.ContainsAny(v, "\x00\x1e\x1f") {
		return k + "\x1f" + v
	}
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(k)))
	h.Write(n[:])
	h.Write([]byte(k))
	h.Write([]byte(v))
	return "#" + hex.EncodeToString(h.Sum(nil))
}
