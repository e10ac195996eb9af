package bunt

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/sitmap/sitmap/internal/store"
)

// changeLog lists every kept version in sequence order: its sequence
// number, record time and key (the feature's f: key while it is current,
// then its h: key), which share the bytes of buntdb's keys and records.
// The changes feed reads it; open builds it from the keys (loadHistory)
// and each commit adds its versions and moves those it superseded. It
// used to be a key per version in buntdb (hs:{seq}), which doubled the
// items, memory and parsing the history costs: at 222,000 features,
// 666,000 objects and some 40 MB.
type changeLog []logEntry

// seqPrefix starts the keys that older versions kept in sequence order
// for the changes feed; open drops them (dropKeys).
const seqPrefix = "hs:"

type logEntry struct {
	seq     int64
	at, key string // store.TimeKey; the f: or h: key
}

// with adds a write's entries, which come after every entry kept (their
// sequence numbers are new), except in a restore, which may come in any
// order.
func (l changeLog) with(add changeLog) changeLog {
	if len(add) == 0 {
		return l
	}
	sorted := len(l) == 0 || l[len(l)-1].seq < add[0].seq
	l = append(l, add...)
	if !sorted || !slices.IsSortedFunc(add, bySeq) {
		slices.SortFunc(l, bySeq)
	}
	return l
}

func bySeq(a, b logEntry) int { return cmp.Compare(a.seq, b.seq) }

// current are the entries of current versions (f: keys).
func (l changeLog) current() changeLog {
	var out changeLog
	for _, e := range l {
		if strings.HasPrefix(e.key, "f:") {
			out = append(out, e)
		}
	}
	return out
}

// move gives the entries of the versions that moved their new keys.
func (l changeLog) move(moved changeLog) {
	for _, m := range moved {
		if i, ok := slices.BinarySearchFunc(l, m.seq, func(e logEntry, seq int64) int { return cmp.Compare(e.seq, seq) }); ok {
			l[i] = m
		}
	}
}

// keys are the keys of the writes after seq after, at or after
// since, of collection cid when it is not empty; at most limit when limit
// is positive.
func (l changeLog) keys(after int64, since, cid string, limit int) []string {
	i, _ := slices.BinarySearchFunc(l, after+1, func(e logEntry, seq int64) int { return cmp.Compare(e.seq, seq) })
	prefix := cid + ":"
	var out []string
	for _, e := range l[i:] {
		if e.at < since || (cid != "" && !strings.HasPrefix(e.key[2:], prefix)) {
			continue
		}
		out = append(out, e.key)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out
}

// logEntryOf reads the sequence number and time at the head of a record.
func logEntryOf(k, rec string) (logEntry, bool) {
	rest, ok := strings.CutPrefix(rec, `{"seq":`)
	if !ok {
		return logEntry{}, false
	}
	num, rest, ok := strings.Cut(rest, `,"time":"`)
	seq, err := strconv.ParseInt(num, 10, 64)
	if !ok || err != nil || len(rest) < len(store.TimeKey) {
		return logEntry{}, false
	}
	return logEntry{seq: seq, at: rest[:len(store.TimeKey)], key: k}, true
}
