package middleware

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
)

// LogTarget is the path and query string for the request log, with the
// values of parameters that may carry a secret replaced: writes take their
// token from the Authorization header, which is never logged, but a client
// may still put one in the URL.
func LogTarget(u *url.URL) string {
	if u.RawQuery == "" {
		return u.Path
	}
	parts := strings.Split(u.RawQuery, "&")
	for i, part := range parts {
		k, _, hasValue := strings.Cut(part, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if hasValue && secretParam(name) {
			parts[i] = k + "=REDACTED"
		}
	}
	return u.Path + "?" + strings.Join(parts, "&")
}

// secretParam reports whether a query parameter's name suggests a secret.
func secretParam(name string) bool {
	name = strings.ToLower(name)
	for _, w := range []string{"token", "key", "secret", "password", "passwd", "auth", "signature", "session"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// requestIDs are a random per-process prefix and a counter: unique across
// replicas, and cheap enough for every cached tile.
var (
	requestIDPrefix = func() string {
		var b [4]byte
		_, _ = rand.Read(b[:])
		return hex.EncodeToString(b[:]) + "-"
	}()
	requestCounter atomic.Uint64
)

// NewRequestID is the next id, made in one allocation.
func NewRequestID() string {
	var b [24]byte
	return string(strconv.AppendUint(append(b[:0], requestIDPrefix...), requestCounter.Add(1), 36))
}
