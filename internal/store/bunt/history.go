package bunt

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/buntdb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// History keys: h:{cid}:{fid}:{version} holds a version that a later write
// superseded, or a deletion (histRecord), written in the transaction of
// that write; the number is zero-padded so key order is version order. A
// current version's history is in the feature's record (record.go). The
// changes feed reads both in sequence order through s.log (changelog.go).
func histKey(cid, fid string, version int64) string {
	return "h:" + cid + ":" + fid + ":" + pad(version)
}

func pad(n int64) string { return fmt.Sprintf("%019d", n) }

// histRecord is one kept version.
type histRecord struct {
	Seq     int64            `json:"seq"`
	Time    string           `json:"time"` // store.TimeKey
	Editor  string           `json:"editor,omitempty"`
	Change  store.ChangeType `json:"change"`
	Version int64            `json:"version"`
	Feature json.RawMessage  `json:"feature"`
}

// keep writes the h: key of the version old that this write supersedes,
// from its record prev: its history and its state, with the span it held
// (asof.go). A feature written before history was kept has none to keep.
func (w *write) keep(prev string, old *geo.Feature) error {
	r, err := parseRecord(prev)
	if err != nil {
		return fmt.Errorf("history of %s/%s: %w", old.Collection(), old.ID(), err)
	}
	if r.seq == 0 {
		return nil
	}
	k := histKey(old.Collection(), old.ID(), old.Version())
	rec := w.supersede(k, histValue(r.seq, r.at, r.editor, r.change, old.Version(), old.JSON()), old)
	if _, _, err := w.set(k, rec); err != nil {
		return fmt.Errorf("history of %s/%s: %w", old.Collection(), old.ID(), err)
	}
	w.moved = append(w.moved, logEntry{seq: r.seq, at: recordTime(rec), key: k})
	return nil
}

// keepDeletion writes the h: key of a deletion (version, history m), which
// points at the version before it ("feature": null) as Versions reads it.
func (w *write) keepDeletion(f *geo.Feature, version int64, m meta) error {
	k := histKey(f.Collection(), f.ID(), version)
	rec := histValue(m.seq, m.at, m.editor, store.Deleted, version, "null")
	if _, _, err := w.set(k, rec); err != nil {
		return fmt.Errorf("history of %s/%s: %w", f.Collection(), f.ID(), err)
	}
	w.log = append(w.log, logEntry{seq: m.seq, at: m.at, key: k})
	return nil
}

// histValue is a record, built by hand with the feature last, so that the
// write superseding it can fill it in.
func histValue(seq int64, at, editor string, change store.ChangeType, version int64, feature string) string {
	return `{"seq":` + strconv.FormatInt(seq, 10) + `,"time":"` + at + `","editor":` + strconv.Quote(editor) +
		`,"change":"` + string(change) + `","version":` + strconv.FormatInt(version, 10) + `,"feature":` + feature + "}"
}

// currentTail ends the record of a version whose feature is elsewhere:
// the version before (a deletion), or, as older versions of sitmap wrote
// them, the f: key (the current version; foldCurrent).
const currentTail = `"feature":null}`

// decodeHist reads a record; the feature of a current version comes from
// memory (s.mu held for reading).
func (s *Store) decodeHist(cid, fid, v string) (store.Version, error) {
	// The feature is the record's last member: the header alone goes
	// through encoding/json, the feature through geo's decoder.
	var r histRecord
	head, feature, ok := strings.Cut(v, `,"feature":`)
	if !ok || !strings.HasSuffix(feature, "}") {
		return store.Version{}, fmt.Errorf("history of %s/%s: malformed record", cid, fid)
	}
	if err := json.Unmarshal([]byte(head+"}"), &r); err != nil {
		return store.Version{}, fmt.Errorf("history of %s/%s: %w", cid, fid, err)
	}
	r.Feature = json.RawMessage(feature[:len(feature)-1])
	t, err := time.Parse(store.TimeKey, r.Time)
	if err != nil {
		return store.Version{}, fmt.Errorf("history of %s/%s: %w", cid, fid, err)
	}
	out := store.Version{Seq: r.Seq, Change: r.Change, Collection: cid, ID: fid, Version: r.Version, Time: t, Editor: r.Editor}
	if len(r.Feature) > 0 && string(r.Feature) != "null" {
		if out.Feature, err = geo.DecodeFeature(r.Feature); err != nil {
			return store.Version{}, fmt.Errorf("history of %s/%s: %w", cid, fid, err)
		}
	} else if c, ok := s.cols[cid]; ok && r.Change != store.Deleted {
		if f := c.get(fid); f != nil && f.Version() == r.Version {
			out.Feature = f
		}
	}
	return out, nil
}

// splitHistKey reads h:{cid}:{fid}:{version}.
func splitHistKey(k string) (cid, fid string) {
	parts := strings.Split(k, ":")
	if len(parts) != 4 {
		return "", ""
	}
	return parts[1], parts[2]
}

// currentVersion reads the history of a current version from its record
// rec, with the feature in memory (s.mu held for reading); false when the
// record has none.
func (s *Store) currentVersion(cid, fid, rec string) (store.Version, bool, error) {
	r, err := parseRecord(rec)
	if err != nil || r.seq == 0 {
		return store.Version{}, false, err
	}
	t, err := time.Parse(store.TimeKey, r.at)
	if err != nil {
		return store.Version{}, false, fmt.Errorf("history of %s/%s: %w", cid, fid, err)
	}
	v := store.Version{Seq: r.seq, Change: r.change, Collection: cid, ID: fid, Version: r.version, Time: t, Editor: r.editor}
	if c, ok := s.cols[cid]; ok {
		if f := c.get(fid); f != nil && f.Version() == r.version {
			v.Feature = f
		}
	}
	if v.Feature == nil {
		return store.Version{}, false, fmt.Errorf("history of %s/%s: version %d is not the one in memory", cid, fid, r.version)
	}
	return v, true, nil
}

