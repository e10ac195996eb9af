package bunt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/tidwall/buntdb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// The as_of index. A version that a later write superseded was its
// feature's state from its record time t0 until that write's time t1; it
// gets a key hr:{cid}:{fid}:{version} (its history key's tail) whose value
// is its box in four dimensions: lon, lat, time and collection (a hash of
// the id). One R-tree holds them all, so opening the store costs one more
// pass over the keys, not one per collection. A query as of T asks the
// R-tree for the boxes at T in its bbox instead of walking every version.
// Current versions are not in it: the features' own index finds them, and
// their history record says whether they were there at T. So a create
// costs nothing more, a replace or delete one key.
const (
	asOfIndex  = "sh"
	histRectLn = 1 + 8*8 + 2*len(store.TimeKey)
	histMarker = "sh-built" // the index holds every superseded version
)

func histRectKey(cid, fid string, version int64) string {
	return "hr:" + cid + ":" + fid + ":" + pad(version)
}

// seconds is t as the R-tree's time axis. A float64 holds it to a fraction
// of a microsecond; queries widen their window by timeSlack and test the
// exact times that follow the box in the value.
func seconds(t time.Time) float64 { return float64(t.Unix()) + float64(t.Nanosecond())/1e9 }

const timeSlack = time.Millisecond

func collectionAxis(cid string) float64 {
	h := fnv.New32a()
	h.Write([]byte(cid))
	return float64(h.Sum32())
}

// encodeHistRect is a tag byte, the box's eight float64s (min then max
// of lon, lat, time, collection), then t0 and t1 as store.TimeKey.
func encodeHistRect(b orb.Bound, cid string, t0, t1 time.Time) string {
	c := collectionAxis(cid)
	buf := make([]byte, 1, histRectLn)
	buf[0] = 'h'
	for _, v := range [8]float64{b.Min[0], b.Min[1], seconds(t0), c, b.Max[0], b.Max[1], seconds(t1), c} {
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
	}
	buf = append(buf, t0.UTC().Format(store.TimeKey)...)
	return string(append(buf, t1.UTC().Format(store.TimeKey)...))
}

// decodeHistRect is the as_of index's rect function.
func decodeHistRect(v string) (min, max []float64) {
	if len(v) != histRectLn || v[0] != 'h' {
		return nil, nil
	}
	r := make([]float64, 8)
	for i := range r {
		r[i] = math.Float64frombits(binary.LittleEndian.Uint64([]byte(v[1+8*i : 9+8*i])))
	}
	return r[0:4:4], r[4:8:8]
}

// histRectTimes reads t0 and t1 (store.TimeKey) of a value.
func histRectTimes(v string) (t0, t1 string) {
	n := len(store.TimeKey)
	return v[histRectLn-2*n : histRectLn-n], v[histRectLn-n:]
}

// supersede indexes the version old (recorded at t0, in the record rec)
// as superseded at t1, unless it never was current (two writes of one
// batch).
func supersede(tx *buntdb.Tx, old *geo.Feature, rec string, t1 time.Time) error {
	t0, err := time.Parse(store.TimeKey, recordTime(rec))
	if err != nil || !t0.Before(t1) {
		return err
	}
	_, _, err = tx.Set(histRectKey(old.Collection(), old.ID(), old.Version()), encodeHistRect(old.Bound(), old.Collection(), t0, t1), nil)
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
// record, as for the rest of the history).
func currentAsOf(tx *buntdb.Tx, c *collection, bbox *geo.BBox, asOf time.Time) ([]*geo.Feature, error) {
	var cands []*geo.Feature
	if bbox == nil {
		for _, f := range c.feats {
			cands = append(cands, f)
		}
	} else {
		seen := map[string]bool{}
		for _, b := range bbox.Bounds() {
			c.tree.Search(b.Min, b.Max, func(_, _ [2]float64, f *geo.Feature) bool {
				if !seen[f.ID()] {
					seen[f.ID()] = true
					cands = append(cands, f)
				}
				return true
			})
		}
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
// asOf, from the as_of index (s.mu held for reading).
func (s *Store) supersededAsOf(tx *buntdb.Tx, cid string, bbox *geo.BBox, asOf time.Time) ([]*geo.Feature, error) {
	key, prefix := asOf.Format(store.TimeKey), "hr:"+cid+":"
	var keys []string
	seen := map[string]bool{}
	for _, b := range boundsOf(bbox) {
		err := tx.Intersects(asOfIndex, encodeHistRect(b, cid, asOf.Add(-timeSlack), asOf.Add(timeSlack)), func(k, v string) bool {
			if t0, t1 := histRectTimes(v); t0 <= key && key < t1 && strings.HasPrefix(k, prefix) && !seen[k] {
				seen[k] = true
				keys = append(keys, "h:"+k[3:])
			}
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	out := make([]*geo.Feature, 0, len(keys))
	for _, k := range keys {
		rec, err := tx.Get(k)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		c, fid := splitHistKey(k)
		v, err := s.decodeHist(c, fid, rec)
		if err != nil {
			return nil, err
		}
		if f := v.StoredAt(); f != nil {
			out = append(out, f)
		}
	}
	return out, nil
}

// indexHistory creates the as_of index and, in a file from before it,
// indexes every superseded version once (s.cols loaded).
func (s *Store) indexHistory() error {
	err := s.db.CreateSpatialIndex(asOfIndex, "hr:*", decodeHistRect)
	if err != nil && !errors.Is(err, buntdb.ErrIndexExists) {
		return fmt.Errorf("as_of index: %w", err)
	}
	built := false
	_ = s.db.View(func(tx *buntdb.Tx) error {
		_, err := tx.Get(histMarker)
		built = err == nil
		return nil
	})
	if built {
		return nil
	}
	sets := map[string]string{}
	var prevKey, prevVal string
	var derr error
	err = s.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendKeys("h:*", func(k, v string) bool {
			if prevKey != "" && sameFeature(prevKey, k) {
				var val string
				if val, derr = s.supersededRect(prevKey, prevVal, recordTime(v)); derr != nil {
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
	return s.db.Update(func(tx *buntdb.Tx) error {
		for k, v := range sets {
			if _, _, err := tx.Set(k, v, nil); err != nil {
				return fmt.Errorf("as_of index: %w", err)
			}
		}
		_, _, err := tx.Set(histMarker, "1", nil)
		return err
	})
}

// supersededRect is the as_of index value of the version in the record
// rec (key k) superseded at next (store.TimeKey); "" when it was never a
// state (a deletion, two writes of one batch, a feature not kept).
func (s *Store) supersededRect(k, rec, next string) (string, error) {
	cid, fid := splitHistKey(k)
	v, err := s.decodeHist(cid, fid, rec)
	if err != nil {
		return "", err
	}
	t1, err := time.Parse(store.TimeKey, next)
	if err != nil {
		return "", fmt.Errorf("%s: %w", k, err)
	}
	if v.Change == store.Deleted || v.Feature == nil || !v.Time.Before(t1) {
		return "", nil
	}
	return encodeHistRect(v.Feature.Bound(), cid, v.Time, t1), nil
}
