// Package jwt signs, verifies and decodes JSON Web Tokens in compact form
// (RFC 7519, RFC 7515) for sys.utils.crypto.jwt: HMAC (HS256, HS384,
// HS512) with a shared secret and RSA PKCS #1 v1.5 (RS256, RS384, RS512)
// with PEM keys. It does no I/O.
package jwt

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math"
	"strings"
	"time"
)

// Errors of Verify.
var (
	ErrMalformed = errors.New("jwt: malformed token")
	ErrSignature = errors.New("jwt: invalid signature")
	ErrExpired   = errors.New("jwt: token expired")
	ErrNotYet    = errors.New("jwt: token not valid yet")
)

// algorithm is one supported "alg".
type algorithm struct {
	hash crypto.Hash
	new  func() hash.Hash
	rsa  bool
}

var algorithms = map[string]algorithm{
	"HS256": {crypto.SHA256, sha256.New, false},
	"HS384": {crypto.SHA384, sha512.New384, false},
	"HS512": {crypto.SHA512, sha512.New, false},
	"RS256": {crypto.SHA256, sha256.New, true},
	"RS384": {crypto.SHA384, sha512.New384, true},
	"RS512": {crypto.SHA512, sha512.New, true},
}

func lookup(alg string) (algorithm, error) {
	a, ok := algorithms[strings.ToUpper(alg)]
	if !ok {
		return a, fmt.Errorf("jwt: unsupported algorithm %q (HS256, HS384, HS512, RS256, RS384, RS512)", alg)
	}
	return a, nil
}

// timeClaims are the registered claims that hold a NumericDate.
var timeClaims = []string{"iat", "exp", "nbf"}

// millisFrom: a NumericDate above this is taken as milliseconds (it would
// be a date after the year 5138 in seconds).
const millisFrom = 1e11

// Sign returns the compact token of claims signed with key by alg ("HS256"
// … "RS512"): for HS* key is the shared secret, for RS* an RSA private key
// in PEM (PKCS #1 or PKCS #8; "\n" written as two characters is accepted,
// as keys kept in configuration often have it). The NumericDate claims
// iat, exp and nbf are written in seconds: a value given in milliseconds
// (what JavaScript's Date.getTime() returns, and what the platform's own
// packages pass) is converted.
func Sign(claims map[string]any, key, alg string) (string, error) {
	a, err := lookup(alg)
	if err != nil {
		return "", err
	}
	claims = normalizeTimes(claims)
	header, err := json.Marshal(map[string]string{"alg": strings.ToUpper(alg), "typ": "JWT"})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("jwt: payload: %w", err)
	}
	input := encode(header) + "." + encode(payload)
	sig, err := sign(a, []byte(input), key)
	if err != nil {
		return "", err
	}
	return input + "." + encode(sig), nil
}

func normalizeTimes(claims map[string]any) map[string]any {
	out := make(map[string]any, len(claims))
	for k, v := range claims {
		out[k] = v
	}
	for _, k := range timeClaims {
		if f, ok := number(out[k]); ok && math.Abs(f) >= millisFrom {
			out[k] = int64(f / 1000)
		}
	}
	return out
}

func sign(a algorithm, input []byte, key string) ([]byte, error) {
	if !a.rsa {
		m := hmac.New(a.new, []byte(key))
		m.Write(input)
		return m.Sum(nil), nil
	}
	priv, err := privateKey(key)
	if err != nil {
		return nil, err
	}
	h := a.new()
	h.Write(input)
	return rsa.SignPKCS1v15(rand.Reader, priv, a.hash, h.Sum(nil))
}

