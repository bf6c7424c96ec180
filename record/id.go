// Package record holds the record document model: ids, the ordered native
// JSON encoding, and path helpers.
package record

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync/atomic"
	"time"
)

// IDs are ObjectId-like: 4 bytes of Unix seconds, 5 random bytes fixed per
// process, 3 bytes of a counter. Sorting ids sorts records by creation time
// (within a process exactly, across processes to the second).
var (
	processBytes [5]byte
	counter      atomic.Uint32
)

func init() {
	var seed [8]byte
	if _, err := rand.Read(processBytes[:]); err != nil {
		panic("record: no randomness: " + err.Error())
	}
	if _, err := rand.Read(seed[:]); err != nil {
		panic("record: no randomness: " + err.Error())
	}
	counter.Store(binary.BigEndian.Uint32(seed[:4]) & 0xffffff)
}

// NewID returns a new 24-hex-character id.
func NewID() string { return newIDAt(time.Now()) }

var lastSecond atomic.Int64

func newIDAt(t time.Time) string {
	// Never go back in time within a process, so ids stay ordered even if
	// the clock steps back.
	sec := t.Unix()
	for {
		last := lastSecond.Load()
		if sec <= last {
			sec = last
			break
		}
		if lastSecond.CompareAndSwap(last, sec) {
			break
		}
	}
	var b [12]byte
	binary.BigEndian.PutUint32(b[0:4], uint32(sec))
	copy(b[4:9], processBytes[:])
	c := counter.Add(1)
	b[9], b[10], b[11] = byte(c>>16), byte(c>>8), byte(c)
	return hex.EncodeToString(b[:])
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
