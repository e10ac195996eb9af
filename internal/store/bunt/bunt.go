package bunt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"

	"github.com/tidwall/buntdb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/par"
	"github.com/sitmap/sitmap/internal/store"
)

var (
	_ store.Store         = (*Store)(nil)
	_ store.VersionLister = (*Store)(nil)
)

// Keys: c:{cid} collection metadata; f:{cid}:{fid} the feature's record
// (record.go);
// v:{cid} the collection version; seq the change sequence; the history's
// keys h: (history.go, asof.go, changelog.go). The spatial index of the
// features is in memory (rect.go).
func collKey(cid string) string      { return "c:" + cid }
func featKey(cid, fid string) string { return "f:" + cid + ":" + fid }
func verKey(cid string) string       { return "v:" + cid }

const seqKey = "seq"

// Store is the buntdb-backed store. Writers are serialised by mu; readers
// share it.
type Store struct {
	// Repaired says that Open cut off a large write that a crash had
	// interrupted (none of it had been acknowledged).
	Repaired bool

	now    store.Clock
	path   string // "" for ":memory:"
	shrunk int64  // the file's size after it was last written whole
	db     *buntdb.DB
	lock   *os.File // nil for ":memory:"
	mu     sync.RWMutex
	cols   map[string]*collection
	seq    int64
	log    changeLog // every kept version in sequence order (changelog.go)
	hub    store.Hub
	// failChunk, set by tests, fails a large write between its chunks.
	failChunk func() error
}

// Option changes how Open sets up the store.
type Option func(*Store)

// WithClock makes the store read the time of its writes from now.
func WithClock(now store.Clock) Option { return func(s *Store) { s.now = now } }

// Open opens or creates the store file at path (":memory:" keeps nothing
// on disk). Every commit is fsynced before it returns. The file is this
// process's until Close: a second Open fails at once with ErrInUse.
func Open(path string, opts ...Option) (*Store, error) {
	var lock *os.File
	if path != ":memory:" {
		var err error
		if lock, err = lockFile(path); err != nil {
			return nil, err
		}
	}
	s, err := open(path)
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		return nil, err
	}
	s.lock = lock
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

