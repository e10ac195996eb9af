package gzpool

import (
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
)

var pool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// Get returns a writer that compresses into w.
func Get(w io.Writer) *gzip.Writer {
	zw := pool.Get().(*gzip.Writer)
	zw.Reset(w)
	return zw
}

// Put gives a writer back; it must be closed (or abandoned) first.
func Put(zw *gzip.Writer) {
	zw.Reset(nil)
	pool.Put(zw)
}
