package bunt

import (
	"cmp"
	"encoding/binary"
	"math"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/tidwall/buntdb"

	"github.com/sitmap/sitmap/geo"
)

// A rect key is b:{cid}:{z}:{fid}, z the Z-order of the bound's centre in
// fixed-width hex. buntdb sets, writes to the file, and rebuilds the index
// on open in key order, allocating each key, value and R-tree entry as it
// goes; with z first, rects near each other on the map end up near each
// other in memory, and a bbox query, which visits hundreds of them, misses
// the cache far less than in id order (on the 222,000-feature benchmark,
// about 450 against 280 µs of CPU per query).
func rectKey(f *geo.Feature) string {
	const hex = "0123456789abcdef"
	z := zorder(f.Bound().Center())
	var buf [zLen]byte
	for i := range buf {
		buf[i] = hex[z>>(60-4*i)&0xf]
	}
	return "b:" + f.Collection() + ":" + string(buf[:]) + ":" + f.ID()
}

const zLen = 16

// rectPrefixLen is how much of a rect key comes before the feature id.
func rectPrefixLen(cid string) int { return len("b:") + len(cid) + 1 + zLen + 1 }

// zorder interleaves the bits of p's lon and lat, each scaled to 32 bits.
func zorder(p orb.Point) uint64 {
	spread := func(v, lo, hi float64) uint64 {
		x := uint64(uint32(math.Min(math.Max((v-lo)/(hi-lo), 0), 1) * math.MaxUint32))
		x = (x | x<<16) & 0x0000ffff0000ffff
		x = (x | x<<8) & 0x00ff00ff00ff00ff
		x = (x | x<<4) & 0x0f0f0f0f0f0f0f0f
		x = (x | x<<2) & 0x3333333333333333
		x = (x | x<<1) & 0x5555555555555555
		return x
	}
	return spread(p[0], -180, 180) | spread(p[1], -90, 90)<<1
}

// setRects sets the rect keys of fs in key order, for the locality above.
func setRects(tx *buntdb.Tx, fs []*geo.Feature) error {
	type rect struct {
		cid string
		z   uint64
		f   *geo.Feature
		b   orb.Bound
	}
	rs := make([]rect, len(fs))
	for i, f := range fs {
		b := f.Bound()
		rs[i] = rect{f.Collection(), zorder(b.Center()), f, b}
	}
	// Key order without building and comparing the keys.
	slices.SortFunc(rs, func(a, b rect) int {
		if a.cid != b.cid {
			return strings.Compare(a.cid, b.cid)
		}
		if a.z != b.z {
			return cmp.Compare(a.z, b.z)
		}
		return strings.Compare(a.f.ID(), b.f.ID())
	})
	for _, r := range rs {
		if _, _, err := tx.Set(rectKey(r.f), encodeRect(r.b), nil); err != nil {
			return err
		}
	}
	return nil
}

// A rect value is a tag byte and min x, min y, max x, max y as
// little-endian float64s. Fixed width and binary, because the query reads
// it back for every candidate the R-tree finds (to see whether the
// feature lies inside the query box) and buntdb parses it for every
// insert; buntdb.IndexRect's text form costs four ParseFloats each time.
// The tag tells it from that text form ("[x y],[x y]"), which files from
// before this encoding hold.
const (
	rectTag = 'r'
	rectLen = 1 + 4*8
)

func encodeRect(b orb.Bound) string {
	var buf [rectLen]byte
	buf[0] = rectTag
	for i, v := range [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
		binary.LittleEndian.PutUint64(buf[1+8*i:], math.Float64bits(v))
	}
	return string(buf[:])
}

func validRect(v string) bool { return len(v) == rectLen && v[0] == rectTag }

// rectBound reads a value validRect accepts.
func rectBound(v string) orb.Bound {
	f := func(i int) float64 {
		s := v[1+8*i : 9+8*i]
		return math.Float64frombits(uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56)
	}
	return orb.Bound{Min: orb.Point{f(0), f(1)}, Max: orb.Point{f(2), f(3)}}
}

// decodeRect is the spatial index's rect function, for stored rects and
// query boxes alike. Anything else gives no rect, which buntdb's R-tree
// leaves out of the index (load writes such values again).
func decodeRect(v string) (min, max []float64) {
	if !validRect(v) {
		return nil, nil
	}
	b := rectBound(v)
	r := []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} // one allocation for both
	return r[0:2:2], r[2:4:4]
}
