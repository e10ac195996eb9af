package web_test

import (
	"bytes"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/sitmap/sitmap/web"
)

// TestAccessLogLines: with Config.AccessLog the request lines go there,
// none through Log, and they read as Log's text handler writes them.
func TestAccessLogLines(t *testing.T) {
	var viaSlog, direct, other bytes.Buffer
	bySlog := newTestServer(t, func(c *web.Config) { c.Log = slog.New(slog.NewTextHandler(&viaSlog, nil)) })
	byHand := newTestServer(t, func(c *web.Config) {
		c.Log = slog.New(slog.NewTextHandler(&other, nil))
		c.AccessLog = &direct
	})
	targets := []string{"/tiles/all/6/36/20.mvt", "/collections/airfields/items?bad=1", "/collections/a%20b/items?token=s3cret"}
	for _, ts := range []*testServer{bySlog, byHand} {
		for _, target := range targets {
			ts.get(target, "X-Request-Id", `an "id"`)
		}
	}
	if strings.Contains(other.String(), "msg=request") {
		t.Errorf("request lines went through Log too:\n%s", other.String())
	}
	// The clock's readings differ; the rest must not.
	clock := regexp.MustCompile(`(time|duration)=\S+`)
	got, want := clock.ReplaceAllString(direct.String(), "$1=X"), clock.ReplaceAllString(viaSlog.String(), "$1=X")
	if got != want || strings.Count(got, "\n") != len(targets) {
		t.Errorf("AccessLog wrote\n%s\nLog wrote\n%s", got, want)
	}
	if strings.Contains(got, "s3cret") {
		t.Errorf("a token in the URL reached the log: %s", got)
	}
}
