package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Sealing values at rest (sys.storage's encrypted entries): AES-256-GCM
// with the app's key, RUNWAY_SECRET_KEY.

// KeySize is the length of a sealing key.
const KeySize = 32

// sealPrefix names the format of a sealed value: v1, a random 96-bit nonce
// then the ciphertext with its tag, in unpadded URL-safe base64.
const sealPrefix = "sealed:v1:"

// ParseKey reads a 256-bit key written as 64 hex digits or as base64
// (standard or URL-safe, padded or not).
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == KeySize {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("secret: the key must be %d bytes, written as 64 hex digits or in base64 (e.g. openssl rand -hex 32)", KeySize)
}

// Seal encrypts plain with key.
func Seal(key, plain []byte) (string, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secret: nonce: %w", err)
	}
	return sealPrefix + base64.RawURLEncoding.EncodeToString(gcm.Seal(nonce, nonce, plain, nil)), nil
}

// ErrUnseal is the error of a sealed value that does not open with the key
// (another key, or altered).
var ErrUnseal = errors.New("secret: the value does not open with this key")

// Open decrypts a value of Seal.
func Open(key []byte, sealed string) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	body, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return nil, ErrUnseal
	}
	b, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(b) < gcm.NonceSize() {
		return nil, ErrUnseal
	}
	plain, err := gcm.Open(nil, b[:gcm.NonceSize()], b[gcm.NonceSize():], nil)
	if err != nil {
		return nil, ErrUnseal
	}
	return plain, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: a sealing key is %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
