// Package files is the file service of Runway: uploads streamed into the
// blob store with their metadata in the database, downloads, share links,
// and the lifecycle that leaves neither orphans nor dangling links
// (rest-api.md §7):
//
//   - An upload writes its blob first, then its metadata row. A process
//     that dies in between leaves a blob without a row, which the sweeper
//     deletes once it is older than the orphan grace; never a row
//     without its blob.
//   - A file no record references is temporary: the sweeper deletes it
//     12 hours after its upload. References change in the write
//     transaction of the record that holds them (data service, store
//     FileTx), so a file is referenced exactly while a committed record
//     holds it.
//   - A file a write stops referencing is released at once after the
//     commit: its row is deleted if nothing references it any more, then
//     its blob. A death between the two leaves an orphan blob for the
//     sweeper.
//
// Permissions (who may download or share what) are the data service's;
// this package stores and serves.
package files

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"runway/apperr"
	"runway/blob"
	"runway/clock"
	"runway/record"
	"runway/store"
)

// Defaults of Options.
const (
	DefaultMaxSize      = 1 << 30          // 1 GiB
	DefaultTemporaryFor = 12 * time.Hour   // rest-api.md §7
	DefaultSweepEvery   = 30 * time.Minute // how often the sweeper runs
	DefaultOrphanGrace  = time.Hour        // a blob without a row younger than this may be an upload in progress
	DefaultShareTTL     = time.Hour        // rest-api.md §7.4
)

// Options tune the service; zero values take the defaults.
type Options struct {
	// MaxSize is the largest file in bytes (--max-file-size); larger
	// uploads fail with 413.
	MaxSize int64
	// TemporaryFor is how long an upload no record references is kept.
	TemporaryFor time.Duration
	// SweepEvery is the interval of the sweeper (Run).
	SweepEvery time.Duration
	// OrphanGrace is the age after which a blob without metadata is
	// deleted (and a partial write, after TemporaryFor).
	OrphanGrace time.Duration
}

func (o Options) withDefaults() Options {
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.TemporaryFor <= 0 {
		o.TemporaryFor = DefaultTemporaryFor
	}
	if o.SweepEvery <= 0 {
		o.SweepEvery = DefaultSweepEvery
	}
	if o.OrphanGrace <= 0 {
		o.OrphanGrace = DefaultOrphanGrace
	}
	return o
}

// Service stores, serves and sweeps files.
type Service struct {
	blobs blob.Store
	st    store.Files
	clock clock.Clock
	log   *slog.Logger
	opts  Options
}

// New builds the service on a blob store and the metadata store.
func New(blobs blob.Store, st store.Files, c clock.Clock, log *slog.Logger, opts Options) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{blobs: blobs, st: st, clock: clock.OrSystem(c), log: log, opts: opts.withDefaults()}
}

// MaxSize is the largest file accepted, in bytes.
func (s *Service) MaxSize() int64 { return s.opts.MaxSize }

// Blobs is the blob store underneath.
func (s *Service) Blobs() blob.Store { return s.blobs }

func (s *Service) now() int64 { return s.clock.Now().UnixMilli() }

// Create stores a new temporary file from a stream, never holding it
// whole in memory: the content goes to the blob store as it is read, its
// size counted on the way (no hash: files never change, so the id is
// their ETag, and hashing would cost a third of an upload's CPU; Hash
// reads a file when a script asks). owner is the uploading user's id
// ("" for the system); name and contentType are made safe (SafeName,
// SafeContentType). Over the size limit it fails with 413 (TooLarge) and
// keeps nothing.
func (s *Service) Create(ctx context.Context, owner, name, contentType string, r io.Reader) (*store.File, error) {
	id := record.NewID()
	n, err := s.blobs.Put(ctx, id, &limited{r: r, left: s.opts.MaxSize})
	if errors.Is(err, errTooLarge) {
		return nil, s.TooLarge()
	}
	if err != nil {
		return nil, fmt.Errorf("files: store content: %w", err)
	}
	name = SafeName(name)
	f := &store.File{ID: id, Name: name, ContentType: SafeContentType(contentType, name), Size: n,
		Owner: owner, Created: s.now()}
	if err := s.st.InsertFile(ctx, f); err != nil {
		// The blob alone is an orphan; the sweeper would get it later.
		if derr := s.blobs.Delete(context.WithoutCancel(ctx), id); derr != nil {
			s.log.Warn("delete the blob of a file not recorded", "file", id, "err", derr)
		}
		return nil, fmt.Errorf("files: record %s: %w", id, err)
	}
	return f, nil
}

