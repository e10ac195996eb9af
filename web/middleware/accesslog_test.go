package middleware

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"
)

// slogLine is what slog's text handler writes for a.
func slogLine(t testing.TB, a *Access) string {
	t.Helper()
	var buf bytes.Buffer
	attrs := []slog.Attr{slog.String("method", a.Method), slog.String("path", a.Path), slog.Int("status", a.Status),
		slog.Int64("bytes", a.Bytes), slog.Duration("duration", a.Duration), slog.String("request_id", a.RequestID),
		slog.String("route", a.Route)}
	if a.Err != "" {
		attrs = append(attrs, slog.String("err", a.Err))
	}
	rec := slog.NewRecord(a.Time, slog.LevelInfo, "request", 0)
	rec.AddAttrs(attrs...)
	if err := slog.NewTextHandler(&buf, nil).Handle(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestAccessLogMatchesSlog(t *testing.T) {
	base := time.Date(2026, 12, 2, 21, 40, 16, 0, time.UTC)
	tests := []struct {
		name string
		a    Access
	}{
		{"tile", Access{Time: base.Add(123456789), Method: "GET", Path: "/tiles/all/9/294/163.mvt", Status: 200, Bytes: 33048,
			Duration: 571 * time.Microsecond, RequestID: "5edc87c2-dx", Route: "tile"}},
		{"whole second", Access{Time: base, Method: "HEAD", Path: "/", Status: 304, Duration: 2 * time.Second, RequestID: "x", Route: "landing"}},
		{"other zone, monotonic clock", Access{Time: time.Now().In(time.FixedZone("EET", 2*3600)), Method: "GET", Path: "/a",
			Status: 200, RequestID: "r", Route: "items"}},
		{"quoted path", Access{Time: base, Method: "GET", Path: `/collections/a b/items?f="x"&q=1`, Status: 400,
			RequestID: "r", Route: "items", Err: "bad filter: near \"=\""}},
		{"empty values", Access{Time: base, Method: "GET", Status: 404, Route: "unmatched"}},
		{"control and backslash", Access{Time: base, Method: "GET", Path: "/a\\b\x01\x7f", Status: 200, RequestID: "r", Route: "r"}},
		{"unicode", Access{Time: base, Method: "GET", Path: "/Гродно/Ł\u00a0\u200b\ufffd", Status: 200, RequestID: "r", Route: "r"}},
		{"invalid utf-8", Access{Time: base, Method: "GET", Path: "/\xff\xfe", Status: 200, RequestID: "r", Route: "r"}},
		{"negative", Access{Time: base, Method: "GET", Path: "/", Status: 499, Bytes: -1, Duration: -time.Millisecond, RequestID: "r", Route: "r"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := slogLine(t, &tt.a)
			if got := string(AppendAccess(nil, &tt.a)); got != want {
				t.Errorf("\n got %q\nwant %q", got, want)
			}
		})
	}
}

func TestAccessLogWritesALineAWrite(t *testing.T) {
	var out countingWriter
	l := NewAccessLog(&out)
	for _, p := range []string{"/a", "/a/much/longer/path/that/needs/more/room"} {
		if err := l.Write(&Access{Method: "GET", Path: p, Status: 200, Route: "r"}); err != nil {
			t.Fatal(err)
		}
	}
	if out.writes != 2 || bytes.Count(out.buf.Bytes(), []byte("\n")) != 2 {
		t.Errorf("%d writes for %q", out.writes, out.buf.String())
	}
}

type countingWriter struct {
	buf    bytes.Buffer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	return c.buf.Write(p)
}

func FuzzAccessLogMatchesSlog(f *testing.F) {
	f.Add("/tiles/all/9/1/2.mvt", "id-1", "", int64(1234567), int64(5))
	f.Add("/a b=\"c\"", "", "err \x00", int64(0), int64(-1))
	f.Fuzz(func(t *testing.T, path, id, errText string, nanos, size int64) {
		a := Access{Time: time.Unix(0, nanos).UTC(), Method: "GET", Path: path, Status: 200, Bytes: size,
			Duration: time.Duration(nanos), RequestID: id, Route: "route", Err: errText}
		if got, want := string(AppendAccess(nil, &a)), slogLine(t, &a); got != want {
			t.Errorf("\n got %q\nwant %q", got, want)
		}
	})
}
