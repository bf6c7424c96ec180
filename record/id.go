// Package record holds the record document model: ids, the ordered native
// JSON encoding, and path helpers.
package record

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"time"
)

// IDs are ObjectId-like: 4 bytes of Unix seconds, 5 random bytes fixed per
// process, 3 bytes of a counter. Sorting ids sorts records by creation time:
// within a process exactly, across processes to the second.
var (
	processBytes [5]byte

	idMu    sync.Mutex
	lastSec int64  // second of the last id; never goes back
	counter uint32 // 24-bit counter within lastSec
)

func init() {
	if _, err := rand.Read(processBytes[:]); err != nil {
		panic("record: no randomness: " + err.Error())
	}
}

// NewID returns a new 24-hex-character id.
func NewID() string { return newIDAt(time.Now()) }

func newIDAt(t time.Time) string {
	sec, c := nextCounter(t.Unix())
	var b [12]byte
	binary.BigEndian.PutUint32(b[0:4], uint32(sec))
	copy(b[4:9], processBytes[:])
	b[9], b[10], b[11] = byte(c>>16), byte(c>>8), byte(c)
	return hex.EncodeToString(b[:])
}

// nextCounter returns the second and counter of the next id. Each new second
// starts the counter at a random value below 2^23, so at least 8 million ids
// fit in a second before it borrows the next one; a clock that steps back
// keeps the last second, so ids never sort before earlier ones.
func nextCounter(sec int64) (int64, uint32) {
	idMu.Lock()
	defer idMu.Unlock()
	if sec > lastSec {
		lastSec, counter = sec, randomStart()
		return lastSec, counter
	}
	counter++
	if counter > 0xffffff {
		lastSec, counter = lastSec+1, randomStart()
	}
	return lastSec, counter
}

func randomStart() uint32 {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("record: no randomness: " + err.Error())
	}
	return binary.BigEndian.Uint32(b[:]) & 0x7fffff
}

// IsID reports whether s has the form of an id: 24 lowercase hex characters.
func IsID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
