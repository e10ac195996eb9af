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
	terms          []string    // of properties filters ask for (GIN-indexed)
	textTerms      []string    // of free-text properties (not indexed)
	nameLower      []byte
	localLower     []byte
	updated        []byte
	validFrom      pgtype.Timestamptz
	validFromNs    int16
	validTo        pgtype.Timestamptz
	validToNs      int16
}

func encodeRow(f *geo.Feature) (row, error) {
	g, err := wkb.Marshal(f.Geometry())
	if err != nil {
		return row{}, fmt.Errorf("encode geometry of %s: %w", f.ID(), err)
	}
	raw := []byte(f.PropertiesJSON())
	b := f.Bound()
	r := row{
		collection: f.Collection(), id: f.ID(), version: f.Version(), wkb: g,
		xmin: b.Min[0], ymin: b.Min[1], xmax: b.Max[0], ymax: b.Max[1],
		raw:     raw,
		updated: []byte(f.SortValue(geo.SortUpdated)),
	}
	name, local := f.SearchText()
	r.nameLower, r.localLower = []byte(name), []byte(local)
	// jsonb refuses \u0000 and the text type refuses invalid UTF-8: such
	// rows keep only raw.
	if utf8.Valid(raw) && !bytes.Contains(raw, []byte(`\u0000`)) {
		r.props = pgtype.Text{String: string(raw), Valid: true}
	}
	for _, t := range terms(f) {
		if freeText[t.name] {
			r.textTerms = append(r.textTerms, t.term)
		} else {
			r.terms = append(r.terms, t.term)
		}
	}
	iv := f.Extent()
	r.validFrom, r.validFromNs = encodeTime(iv.Start)
	r.validTo, r.validToNs = encodeTime(iv.End)
	return r, nil
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
	var props map[string]json.RawMessage
	if err := json.Unmarshal(raw, &props); err != nil {
		return nil, fmt.Errorf("feature %s/%s: properties: %w", collection, id, err)
	}
	f, err := geo.NewFeature(id, g, props)
	if err != nil {
		return nil, fmt.Errorf("feature %s/%s: %w", collection, id, err)
	}
	return f.WithCollection(collection).WithVersion(version), nil
}

// terms lists what property equality filters match, exactly as
// geo.Feature.HasValue compares them. A query for name=value matches when
// the row's terms hold term(name, value).
func terms(f *geo.Feature) []namedTerm {
	var out []namedTerm
	for k, v := range f.EqualityTerms() {
		out = appendTerm(out, k, term(k, v))
	}
	return out
}

type namedTerm struct{ name, term string }

func appendTerm(ts []namedTerm, name, t string) []namedTerm {
	for _, x := range ts {
		if x.term == t {
			return ts
		}
	}
	return append(ts, namedTerm{name, t})
}

// freeText are properties whose values are (nearly) unique text: their
// terms go to a column of their own that no index covers, which makes
// imports faster and the index smaller. Equality on them still works,
// checked row by row.
var freeText = map[string]bool{
	"name": true, "name_local": true, "description": true, "updated": true,
	"valid_from": true, "valid_to": true, "sources": true, "timeline": true,
}

// termColumn is the column that holds the terms of property k.
func termColumn(k string) string {
	if freeText[k] {
		return "terms_text"
	}
	return "terms"
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
