package jwt

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// The token of jwt.io's front page (an independent HS256 vector).
const jwtIO = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"

func TestVerifyKnownToken(t *testing.T) {
	now := time.Unix(1516239022, 0)
	if err := Verify(jwtIO, "your-256-bit-secret", now); err != nil {
		t.Fatalf("jwt.io token: %v", err)
	}
	if err := Verify(jwtIO, "another secret", now); !errors.Is(err, ErrSignature) {
		t.Errorf("wrong secret: %v", err)
	}
	p, err := Payload(jwtIO)
	if err != nil || string(p) != `{"sub":"1234567890","name":"John Doe","iat":1516239022}` {
		t.Errorf("payload: %s %v", p, err)
	}
}

func TestHMACRoundTrip(t *testing.T) {
	now := time.Unix(1700000000, 0)
	for _, alg := range []string{"HS256", "HS384", "hs512"} {
		tok, err := Sign(map[string]any{"sub": "ana", "exp": now.Add(time.Minute).UnixMilli()}, "s3cret", alg)
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		if err := Verify(tok, "s3cret", now); err != nil {
			t.Errorf("%s: round trip: %v", alg, err)
		}
		// Milliseconds are written as seconds.
		if p, _ := Payload(tok); !strings.Contains(string(p), `"exp":1700000060`) {
			t.Errorf("%s: exp not in seconds: %s", alg, p)
		}
		if err := Verify(tok, "s3cret", now.Add(time.Hour)); !errors.Is(err, ErrExpired) {
			t.Errorf("%s: expired: %v", alg, err)
		}
		parts := strings.Split(tok, ".")
		forged := parts[0] + "." + encode([]byte(`{"sub":"root","exp":1700000060}`)) + "." + parts[2]
		if err := Verify(forged, "s3cret", now); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: tampered payload: %v", alg, err)
		}
	}
	if _, err := Sign(map[string]any{}, "k", "none"); err == nil {
		t.Error("alg none accepted")
	}
	tok, _ := Sign(map[string]any{"nbf": 1700000600}, "k", "HS256")
	if err := Verify(tok, "k", time.Unix(1700000000, 0)); !errors.Is(err, ErrNotYet) {
		t.Errorf("nbf: %v", err)
	}
}

func TestRSA(t *testing.T) {
	priv := read(t, "testdata/private.pem")
	pub := read(t, "testdata/public.pem")
	// Signed by another implementation (Python's cryptography) with the
	// same key: PKCS #1 v1.5 signatures are deterministic.
	want := strings.TrimSpace(read(t, "testdata/rs256.jwt"))
	got, err := Sign(map[string]any{"iss": "runway", "iat": int64(1700000000000), "exp": 1700000600000.0}, priv, "RS256")
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("RS256:\n got %s\nwant %s", got, want)
	}
	now := time.Unix(1700000100, 0)
	for name, key := range map[string]string{"public": pub, "private": priv,
		"one line with \\n": strings.ReplaceAll(pub, "\n", `\n`)} {
		if err := Verify(want, key, now); err != nil {
			t.Errorf("verify with the %s key: %v", name, err)
		}
	}
	// Algorithm confusion: an HS256 token made with the public key as the
	// secret must not verify against that public key.
	forged, _ := Sign(map[string]any{"sub": "root"}, pub, "HS256")
	if err := Verify(forged, pub, now); err == nil {
		t.Error("HS256 token verified with an RSA public key")
	}
	if _, err := Sign(map[string]any{}, "not a key", "RS256"); err == nil {
		t.Error("RS256 with a non-PEM key")
	}
}

func TestMalformed(t *testing.T) {
	for _, tok := range []string{"", "a.b", "a.b.c", "e30.e30.!!", jwtIO + ".x"} {
		if err := Verify(tok, "k", time.Now()); err == nil {
			t.Errorf("%q verified", tok)
		}
	}
	if _, err := Payload("a.b.c"); !errors.Is(err, ErrMalformed) {
		t.Errorf("payload of garbage: %v", err)
	}
}

func FuzzVerify(f *testing.F) {
	f.Add(jwtIO, "your-256-bit-secret")
	f.Add("e30.e30.", "")
	f.Fuzz(func(t *testing.T, tok, key string) {
		_ = Verify(tok, key, time.Unix(0, 0))
		_, _ = Payload(tok)
	})
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
