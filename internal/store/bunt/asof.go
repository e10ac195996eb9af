package bunt

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/tidwall/buntdb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// The as_of index. A version that a later write superseded was its
// feature's state from its record time t0 until that write's time t1. The
// write that supersedes it, which copies the feature into its record,
// also writes t1 ("until") and the feature's bound ("bbox") there, right
// after its time, where the open finds them without parsing the record. In
// memory each collection's past R-tree holds these spans by bound, as its
// tree holds the features. A query as of T asks the R-tree for the spans
// in its bbox and keeps those that hold T, instead of walking every
// version. Current versions are not in it: the features' tree finds them,
// and their record says whether they were there at T. So the index costs
// a create nothing, and a replace or delete some 100 bytes of a record it
// rewrites anyway.

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

// histMarker says that every superseded version's record has its span.
const histMarker = "h-spans"

// withSpan writes until t1 and the bound into a record, after its time.
func withSpan(rec, t1 string, b orb.Bound) string {
	i := strings.Index(rec, `"time":"`) + len(`"time":"`) + len(store.TimeKey)
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return rec[:i] + `","until":"` + t1 + `","bbox":[` + f(b.Min[0]) + "," + f(b.Min[1]) + "," + f(b.Max[0]) + "," + f(b.Max[1]) + "]" + rec[i+1:]
}

// parseSpan reads the span of the record rec (key k), if it has one.
func parseSpan(k, rec string) (spanAt, bool) {
	n := len(store.TimeKey)
	i := strings.Index(rec, `"time":"`)
	if i < 0 || len(rec) < i+8+n {
		return spanAt{}, false
	}
	t0, rest := rec[i+8:i+8+n], rec[i+8+n:]
	if !strings.HasPrefix(rest, `","until":"`) || len(rest) < 11+n || !strings.HasPrefix(rest[11+n:], `","bbox":[`) {
		return spanAt{}, false
	}
	t1, rest := rest[11:11+n], rest[11+n+10:]
	end := strings.IndexByte(rest, ']')
	nums := strings.Split(rest[:max(end, 0)], ",")
	if end < 0 || len(nums) != 4 {
		return spanAt{}, false
	}
	var v [4]float64
	for j, num := range nums {
		var err error
		if v[j], err = strconv.ParseFloat(num, 64); err != nil {
			return spanAt{}, false
		}
	}
	cid, _ := splitHistKey(k)
	return spanAt{cid: cid, b: orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, s: &span{key: k, t0: t0, t1: t1}}, true
}

// supersede gives the record rec (key k) of the version old the span
// that ends with this write, unless it never was current (two writes of
// one batch), and keeps the span for apply.
func (w *write) supersede(k, rec string, old *geo.Feature) string {
	t0, t1 := recordTime(rec), w.at.Format(store.TimeKey)
	if t0 >= t1 {
		return rec
	}
	w.spans = append(w.spans, spanAt{cid: old.Collection(), b: old.Bound(), s: &span{key: k, t0: t0, t1: t1}})
	return withSpan(rec, t1, old.Bound())
}

// loadHistory reads the h: keys once, into the collections' past R-trees
// and, with current (the entries of the current versions), the changes
// feed's log (changelog.go).
func (s *Store) loadHistory(current changeLog) error {
	for _, c := range s.cols {
		c.past.Clear()
	}
	log := current
	err := s.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendKeys("h:*", func(k, v string) bool {
			if sp, ok := parseSpan(k, v); ok && s.cols[sp.cid] != nil {
				s.cols[sp.cid].past.Insert(sp.b.Min, sp.b.Max, sp.s)
			}
			if e, ok := logEntryOf(k, v); ok {
				log = append(log, e)
			}
			return true
		})
	})
	slices.SortFunc(log, bySeq)
	s.log = log
	return err
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
// record time, and no history).
func currentAsOf(tx *buntdb.Tx, c *collection, bbox *geo.BBox, asOf time.Time) ([]*geo.Feature, error) {
	var cands []*geo.Feature
	seen := map[string]bool{}
	for _, b := range boundsOf(bbox) {
		min, max := rectOf(b)
		c.tree.Search(min, max, func(_, _ [2]float32, e entry) bool {
			if f := c.slots[e.slot]; !seen[f.ID()] {
				seen[f.ID()] = true
				cands = append(cands, f)
			}
			return true
		})
	}
	key := asOf.Format(store.TimeKey)
	out := cands[:0]
	for _, f := range cands {
		rec, err := tx.Get(featKey(c.meta.ID, f.ID()))
		if err != nil {
			return nil, err
		}
		r, err := parseRecord(rec)
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", c.meta.ID, f.ID(), err)
		}
		if r.seq > 0 && r.at <= key {
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

// indexHistory gives, once, the records of a file from before the as_of
// index their spans (s.cols loaded): a version's span ends where the next
// version's record, an h: key or the feature's own record, begins.
func (s *Store) indexHistory() error {
	built := false
	_ = s.db.View(func(tx *buntdb.Tx) error {
		_, err := tx.Get(histMarker)
		built = err == nil
		return nil
	})
	if built {
		return nil
	}
	sets, err := s.historySpans()
	if err != nil {
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
	return nil
}

// historySpans are the history records that lack their span, by key,
// with it.
func (s *Store) historySpans() (map[string]string, error) {
	sets := map[string]string{}
	var prevKey, prevVal string
	var derr error
	// next is when the version after prevKey's was recorded, or "".
	next := func(tx *buntdb.Tx, k, v string) string {
		if sameFeature(prevKey, k) {
			return recordTime(v)
		}
		rec, err := tx.Get(featKey(splitHistKey(prevKey)))
		if err != nil {
			return ""
		}
		r, _ := parseRecord(rec)
		return r.at
	}
	spanPrev := func(tx *buntdb.Tx, k, v string) bool {
		if prevKey == "" {
			return true
		}
		t1 := next(tx, k, v)
		if t1 == "" {
			return true
		}
		var rec string
		if rec, derr = s.spanned(prevKey, prevVal, t1); derr != nil {
			return false
		}
		if rec != "" {
			sets[prevKey] = rec
		}
		return true
	}
	err := s.db.View(func(tx *buntdb.Tx) error {
		err := tx.AscendKeys("h:*", func(k, v string) bool {
			if !spanPrev(tx, k, v) {
				return false
			}
			prevKey, prevVal = k, v
			return true
		})
		if err == nil && derr == nil {
			spanPrev(tx, "", "")
		}
		return err
	})
	return sets, errors.Join(err, derr)
}

// spanned is the record rec (key k) with the span that ends at next; ""
// when it has one already or was never a state (a deletion, two writes of
// one batch, a feature not kept).
func (s *Store) spanned(k, rec, next string) (string, error) {
	if _, ok := parseSpan(k, rec); ok {
		return "", nil
	}
	cid, fid := splitHistKey(k)
	v, err := s.decodeHist(cid, fid, rec)
	if err != nil {
		return "", err
	}
	if v.Change == store.Deleted || v.Feature == nil || recordTime(rec) >= next {
		return "", nil
	}
	return withSpan(rec, next, v.Feature.Bound()), nil
}
