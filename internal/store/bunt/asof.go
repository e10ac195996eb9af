package bunt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/tidwall/buntdb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// The as_of index. A version that a later write superseded was its
// feature's state from its record time t0 until that write's time t1. It
// gets a key hr:{cid}:{fid}:{version} (its history key's tail) holding its
// bound, t0 and t1, written with the write that supersedes it; in memory,
// each collection's past R-tree holds these spans by bound, as its tree
// holds the features (built at open from the hr: keys alone). A query as
// of T asks the R-tree for the spans in its bbox and keeps those that
// hold T, instead of walking every version. Current versions are not in
// it: the features' tree finds them, and their history record says
// whether they were there at T. So a create costs nothing more, a replace
// or delete one key.

// span is one superseded version: the feature's state during [t0, t1).
type span struct {
	key    string // its history key, h:{cid}:{fid}:{version}
	t0, t1 string // store.TimeKey
}

// spanAt is a span with its collection and bound, for write.apply.
type spanAt struct {
	cid string
	b   orb.Bound
	s   *span
}

const (
	spanValueLen = 4*8 + 2*len(store.TimeKey)
	histMarker   = "hr-built" // every superseded version has its hr: key
)

func histRectKey(cid, fid string, version int64) string {
	return "hr:" + cid + ":" + fid + ":" + pad(version)
}

// encodeSpan is the bound's four float64s (little-endian), then t0 and t1.
func encodeSpan(b orb.Bound, t0, t1 string) string {
	buf := make([]byte, 0, spanValueLen)
	for _, v := range [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
	}
	return string(append(append(buf, t0...), t1...))
}

// decodeSpan reads an hr: key and its value.
func decodeSpan(k, v string) (spanAt, bool) {
	cid, _, _ := strings.Cut(strings.TrimPrefix(k, "hr:"), ":")
	if len(v) != spanValueLen || cid == "" {
		return spanAt{}, false
	}
	f := func(i int) float64 { return math.Float64frombits(binary.LittleEndian.Uint64([]byte(v[8*i : 8*i+8]))) }
	n := len(store.TimeKey)
	return spanAt{cid: cid, b: orb.Bound{Min: orb.Point{f(0), f(1)}, Max: orb.Point{f(2), f(3)}},
		s: &span{key: "h:" + k[3:], t0: v[32 : 32+n], t1: v[32+n:]}}, true
}

// supersede keeps the span of the version old (recorded in rec) that
// ends at t1, unless it never was current (two writes of one batch).
func (w *write) supersede(tx *buntdb.Tx, old *geo.Feature, rec string) error {
	t0, t1 := recordTime(rec), w.at.Format(store.TimeKey)
	if t0 >= t1 {
		return nil
	}
	k, v := histRectKey(old.Collection(), old.ID(), old.Version()), encodeSpan(old.Bound(), t0, t1)
	if _, _, err := tx.Set(k, v, nil); err != nil {
		return err
	}
	sp, _ := decodeSpan(k, v)
	w.spans = append(w.spans, sp)
	return nil
}

// loadSpans fills the collections' past R-trees from the hr: keys.
func (s *Store) loadSpans() error {
	for _, c := range s.cols {
		c.past.Clear()
	}
	return s.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendKeys("hr:*", func(k, v string) bool {
			if sp, ok := decodeSpan(k, v); ok && s.cols[sp.cid] != nil {
				s.cols[sp.cid].past.Insert(sp.b.Min, sp.b.Max, sp.s)
			}
			return true
		})
	})
}

// boundsOf are the boxes of a query's bbox, or the whole plane.
func boundsOf(bbox *geo.BBox) []orb.Bound {
	if bbox == nil {
		inf := math.Inf(1)
		return []orb.Bound{{Min: orb.Point{-inf, -inf}, Max: orb.Point{inf, inf}}}
	}
	return bbox.Bounds()
}

