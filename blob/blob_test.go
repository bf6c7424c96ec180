package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"runway/blob"
	"runway/blob/blobtest"
)

// stores are the implementations every conformance test runs on.
func stores(t *testing.T) map[string]blob.Store {
	d, err := blob.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return map[string]blob.Store{"dir": d, "s3": blobtest.StartS3(t).Open(t)}
}

func content(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			// 0 and 1 byte, and more than one S3 part (a multipart upload).
			for i, n := range []int{0, 1, 100_003, 8<<20 + 5} {
				key := "aaaaaaaaaaaaaaaaaaaaaa0" + string(rune('0'+i))
				want := content(n, uint64(n))
				got, err := st.Put(ctx, key, bytes.NewReader(want))
				if err != nil || got != int64(n) {
					t.Fatalf("put %d bytes: %d, %v", n, got, err)
				}
				r, err := st.Open(ctx, key)
				if err != nil {
					t.Fatal(err)
				}
				if r.Size() != int64(n) {
					t.Fatalf("size %d, want %d", r.Size(), n)
				}
				b, err := io.ReadAll(r)
				if err != nil || !bytes.Equal(b, want) {
					t.Fatalf("read %d bytes back: %d bytes, %v", n, len(b), err)
				}
				if n > 10 {
					// A ranged read after a seek.
					if _, err := r.Seek(int64(n/2), io.SeekStart); err != nil {
						t.Fatal(err)
					}
					part := make([]byte, 7)
					if _, err := io.ReadFull(r, part); err != nil || !bytes.Equal(part, want[n/2:n/2+7]) {
						t.Fatalf("ranged read: %v %x, want %x", err, part, want[n/2:n/2+7])
					}
					end, err := r.Seek(0, io.SeekEnd)
					if err != nil || end != int64(n) {
						t.Fatalf("seek end: %d %v", end, err)
					}
				}
				r.Close()
			}
			var keys []string
			if err := st.List(ctx, func(k string, mod time.Time) error {
				if time.Since(mod) > time.Hour || time.Until(mod) > time.Hour {
					t.Errorf("modified %v", mod)
				}
				keys = append(keys, k)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			slices.Sort(keys)
			if strings.Join(keys, ",") != "aaaaaaaaaaaaaaaaaaaaaa00,aaaaaaaaaaaaaaaaaaaaaa01,aaaaaaaaaaaaaaaaaaaaaa02,aaaaaaaaaaaaaaaaaaaaaa03" {
				t.Fatalf("listed %v", keys)
			}
			// Delete, twice.
			for range 2 {
				if err := st.Delete(ctx, "aaaaaaaaaaaaaaaaaaaaaa01"); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := st.Open(ctx, "aaaaaaaaaaaaaaaaaaaaaa01"); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("open deleted: %v", err)
			}
		})
	}
}

// failing yields some bytes, then an error (default: connection reset).
type failing struct {
	n   int
	err error
}

func (f *failing) Read(p []byte) (int, error) {
	if f.n <= 0 {
		if f.err != nil {
			return 0, f.err
		}
		return 0, errors.New("connection reset")
	}
	n := min(len(p), f.n)
	f.n -= n
	return n, nil
}

