package bunt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tidwall/buntdb"

	"github.com/sitmap/sitmap/internal/store"
)

// tokenKey holds a named editor's token (store.Token as JSON).
func tokenKey(name string) string { return "t:" + name }

func getToken(tx *buntdb.Tx, name string) (store.Token, bool, error) {
	v, err := tx.Get(tokenKey(name))
	if errors.Is(err, buntdb.ErrNotFound) {
		return store.Token{}, false, nil
	}
	if err != nil {
		return store.Token{}, false, err
	}
	var t store.Token
	if err := json.Unmarshal([]byte(v), &t); err != nil {
		return store.Token{}, false, fmt.Errorf("token %s: %w", name, err)
	}
	return t, true, nil
}

func setToken(tx *buntdb.Tx, t store.Token) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	_, _, err = tx.Set(tokenKey(t.Name), string(b), nil)
	return err
}

// AddToken stores a new token.
func (s *Store) AddToken(ctx context.Context, t store.Token) error {
	err := s.db.Update(func(tx *buntdb.Tx) error {
		old, ok, err := getToken(tx, t.Name)
		if err != nil {
			return err
		}
		if ok && old.Revoked.IsZero() {
			return store.Errorf(store.ErrConflict, "token %s exists already (revoke it first)", t.Name)
		}
		return setToken(tx, t)
	})
	if err != nil {
		return fmt.Errorf("add token: %w", err)
	}
	return nil
}

// ListTokens returns every token by name.
func (s *Store) ListTokens(ctx context.Context) ([]store.Token, error) {
	var out []store.Token
	var derr error
	err := s.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendKeys("t:*", func(k, v string) bool {
			var t store.Token
			if derr = json.Unmarshal([]byte(v), &t); derr != nil {
				return false
			}
			out = append(out, t)
			return true
		})
	})
	if err == nil {
		err = derr
	}
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Token) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// RevokeToken revokes the named token.
func (s *Store) RevokeToken(ctx context.Context, name string, at time.Time) error {
	return s.updateToken(name, func(t *store.Token) error {
		if !t.Revoked.IsZero() {
			return store.Errorf(store.ErrNotFound, "token %s is revoked already", name)
		}
		t.Revoked = at.UTC()
		return nil
	})
}

// TokenUsed records the token's last use.
func (s *Store) TokenUsed(ctx context.Context, name string, at time.Time) error {
	return s.updateToken(name, func(t *store.Token) error {
		t.LastUsed = at.UTC()
		return nil
	})
}

func (s *Store) updateToken(name string, fn func(*store.Token) error) error {
	err := s.db.Update(func(tx *buntdb.Tx) error {
		t, ok, err := getToken(tx, name)
		if err != nil {
			return err
		}
		if !ok {
			return store.Errorf(store.ErrNotFound, "no token named %s", name)
		}
		if err := fn(&t); err != nil {
			return err
		}
		return setToken(tx, t)
	})
	if err != nil {
		return fmt.Errorf("token %s: %w", name, err)
	}
	return nil
}
