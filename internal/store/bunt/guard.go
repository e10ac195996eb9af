package bunt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/tidwall/buntdb"
)

// buntdb writes a transaction to its file with one write: if the process
// dies during a large one (an import of 100 MB), the file can keep a part
// of it, and buntdb replays every whole command of that part on open. A
// large write is therefore fenced: a pending marker is committed before
// it and deleted by a transaction of its own after it, and the write is
// acknowledged only then. repairTail, run before buntdb opens the file,
// cuts the file back to where the last marker was set when no delete of
// it follows: the fenced write that was going on is dropped whole.
//
// The file is only ever rewritten (shrunk) by this package, between
// writes, so a marker never moves.

const pendingKey = "sitmap:pending"

var (
	pendingSet = []byte("*3\r\n$3\r\nset\r\n$14\r\n" + pendingKey + "\r\n")
	pendingDel = []byte("*2\r\n$3\r\ndel\r\n$14\r\n" + pendingKey + "\r\n")
)

// fenceAbove is the batch size from which a Put is fenced; smaller writes
// are a few kilobytes, which the kernel writes whole.
const fenceAbove = 64

// fenced runs write between the two markers. When write fails halfway
// (partialError) the pending marker stays, for undo to cut back to.
func (s *Store) fenced(write func() error) error {
	err := s.db.Update(func(tx *buntdb.Tx) error {
		_, _, err := tx.Set(pendingKey, "1", nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("fence: %w", err)
	}
	werr := write()
	var p partialError
	if errors.As(werr, &p) {
		return werr
	}
	err = s.db.Update(func(tx *buntdb.Tx) error {
		_, err := tx.Delete(pendingKey)
		return err
	})
	if err != nil {
		return fmt.Errorf("fence: %w", errors.Join(werr, err))
	}
	return werr
}

// A fenced write is also committed in chunks of chunkKeys keys, one
// buntdb transaction each: buntdb builds a transaction's log in one
// buffer and keeps the buffer of its largest commit for as long as it
// runs, and it keeps each key of a transaction in two maps until the
// commit: one transaction for an import of 222,000 features took its
// peak from 0.8 to 1.4 GB, and left the server the buffer after.
// Readers cannot see the chunks (s.mu is held until the write is
// applied); a crash drops them with the fence, and a failure halfway (of
// the disk) undoes them (undo).
const chunkKeys = 8192

// partialError is a failed write of which chunks were committed.
type partialError struct{ error }

func (e partialError) Unwrap() error { return e.error }

// run makes fn's changes in one buntdb transaction, or in as many as it
// takes when chunked.
func (w *write) run(fn func(*write) error) error {
	tx, err := w.s.db.Begin(true)
	if err != nil {
		return err
	}
	w.tx = tx
	if err = fn(w); err == nil {
		err = w.finish()
	}
	switch {
	case err == nil:
		err = w.tx.Commit()
	case w.tx != nil:
		_ = w.tx.Rollback()
	}
	w.tx = nil
	if err != nil && w.committed {
		return partialError{err}
	}
	return err
}

// set and del change a key in the write's transaction, which a chunked
// write first commits when it is full.
func (w *write) set(k, v string) (prev string, replaced bool, err error) {
	if err := w.rotate(); err != nil {
		return "", false, err
	}
	w.keys++
	return w.tx.Set(k, v, nil)
}

func (w *write) del(k string) (string, error) {
	if err := w.rotate(); err != nil {
		return "", err
	}
	w.keys++
	return w.tx.Delete(k)
}

// rotate commits a full chunk and begins the next. A client that goes
// away does not stop the write: undoing one reads the whole file again,
// which would stall every other client.
func (w *write) rotate() error {
	if !w.chunked || w.keys < chunkKeys {
		return nil
	}
	if w.s.failChunk != nil {
		if err := w.s.failChunk(); err != nil {
			return err
		}
	}
	err := w.tx.Commit()
	if w.tx = nil; err != nil {
		return err
	}
	w.committed = true
	if w.tx, err = w.s.db.Begin(true); err != nil {
		w.tx = nil
		return err
	}
	w.keys = 0
	return nil
}

// undo drops the chunks of a large write that failed: the file is cut
// back to the write's fence, as after a crash, and read again (s.mu held).
func (s *Store) undo() error {
	s.db.Close()
	fresh, err := open(s.path)
	if err != nil {
		return fmt.Errorf("undo the failed write: %w", err)
	}
	s.db, s.cols, s.seq, s.log, s.shrunk = fresh.db, fresh.cols, fresh.seq, fresh.log, fresh.shrunk
	return nil
}

// tailChunk is how much of the file repairTail reads at a time, from the
// end.
const tailChunk = 4 << 20

// repairTail cuts off a fenced write that did not finish, if the file
// ends in one, and says whether it did.
func repairTail(path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	at, isSet, err := lastMarker(f, st.Size())
	if err != nil || at < 0 || !isSet {
		return false, err
	}
	if err := f.Truncate(at); err != nil {
		return false, fmt.Errorf("cut the unfinished write at %d: %w", at, err)
	}
	return true, f.Sync()
}

// lastMarker finds the last set or delete of the pending marker, reading
// back from the end of the file; at is -1 when there is none.
func lastMarker(r io.ReaderAt, size int64) (at int64, isSet bool, err error) {
	overlap := int64(len(pendingSet))
	buf := make([]byte, tailChunk+overlap)
	for end := size; end > 0; end -= tailChunk {
		start := max(0, end-tailChunk)
		n := end - start + min(overlap, size-end)
		chunk := buf[:n]
		if _, err := r.ReadAt(chunk, start); err != nil && !errors.Is(err, io.EOF) {
			return -1, false, err
		}
		s, d := bytes.LastIndex(chunk, pendingSet), bytes.LastIndex(chunk, pendingDel)
		if s >= 0 || d >= 0 {
			if s > d {
				return start + int64(s), true, nil
			}
			return start + int64(d), false, nil
		}
	}
	return -1, false, nil
}
