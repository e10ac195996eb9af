package web

import (
	"context"
	"time"

	"github.com/sitmap/sitmap/internal/cql2"
)

// defaultFilterTimeout bounds the evaluation of one filtered request.
const defaultFilterTimeout = 10 * time.Second

// filterContext bounds a filtered request's evaluation in time.
func (s *Server) filterContext(ctx context.Context, e cql2.Expr) (context.Context, context.CancelFunc) {
	if e == nil {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.cfg.FilterTimeout)
}
