package web

import "context"

type ctxKey int

const requestIDKey ctxKey = 0

// requestID returns the id the request log line carries.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}
