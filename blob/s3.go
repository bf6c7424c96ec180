package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Options name a bucket of S3-compatible object storage.
type S3Options struct {
	Bucket   string
	Endpoint string // host[:port]; default s3.amazonaws.com
	Secure   bool   // HTTPS (an endpoint given as http://… turns it off)
	Region   string // "" lets the client ask the server
	Prefix   string // keys are stored as Prefix+key
	// Creds are the credentials (nil: from the environment —
	// AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN],
	// MINIO_ACCESS_KEY/MINIO_SECRET_KEY, or ~/.aws/credentials).
	Creds *credentials.Credentials
}

// ParseS3URL reads s3://BUCKET?endpoint=HOST[:PORT]&region=R&prefix=P. The
// endpoint may carry a scheme: http:// for a plain-HTTP server (a local
// MinIO), https:// (the default).
func ParseS3URL(s string) (S3Options, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "s3" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.User != nil {
		return S3Options{}, fmt.Errorf("blob: %q is not s3://BUCKET?endpoint=HOST&region=REGION", s)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return S3Options{}, fmt.Errorf("blob: %q: %w", s, err)
	}
	o := S3Options{Bucket: u.Host, Endpoint: "s3.amazonaws.com", Secure: true, Region: q.Get("region"), Prefix: q.Get("prefix")}
	for k := range q {
		if k != "endpoint" && k != "region" && k != "prefix" {
			return S3Options{}, fmt.Errorf("blob: %q: unknown parameter %q (endpoint, region, prefix)", s, k)
		}
	}
	if ep := q.Get("endpoint"); ep != "" {
		switch {
		case strings.HasPrefix(ep, "http://"):
			o.Endpoint, o.Secure = strings.TrimPrefix(ep, "http://"), false
		case strings.HasPrefix(ep, "https://"):
			o.Endpoint = strings.TrimPrefix(ep, "https://")
		default:
			o.Endpoint = ep
		}
		o.Endpoint = strings.TrimSuffix(o.Endpoint, "/")
		if o.Endpoint == "" || strings.Contains(o.Endpoint, "/") {
			return S3Options{}, fmt.Errorf("blob: %q: endpoint must be HOST[:PORT]", s)
		}
	}
	if o.Prefix != "" && CheckPrefix(o.Prefix) != nil {
		return S3Options{}, fmt.Errorf("blob: %q: prefix may hold letters, digits, '-', '_', '.' and '/'", s)
	}
	return o, nil
}

// CheckPrefix accepts a key prefix of letters, digits, - _ . and /.
func CheckPrefix(p string) error {
	for _, c := range p {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./", c)) {
			return fmt.Errorf("blob: invalid prefix %q", p)
		}
	}
	return nil
}

// S3 keeps blobs as objects of one bucket. Objects appear only when
// complete (a single PUT, or a multipart upload completed), so a reader
// never sees half a blob.
type S3 struct {
	c      *minio.Client
	bucket string
	prefix string
	name   string
}

// partSize is the part of a multipart upload: the memory one upload of
// unknown length holds (the client's default, for 5 TiB objects, would
// be half a gigabyte). With at most 10,000 parts, blobs up to 80 GiB.
const partSize = 8 << 20

// putOptions send payloads unsigned, as the client does over HTTPS
// anyway: its streaming signature of plain-HTTP endpoints (aws-chunked)
// costs a SHA-256 of every byte, sends an empty body without a length, and
// is not understood by every S3-compatible server in multipart uploads.
var putOptions = minio.PutObjectOptions{ContentType: "application/octet-stream", DisableContentSha256: true}

// OpenS3 connects to the bucket, which must exist.
func OpenS3(ctx context.Context, o S3Options) (*S3, error) {
	creds := o.Creds
	if creds == nil {
		creds = credentials.NewChainCredentials([]credentials.Provider{
			&credentials.EnvAWS{}, &credentials.EnvMinio{}, &credentials.FileAWSCredentials{},
		})
	}
	c, err := minio.New(o.Endpoint, &minio.Options{Creds: creds, Secure: o.Secure, Region: o.Region})
	if err != nil {
		return nil, fmt.Errorf("blob: s3 %s: %w", o.Endpoint, err)
	}
	ok, err := c.BucketExists(ctx, o.Bucket)
	if err != nil {
		return nil, fmt.Errorf("blob: s3 bucket %s at %s: %w", o.Bucket, o.Endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("blob: s3 bucket %s does not exist at %s", o.Bucket, o.Endpoint)
	}
	return &S3{c: c, bucket: o.Bucket, prefix: o.Prefix, name: "s3://" + o.Bucket + "/" + o.Prefix + " at " + o.Endpoint}, nil
}

func (s *S3) String() string { return s.name }

// Put sends a blob of up to one part in one PUT, a longer one as a
// multipart upload (aborted when anything fails).
func (s *S3) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	if err := CheckKey(key); err != nil {
		return 0, err
	}
	r = contextReader{ctx, r}
	head := heads.Get().(*[]byte)
	defer heads.Put(head)
	return s.put(ctx, key, r, *head)
}

