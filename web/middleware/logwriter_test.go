package middleware

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer the flusher and the test may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogWriterHoldsLinesUntilFlushOrClose(t *testing.T) {
	var out syncBuffer
	lw := NewLogWriter(&out, time.Hour) // the ticker never fires here
	if _, err := lw.Write([]byte("one\n")); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "" {
		t.Fatalf("written before a flush: %q", got)
	}
	if err := lw.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "one\n" {
		t.Fatalf("after Flush: %q", got)
	}
	if _, err := lw.Write([]byte("two\n")); err != nil {
		t.Fatal(err)
	}
	if err := lw.Close(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "one\ntwo\n" {
		t.Fatalf("after Close: %q", got)
	}
}

func TestLogWriterWritesWhenFull(t *testing.T) {
	var out syncBuffer
	lw := NewLogWriter(&out, time.Hour)
	defer lw.Close()
	line := strings.Repeat("x", 1023) + "\n"
	for range 65 { // 65 KiB: more than the buffer holds
		if _, err := lw.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(out.String()); n < 64<<10 {
		t.Fatalf("%d bytes written with 65 KiB buffered", n)
	}
}
