// Package bunt is the embedded Store: one buntdb file, fsynced on every
// commit, is the durable copy; decoded features are kept in memory with a
// spatial index per collection (index.go), so filters never re-parse JSON
// and bbox queries walk the index and never scan.
package bunt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/tidwall/buntdb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

var _ store.Store = (*Store)(nil)

// Keys: c:{cid} collection metadata; f:{cid}:{fid} "version json";
// v:{cid} the collection version; seq the change sequence. (Files written
// before the in-memory index also hold b:{cid}:{fid} bounding rects; they
// are no longer read.)
func collKey(cid string) string      { return "c:" + cid }
func featKey(cid, fid string) string { return "f:" + cid + ":" + fid }
func rectKey(cid, fid string) string { return "b:" + cid + ":" + fid }
func verKey(cid string) string       { return "v:" + cid }

const seqKey = "seq"

// Store is the buntdb-backed store. Writers are serialised by mu; readers
// share it.
type Store struct {
	db   *buntdb.DB
	mu   sync.RWMutex
	cols map[string]*collection
	seq  int64
	hub  hub
}

// Open opens or creates the store file at path (":memory:" keeps nothing
// on disk). Every commit is fsynced before it returns.
func Open(path string) (*Store, error) {
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
	if err := db.SetConfig(cfg); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{db: db, cols: map[string]*collection{}}
	if err := s.load(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return s, nil
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
		if err := s.addCollection(m); err != nil {
			return err
		}
	}
	return s.db.View(func(tx *buntdb.Tx) error {
		var derr error
		err := tx.AscendKeys("f:*", func(k, v string) bool {
			cid, _, _ := strings.Cut(k[2:], ":")
			f, err := decodeRecord(v)
			if err != nil {
				derr = fmt.Errorf("%s: %w", k, err)
				return false
			}
			f.Collection = cid
			if c := s.cols[cid]; c != nil {
				c.feats[f.ID] = f
				c.ix.insert(f)
			}
			return true
		})
		if err != nil {
			return err
		}
		return derr
	})
}

// addCollection registers a collection in memory and gives it its index.
func (s *Store) addCollection(meta geo.Collection) error {
	var ver int64
	_ = s.db.View(func(tx *buntdb.Tx) error {
		v, err := tx.Get(verKey(meta.ID))
		if err == nil {
			ver, _ = strconv.ParseInt(v, 10, 64)
		}
		return nil
	})
	s.cols[meta.ID] = &collection{meta: meta, version: ver, feats: map[string]*geo.Feature{}, ix: newIndex()}
	return nil
}

func encodeRecord(f *geo.Feature) (string, error) {
	b, err := f.AppendJSON(strconv.AppendInt(nil, f.Version, 10))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func decodeRecord(v string) (*geo.Feature, error) {
	i := strings.IndexByte(v, '{')
	if i < 1 {
		return nil, errors.New("malformed record")
	}
	ver, err := strconv.ParseInt(v[:i], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("malformed version: %w", err)
	}
	f, err := geo.DecodeFeature([]byte(v[i:]))
	if err != nil {
		return nil, err
	}
	f.Version = ver
	return f, nil
}

// Close closes the file.
func (s *Store) Close() error {
	s.hub.closeAll()
	return s.db.Close()
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
	return s.hub.subscribe(ctx)
}
