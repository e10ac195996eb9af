package middleware

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// LogWriter buffers a log's lines and writes them out every interval (and
// when the buffer fills, and on Close), so that a request's log line costs
// no system call: at thousands of requests a second, one write(2) per line
// is a good part of what serving a cached tile costs. A crash loses at
// most the last interval's lines, never an acknowledged write.
type LogWriter struct {
	mu   sync.Mutex
	buf  *bufio.Writer
	done chan struct{}
	wg   sync.WaitGroup
}

// NewLogWriter buffers up to 64 KiB for w and flushes it every interval.
func NewLogWriter(w io.Writer, interval time.Duration) *LogWriter {
	lw := &LogWriter{buf: bufio.NewWriterSize(w, 64<<10), done: make(chan struct{})}
	lw.wg.Add(1)
	go func() {
		defer lw.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-lw.done:
				return
			case <-t.C:
				lw.Flush()
			}
		}
	}()
	return lw
}

// Write adds p (one log line: slog handlers write a record at once).
func (lw *LogWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.buf.Write(p)
}

// Flush writes out what is buffered.
func (lw *LogWriter) Flush() error {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.buf.Flush()
}

// Close stops the timer and writes out the rest.
func (lw *LogWriter) Close() error {
	close(lw.done)
	lw.wg.Wait()
	return lw.Flush()
}