// heads are the buffers of the first part of uploads.
var heads = sync.Pool{New: func() any { b := make([]byte, partSize); return &b }}

func (s *S3) put(ctx context.Context, key string, r io.Reader, head []byte) (int64, error) {
	n, err := fill(r, head)
	switch {
	case err == io.EOF:
		_, err = s.c.PutObject(ctx, s.bucket, s.prefix+key, bytes.NewReader(head[:n]), int64(n), putOptions)
		if err != nil {
			return 0, fmt.Errorf("blob: s3 put %s: %w", key, err)
		}
		return int64(n), nil
	case err != nil:
		return 0, err
	}
	cr := &countingReader{r: io.MultiReader(bytes.NewReader(head), r)}
	opts := putOptions
	opts.PartSize = partSize
	_, err = s.c.PutObject(ctx, s.bucket, s.prefix+key, cr, -1, opts)
	if err != nil {
		return cr.n, fmt.Errorf("blob: s3 put %s: %w", key, err)
	}
	return cr.n, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

// Read counts, and hides the source's own io.ErrUnexpectedEOF (a body cut
// short) from the client, which would take it for the end of the data.
func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err == io.ErrUnexpectedEOF {
		err = errCutShort
	}
	return n, err
}

var errCutShort = errors.New("blob: the content ended before its end (unexpected EOF)")

// Open reads the object's size first, so a missing key fails here.
func (s *S3) Open(ctx context.Context, key string) (Reader, error) {
	if err := CheckKey(key); err != nil {
		return nil, ErrNotFound
	}
	info, err := s.c.StatObject(ctx, s.bucket, s.prefix+key, minio.StatObjectOptions{})
	if err != nil {
		return nil, s.err("stat", key, err)
	}
	obj, err := s.c.GetObject(ctx, s.bucket, s.prefix+key, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.err("get", key, err)
	}
	return &objectReader{Object: obj, size: info.Size}, nil
}

func (s *S3) err(op, key string, err error) error {
	if code := minio.ToErrorResponse(err).Code; code == minio.NoSuchKey || code == "NotFound" {
		return ErrNotFound
	}
	return fmt.Errorf("blob: s3 %s %s: %w", op, key, err)
}

type objectReader struct {
	*minio.Object
	size int64
}

func (o *objectReader) Size() int64 { return o.size }

// Read ends at the object's size: a Seek past it then reads nothing, as
// on a file.
func (o *objectReader) Read(p []byte) (int, error) {
	if o.size == 0 {
		return 0, io.EOF
	}
	return o.Object.Read(p)
}

// Delete removes the object.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	err := s.c.RemoveObject(ctx, s.bucket, s.prefix+key, minio.RemoveObjectOptions{})
	if err != nil && !errors.Is(s.err("delete", key, err), ErrNotFound) {
		return s.err("delete", key, err)
	}
	return nil
}

// List lists the objects under the prefix.
func (s *S3) List(ctx context.Context, fn func(string, time.Time) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing goroutine when fn fails
	for obj := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, Recursive: true}) {
		if obj.Err != nil {
			return fmt.Errorf("blob: s3 list: %w", obj.Err)
		}
		key := strings.TrimPrefix(obj.Key, s.prefix)
		if CheckKey(key) != nil {
			continue
		}
		if err := fn(key, obj.LastModified); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// RemovePartial aborts multipart uploads started before the time.
func (s *S3) RemovePartial(ctx context.Context, before time.Time) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := 0
	for up := range s.c.ListIncompleteUploads(ctx, s.bucket, s.prefix, true) {
		if up.Err != nil {
			if minio.ToErrorResponse(up.Err).Code == "NoSuchUpload" {
				return n, nil // some servers' answer when there are none
			}
			return n, fmt.Errorf("blob: s3 list uploads: %w", up.Err)
		}
		if !up.Initiated.Before(before) || CheckKey(strings.TrimPrefix(up.Key, s.prefix)) != nil {
			continue
		}
		if err := s.c.RemoveIncompleteUpload(ctx, s.bucket, up.Key); err != nil {
			return n, fmt.Errorf("blob: s3 abort upload %s: %w", up.Key, err)
		}
		n++
	}
	return n, nil
}
