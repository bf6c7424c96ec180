package secret

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func TestSealRoundTrip(t *testing.T) {
	key := bytes.Repeat([]byte{7}, KeySize)
	a, err := Seal(key, []byte(`"Okd4j6"`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Seal(key, []byte(`"Okd4j6"`))
	if a == b || !strings.HasPrefix(a, "sealed:v1:") || strings.Contains(a, "Okd4j6") {
		t.Errorf("sealed %q %q: a fresh nonce each time, nothing in clear", a, b)
	}
	plain, err := Open(key, a)
	if err != nil || string(plain) != `"Okd4j6"` {
		t.Errorf("open: %q %v", plain, err)
	}
	other := bytes.Repeat([]byte{8}, KeySize)
	if _, err := Open(other, a); !errors.Is(err, ErrUnseal) {
		t.Errorf("another key: %v", err)
	}
	tampered := a[:len(a)-2] + "AA"
	if _, err := Open(key, tampered); !errors.Is(err, ErrUnseal) {
		t.Errorf("tampered: %v", err)
	}
	for _, bad := range []string{"", "Okd4j6", "sealed:v1:", "sealed:v1:!!"} {
		if _, err := Open(key, bad); !errors.Is(err, ErrUnseal) {
			t.Errorf("open %q: %v", bad, err)
		}
	}
	if _, err := Seal(key[:16], nil); err == nil {
		t.Error("a short key must be refused")
	}
}

func TestParseKey(t *testing.T) {
	raw := bytes.Repeat([]byte{0xab}, KeySize)
	for _, s := range []string{hex.EncodeToString(raw), base64.StdEncoding.EncodeToString(raw),
		base64.RawURLEncoding.EncodeToString(raw), " " + hex.EncodeToString(raw) + "\n"} {
		k, err := ParseKey(s)
		if err != nil || !bytes.Equal(k, raw) {
			t.Errorf("ParseKey(%q) = %x, %v", s, k, err)
		}
	}
	for _, s := range []string{"", "short", hex.EncodeToString(raw[:16]), "passphrase that is not a key at all!"} {
		if _, err := ParseKey(s); err == nil {
			t.Errorf("ParseKey(%q) must fail", s)
		}
	}
}
