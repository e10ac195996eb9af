package postgis

import (
	"encoding/binary"
	"io"
	"math"
	"runtime"
	"sync"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sitmap/sitmap/geo"
)

// A bulk load sends its rows in COPY's binary format, encoded here on
// every core straight from the rows, rather than value by value through
// pgx's type map on one (which took as long as the database's side of the
// COPY).

// copyHeader opens a binary COPY: the signature, no flags, no extension.
var copyHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// tupleOverhead is about what a point's tuple holds besides its
// properties.
const tupleOverhead = 320

// bulkFields is the number of bulkColumns.
const bulkFields = 18

// appendTuple appends r as one tuple of bulkColumns.
func appendTuple(b []byte, r *row) []byte {
	b = binary.BigEndian.AppendUint16(b, bulkFields)
	b = appendField(appendField(b, r.collection), r.id)
	b = appendInt8(b, r.version)
	b = appendField(b, r.wkb) // geometry's binary input reads EWKB
	for _, v := range []float64{r.xmin, r.ymin, r.xmax, r.ymax} {
		b = appendInt8(b, int64(math.Float64bits(v)))
	}
	b = appendField(b, r.props)
	b = appendInt4Array(appendInt4Array(b, r.terms), r.textTerms)
	b = appendField(appendField(appendField(b, r.nameLower), r.localLower), r.updated)
	b = appendInt2(appendTimestamptz(b, r.validFrom), r.validFromNs)
	return appendInt2(appendTimestamptz(b, r.validTo), r.validToNs)
}

func appendField[T string | []byte](b []byte, v T) []byte {
	return append(binary.BigEndian.AppendUint32(b, uint32(len(v))), v...)
}

func appendInt8(b []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint32(b, 8), uint64(v))
}

func appendInt2(b []byte, v int16) []byte {
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint32(b, 2), uint16(v))
}

// int4OID is the type of the elements of terms and text_terms.
const int4OID = 23

// appendInt4Array appends a one-dimensional integer[] without NULLs (an
// empty array for none).
func appendInt4Array(b []byte, vs []int32) []byte {
	dims := 0
	size := 12
	if len(vs) > 0 {
		dims, size = 1, 20+8*len(vs)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(size))
	b = binary.BigEndian.AppendUint32(b, uint32(dims))
	b = binary.BigEndian.AppendUint32(b, 0) // no NULLs
	b = binary.BigEndian.AppendUint32(b, int4OID)
	if dims == 0 {
		return b
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(vs)))
	b = binary.BigEndian.AppendUint32(b, 1) // the lower bound
	for _, v := range vs {
		b = binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(b, 4), uint32(v))
	}
	return b
}

// y2k is 2000-01-01 in microseconds since 1970: timestamptz counts from it.
const y2k = 946684800 * 1000000

func appendTimestamptz(b []byte, t pgtype.Timestamptz) []byte {
	if !t.Valid {
		return binary.BigEndian.AppendUint32(b, math.MaxUint32) // -1: NULL
	}
	us := t.Time.Unix()*1000000 + int64(t.Time.Nanosecond())/1000
	return appendInt8(b, us-y2k)
}

// encodeTuples encodes a chunk as binary COPY tuples, spreading the work
// over the CPUs (each takes a stretch, so the stretches join in order).
func encodeTuples(fs []*geo.Feature, ts []rowTerms, codes map[string]int32) ([]byte, error) {
	workers := min(runtime.GOMAXPROCS(0), max(1, len(fs)/256))
	parts := make([][]byte, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*len(fs)/workers, (w+1)*len(fs)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b []byte
			var keys updatedKeys
			if hi > lo { // room for the stretch, guessed from its first row
				b = make([]byte, 0, (hi-lo)*(tupleOverhead+len(fs[lo].PropertiesJSON())))
			}
			for i := lo; i < hi; i++ {
				r, err := encodeRow(fs[i], ts[i], codes, &keys)
				if err != nil {
					errs[w] = err
					return
				}
				b = appendTuple(b, &r)
			}
			parts[w] = b
		}()
	}
	wg.Wait()
	n := 0
	for w := range workers {
		if errs[w] != nil {
			return nil, errs[w]
		}
		n += len(parts[w])
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out, nil
}

// tupleChunk is a chunk of encoded tuples, or why it could not be.
type tupleChunk struct {
	b   []byte
	err error
}

// tupleChunks encodes fs chunk by chunk into out, until done or stop.
func tupleChunks(fs []*geo.Feature, ts []rowTerms, codes map[string]int32, out chan<- tupleChunk, stop <-chan struct{}) {
	defer close(out)
	for i := 0; i < len(fs); i += upsertChunk {
		select {
		case <-stop: // out may have room for every chunk: the load failed
			return
		default:
		}
		j := min(i+upsertChunk, len(fs))
		b, err := encodeTuples(fs[i:j], ts[i:j], codes)
		select {
		case out <- tupleChunk{b, err}:
		case <-stop:
			return
		}
		if err != nil {
			return
		}
	}
}

// copyReader is the COPY data of the chunks: the header, their tuples and
// the trailer.
type copyReader struct {
	chunks <-chan tupleChunk
	buf    []byte
	done   bool
}

func newCopyReader(chunks <-chan tupleChunk) *copyReader {
	return &copyReader{chunks: chunks, buf: copyHeader}
}

func (r *copyReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.done {
			return 0, io.EOF
		}
		c, ok := <-r.chunks
		switch {
		case !ok:
			r.buf, r.done = []byte{0xff, 0xff}, true // the trailer: -1 fields
		case c.err != nil:
			return 0, c.err
		default:
			r.buf = c.b
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}