func open(path string) (*Store, error) {
	var repaired bool
	if path != ":memory:" {
		var err error
		if repaired, err = repairTail(path); err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	}
	db, err := buntdb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	var cfg buntdb.Config
	if err := db.ReadConfig(&cfg); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	cfg.SyncPolicy = buntdb.Always
	// Only this package rewrites the file, between writes (guard.go).
	cfg.AutoShrinkDisabled = true
	if err := db.SetConfig(cfg); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{now: store.SystemClock, db: db, cols: map[string]*collection{}, Repaired: repaired}
	if path != ":memory:" {
		s.path = path
	}
	if err := s.load(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := s.shrinkIfGrown(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return s, nil
}

// shrinkAbove is the file size below which the file is never rewritten.
const shrinkAbove = 64 << 20

// shrinkIfGrown rewrites the file (buntdb's Shrink: every current record
// once) when it has doubled since it was last written whole. Callers hold
// the write lock or are opening the store, so no fenced write is going on.
func (s *Store) shrinkIfGrown() error {
	if s.path == "" {
		return nil
	}
	st, err := os.Stat(s.path)
	if err != nil {
		return err
	}
	if st.Size() < shrinkAbove || st.Size() < 2*s.shrunk {
		return nil
	}
	if s.shrunk == 0 {
		// The size at open: the baseline for the next check.
		s.shrunk = st.Size()
		return nil
	}
	if err := s.db.Shrink(); err != nil {
		return fmt.Errorf("shrink: %w", err)
	}
	if st, err = os.Stat(s.path); err == nil {
		s.shrunk = st.Size()
	}
	return nil
}

// load builds the spatial indexes and the in-memory copy from the file.
func (s *Store) load() error {
	var metas []geo.Collection
	err := s.db.View(func(tx *buntdb.Tx) error {
		if v, err := tx.Get(seqKey); err == nil {
			s.seq, _ = strconv.ParseInt(v, 10, 64)
		}
		return tx.AscendKeys("c:*", func(k, v string) bool {
			var c geo.Collection
			if err := json.Unmarshal([]byte(v), &c); err == nil {
				metas = append(metas, c)
			}
			return true
		})
	})
	if err != nil {
		return err
	}
	for _, m := range metas {
		s.addCollection(m)
	}
	current, err := s.loadFeatures()
	if err != nil {
		return err
	}
	if err := s.dropKeys(rectPrefix, seqPrefix); err != nil {
		return err
	}
	if err := s.indexHistory(); err != nil {
		return err
	}
	folded, err := s.foldCurrent()
	if err != nil {
		return err
	}
	if folded {
		// The features read before share the records folding replaced.
		for _, m := range metas {
			s.addCollection(m)
		}
		if current, err = s.loadFeatures(); err != nil {
			return err
		}
	}
	return s.loadHistory(current)
}

// loadFeatures builds the spatial indexes and the in-memory copy of the
// features from the file, into collections that hold none, and returns
// the changes log's entries of their versions.
func (s *Store) loadFeatures() (changeLog, error) {
	// Records are decoded on every core: at 222,000 features decoding is
	// most of the time it takes to start.
	var keys, vals []string
	err := s.db.View(func(tx *buntdb.Tx) error {
		n, _ := tx.Len()
		keys, vals = make([]string, 0, n), make([]string, 0, n)
		return tx.AscendKeys("f:*", func(k, v string) bool {
			keys, vals = append(keys, k), append(vals, v)
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	fs := make([]*geo.Feature, len(keys))
	log := make(changeLog, len(keys))
	err = par.Do(len(keys), func(i int) error {
		cid, _ := splitFeatKey(keys[i])
		f, m, err := decodeRecord(cid, vals[i])
		if err != nil {
			return fmt.Errorf("%s: %w", keys[i], err)
		}
		fs[i], log[i] = f, logEntry{seq: m.seq, at: m.at, key: keys[i]}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Keys are in order, so each collection's features are a run, in id
	// order.
	for i := 0; i < len(fs); {
		cid := fs[i].Collection()
		j := i + 1
		for j < len(fs) && fs[j].Collection() == cid {
			j++
		}
		if c := s.cols[cid]; c != nil {
			c.load(fs[i:j])
		}
		i = j
	}
	// Records without history have no entry.
	return slices.DeleteFunc(log, func(e logEntry) bool { return e.seq == 0 }), nil
}

// addCollection registers a collection in memory.
func (s *Store) addCollection(meta geo.Collection) {
	var ver int64
	_ = s.db.View(func(tx *buntdb.Tx) error {
		v, err := tx.Get(verKey(meta.ID))
		if err == nil {
			ver, _ = strconv.ParseInt(v, 10, 64)
		}
		return nil
	})
	s.cols[meta.ID] = newCollection(meta, ver)
}

// Close closes the file and releases it to other processes.
func (s *Store) Close() error {
	s.hub.Close()
	err := s.db.Close()
	if s.lock != nil {
		s.lock.Close()
	}
	return err
}

// Ping reports whether the file is still open.
func (s *Store) Ping(ctx context.Context) error {
	return s.db.View(func(tx *buntdb.Tx) error {
		_, err := tx.Get(seqKey)
		if errors.Is(err, buntdb.ErrNotFound) {
			return nil
		}
		return err
	})
}

// Subscribe streams changes committed from now on.
func (s *Store) Subscribe(ctx context.Context) <-chan store.Change {
	return s.hub.Subscribe(ctx)
}

// dropKeys deletes, once, the keys under prefixes that older versions
// wrote and this one no longer reads. The deletions are idempotent, so a
// crash halfway leaves the rest for the next open.
func (s *Store) dropKeys(prefixes ...string) error {
	var keys []string
	err := s.db.View(func(tx *buntdb.Tx) error {
		for _, p := range prefixes {
			err := tx.AscendKeys(p+"*", func(k, _ string) bool {
				keys = append(keys, k)
				return true
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || len(keys) == 0 {
		return err
	}
	err = s.db.Update(func(tx *buntdb.Tx) error {
		for _, k := range keys {
			if _, err := tx.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("drop the keys an older version kept: %w", err)
	}
	return nil
}
