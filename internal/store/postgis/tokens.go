package postgis

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sitmap/sitmap/internal/store"
)

// AddToken stores a new token; a revoked one of the same name is replaced.
func (s *Store) AddToken(ctx context.Context, t store.Token) error {
	tag, err := s.pool.Exec(ctx, `INSERT INTO tokens (name, role, hash, created) VALUES ($1, $2, $3, $4)
		ON CONFLICT (name) DO UPDATE SET role = excluded.role, hash = excluded.hash, created = excluded.created,
			last_used = NULL, revoked = NULL
		WHERE tokens.revoked IS NOT NULL`, t.Name, t.Role, t.Hash, t.Created)
	if err != nil {
		return fmt.Errorf("postgis: add token: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return store.Errorf(store.ErrConflict, "token %s exists already (revoke it first)", t.Name)
	}
	return nil
}

// ListTokens returns every token by name.
func (s *Store) ListTokens(ctx context.Context) ([]store.Token, error) {
	rows, err := s.pool.Query(ctx, "SELECT name, role, hash, created, last_used, revoked FROM tokens ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("postgis: list tokens: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Token, error) {
		var t store.Token
		var used, revoked pgtype.Timestamptz
		if err := row.Scan(&t.Name, &t.Role, &t.Hash, &t.Created, &used, &revoked); err != nil {
			return t, err
		}
		t.Created = t.Created.UTC()
		if used.Valid {
			t.LastUsed = used.Time.UTC()
		}
		if revoked.Valid {
			t.Revoked = revoked.Time.UTC()
		}
		return t, nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgis: list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken revokes the named token.
func (s *Store) RevokeToken(ctx context.Context, name string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, "UPDATE tokens SET revoked = $2 WHERE name = $1 AND revoked IS NULL", name, at)
	if err != nil {
		return fmt.Errorf("postgis: revoke token %s: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return store.Errorf(store.ErrNotFound, "no token named %s that is not revoked", name)
	}
	return nil
}

// TokenUsed records the token's last use.
func (s *Store) TokenUsed(ctx context.Context, name string, at time.Time) error {
	if _, err := s.pool.Exec(ctx, "UPDATE tokens SET last_used = $2 WHERE name = $1", name, at); err != nil {
		return fmt.Errorf("postgis: token %s: %w", name, err)
	}
	return nil
}
