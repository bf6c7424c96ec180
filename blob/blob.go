// Package blob keeps the contents of uploaded files: a directory on this
// machine (the default) or S3-compatible object storage shared by every
// process of an app. A blob is written once under a key the caller
// generates (never a name a user chose), read many times, and deleted;
// what a blob is — its name, type, owner, references — lives in the
// database (package files).
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// Store holds blobs by key. Implementations are safe for concurrent use.
type Store interface {
	// Put stores everything r yields under key and returns its size. The
	// blob appears whole or not at all: until Put returns nil no reader
	// sees it, and a failed Put (an error of r, a canceled ctx) leaves
	// nothing behind but what RemovePartial removes. The key must be new.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Open opens a blob for reading (ErrNotFound when there is none).
	Open(ctx context.Context, key string) (Reader, error)
	// Delete removes a blob; one that does not exist is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn with the key and last modification time of every
	// complete blob, in no particular order, until fn returns an error.
	List(ctx context.Context, fn func(key string, modified time.Time) error) error
	// RemovePartial removes what writes that never finished (a process
	// killed in the middle of Put) left behind, if they started before
	// the given time; it returns how many it removed.
	RemovePartial(ctx context.Context, before time.Time) (int, error)
	// String names the store in logs (never with credentials).
	String() string
}

// Reader reads one blob; Seek makes ranged reads possible (HTTP Range).
type Reader interface {
	io.ReadSeekCloser
	// Size is the blob's length in bytes.
	Size() int64
}

// ErrNotFound: no blob has that key.
var ErrNotFound = errors.New("blob: not found")

// CheckKey refuses keys that are not 8 to 64 lowercase letters and digits:
// a key becomes a file name or an object name, so it must never be able
// to name anything else.
func CheckKey(key string) error {
	if len(key) < 8 || len(key) > 64 {
		return fmt.Errorf("blob: invalid key %q", key)
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return fmt.Errorf("blob: invalid key %q", key)
		}
	}
	return nil
}

// Open opens the store a --blob setting names: a directory path (or
// file:///PATH), or s3://BUCKET?endpoint=HOST[:PORT]&region=R[&prefix=P]
// (ParseS3URL).
func Open(ctx context.Context, setting string) (Store, error) {
	switch {
	case setting == "":
		return nil, errors.New("blob: no blob store named")
	case strings.HasPrefix(setting, "s3://"):
		o, err := ParseS3URL(setting)
		if err != nil {
			return nil, err
		}
		return OpenS3(ctx, o)
	case strings.HasPrefix(setting, "file://"):
		u, err := url.Parse(setting)
		if err != nil || u.Path == "" || u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("blob: %q is not a file:///PATH URL", setting)
		}
		return OpenDir(u.Path)
	case strings.Contains(setting, "://"):
		return nil, fmt.Errorf("blob: %q: the blob store is a directory or an s3:// URL", setting)
	}
	return OpenDir(setting)
}

// contextReader stops a copy when its context ends (a client gone, a
// shutdown), where the reader itself would not.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// fill reads until buf is full (nil) or r ends (io.EOF) or fails. Unlike
// io.ReadFull it keeps r's own io.ErrUnexpectedEOF (a body cut short) an
// error.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