// Versions returns a feature's kept versions, newest first.
func (s *Store) Versions(ctx context.Context, cid, fid string) ([]store.Version, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []store.Version
	var derr error
	err := s.db.View(func(tx *buntdb.Tx) error {
		if rec, err := tx.Get(featKey(cid, fid)); err == nil {
			v, ok, err := s.currentVersion(cid, fid, rec)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, v)
			}
		}
		return tx.DescendKeys("h:"+cid+":"+fid+":*", func(k, v string) bool {
			var ver store.Version
			if ver, derr = s.decodeHist(cid, fid, v); derr != nil {
				return false
			}
			out = append(out, ver)
			return true
		})
	})
	if err == nil {
		err = derr
	}
	if err != nil {
		return nil, fmt.Errorf("versions of %s/%s: %w", cid, fid, err)
	}
	if len(out) == 0 {
		return nil, store.Errorf(store.ErrNotFound, "feature %s/%s has no history", cid, fid)
	}
	for i := range out[:len(out)-1] { // a deletion shows the version it deleted
		if out[i].Change == store.Deleted && out[i].Feature == nil {
			out[i].Feature = out[i+1].Feature
		}
	}
	return out, nil
}

// Changes reads the log from the first write after q.After, skipping
// those before q.Since or of other collections.
func (s *Store) Changes(ctx context.Context, q store.ChangesQuery) ([]store.Version, error) {
	since := q.Since.UTC().Format(store.TimeKey)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.histRecords(s.log.keys(q.After, since, q.Collection, q.Limit))
}

// histRecords reads the versions that keys (f: or h:) hold (s.mu held for
// reading, so that none moves meanwhile).
func (s *Store) histRecords(keys []string) ([]store.Version, error) {
	out := make([]store.Version, 0, len(keys))
	err := s.db.View(func(tx *buntdb.Tx) error {
		for _, k := range keys {
			v, err := tx.Get(k)
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			var ver store.Version
			if strings.HasPrefix(k, "f:") {
				cid, fid := splitFeatKey(k)
				ver, _, err = s.currentVersion(cid, fid, v)
			} else {
				cid, fid := splitHistKey(k)
				ver, err = s.decodeHist(cid, fid, v)
			}
			if err != nil {
				return err
			}
			out = append(out, ver)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	return out, nil
}

// queryAsOf answers a query from the current features recorded by then
// and the superseded versions current then (asof.go), filtered, sorted
// and paged in Go.
func (s *Store) queryAsOf(ctx context.Context, q store.Query) (store.Page, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.cols[q.Collection]
	if !ok {
		return store.Page{}, store.Errorf(store.ErrNotFound, "collection %s does not exist", q.Collection)
	}
	asOf := q.AsOf.UTC()
	var fs []*geo.Feature
	err := s.db.View(func(tx *buntdb.Tx) error {
		cur, err := currentAsOf(tx, c, q.BBox, asOf)
		if err != nil {
			return err
		}
		old, err := s.supersededAsOf(tx, c, q.BBox, asOf)
		fs = append(cur, old...)
		return err
	})
	if err != nil {
		return store.Page{}, fmt.Errorf("query %s as of %s: %w", q.Collection, asOf.Format(store.TimeKey), err)
	}
	out := fs[:0]
	for _, f := range fs {
		if q.Match(f) {
			out = append(out, f)
		}
	}
	return store.PageOf(out, q), nil
}

// sameFeature reports whether two history keys are of one feature: they
// differ only in the zero-padded version at the end.
func sameFeature(a, b string) bool {
	n := len(a) - 19
	return len(a) == len(b) && n > 0 && a[:n] == b[:n]
}

// recordTime reads the time of a record that history wrote.
func recordTime(rec string) string {
	i := strings.Index(rec, `"time":"`)
	if i < 0 || len(rec) < i+8+len(store.TimeKey) {
		return ""
	}
	return rec[i+8 : i+8+len(store.TimeKey)]
}

// PruneHistory drops versions recorded before before except each
// feature's latest, in one transaction.
func (s *Store) PruneHistory(ctx context.Context, before time.Time) (int, error) {
	cut := before.UTC().Format(store.TimeKey)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	err := s.db.Update(func(tx *buntdb.Tx) error {
		var drop []string
		var prevKey, prevTime string
		// The previous key goes when it is older than cut and not its
		// feature's latest version: another follows, or the feature's
		// record holds the current one.
		consider := func(next string) {
			if prevKey == "" || prevTime >= cut {
				return
			}
			cid, fid := splitHistKey(prevKey)
			if c := s.cols[cid]; sameFeature(prevKey, next) || (c != nil && c.get(fid) != nil) {
				drop = append(drop, prevKey)
			}
		}
		err := tx.AscendKeys("h:*", func(k, v string) bool {
			consider(k)
			prevKey, prevTime = k, recordTime(v)
			return true
		})
		if err != nil {
			return err
		}
		consider("")
		for _, k := range drop {
			if _, err := tx.Delete(k); err != nil {
				return err
			}
		}
		n = len(drop)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune history: %w", err)
	}
	if n > 0 {
		// The spans and log entries of the versions dropped go with
		// them: rare enough to read the rest again.
		if err := s.loadHistory(s.log.current()); err != nil {
			return n, fmt.Errorf("prune history: %w", err)
		}
	}
	return n, nil
}
