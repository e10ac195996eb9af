package postgis

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/sitmap/sitmap/geo"
)

// row is a feature as the features table holds it. Everything a query
// filters or sorts on is derived here, in Go, with the same functions the
// embedded store uses, so both stores give the same answers.
type row struct {
	collection, id string
	version        int64
	wkb            []byte // EWKB, with SRID 4326
	xmin, ymin     float64
	xmax, ymax     float64
	doc            []byte   // the feature's GeoJSON (geo.Feature.AppendJSON)
	order          int64    // where the row goes in a bulk write (spatialKey)
	terms          []string // of properties filters ask for (GIN-indexed)
	textTerms      []string // of free-text properties (not indexed)
	nameLower      []byte
	localLower     []byte
	updated        []byte
	validFrom      pgtype.Timestamptz
	validFromNs    int16
	validTo        pgtype.Timestamptz
	validToNs      int16
}

func encodeRow(f *geo.Feature) (row, error) {
	g, err := ewkb.Marshal(f.Geometry(), 4326)
	if err != nil {
		return row{}, fmt.Errorf("encode geometry of %s: %w", f.ID(), err)
	}
	doc := f.AppendJSON(nil)
	b := f.Bound()
	r := row{
		collection: f.Collection(), id: f.ID(), version: f.Version(), wkb: g,
		xmin: b.Min[0], ymin: b.Min[1], xmax: b.Max[0], ymax: b.Max[1],
		doc:     doc,
		order:   spatialKey(b.Center()),
		updated: []byte(f.SortValue(geo.SortUpdated)),
	}
	name, local := f.SearchText()
	r.nameLower, r.localLower = []byte(name), []byte(local)
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

// spatialKey orders rows along a Z-order curve of their centres (16 bits
// of longitude and latitude each), so that rows near each other on the map
// land on the same heap pages and a bbox query reads few of them.
func spatialKey(c orb.Point) int64 {
	q := func(v, lo, span float64) uint64 {
		return uint64(min(max((v-lo)/span, 0), 1) * 0xffff)
	}
	x, y := q(c[0], -180, 360), q(c[1], -90, 180)
	var k uint64
	for i := 15; i >= 0; i-- {
		k = k<<2 | (y>>uint(i)&1)<<1 | x>>uint(i)&1
	}
	return int64(k)
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

// decodeFeature rebuilds a feature from its row; doc becomes its
// encoding, served as it is.
func decodeFeature(collection, id string, version int64, doc, geom []byte) (*geo.Feature, error) {
	g, err := wkb.Unmarshal(geom)
	if err != nil {
		return nil, fmt.Errorf("feature %s/%s: geometry: %w", collection, id, err)
	}
	return geo.StoredFeature(collection, id, version, g, string(doc))
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