// Verify checks token: its signature with key (the shared secret for HS*;
// for RS* the RSA public key in PEM — PKIX, PKCS #1 or a certificate — or
// the private key, whose public half is used), by the algorithm its header
// names, and its exp and nbf claims against now. A nil error means valid.
func Verify(token, key string, now time.Time) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ErrMalformed
	}
	var header struct {
		Alg string `json:"alg"`
	}
	raw, err := decode(parts[0])
	if err != nil || json.Unmarshal(raw, &header) != nil {
		return ErrMalformed
	}
	a, err := lookup(header.Alg)
	if err != nil {
		return err
	}
	sig, err := decode(parts[2])
	if err != nil {
		return ErrMalformed
	}
	input := []byte(parts[0] + "." + parts[1])
	if a.rsa {
		pub, err := publicKey(key)
		if err != nil {
			return err
		}
		h := a.new()
		h.Write(input)
		if rsa.VerifyPKCS1v15(pub, a.hash, h.Sum(nil), sig) != nil {
			return ErrSignature
		}
	} else {
		if strings.Contains(key, "-----BEGIN ") {
			// An RSA key used as an HMAC secret would let anyone who
			// knows the public key forge tokens (algorithm confusion).
			return fmt.Errorf("jwt: the token is signed with %s but the key is a PEM key", header.Alg)
		}
		m := hmac.New(a.new, []byte(key))
		m.Write(input)
		if !hmac.Equal(m.Sum(nil), sig) {
			return ErrSignature
		}
	}
	payload, err := Payload(token)
	if err != nil {
		return err
	}
	return checkTimes(payload, now)
}

// checkTimes applies exp and nbf (seconds; milliseconds accepted as Sign
// does).
func checkTimes(payload []byte, now time.Time) error {
	var claims map[string]any
	d := json.NewDecoder(bytes.NewReader(payload))
	d.UseNumber()
	if d.Decode(&claims) != nil {
		return ErrMalformed
	}
	at := func(k string) (time.Time, bool) {
		f, ok := number(claims[k])
		if !ok {
			return time.Time{}, false
		}
		if math.Abs(f) >= millisFrom {
			return time.UnixMilli(int64(f)), true
		}
		return time.Unix(int64(f), 0), true
	}
	if exp, ok := at("exp"); ok && !now.Before(exp) {
		return ErrExpired
	}
	if nbf, ok := at("nbf"); ok && now.Before(nbf) {
		return ErrNotYet
	}
	return nil
}

// Payload returns the JSON of token's payload, unverified.
func Payload(token string) ([]byte, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, ErrMalformed
	}
	raw, err := decode(parts[1])
	if err != nil || !json.Valid(raw) {
		return nil, ErrMalformed
	}
	return raw, nil
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

func encode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func decode(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// pemBlock reads the first PEM block of s, tolerating keys pasted on one
// line or with literal "\n".
func pemBlock(s string) (kind string, der []byte, err error) {
	s = strings.ReplaceAll(s, `\n`, "\n")
	const begin, dashes = "-----BEGIN ", "-----"
	i := strings.Index(s, begin)
	if i < 0 {
		return "", nil, errors.New("jwt: the key is not in PEM form (-----BEGIN …-----)")
	}
	rest := s[i+len(begin):]
	j := strings.Index(rest, dashes)
	if j < 0 {
		return "", nil, errors.New("jwt: malformed PEM key")
	}
	kind = rest[:j]
	body := rest[j+len(dashes):]
	k := strings.Index(body, "-----END "+kind+dashes)
	if k < 0 {
		return "", nil, errors.New("jwt: malformed PEM key: no END line")
	}
	b64 := strings.Join(strings.Fields(body[:k]), "")
	der, err = base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", nil, fmt.Errorf("jwt: malformed PEM key: %w", err)
	}
	return kind, der, nil
}

func privateKey(s string) (*rsa.PrivateKey, error) {
	kind, der, err := pemBlock(s)
	if err != nil {
		return nil, err
	}
	if kind == "RSA PRIVATE KEY" {
		return x509.ParsePKCS1PrivateKey(der)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("jwt: private key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("jwt: the private key is not an RSA key")
	}
	return rk, nil
}

func publicKey(s string) (*rsa.PublicKey, error) {
	kind, der, err := pemBlock(s)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "RSA PUBLIC KEY":
		return x509.ParsePKCS1PublicKey(der)
	case "CERTIFICATE":
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("jwt: certificate: %w", err)
		}
		if pk, ok := cert.PublicKey.(*rsa.PublicKey); ok {
			return pk, nil
		}
		return nil, errors.New("jwt: the certificate's key is not an RSA key")
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			return nil, fmt.Errorf("jwt: public key: %w", err)
		}
		if pk, ok := k.(*rsa.PublicKey); ok {
			return pk, nil
		}
		return nil, errors.New("jwt: the public key is not an RSA key")
	}
	priv, err := privateKey(s)
	if err != nil {
		return nil, err
	}
	return &priv.PublicKey, nil
}
