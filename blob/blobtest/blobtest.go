// Package blobtest serves a fake S3 in the test's own process (gofakes3,
// in memory), so the S3 path of Runway is tested against a real HTTP S3
// API — in process, or shared with "runway serve" child processes.
package blobtest

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"runway/blob"
)

// Bucket is the bucket of every fake server.
const Bucket = "runway-test"

// Credentials the fake accepts (it checks none).
const (
	AccessKey = "runway-test-key"
	SecretKey = "runway-test-secret"
)

// S3 is a running fake S3 server with one bucket.
type S3 struct {
	// URL is the --blob setting that names the bucket.
	URL string
	// Env holds the credentials as the environment variables a
	// "runway serve" child process reads.
	Env []string
	// Options open the bucket in process (with static credentials).
	Options blob.S3Options
}

// StartS3 starts a fake S3 server until the test ends.
func StartS3(t testing.TB) *S3 {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(Bucket); err != nil {
		t.Fatalf("fake s3: %v", err)
	}
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	return &S3{
		URL: "s3://" + Bucket + "?endpoint=http://" + host + "&region=us-east-1",
		Env: []string{"AWS_ACCESS_KEY_ID=" + AccessKey, "AWS_SECRET_ACCESS_KEY=" + SecretKey},
		Options: blob.S3Options{Bucket: Bucket, Endpoint: host, Region: "us-east-1",
			Creds: credentials.NewStaticV4(AccessKey, SecretKey, "")},
	}
}

// Open opens the bucket in process.
func (s *S3) Open(t testing.TB) *blob.S3 {
	t.Helper()
	st, err := blob.OpenS3(context.Background(), s.Options)
	if err != nil {
		t.Fatalf("open fake s3: %v", err)
	}
	return st
}