func TestFailedPutLeavesNothing(t *testing.T) {
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			for _, n := range []int{10, 9 << 20} {
				if _, err := st.Put(ctx, "bbbbbbbbbbbbbbbbbbbbbbbb", &failing{n: n}); err == nil {
					t.Fatal("put from a failing reader succeeded")
				}
				// A body cut short (what a multipart part says then).
				if _, err := st.Put(ctx, "bbbbbbbbbbbbbbbbbbbbbbbb", &failing{n: n, err: io.ErrUnexpectedEOF}); err == nil {
					t.Fatal("put from a reader cut short succeeded")
				}
			}
			canceled, cancel := context.WithCancel(ctx)
			cancel()
			if _, err := st.Put(canceled, "bbbbbbbbbbbbbbbbbbbbbbbb", bytes.NewReader([]byte("x"))); err == nil {
				t.Fatal("put with a canceled context succeeded")
			}
			if _, err := st.Open(ctx, "bbbbbbbbbbbbbbbbbbbbbbbb"); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("a failed put left a blob: %v", err)
			}
			n := 0
			_ = st.List(ctx, func(string, time.Time) error { n++; return nil })
			if n != 0 {
				t.Fatalf("%d blobs listed after failed puts", n)
			}
			if _, err := st.RemovePartial(ctx, time.Now().Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestKeysAreChecked(t *testing.T) {
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			for _, key := range []string{"", "short", "../../../../etc/passwd", "aaaaaaaaaaaaaaaaaaaaaaa/", "AAAAAAAAAAAAAAAA", "aaaaaaaa.aaaaaaaa", strings.Repeat("a", 65)} {
				if _, err := st.Put(ctx, key, bytes.NewReader(nil)); err == nil {
					t.Errorf("put %q accepted", key)
				}
				if _, err := st.Open(ctx, key); !errors.Is(err, blob.ErrNotFound) {
					t.Errorf("open %q: %v", key, err)
				}
				if err := st.Delete(ctx, key); err == nil {
					t.Errorf("delete %q accepted", key)
				}
			}
		})
	}
}

// A temporary file left by a process killed in the middle of a write is
// removed once older than the given time; a complete blob is not.
func TestDirRemovePartial(t *testing.T) {
	root := t.TempDir()
	d, err := blob.OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := d.Put(ctx, "cccccccccccccccccccccccc", strings.NewReader("kept")); err != nil {
		t.Fatal(err)
	}
	left := filepath.Join(root, ".tmp", "dddddddddddddddddddddddd-123")
	if err := os.WriteFile(left, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	if n, err := d.RemovePartial(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("a fresh partial write was removed: %d %v", n, err)
	}
	if n, err := d.RemovePartial(ctx, time.Now().Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("removed %d, %v", n, err)
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Fatalf("partial file still there: %v", err)
	}
	if r, err := d.Open(ctx, "cccccccccccccccccccccccc"); err != nil {
		t.Fatalf("complete blob gone: %v", err)
	} else {
		r.Close()
	}
}

func TestParseS3URL(t *testing.T) {
	o, err := blob.ParseS3URL("s3://my-bucket?endpoint=http://127.0.0.1:9000&region=eu-west-1&prefix=app1/")
	if err != nil || o.Bucket != "my-bucket" || o.Endpoint != "127.0.0.1:9000" || o.Secure || o.Region != "eu-west-1" || o.Prefix != "app1/" {
		t.Fatalf("%+v %v", o, err)
	}
	o, err = blob.ParseS3URL("s3://b")
	if err != nil || o.Endpoint != "s3.amazonaws.com" || !o.Secure {
		t.Fatalf("%+v %v", o, err)
	}
	for _, bad := range []string{"s3://", "s3://b/path", "s3://b?bucket=x", "s3://b?endpoint=http://h/p", "s3://u:p@b", "s3://b?prefix=../x%00"} {
		if _, err := blob.ParseS3URL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, bad := range []string{"", "ftp://x", "file://host/x"} {
		if _, err := blob.Open(context.Background(), bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseS3URL(f *testing.F) {
	f.Add("s3://b?endpoint=http://127.0.0.1:9000&region=r&prefix=p/")
	f.Add("s3://b/%2e%2e?endpoint=x")
	f.Fuzz(func(t *testing.T, s string) {
		o, err := blob.ParseS3URL(s)
		if err != nil {
			return
		}
		if o.Bucket == "" || o.Endpoint == "" || strings.Contains(o.Endpoint, "/") || blob.CheckPrefix(o.Prefix) != nil {
			t.Fatalf("%q gave %+v", s, o)
		}
	})
}
