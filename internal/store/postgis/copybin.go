package postgis

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"

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

// appendRow appends f as one tuple of bulkColumns: the columns of
// encodeRow's row, written straight into b (without the row between, and
// the geometry's EWKB on its own, a bulk load encodes its rows in two
// thirds of the time).
func appendRow(b []byte, f *geo.Feature, ts rowTerms, codes map[string]int32, keys *updatedKeys) ([]byte, error) {
	b = binary.BigEndian.AppendUint16(b, bulkFields)
	b = appendField(appendField(b, f.Collection()), f.ID())
	b = appendInt8(b, f.Version())
	b, err := appendGeometry(b, f.Geometry())
	if err != nil {
		return nil, fmt.Errorf("encode geometry of %s: %w", f.ID(), err)
	}
	bd := f.Bound()
	for _, v := range []float64{bd.Min[0], bd.Min[1], bd.Max[0], bd.Max[1]} {
		b = appendInt8(b, int64(math.Float64bits(v)))
	}
	b = appendField(b, f.PropertiesJSON())
	b = appendCodes(b, ts.exact, codes)
	b = appendInt4Array(b, ts.hashed)
	name, local := f.SearchText()
	b = appendField(appendField(appendField(b, name), local), keys.of(f))
	iv := f.Extent()
	from, fromNs := encodeTime(iv.Start)
	to, toNs := encodeTime(iv.End)
	b = appendInt2(appendTimestamptz(b, from), fromNs)
	return appendInt2(appendTimestamptz(b, to), toNs), nil
}

// appendGeometry appends g as a field of EWKB (SRID 4326, little-endian),
// the bytes ewkb.Marshal makes, written in place for the types GeoJSON
// has but collections (left to ewkb.Marshal, as is anything holding a nil
// part, which it writes as nothing).
func appendGeometry(b []byte, g orb.Geometry) ([]byte, error) {
	at := len(b)
	b = append(b, 0, 0, 0, 0) // the length, once known
	b, ok := appendEWKB(b, g, true)
	if !ok {
		raw, err := ewkb.Marshal(g, 4326)
		if err != nil {
			return nil, err
		}
		b = append(b[:at+4], raw...)
	}
	binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	return b, nil
}

// appendEWKB appends g's EWKB, with the SRID for the outermost geometry;
// false when it leaves g to ewkb.Marshal.
func appendEWKB(b []byte, g orb.Geometry, outer bool) ([]byte, bool) {
	head := func(t uint32, n int) []byte {
		b = append(b, 1) // little-endian
		if outer {
			b = binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(b, t|0x20000000), 4326)
		} else {
			b = binary.LittleEndian.AppendUint32(b, t)
		}
		if n >= 0 {
			b = binary.LittleEndian.AppendUint32(b, uint32(n))
		}
		return b
	}
	ok := true
	switch g := g.(type) {
	case orb.Point:
		b = appendPoint(head(1, -1), g)
	case orb.LineString:
		ok = g != nil
		b = appendPoints(head(2, len(g)), g)
	case orb.Polygon:
		ok = g != nil
		b = head(3, len(g))
		for _, r := range g {
			b = appendPoints(binary.LittleEndian.AppendUint32(b, uint32(len(r))), r)
		}
	case orb.MultiPoint:
		ok = g != nil
		b = head(4, len(g))
		for _, p := range g {
			b, _ = appendEWKB(b, p, false)
		}
	case orb.MultiLineString:
		ok = g != nil
		b = head(5, len(g))
		for i := 0; i < len(g) && ok; i++ {
			b, ok = appendEWKB(b, g[i], false)
		}
	case orb.MultiPolygon:
		ok = g != nil
		b = head(6, len(g))
		for i := 0; i < len(g) && ok; i++ {
			b, ok = appendEWKB(b, g[i], false)
		}
	default:
		return b, false
	}
	return b, ok
}

func appendPoint(b []byte, p orb.Point) []byte {
	return binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(b, math.Float64bits(p[0])), math.Float64bits(p[1]))
}

func appendPoints[T ~[]orb.Point](b []byte, ps T) []byte {
	for _, p := range ps {
		b = appendPoint(b, p)
	}
	return b
}

// appendCodes appends the codes of terms as an integer[].
func appendCodes(b []byte, terms []string, codes map[string]int32) []byte {
	var buf [16]int32
	cs := buf[:0]
	for _, t := range terms {
		cs = append(cs, codes[t])
	}
	return appendInt4Array(b, cs)
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
// over the CPUs: each takes a stretch, a part of the chunk, in a buffer
// from free when one is there.
func encodeTuples(fs []*geo.Feature, ts []rowTerms, codes map[string]int32, free <-chan []byte) ([][]byte, error) {
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
			select {
			case b = <-free:
				b = b[:0]
			default: // room for the stretch, guessed from its first row
				b = make([]byte, 0, (hi-lo)*(tupleOverhead+len(fs[lo].PropertiesJSON())))
			}
			for i := lo; i < hi; i++ {
				var err error
				if b, err = appendRow(b, fs[i], ts[i], codes, &keys); err != nil {
					errs[w] = err
					return
				}
			}
			parts[w] = b
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return parts, nil
}

// tupleChunk is a chunk of encoded tuples, in parts, or why it could not
// be. The reader gives each part's buffer to free once it has sent it,
// for the encoding of a later chunk: a bulk load would otherwise allocate
// its 150 MB of tuples anew, and the collector trace the features once
// more for it.
type tupleChunk struct {
	parts [][]byte
	err   error
	free  chan<- []byte
}

// tupleChunks encodes fs chunk by chunk into out, until done or stop.
func tupleChunks(fs []*geo.Feature, ts []rowTerms, codes map[string]int32, out chan<- tupleChunk, stop <-chan struct{}) {
	defer close(out)
	free := make(chan []byte, 2*runtime.GOMAXPROCS(0))
	for i := 0; i < len(fs); i += upsertChunk {
		select {
		case <-stop: // out may have room for every chunk: the load failed
			return
		default:
		}
		j := min(i+upsertChunk, len(fs))
		parts, err := encodeTuples(fs[i:j], ts[i:j], codes, free)
		select {
		case out <- tupleChunk{parts, err, free}:
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
	parts  [][]byte      // of the chunk being sent, after the one in buf
	sent   []byte        // the part buf is the rest of, once sent
	free   chan<- []byte // where sent goes
	buf    []byte
	done   bool
}

func newCopyReader(chunks <-chan tupleChunk) *copyReader {
	return &copyReader{chunks: chunks, buf: copyHeader}
}

func (r *copyReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.sent != nil {
			select {
			case r.free <- r.sent:
			default: // enough buffers there
			}
			r.sent = nil
		}
		if len(r.parts) > 0 {
			r.sent, r.buf, r.parts = r.parts[0], r.parts[0], r.parts[1:]
			continue
		}
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
			r.parts, r.free = c.parts, c.free
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}
