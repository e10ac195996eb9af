package bunt

import (
	"context"
	"slices"
	"strings"

	"github.com/sitmap/sitmap/internal/store"
)

// CollectionVersions lists every collection's id and change version, in
// id order (store.VersionLister).
func (s *Store) CollectionVersions(ctx context.Context) ([]store.CollectionVersion, error) {
	s.mu.RLock()
	out := make([]store.CollectionVersion, 0, len(s.cols))
	for id, c := range s.cols {
		out = append(out, store.CollectionVersion{ID: id, Version: c.version})
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b store.CollectionVersion) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
