package bunt

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/tidwall/buntdb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// PutCollection creates a collection or updates its metadata.
func (s *Store) PutCollection(ctx context.Context, meta geo.Collection) error {
	raw, err := store.EncodeCollection(meta)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	err = s.db.Update(func(tx *buntdb.Tx) error {
		_, _, err := tx.Set(collKey(meta.ID), raw, nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("put collection %s: %w", meta.ID, err)
	}
	if c, ok := s.cols[meta.ID]; ok {
		c.meta, c.dirty = meta, true
		return nil
	}
	s.addCollection(meta)
	return nil
}

// write is one transaction's worth of changes; apply makes them visible in
// memory once buntdb has committed them.
type write struct {
	s       *Store
	tx      *buntdb.Tx // the transaction open, nil once it has ended
	chunked bool       // large: committed every chunkKeys keys (guard.go)
	keys    int        // keys set or deleted in tx
	// committed: chunks of this write are in the file and in buntdb's
	// memory, so a failure must undo them.
	committed bool
	at        time.Time
	atKey     string // at, as history records it (store.TimeKey)
	now       string // at, as "updated" holds it
	puts      []*geo.Feature
	deletes   []*geo.Feature
	changes   []store.Change
	vers      map[string]int64
	editor    string        // store.EditorOf the write's context, for its history
	created   []*collection // made by this write, visible once it commits
	spans     []spanAt      // versions it superseded, for the as_of index (asof.go)
	log       changeLog     // the versions it kept, for the changes feed
	moved     changeLog     // versions it superseded: their keys now
	// dups: a feature was put twice, so the version a put supersedes may
	// be an earlier put of the same write.
	dups bool
}

func (s *Store) newWrite() *write {
	at := s.now().UTC()
	return &write{s: s, at: at, atKey: at.Format(store.TimeKey), now: at.Format(time.RFC3339Nano), vers: map[string]int64{}}
}

// collection finds an existing collection or one this write creates.
func (w *write) collection(cid string) *collection {
	if c, ok := w.s.cols[cid]; ok {
		return c
	}
	for _, c := range w.created {
		if c.meta.ID == cid {
			return c
		}
	}
	return nil
}

// createCollections adds the collections that do not exist yet inside the
// transaction, indexes included, so that a rollback leaves none behind.
func (w *write) createCollections(metas []geo.Collection) error {
	for _, meta := range metas {
		if w.collection(meta.ID) != nil {
			continue
		}
		raw, err := store.EncodeCollection(meta)
		if err != nil {
			return err
		}
		if _, _, err := w.set(collKey(meta.ID), raw); err != nil {
			return fmt.Errorf("create collection %s: %w", meta.ID, err)
		}
		w.created = append(w.created, newCollection(meta, 0))
	}
	return nil
}

// bump gives the next version of a collection within this write.
func (w *write) bump(cid string) int64 {
	v, ok := w.vers[cid]
	if !ok {
		v = w.collection(cid).version
	}
	w.vers[cid] = v + 1
	return v + 1
}

// record numbers a change and returns its history.
func (w *write) record(typ store.ChangeType, cid, fid string, version int64) meta {
	w.s.seq++
	w.changes = append(w.changes, store.Change{
		Seq: w.s.seq, Type: typ, Collection: cid, ID: fid, Version: version, Time: w.at,
	})
	return meta{seq: w.s.seq, at: w.atKey, change: typ, editor: w.editor}
}

// put writes f as its next version and returns what it stored: f is the
// caller's and stays as it is.
func (w *write) put(f *geo.Feature, typ store.ChangeType) (*geo.Feature, error) {
	if !f.Has("updated") {
		f = f.WithString("updated", w.now)
	}
	f = f.WithVersion(w.bump(f.Collection()))
	m := w.record(typ, f.Collection(), f.ID(), f.Version())
	k := featKey(f.Collection(), f.ID())
	rec, stored := encodeRecord(f, m)
	prev, replaced, err := w.set(k, rec)
	if err != nil {
		return nil, err
	}
	old := w.latest(stored)
	w.puts = append(w.puts, stored)
	w.log = append(w.log, logEntry{seq: m.seq, at: m.at, key: k})
	if replaced && old != nil {
		if err := w.keep(prev, old); err != nil {
			return nil, err
		}
	}
	return stored, nil
}

// delete removes f, keeping its last state and the deletion (history.go).
func (w *write) delete(f *geo.Feature) error {
	prev, err := w.del(featKey(f.Collection(), f.ID()))
	if err != nil {
		return err
	}
	w.deletes = append(w.deletes, f)
	v := w.bump(f.Collection())
	m := w.record(store.Deleted, f.Collection(), f.ID(), v)
	if err := w.keep(prev, f); err != nil {
		return err
	}
	return w.keepDeletion(f, v, m)
}

// latest is the version of f's id that f supersedes: an earlier put of this
// write, else the stored one; nil when there is none.
func (w *write) latest(f *geo.Feature) *geo.Feature {
	for i := len(w.puts) - 1; w.dups && i >= 0; i-- {
		if p := w.puts[i]; p.ID() == f.ID() && p.Collection() == f.Collection() {
			return p
		}
	}
	if c := w.collection(f.Collection()); c != nil {
		return c.get(f.ID())
	}
	return nil
}

func (w *write) finish() error {
	// The sequence is stored once per transaction, not once per feature:
	// an import of 200,000 features would otherwise set the key 200,000
	// times.
	if len(w.changes) > 0 {
		if _, _, err := w.set(seqKey, strconv.FormatInt(w.s.seq, 10)); err != nil {
			return err
		}
	}
	for cid, v := range w.vers {
		if _, _, err := w.set(verKey(cid), strconv.FormatInt(v, 10)); err != nil {
			return err
		}
	}
	return nil
}

// apply updates memory after a successful commit.
func (w *write) apply() {
	for _, c := range w.created {
		w.s.cols[c.meta.ID] = c
	}
	for _, f := range w.puts {
		w.s.cols[f.Collection()].add(f)
	}
	for _, f := range w.deletes {
		w.s.cols[f.Collection()].drop(f.ID())
	}
	for cid, v := range w.vers {
		c := w.s.cols[cid]
		c.version, c.dirty = v, true
	}
	for _, sp := range w.spans {
		w.s.cols[sp.cid].past.Insert(sp.b.Min, sp.b.Max, sp.s)
	}
	w.s.log = w.s.log.with(w.log)
	w.s.log.move(w.moved)
	w.s.hub.Publish(w.changes)
}

// commit runs fn in one buntdb transaction; on any error nothing changes,
// in the file or in memory.
func (s *Store) commit(ctx context.Context, fn func(w *write) error) error {
	return s.commitFenced(ctx, false, fn)
}

// commitFenced is commit for a write that may be large: fenced and
// committed in chunks (chunk.go) when it is.
func (s *Store) commitFenced(ctx context.Context, large bool, fn func(w *write) error) error {
	w := s.newWrite()
	w.editor = store.EditorOf(ctx)
	w.chunked = large && s.path != ""
	seq := s.seq
	var err error
	if w.chunked {
		err = s.fenced(func() error { return w.run(fn) })
	} else {
		err = w.run(fn)
	}
	if err != nil {
		s.seq = seq
		var p partialError
		if errors.As(err, &p) {
			return errors.Join(p.error, s.undo())
		}
		return err
	}
	w.apply()
	return s.shrinkIfGrown()
}

// Put writes a batch all or nothing, with the collections it creates.
func (s *Store) Put(ctx context.Context, fs []*geo.Feature, mode store.PutMode, create ...geo.Collection) ([]*geo.Feature, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkPut(fs, mode, create); err != nil {
		return nil, err
	}
	out := make([]*geo.Feature, len(fs))
	err := s.commitFenced(ctx, len(fs) > fenceAbove, func(w *write) error {
		if err := w.createCollections(create); err != nil {
			return err
		}
		seen := make(map[string]bool, len(fs))
		for i, f := range fs {
			if f.ID() == "" {
				f = f.WithID(geo.NewID())
			}
			key := f.Collection() + "/" + f.ID()
			exists := w.collection(f.Collection()).get(f.ID()) != nil
			typ := store.Created
			w.dups = w.dups || seen[key]
			if exists || seen[key] {
				typ = store.Replaced
			}
			seen[key] = true
			var err error
			if out[i], err = w.put(f, typ); err != nil {
				return fmt.Errorf("put %s: %w", key, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkPut finds what would fail a Put before anything is written: a
// missing collection, an id that CreateOnly finds taken (s.mu held).
func (s *Store) checkPut(fs []*geo.Feature, mode store.PutMode, create []geo.Collection) error {
	made := map[string]bool{}
	for _, m := range create {
		made[m.ID] = true
	}
	seen := map[string]bool{}
	for _, f := range fs {
		c := s.cols[f.Collection()]
		if c == nil && !made[f.Collection()] {
			return store.Errorf(store.ErrNotFound, "collection %s does not exist", f.Collection())
		}
		if mode != store.CreateOnly || f.ID() == "" {
			continue
		}
		key := f.Collection() + "/" + f.ID()
		if seen[key] || (c != nil && c.get(f.ID()) != nil) {
			return store.Errorf(store.ErrConflict, "feature %s already exists", key)
		}
		seen[key] = true
	}
	return nil
}

// current finds the feature a replace or delete acts on, checking the
// expected version.
func (s *Store) current(cid, fid string, version int64) (*geo.Feature, error) {
	old, err := s.lookup(cid, fid)
	if err != nil {
		return nil, err
	}
	if version != 0 && version != old.Version() {
		return nil, store.Errorf(store.ErrVersionMismatch, "feature %s/%s is at version %d, not %d", cid, fid, old.Version(), version)
	}
	return old, nil
}

// Replace overwrites an existing feature.
func (s *Store) Replace(ctx context.Context, f *geo.Feature, version int64) (*geo.Feature, error) {
	return s.replace(ctx, f, version, store.Replaced)
}

// Patch overwrites an existing feature with a patched copy.
func (s *Store) Patch(ctx context.Context, f *geo.Feature, version int64) (*geo.Feature, error) {
	return s.replace(ctx, f, version, store.Patched)
}

func (s *Store) replace(ctx context.Context, f *geo.Feature, version int64, typ store.ChangeType) (*geo.Feature, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.current(f.Collection(), f.ID(), version); err != nil {
		return nil, err
	}
	var stored *geo.Feature
	err := s.commit(ctx, func(w *write) error {
		var err error
		stored, err = w.put(f, typ)
		return err
	})
	if err != nil {
		return nil, err
	}
	return stored, nil
}

// Delete removes a feature.
func (s *Store) Delete(ctx context.Context, cid, fid string, version int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := s.current(cid, fid, version)
	if err != nil {
		return err
	}
	return s.commit(ctx, func(w *write) error {
		err := w.delete(old)
		if errors.Is(err, buntdb.ErrNotFound) {
			return store.Errorf(store.ErrNotFound, "feature %s/%s does not exist", cid, fid)
		}
		return err
	})
}
