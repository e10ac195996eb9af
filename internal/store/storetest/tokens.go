package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

func testTokens(t *testing.T, h harness) {
	s := h.open(t)
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	ana, secret, err := store.NewToken("ana", store.RoleEditor, now)
	if err != nil {
		t.Fatal(err)
	}
	if ana.Hash == secret || ana.Hash != store.HashToken(secret) || len(secret) < 40 {
		t.Fatalf("token %+v for secret %q: want only the secret's hash kept", ana, secret)
	}
	if err := s.AddToken(ctx, ana); err != nil {
		t.Fatal(err)
	}
	ben, _, _ := store.NewToken("ben", store.RoleAdmin, now)
	if err := s.AddToken(ctx, ben); err != nil {
		t.Fatal(err)
	}
	again, _, _ := store.NewToken("ana", store.RoleAdmin, now)
	if err := s.AddToken(ctx, again); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second token named ana: %v, want ErrConflict", err)
	}
	if err := s.TokenUsed(ctx, "ana", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, "ben", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, "ben", now.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoking twice: %v, want ErrNotFound", err)
	}
	if err := s.RevokeToken(ctx, "nobody", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoking an unknown name: %v, want ErrNotFound", err)
	}
	ts, err := s.ListTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts[0].Name != "ana" || ts[1].Name != "ben" {
		t.Fatalf("tokens %+v, want ana and ben", ts)
	}
	if a := ts[0]; a.Role != store.RoleEditor || a.Hash != ana.Hash || !a.Created.Equal(now) || !a.LastUsed.Equal(now.Add(time.Minute)) || !a.Revoked.IsZero() {
		t.Errorf("ana: %+v", a)
	}
	if b := ts[1]; b.Role != store.RoleAdmin || !b.Revoked.Equal(now.Add(time.Hour)) {
		t.Errorf("ben: %+v, want revoked", b)
	}
	// A revoked name may be given a new token.
	fresh, _, _ := store.NewToken("ben", store.RoleEditor, now)
	if err := s.AddToken(ctx, fresh); err != nil {
		t.Errorf("a new token for a revoked name: %v", err)
	}
	for _, bad := range [][2]string{{"", store.RoleEditor}, {"a b", store.RoleEditor}, {"ok", "root"}} {
		if _, _, err := store.NewToken(bad[0], bad[1], now); !errors.Is(err, geo.ErrInvalid) {
			t.Errorf("NewToken(%q, %q): %v, want ErrInvalid", bad[0], bad[1], err)
		}
	}
}
