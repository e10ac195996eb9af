package bunt

import (
	"context"
	"fmt"
	"strconv"

	"github.com/tidwall/buntdb"

	"github.com/sitmap/sitmap/internal/store"
)

// Restore writes a history into a store without features or history, in
// one transaction (fenced when large, as an import is).
func (s *Store) Restore(ctx context.Context, r store.Restoration) error {
	if err := r.Check(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkEmpty(); err != nil {
		return err
	}
	fs := r.Current()
	if err := s.checkPut(fs, store.Upsert, r.Create); err != nil {
		return err
	}
	return s.commitFenced(ctx, len(r.Versions) > fenceAbove, func(w *write) error {
		if err := w.createCollections(r.Create); err != nil {
			return err
		}
		current, err := w.restoreVersions(r.Versions)
		if err != nil {
			return err
		}
		for _, f := range fs {
			rec, stored := encodeRecord(f, current[[2]string{f.Collection(), f.ID()}])
			if _, _, err := w.set(featKey(f.Collection(), f.ID()), rec); err != nil {
				return fmt.Errorf("restore %s/%s: %w", f.Collection(), f.ID(), err)
			}
			w.puts = append(w.puts, stored)
		}
		vers, seq := r.Heads()
		for cid, v := range vers {
			w.vers[cid] = max(v, w.collection(cid).version)
		}
		s.seq = max(s.seq, seq)
		_, _, err = w.set(seqKey, strconv.FormatInt(s.seq, 10))
		return err
	})
}

// checkEmpty refuses a restore into a store that holds features or
// history (s.mu held).
func (s *Store) checkEmpty() error {
	for id, c := range s.cols {
		if c.ids.n > 0 {
			return store.Errorf(store.ErrConflict, "the store is not empty (collection %s has %d features): a history restores into an empty store only", id, c.ids.n)
		}
	}
	any := false
	err := s.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendKeys("h:*", func(k, v string) bool { any = true; return false })
	})
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if any {
		return store.Errorf(store.ErrConflict, "the store is not empty (it holds history): a history restores into an empty store only")
	}
	return nil
}

// restoreVersions writes the history keys of vs (in Seq order) as the
// writes would have: a deletion pointing at the version before it when
// there is one, and every superseded state with its span (asof.go). It
// returns the history of each feature's current version, which goes into
// the feature's record.
func (w *write) restoreVersions(vs []store.Version) (map[[2]string]meta, error) {
	next := make([]int, len(vs))  // the feature's next version, or -1
	prev := make([]bool, len(vs)) // whether the feature has a version before
	seen := map[[2]string]int{}
	for i := len(vs) - 1; i >= 0; i-- {
		k := [2]string{vs[i].Collection, vs[i].ID}
		next[i] = -1
		if j, ok := seen[k]; ok {
			next[i], prev[j] = j, true
		}
		seen[k] = i
	}
	current := map[[2]string]meta{}
	for i, v := range vs {
		at := v.Time.UTC().Format(store.TimeKey)
		if next[i] < 0 && v.Change != store.Deleted {
			k := [2]string{v.Collection, v.ID}
			current[k] = meta{seq: v.Seq, at: at, change: v.Change, editor: v.Editor}
			w.log = append(w.log, logEntry{seq: v.Seq, at: at, key: featKey(v.Collection, v.ID)})
			continue
		}
		feature := "null"
		switch {
		case v.Change == store.Deleted && prev[i]:
		case v.Feature != nil && (next[i] >= 0 || v.Change == store.Deleted):
			feature = v.Feature.JSON()
		}
		k, rec := histKey(v.Collection, v.ID, v.Version), histValue(v.Seq, at, v.Editor, v.Change, v.Version, feature)
		w.log = append(w.log, logEntry{seq: v.Seq, at: at, key: k})
		if n := next[i]; n >= 0 && v.Change != store.Deleted && v.Time.Before(vs[n].Time) {
			t1, b := vs[n].Time.UTC().Format(store.TimeKey), v.Feature.Bound()
			rec = withSpan(rec, t1, b)
			w.spans = append(w.spans, spanAt{cid: v.Collection, b: b, s: &span{key: k, t0: at, t1: t1}})
		}
		if _, _, err := w.set(k, rec); err != nil {
			return nil, fmt.Errorf("restore %s/%s version %d: %w", v.Collection, v.ID, v.Version, err)
		}
	}
	return current, nil
}