// currentAsOf are the collection's current features in bbox whose version
// was recorded by asOf (features written before history was kept have no
// record, as for the rest of the history).
func currentAsOf(tx *buntdb.Tx, c *collection, bbox *geo.BBox, asOf time.Time) ([]*geo.Feature, error) {
	var cands []*geo.Feature
	seen := map[string]bool{}
	for _, b := range boundsOf(bbox) {
		c.tree.Search(b.Min, b.Max, func(_, _ [2]float64, f *geo.Feature) bool {
			if !seen[f.ID()] {
				seen[f.ID()] = true
				cands = append(cands, f)
			}
			return true
		})
	}
	key := asOf.Format(store.TimeKey)
	out := cands[:0]
	for _, f := range cands {
		rec, err := tx.Get(histKey(c.meta.ID, f.ID(), f.Version()))
		if errors.Is(err, buntdb.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if recordTime(rec) <= key {
			out = append(out, f)
		}
	}
	return out, nil
}

// supersededAsOf are the superseded versions in bbox that were current at
// asOf, from the past R-tree (s.mu held for reading).
func (s *Store) supersededAsOf(tx *buntdb.Tx, c *collection, bbox *geo.BBox, asOf time.Time) ([]*geo.Feature, error) {
	key := asOf.Format(store.TimeKey)
	var keys []string
	seen := map[string]bool{}
	for _, b := range boundsOf(bbox) {
		c.past.Search(b.Min, b.Max, func(_, _ [2]float64, sp *span) bool {
			if sp.t0 <= key && key < sp.t1 && !seen[sp.key] {
				seen[sp.key] = true
				keys = append(keys, sp.key)
			}
			return true
		})
	}
	out := make([]*geo.Feature, 0, len(keys))
	for _, k := range keys {
		rec, err := tx.Get(k)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		cid, fid := splitHistKey(k)
		v, err := s.decodeHist(cid, fid, rec)
		if err != nil {
			return nil, err
		}
		if f := v.StoredAt(); f != nil {
			out = append(out, f)
		}
	}
	return out, nil
}

// indexHistory gives a file from before the as_of index the hr: keys of
// its superseded versions, once, then loads the spans (s.cols loaded).
func (s *Store) indexHistory() error {
	built := false
	_ = s.db.View(func(tx *buntdb.Tx) error {
		_, err := tx.Get(histMarker)
		built = err == nil
		return nil
	})
	if built {
		return s.loadSpans()
	}
	sets := map[string]string{}
	var prevKey, prevVal string
	var derr error
	err := s.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendKeys("h:*", func(k, v string) bool {
			if prevKey != "" && sameFeature(prevKey, k) {
				var val string
				if val, derr = s.supersededValue(prevKey, prevVal, recordTime(v)); derr != nil {
					return false
				}
				if val != "" {
					sets["hr:"+prevKey[2:]] = val
				}
			}
			prevKey, prevVal = k, v
			return true
		})
	})
	if err = errors.Join(err, derr); err != nil {
		return fmt.Errorf("as_of index: %w", err)
	}
	err = s.db.Update(func(tx *buntdb.Tx) error {
		for k, v := range sets {
			if _, _, err := tx.Set(k, v, nil); err != nil {
				return err
			}
		}
		_, _, err := tx.Set(histMarker, "1", nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("as_of index: %w", err)
	}
	return s.loadSpans()
}

// supersededValue is the hr: value of the version in the record rec (key
// k) superseded at next; "" when it was never a state (a deletion, two
// writes of one batch, a feature not kept).
func (s *Store) supersededValue(k, rec, next string) (string, error) {
	cid, fid := splitHistKey(k)
	v, err := s.decodeHist(cid, fid, rec)
	if err != nil {
		return "", err
	}
	t0 := recordTime(rec)
	if v.Change == store.Deleted || v.Feature == nil || t0 >= next {
		return "", nil
	}
	return encodeSpan(v.Feature.Bound(), t0, next), nil
}
