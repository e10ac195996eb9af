package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"time"

	"github.com/sitmap/sitmap/geo"
)

// Roles of named editors: editors write features; admins also prune the
// history and manage collections and tokens.
const (
	RoleEditor = "editor"
	RoleAdmin  = "admin"
)

// Token is a named editor's token as the store keeps it: only the hash of
// the secret, never the secret.
type Token struct {
	Name     string    `json:"name"`
	Role     string    `json:"role"`
	Hash     string    `json:"hash"` // HashToken of the secret
	Created  time.Time `json:"created"`
	LastUsed time.Time `json:"last_used,omitzero"`
	Revoked  time.Time `json:"revoked,omitzero"`
}

// Tokens is how both backends keep named editors' tokens.
type Tokens interface {
	// AddToken stores a new token; ErrConflict if the name is taken by a
	// token that is not revoked.
	AddToken(ctx context.Context, t Token) error
	// ListTokens returns every token, revoked ones too, by name.
	ListTokens(ctx context.Context) ([]Token, error)
	// RevokeToken revokes the named token at t; ErrNotFound if there is
	// none that is not revoked already.
	RevokeToken(ctx context.Context, name string, at time.Time) error
	// TokenUsed records that the named token was used at t.
	TokenUsed(ctx context.Context, name string, at time.Time) error
}

var tokenNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// NewToken makes a token for name with a random 32-byte secret, which it
// returns to be shown once; the Token holds only its hash.
func NewToken(name, role string, now time.Time) (Token, string, error) {
	if !tokenNameRE.MatchString(name) {
		return Token{}, "", &geo.ValidationError{Field: "name", Reason: fmt.Sprintf("%q: use 1 to 64 letters, digits, '.', '_', '@' or '-'", name)}
	}
	if role != RoleEditor && role != RoleAdmin {
		return Token{}, "", &geo.ValidationError{Field: "role", Reason: fmt.Sprintf("%q: use editor or admin", role)}
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Token{}, "", fmt.Errorf("token: %w", err)
	}
	secret := "smt_" + hex.EncodeToString(b[:])
	return Token{Name: name, Role: role, Hash: HashToken(secret), Created: now.UTC()}, secret, nil
}

// HashToken is the hash a store keeps of a secret. The secrets are 256
// random bits, so a plain SHA-256 cannot be reversed by guessing.
func HashToken(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
