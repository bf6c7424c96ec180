package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Dir keeps blobs as files of a directory: <root>/<last two characters of
// the key>/<key>, written as a temporary file in <root>/.tmp, synced, and
// renamed into place (then the directory synced), so a blob is either
// whole on disk or absent, across crashes and power losses.
type Dir struct {
	root string
}

const (
	tmpDir   = ".tmp"
	dirPerm  = 0o700
	filePerm = 0o600
	copyBuf  = 256 << 10
)

// OpenDir opens (creating it if needed) a directory blob store.
func OpenDir(root string) (*Dir, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(abs, tmpDir), dirPerm); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &Dir{root: abs}, nil
}

func (d *Dir) String() string { return "directory " + d.root }

func (d *Dir) shard(key string) string { return filepath.Join(d.root, key[len(key)-2:]) }

func (d *Dir) path(key string) string { return filepath.Join(d.shard(key), key) }

// Put writes r to a temporary file, syncs it and renames it to the key.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader) (n int64, err error) {
	if err := CheckKey(key); err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(filepath.Join(d.root, tmpDir), key+"-*")
	if err != nil {
		return 0, fmt.Errorf("blob: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if n, err = copyFull(tmp, contextReader{ctx, r}); err != nil {
		return n, err
	}
	if err = tmp.Sync(); err != nil {
		return n, fmt.Errorf("blob: sync %s: %w", key, err)
	}
	if err = tmp.Close(); err != nil {
		return n, fmt.Errorf("blob: close %s: %w", key, err)
	}
	shard := d.shard(key)
	if err = os.MkdirAll(shard, dirPerm); err != nil {
		return n, fmt.Errorf("blob: %w", err)
	}
	if _, err = os.Lstat(d.path(key)); err == nil {
		return n, fmt.Errorf("blob: key %s exists", key)
	}
	if err = os.Rename(tmp.Name(), d.path(key)); err != nil {
		return n, fmt.Errorf("blob: %w", err)
	}
	if err = syncDir(shard); err != nil {
		return n, err
	}
	return n, nil
}

// copyFull copies r to w in writes of a full buffer: a network stream
// (a multipart part) yields a few kilobytes a read, and a write each would
// cost a system call per few kilobytes.
func copyFull(w io.Writer, r io.Reader) (int64, error) {
	buf := make([]byte, copyBuf)
	var n int64
	for {
		m, err := fill(r, buf)
		if m > 0 {
			if _, werr := w.Write(buf[:m]); werr != nil {
				return n, werr
			}
			n += int64(m)
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("blob: sync %s: %w", dir, err)
	}
	return nil
}

// Open opens the blob's file.
func (d *Dir) Open(_ context.Context, key string) (Reader, error) {
	if err := CheckKey(key); err != nil {
		return nil, ErrNotFound
	}
	f, err := os.Open(d.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &fileReader{File: f, size: fi.Size()}, nil
}

type fileReader struct {
	*os.File
	size int64
}

func (f *fileReader) Size() int64 { return f.size }

// OSFile is the open file, for the kernel's fast copies (sendfile).
func (f *fileReader) OSFile() *os.File { return f.File }

// Delete removes the blob's file.
func (d *Dir) Delete(_ context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if err := os.Remove(d.path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// List walks the shard directories.
func (d *Dir) List(ctx context.Context, fn func(string, time.Time) error) error {
	shards, err := os.ReadDir(d.root)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	for _, sh := range shards {
		if !sh.IsDir() || sh.Name() == tmpDir {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(d.root, sh.Name()))
		if err != nil {
			return fmt.Errorf("blob: %w", err)
		}
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				return err
			}
			if CheckKey(e.Name()) != nil || !e.Type().IsRegular() {
				continue
			}
			info, err := e.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted meanwhile
			}
			if err != nil {
				return fmt.Errorf("blob: %w", err)
			}
			if err := fn(e.Name(), info.ModTime()); err != nil {
				return err
			}
		}
	}
	return nil
}

// RemovePartial removes temporary files older than before.
func (d *Dir) RemovePartial(_ context.Context, before time.Time) (int, error) {
	dir := filepath.Join(d.root, tmpDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("blob: %w", err)
	}
	n := 0
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(before) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err == nil {
			n++
		}
	}
	return n, nil
}
