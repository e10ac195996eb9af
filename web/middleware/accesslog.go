package middleware

import (
	"io"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// AccessLog writes a request's log line in slog's text format, byte for
// byte what slog.NewTextHandler writes for a "request" message with
// these attributes (TestAccessLogMatchesSlog), but by hand: through
// slog a line costs a Record, its attributes and the handler's state,
// about a tenth of what serving a cached tile costs.
type AccessLog struct {
	w    io.Writer
	bufs sync.Pool
}

// Access is what the line of one request says.
type Access struct {
	Time      time.Time
	Method    string
	Path      string
	Status    int
	Bytes     int64
	Duration  time.Duration
	RequestID string
	Route     string
	Err       string // omitted when empty
}

// NewAccessLog writes lines to w, one Write call a line.
func NewAccessLog(w io.Writer) *AccessLog {
	return &AccessLog{w: w, bufs: sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}}
}

// Write writes a's line.
func (l *AccessLog) Write(a *Access) error {
	bp := l.bufs.Get().(*[]byte)
	b := AppendAccess((*bp)[:0], a)
	_, err := l.w.Write(b)
	*bp = b
	l.bufs.Put(bp)
	return err
}

// AppendAccess appends a's line, newline included, to b.
func AppendAccess(b []byte, a *Access) []byte {
	b = append(b, "time="...)
	b = appendRFC3339Millis(b, a.Time.Round(0))
	b = append(b, " level=INFO msg=request method="...)
	b = appendText(b, a.Method)
	b = append(b, " path="...)
	b = appendText(b, a.Path)
	b = append(b, " status="...)
	b = strconv.AppendInt(b, int64(a.Status), 10)
	b = append(b, " bytes="...)
	b = strconv.AppendInt(b, a.Bytes, 10)
	b = append(b, " duration="...)
	b = append(b, a.Duration.String()...)
	b = append(b, " request_id="...)
	b = appendText(b, a.RequestID)
	b = append(b, " route="...)
	b = appendText(b, a.Route)
	if a.Err != "" {
		b = append(b, " err="...)
		b = appendText(b, a.Err)
	}
	return append(b, '\n')
}

// appendRFC3339Millis is slog's: RFC 3339 with exactly three digits of
// milliseconds (RFC3339Nano trims trailing zeros, hence the tenth of a
// millisecond added and its digit dropped).
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	const prefixLen = len("2006-01-02T15:04:05.000")
	n := len(b)
	t = t.Truncate(time.Millisecond).Add(time.Millisecond / 10)
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+prefixLen], b[n+prefixLen+1:]...)
}

// appendText is slog's text form of a string value: as it is, or quoted
// when it is empty or holds a space, '=', '"', a control character or
// a rune that is not printable.
func appendText(b []byte, s string) []byte {
	if needsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

func needsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < ' ' || c == ' ' || c == '=' || c == '"' {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}
