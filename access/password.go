package access

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"time"
	"unicode"
)

// MinPasswordLength is the floor of every password: the minLength of the
// sys.users password fields (app-model.md §6.2).
const MinPasswordLength = 6

// MaxPasswordLength bounds minimumLength in a group's policy.
const MaxPasswordLength = 256

// PasswordPolicy is the password policy of a user's primary group.
type PasswordPolicy struct {
	MinLength        int // characters; never below MinPasswordLength
	RequireCapital   bool
	RequireLowerCase bool
	RequireNumber    bool
	RequireSymbol    bool
	// Expires is how long a password lasts after it was set (0 = never).
	Expires time.Duration
	// MaxLoginAttempts consecutive wrong passwords block the user (0 = no
	// limit).
	MaxLoginAttempts int
}

// Violation is one rule a password breaks. The message never quotes the
// password.
type Violation struct {
	Rule    string // minimumLength | requireCapital | requireLowerCase | requireNumber | requireSymbol
	Message string
}

// Check returns the rules pw breaks, in a stable order (none: nil).
func (pp PasswordPolicy) Check(pw string) []Violation {
	var out []Violation
	min := max(pp.MinLength, MinPasswordLength)
	var n int
	var upper, lower, digit, symbol bool
	for _, r := range pw {
		n++
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		case isSymbol(r):
			symbol = true
		}
	}
	if n < min {
		out = append(out, Violation{"minimumLength", fmt.Sprintf("Password must have at least %d characters", min)})
	}
	if pp.RequireCapital && !upper {
		out = append(out, Violation{"requireCapital", "Password must contain a capital letter"})
	}
	if pp.RequireLowerCase && !lower {
		out = append(out, Violation{"requireLowerCase", "Password must contain a lowercase letter"})
	}
	if pp.RequireNumber && !digit {
		out = append(out, Violation{"requireNumber", "Password must contain a number"})
	}
	if pp.RequireSymbol && !symbol {
		out = append(out, Violation{"requireSymbol", "Password must contain a symbol (a character that is not a letter, a digit or a space)"})
	}
	return out
}

// isSymbol: anything printable that is not a letter, a digit or a space
// (punctuation and symbols, "!", "€", "_").
func isSymbol(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsSpace(r) && unicode.IsPrint(r)
}

// Expired reports whether a password set at changed (ms since the epoch; 0 =
// unknown, never expired) has expired at now.
func (pp PasswordPolicy) Expired(changed int64, now time.Time) bool {
	if pp.Expires <= 0 || changed <= 0 {
		return false
	}
	return now.After(time.UnixMilli(changed).Add(pp.Expires))
}

// Password character classes for Generate: no look-alikes (0/O, 1/l/I).
const (
	genUpper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	genLower  = "abcdefghijkmnopqrstuvwxyz"
	genDigit  = "23456789"
	genSymbol = "!#%+-=?@_"
)

// Generate makes a random password that satisfies the policy: at least 16
// characters (or MinLength), with a capital, a lowercase letter, a number
// and a symbol whatever the policy asks, at random positions.
func (pp PasswordPolicy) Generate() string {
	n := max(16, pp.MinLength)
	all := genUpper + genLower + genDigit + genSymbol
	out := make([]byte, n)
	for i := range out {
		out[i] = all[randN(len(all))]
	}
	// One of each class, each at a distinct position.
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := randN(i + 1)
		perm[i], perm[j] = perm[j], perm[i]
	}
	for i, class := range []string{genUpper, genLower, genDigit, genSymbol} {
		out[perm[i]] = class[randN(len(class))]
	}
	return string(out)
}

func randN(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic("access: no randomness: " + err.Error())
	}
	return int(v.Int64())
}
