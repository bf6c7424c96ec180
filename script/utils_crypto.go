package script

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strings"

	"github.com/dop251/goja"
	keccak "golang.org/x/crypto/sha3"

	"runway/apperr"
	"runway/jwt"
)

// sysCrypto is sys.utils.crypto: digests, HMAC signatures and JWTs.
func (rt *runtime) sysCrypto() *goja.Object {
	hexOf := func(b []byte) goja.Value { return rt.vm.ToValue(hex.EncodeToString(b)) }
	verifyHmac := func(c goja.FunctionCall) goja.Value {
		mac := rt.hmacSum("verifySignatureWithHmac", str(c, 0), str(c, 2), str(c, 3))
		return rt.vm.ToValue(signatureMatches(mac, str(c, 1)))
	}
	o := rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"sha1": func(c goja.FunctionCall) goja.Value {
			sum := sha1.Sum([]byte(str(c, 0)))
			return hexOf(sum[:])
		},
		"sha3": func(c goja.FunctionCall) goja.Value {
			return hexOf(rt.digest("sha3", str(c, 0), arg(c, 1), map[int64]func() hash.Hash{
				224: func() hash.Hash { return sha3.New224() }, 256: func() hash.Hash { return sha3.New256() },
				384: func() hash.Hash { return sha3.New384() }, 512: func() hash.Hash { return sha3.New512() }}))
		},
		"keccak": func(c goja.FunctionCall) goja.Value {
			return hexOf(rt.digest("keccak", str(c, 0), arg(c, 1), map[int64]func() hash.Hash{
				256: keccak.NewLegacyKeccak256, 512: keccak.NewLegacyKeccak512}))
		},
		"hashHmac": func(c goja.FunctionCall) goja.Value {
			mac := rt.hmacSum("hashHmac", str(c, 0), str(c, 1), str(c, 2))
			return rt.vm.ToValue(rt.encodeMac("hashHmac", mac, str(c, 3)))
		},
		"hs256": func(c goja.FunctionCall) goja.Value {
			mac := rt.hmacSum("hs256", str(c, 0), str(c, 1), "HmacSHA256")
			return rt.vm.ToValue(rt.encodeMac("hs256", mac, str(c, 2)))
		},
		"verifySignatureWithHmac": verifyHmac,
	})
	_ = o.Set("jwt", rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"generate": func(c goja.FunctionCall) goja.Value {
			claims, ok := exportJSON(rt.jwtClaims(arg(c, 0))).(map[string]any)
			if !ok {
				rt.throwf(apperr.BadRequest, "jwt.generate needs a payload object")
			}
			tok, err := jwt.Sign(claims, str(c, 1), str(c, 2))
			if err != nil {
				rt.throwf(apperr.BadRequest, "jwt.generate: %v", err)
			}
			return rt.vm.ToValue(tok)
		},
		"verify": func(c goja.FunctionCall) goja.Value {
			return rt.vm.ToValue(jwt.Verify(str(c, 0), str(c, 1), rt.e.opts.Clock.Now()) == nil)
		},
		"decodeToken": func(c goja.FunctionCall) goja.Value {
			p, err := jwt.Payload(str(c, 0))
			if err != nil {
				rt.throwf(apperr.BadRequest, "jwt.decodeToken: %v", err)
			}
			return rt.vm.ToValue(string(p))
		},
		// The docs' sample calls it here too.
		"verifySignatureWithHmac": verifyHmac,
	}))
	return o
}

// jwtClaims turns Date values of the registered time claims into epoch
// milliseconds (jwt.Sign writes them in seconds).
func (rt *runtime) jwtClaims(v goja.Value) goja.Value {
	o, ok := v.(*goja.Object)
	if !ok {
		return v
	}
	cp := rt.vm.NewObject()
	for _, k := range o.Keys() {
		x := o.Get(k)
		if t, isDate := dateOf(x); isDate && (k == "iat" || k == "exp" || k == "nbf") {
			x = rt.vm.ToValue(t.UnixMilli())
		}
		_ = cp.Set(k, x)
	}
	return cp
}

// digest hashes msg with the function of the given bits (default 256).
func (rt *runtime) digest(name, msg string, bitsArg goja.Value, fns map[int64]func() hash.Hash) []byte {
	bits := int64(256)
	if !isNothing(bitsArg) {
		bits = bitsArg.ToInteger()
	}
	fn := fns[bits]
	if fn == nil {
		rt.throwf(apperr.BadRequest, "%s: %d bits is not supported", name, bits)
	}
	h := fn()
	h.Write([]byte(msg))
	return h.Sum(nil)
}

// hmacAlgorithms are the names hashHmac accepts ("HmacSHA256"; "sha256"
// works too).
var hmacAlgorithms = map[string]func() hash.Hash{
	"md5": md5.New, "sha1": sha1.New, "sha224": sha256.New224, "sha256": sha256.New,
	"sha384": sha512.New384, "sha512": sha512.New,
}

func (rt *runtime) hmacSum(fn, msg, secret, alg string) []byte {
	name := strings.TrimPrefix(strings.ToLower(alg), "hmac")
	h := hmacAlgorithms[strings.ReplaceAll(name, "-", "")]
	if h == nil {
		rt.throwf(apperr.BadRequest, "%s: unknown algorithm %q (HmacMD5, HmacSHA1, HmacSHA224, HmacSHA256, HmacSHA384, HmacSHA512)", fn, alg)
	}
	m := hmac.New(h, []byte(secret))
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// encodeMac renders a signature as HEX (the default) or BASE64.
func (rt *runtime) encodeMac(fn string, mac []byte, encoding string) string {
	switch strings.ToUpper(encoding) {
	case "", "HEX":
		return hex.EncodeToString(mac)
	case "BASE64":
		return base64.StdEncoding.EncodeToString(mac)
	}
	rt.throwf(apperr.BadRequest, "%s: unknown encoding %q (HEX or BASE64)", fn, encoding)
	return ""
}

// signatureMatches compares a MAC with a signature given in hex or base64
// (standard or URL alphabet, padded or not), in constant time.
func signatureMatches(mac []byte, sig string) bool {
	sig = strings.TrimSpace(sig)
	if b, err := hex.DecodeString(sig); err == nil && hmac.Equal(b, mac) {
		return true
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(sig); err == nil && hmac.Equal(b, mac) {
			return true
		}
	}
	return false
}