// TooLarge is the error of a file over the size limit (413).
func (s *Service) TooLarge() error {
	return apperr.TooLarge("The file is larger than %d bytes (%s), the largest file accepted", s.opts.MaxSize, record.HumanSize(s.opts.MaxSize))
}

var errTooLarge = errors.New("files: too large")

// limited reads at most left bytes, and fails instead of reading more.
type limited struct {
	r    io.Reader
	left int64
}

func (l *limited) Read(p []byte) (int, error) {
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return 0, errTooLarge
	}
	return n, err
}

// Lookup reads the files with these ids (one round trip); missing ones
// are absent from the map.
func (s *Service) Lookup(ctx context.Context, ids []string) (map[string]*store.File, error) {
	out := make(map[string]*store.File, len(ids))
	var valid []string
	for _, id := range ids {
		if record.IsID(id) {
			valid = append(valid, id)
		}
	}
	if len(valid) == 0 {
		return out, nil
	}
	rows, err := s.st.Files(ctx, valid)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		out[rows[i].ID] = &rows[i]
	}
	return out, nil
}

// Get reads one file's metadata (notFound when missing).
func (s *Service) Get(ctx context.Context, id string) (*store.File, error) {
	m, err := s.Lookup(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	if f := m[id]; f != nil {
		return f, nil
	}
	return nil, notFound(id)
}

func notFound(id string) error { return apperr.New(apperr.NotFound, "File %q does not exist", id) }

// Open opens a file for reading: its metadata and its content.
func (s *Service) Open(ctx context.Context, id string) (*store.File, blob.Reader, error) {
	f, err := s.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	r, err := s.blobs.Open(ctx, id)
	if errors.Is(err, blob.ErrNotFound) {
		// A row without its blob is a bug (or a blob store that lost
		// data): say so, and answer as for a missing file.
		s.log.Error("file without content", "file", id, "blobs", s.blobs.String())
		return nil, nil, notFound(id)
	}
	if err != nil {
		return nil, nil, err
	}
	return f, r, nil
}

// Hash is the hex SHA-256 of a file's content, read from the blob store.
func (s *Service) Hash(ctx context.Context, id string) (string, error) {
	_, r, err := s.Open(ctx, id)
	if err != nil {
		return "", err
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", fmt.Errorf("files: read %s: %w", id, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Share creates a public link to a file, valid for ttl (0: forever).
func (s *Service) Share(ctx context.Context, id string, ttl time.Duration) (*store.SharedFile, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	now := s.now()
	sh := &store.SharedFile{ID: record.NewID(), FileID: id, Created: now}
	if ttl > 0 {
		sh.Expires = now + ttl.Milliseconds()
	}
	if err := s.st.InsertSharedFile(ctx, sh); err != nil {
		return nil, err
	}
	return sh, nil
}

// Unshare removes every public link to a file.
func (s *Service) Unshare(ctx context.Context, id string) error {
	if _, err := s.Get(ctx, id); err != nil {
		return err
	}
	return s.st.DeleteSharedFiles(ctx, id)
}

// OpenShared opens the file of a public link; an unknown or expired link
// is notFound.
func (s *Service) OpenShared(ctx context.Context, sharedID string) (*store.File, blob.Reader, error) {
	gone := apperr.New(apperr.NotFound, "Shared file %q does not exist or has expired", sharedID)
	if !record.IsID(sharedID) {
		return nil, nil, gone
	}
	sh, err := s.st.SharedFile(ctx, sharedID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, gone
	}
	if err != nil {
		return nil, nil, err
	}
	if sh.Expires != 0 && sh.Expires <= s.now() {
		return nil, nil, gone
	}
	f, r, err := s.Open(ctx, sh.FileID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil, gone
	}
	return f, r, err
}

// Release deletes, of these files, those no record references any more
// (after the commit of a write that dropped references to them), then
// their blobs. Failures are logged: the sweeper finishes the work.
func (s *Service) Release(ctx context.Context, ids []string) {
	if len(ids) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx) // the write is done; finish its cleanup
	gone, err := s.st.DeleteUnreferencedFiles(ctx, ids)
	if err != nil {
		s.log.Error("release files", "files", ids, "err", err)
		return
	}
	s.deleteBlobs(ctx, gone)
}

func (s *Service) deleteBlobs(ctx context.Context, ids []string) {
	for _, id := range ids {
		if err := s.blobs.Delete(ctx, id); err != nil {
			s.log.Warn("delete blob (the sweeper retries)", "file", id, "err", err)
		}
	}
}
