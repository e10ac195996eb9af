package postgis

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
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
	props          string  // the feature's properties object (geo.Feature.PropertiesJSON)
	order          int64   // where the row goes in a bulk write (spatialKey)
	terms          []int32 // of properties filters ask for, coded (sitmap_terms; GIN-indexed)
	textTerms      []int32 // of free-text properties, hashed (termHash; not indexed)
	nameLower      string  // bytea columns, kept as the strings they are
	localLower     string  // until encoded (no copies for a bulk load)
	updated        string
	validFrom      pgtype.Timestamptz
	validFromNs    int16
	validTo        pgtype.Timestamptz
	validToNs      int16
}

// encodeRow encodes f, whose terms are ts, coded with codes; keys is the
// encoding worker's.
func encodeRow(f *geo.Feature, ts rowTerms, codes map[string]int32, keys *updatedKeys) (row, error) {
	g, err := ewkb.Marshal(f.Geometry(), 4326)
	if err != nil {
		return row{}, fmt.Errorf("encode geometry of %s: %w", f.ID(), err)
	}
	b := f.Bound()
	r := row{
		collection: f.Collection(), id: f.ID(), version: f.Version(), wkb: g,
		xmin: b.Min[0], ymin: b.Min[1], xmax: b.Max[0], ymax: b.Max[1],
		props:   f.PropertiesJSON(),
		order:   spatialKey(b.Center()),
		updated: keys.of(f),
	}
	name, local := f.SearchText()
	r.nameLower, r.localLower = name, local
	r.terms, r.textTerms = make([]int32, len(ts.exact)), ts.hashed
	for i, t := range ts.exact {
		r.terms[i] = codes[t]
	}
	iv := f.Extent()
	r.validFrom, r.validFromNs = encodeTime(iv.Start)
	r.validTo, r.validToNs = encodeTime(iv.End)
	return r, nil
}

// updatedKeys remembers the sort key of the last "updated" value it made
// (f.SortValue(geo.SortUpdated)): an import stamps one on every feature,
// and the key takes a parse and a format.
type updatedKeys struct {
	raw, key string
	set      bool
}

func (k *updatedKeys) of(f *geo.Feature) string {
	if raw := f.String("updated"); !k.set || raw != k.raw {
		k.raw, k.key, k.set = raw, f.SortValue(geo.SortUpdated), true
	}
	return k.key
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

// decodeFeature rebuilds a feature from its row: its encoding is the
// one it was written with, from the properties and the geometry.
func decodeFeature(collection, id string, version int64, props, geom []byte) (*geo.Feature, error) {
	g, err := wkb.Unmarshal(geom)
	if err != nil {
		return nil, fmt.Errorf("feature %s/%s: geometry: %w", collection, id, err)
	}
	return geo.StoredProperties(collection, id, version, g, string(props))
}

// rowTerms are a row's terms: those kept exact, to be coded, and the
// hashed free-text ones.
type rowTerms struct {
	exact  []string
	hashed []int32
}

// termsOf finds f's terms: what property equality filters match, exactly
// as geo.Feature.HasValue compares them (a query for name=value matches
// when the row's terms hold term(name, value)), the free-text ones hashed.
func termsOf(f *geo.Feature) rowTerms {
	ts := rowTerms{exact: make([]string, 0, 8), hashed: make([]int32, 0, 8)}
	exact := exactTerms(f.PropertiesJSON())
	var seen [16][2]string // the names and values so far, on the stack
	pairs := seen[:0]
	var buf [termMax + 1]byte
	for k, v := range f.EqualityTerms() {
		// A term is a name and a value, and no two of them make the same
		// term (term): the pairs tell what term would.
		if slices.Contains(pairs, [2]string{k, v}) {
			continue
		}
		pairs = append(pairs, [2]string{k, v})
		if freeText[k] && !exact {
			ts.hashed = append(ts.hashed, pairHash(buf[:0], k, v))
		} else {
			ts.exact = append(ts.exact, term(k, v))
		}
	}
	return ts
}

// pairHash is termHash(term(k, v)), without making the term when it is
// k and v themselves (an import hashes every feature's names and dates).
func pairHash(buf []byte, k, v string) int32 {
	if !plainTerm(k, v) {
		return termHash(term(k, v))
	}
	buf = append(append(append(buf, k...), '\x1f'), v...)
	h := sha256.Sum256(buf)
	return int32(binary.BigEndian.Uint32(h[:4]))
}

// freeText are properties whose values are (nearly) unique text: their
// terms go to a column of their own that no index covers, as hashes,
// which makes imports faster and the table and the index smaller.
// Equality on them still works, checked row by row: the hash first, then
// the value (sitmap_has_value, migration 0014).
var freeText = map[string]bool{
	"name": true, "name_local": true, "description": true, "updated": true,
	"valid_from": true, "valid_to": true, "sources": true, "timeline": true,
}

// exactTerms reports whether a row keeps its free-text terms exact, in
// terms: when its properties hold a \u0000 escape (a NUL), which
// PostgreSQL's JSON functions refuse, so sitmap_has_value cannot check
// them. A NUL in a JSON string is always written so.
func exactTerms(props string) bool { return strings.Contains(props, `\u0000`) }

// termHash is a term's entry in text_terms: the first 32 bits of its
// SHA-256 (migration 0014 computes the same in SQL).
func termHash(t string) int32 {
	h := sha256.Sum256([]byte(t))
	return int32(binary.BigEndian.Uint32(h[:4]))
}

// term is "name\x1fvalue", or a hash of both when they are long or hold
// bytes that would make the term ambiguous or unstorable (NUL; \x1e, which
// separates the terms of a row on their way in).
func term(k, v string) string {
	if plainTerm(k, v) {
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

// termMax bounds the length of the name and value a term holds as they are.
const termMax = 200

// plainTerm reports whether term(k, v) is k and v themselves: short, valid
// UTF-8 without NUL, \x1e or \x1f.
func plainTerm(k, v string) bool {
	return len(k)+len(v) <= termMax && plainText(k) && plainText(v)
}

func plainText(s string) bool {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c == 0 || c == 0x1e || c == 0x1f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return false
		}
		i += size
	}
	return true
}
