package bunt

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tidwall/buntdb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// A feature's record, f:{cid}:{fid}, is its version, the history of that
// version, then its GeoJSON:
//
//	7,1234,2026-12-02T03:04:05.000000000Z,replaced,"ed"{"type":"Feature",...}
//
// (version, sequence number, record time, change, editor). The current
// version's history lives in the feature's own record, so a feature costs
// buntdb one item; the h: key of a version (history.go) is written only
// when a later write supersedes it. Older versions of sitmap wrote the
// history of the current version in an h: key too, which open folds in
// (foldCurrent). A record without history, "7{...}", is of a feature
// written before history was kept.

// meta is the history of a current version; a zero seq means none.
type meta struct {
	seq    int64
	at     string // store.TimeKey
	change store.ChangeType
	editor string
}

// record is a feature's record, read.
type record struct {
	version int64
	meta
	json string
}

// recordOf writes a record. buntdb keeps every record in memory as a
// string, so the stored feature holds the record's GeoJSON (a substring,
// the same bytes) instead of a copy.
func recordOf(version int64, m meta, json string) string {
	head := strconv.FormatInt(version, 10)
	if m.seq > 0 {
		head += "," + strconv.FormatInt(m.seq, 10) + "," + m.at + "," + string(m.change) + "," + strconv.Quote(m.editor)
	}
	return head + json
}

// encodeRecord is f's record with the history m, and f sharing its bytes.
func encodeRecord(f *geo.Feature, m meta) (string, *geo.Feature) {
	rec := recordOf(f.Version(), m, f.JSON())
	return rec, f.SharingJSON(rec[len(rec)-len(f.JSON()):])
}

var errRecord = errors.New("malformed record")

// parseRecord reads a record's head; its GeoJSON is not read.
func parseRecord(v string) (record, error) {
	i := 0
	for i < len(v) && '0' <= v[i] && v[i] <= '9' {
		i++
	}
	var r record
	var err error
	if r.version, err = strconv.ParseInt(v[:i], 10, 64); err != nil {
		return record{}, fmt.Errorf("%w: version: %w", errRecord, err)
	}
	rest := v[i:]
	if strings.HasPrefix(rest, "{") {
		r.json = rest
		return r, nil
	}
	rest, ok := strings.CutPrefix(rest, ",")
	seq, rest, ok1 := strings.Cut(rest, ",")
	at, rest, ok2 := strings.Cut(rest, ",")
	change, rest, ok3 := strings.Cut(rest, ",")
	if !ok || !ok1 || !ok2 || !ok3 || len(at) != len(store.TimeKey) {
		return record{}, errRecord
	}
	if r.seq, err = strconv.ParseInt(seq, 10, 64); err != nil || r.seq < 1 {
		return record{}, fmt.Errorf("%w: sequence number %q", errRecord, seq)
	}
	quoted, err := strconv.QuotedPrefix(rest)
	if err != nil {
		return record{}, fmt.Errorf("%w: editor: %w", errRecord, err)
	}
	if r.editor, err = strconv.Unquote(quoted); err != nil {
		return record{}, fmt.Errorf("%w: editor: %w", errRecord, err)
	}
	r.at, r.change, r.json = at, store.ChangeType(change), rest[len(quoted):]
	if !strings.HasPrefix(r.json, "{") {
		return record{}, errRecord
	}
	return r, nil
}

// decodeRecord reads a record: its feature and its history.
func decodeRecord(cid, v string) (*geo.Feature, meta, error) {
	r, err := parseRecord(v)
	if err != nil {
		return nil, meta{}, err
	}
	if f, err := geo.DecodeStored(cid, r.version, r.json); err == nil {
		return f, r.meta, nil
	}
	// A record an older version wrote in another layout.
	f, err := geo.DecodeFeature([]byte(r.json))
	if err != nil {
		return nil, meta{}, err
	}
	return f.WithCollection(cid).WithVersion(r.version).SharingJSON(r.json), r.meta, nil
}

// splitFeatKey reads f:{cid}:{fid}.
func splitFeatKey(k string) (cid, fid string) {
	cid, fid, _ = strings.Cut(strings.TrimPrefix(k, "f:"), ":")
	return cid, fid
}

// foldCurrent moves, once, the history of each current version from its
// own h: key, where older versions of sitmap kept it, into the feature's
// record, and reports whether there was any; the file is then rewritten.
func (s *Store) foldCurrent() (bool, error) {
	sets := map[string]string{}
	var drop []string
	err := s.db.View(func(tx *buntdb.Tx) error {
		var derr error
		err := tx.AscendKeys("h:*", func(k, v string) bool {
			if !strings.HasSuffix(v, currentTail) {
				return true
			}
			cid, fid := splitHistKey(k)
			var h store.Version
			if h, derr = s.decodeHist(cid, fid, v); derr != nil {
				return false
			}
			fk := featKey(cid, fid)
			rec, err := tx.Get(fk)
			if h.Change == store.Deleted || err != nil {
				return true
			}
			r, err := parseRecord(rec)
			switch {
			case err != nil || r.version != h.Version:
			case r.seq == 0:
				sets[fk] = recordOf(r.version, meta{seq: h.Seq, at: recordTime(v), change: h.Change, editor: h.Editor}, r.json)
				drop = append(drop, k)
			case r.seq == h.Seq: // folded by a fold that did not finish
				drop = append(drop, k)
			}
			return true
		})
		return errors.Join(err, derr)
	})
	if err != nil || len(drop) == 0 {
		return false, err
	}
	if err := s.foldInChunks(sets, drop); err != nil {
		return false, fmt.Errorf("move the history of the current versions into their records: %w", err)
	}
	if err := s.db.Shrink(); err != nil {
		return false, fmt.Errorf("shrink after moving the history: %w", err)
	}
	return true, nil
}

// foldChunk is how many features one transaction of the fold rewrites:
// buntdb keeps the buffer of its largest commit for as long as it runs.
const foldChunk = 4096

// foldInChunks sets each feature's record and deletes the h: key it
// replaces in the same transaction, a chunk at a time; each chunk is
// fenced, so a crash leaves every feature in one layout or the other.
func (s *Store) foldInChunks(sets map[string]string, drop []string) error {
	for len(drop) > 0 {
		chunk := drop[:min(foldChunk, len(drop))]
		drop = drop[len(chunk):]
		write := func() error {
			return s.db.Update(func(tx *buntdb.Tx) error {
				for _, k := range chunk {
					fk := featKey(splitHistKey(k))
					if v, ok := sets[fk]; ok {
						if _, _, err := tx.Set(fk, v, nil); err != nil {
							return err
						}
					}
					if _, err := tx.Delete(k); err != nil {
						return err
					}
				}
				return nil
			})
		}
		var err error
		if s.path != "" {
			err = s.fenced(write)
		} else {
			err = write()
		}
		if err != nil {
			return err
		}
	}
	return nil
}
