package s3store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/miniotest"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
	"github.com/flowlog/flowlog/internal/objstore/storetest"
)

var bucketSeq atomic.Int64

// newBucket creates a bucket of its own for a test.
func newBucket(t *testing.T, srv *miniotest.Server) string {
	t.Helper()
	name := fmt.Sprintf("flowlog-test-%d", bucketSeq.Add(1))
	srv.CreateBucket(t, name)
	return name
}

func newStore(t *testing.T, cfg s3store.Config) *s3store.Store {
	t.Helper()
	s, err := s3store.New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	srv := miniotest.Start(t)
	storetest.Run(t, func(t *testing.T) objstore.Store {
		return newStore(t, srv.Config(newBucket(t, srv)))
	})
}

func TestMissingBucket(t *testing.T) {
	srv := miniotest.Start(t)
	s := newStore(t, srv.Config("no-such-bucket"))
	ctx := t.Context()

	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, objstore.ErrNoSuchBucket) {
			t.Errorf("%s on a missing bucket = %v, want ErrNoSuchBucket", what, err)
		} else if !strings.Contains(err.Error(), "no-such-bucket") {
			t.Errorf("%s on a missing bucket = %q, want the bucket named", what, err)
		}
	}
	check("BucketExists", s.BucketExists(ctx))
	check("List", s.List(ctx, "flowlogs/", "", func(objstore.Object) error { return nil }))
	_, err := s.Open(ctx, "flowlogs/x.log.gz")
	check("Open", err)
	_, err = s.Stat(ctx, "flowlogs/x.log.gz")
	check("Stat", err)
	check("Put", s.Put(ctx, "k", bytes.NewReader([]byte("x")), 1))
	check("Delete", s.Delete(ctx, []string{"k"}))

	if err := newStore(t, srv.Config(newBucket(t, srv))).BucketExists(ctx); err != nil {
		t.Errorf("BucketExists on an existing bucket = %v", err)
	}
}

func TestWrongCredentials(t *testing.T) {
	srv := miniotest.Start(t)
	bucket := newBucket(t, srv)
	ctx := t.Context()

	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	cases := []struct {
		name      string
		key, sec  string
		keyInText string
	}{
		{"unknown key", "AKIAIOSFODNN7EXAMPLE", secret, "AKIAIOSFODNN7EXAMPLE"},
		{"wrong secret", srv.AccessKey, secret, srv.AccessKey},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := srv.Config(bucket)
			cfg.AccessKey, cfg.SecretKey = c.key, c.sec
			s := newStore(t, cfg)
			_, openErr := s.Open(ctx, "k")
			_, statErr := s.Stat(ctx, "k")
			for what, err := range map[string]error{
				"BucketExists": s.BucketExists(ctx),
				"List":         s.List(ctx, "", "", func(objstore.Object) error { return nil }),
				"Open":         openErr,
				"Stat":         statErr,
				"Put":          s.Put(ctx, "k", bytes.NewReader([]byte("x")), 1),
				"Delete":       s.Delete(ctx, []string{"k"}),
			} {
				if !errors.Is(err, objstore.ErrAccessDenied) {
					t.Errorf("%s = %v, want ErrAccessDenied", what, err)
					continue
				}
				msg := err.Error()
				if strings.Contains(msg, secret) || strings.Contains(msg, c.keyInText) {
					t.Errorf("%s error shows a secret or the whole access key: %q", what, msg)
				}
				if strings.Contains(msg, "\n") {
					t.Errorf("%s error has more than one line: %q", what, msg)
				}
				if !strings.Contains(msg, bucket) {
					t.Errorf("%s error does not name the bucket: %q", what, msg)
				}
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now

	s := newStore(t, s3store.Config{
		Bucket: "logs", Endpoint: "http://" + addr,
		AccessKey: "AKIAIOSFODNN7EXAMPLE", SecretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		MaxAttempts: 2,
	})
	ctx := t.Context()
	start := time.Now()
	_, openErr := s.Open(ctx, "k")
	for what, err := range map[string]error{
		"BucketExists": s.BucketExists(ctx),
		"List":         s.List(ctx, "", "", func(objstore.Object) error { return nil }),
		"Open":         openErr,
	} {
		if !errors.Is(err, objstore.ErrUnreachable) {
			t.Errorf("%s = %v, want ErrUnreachable", what, err)
		} else if !strings.Contains(err.Error(), addr) {
			t.Errorf("%s = %q, want the address named", what, err)
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("failing on a closed port took %v", d)
	}
}

func TestOutageAndRecovery(t *testing.T) {
	srv := miniotest.Start(t)
	cfg := srv.Config(newBucket(t, srv))
	cfg.MaxAttempts = 2
	s := newStore(t, cfg)
	ctx := t.Context()
	if err := s.Put(ctx, "k", bytes.NewReader([]byte("kept")), 4); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if _, err := s.Stat(ctx, "k"); !errors.Is(err, objstore.ErrUnreachable) {
		t.Errorf("Stat while the server is down = %v, want ErrUnreachable", err)
	}
	srv.Restart(t)
	r, err := s.Open(ctx, "k")
	if err != nil {
		t.Fatalf("Open after a restart: %v", err)
	}
	defer r.Close()
	if data, _ := io.ReadAll(r); string(data) != "kept" {
		t.Errorf("after a restart, Open returned %q, want %q", data, "kept")
	}
}

func TestContextCanceled(t *testing.T) {
	srv := miniotest.Start(t)
	s := newStore(t, srv.Config(newBucket(t, srv)))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := s.List(ctx, "", "", func(objstore.Object) error { return nil })
	if !errors.Is(err, context.Canceled) || errors.Is(err, objstore.ErrUnreachable) {
		t.Errorf("List with a canceled context = %v, want context.Canceled only", err)
	}
}

func TestCredentialsFromIONOSVariables(t *testing.T) {
	srv := miniotest.Start(t)
	bucket := newBucket(t, srv)
	clearAWSEnv(t)
	t.Setenv("IONOS_S3_ACCESS_KEY", srv.AccessKey)
	t.Setenv("IONOS_S3_SECRET_KEY", srv.SecretKey)

	cfg := srv.Config(bucket)
	cfg.AccessKey, cfg.SecretKey = "", ""
	s := newStore(t, cfg)
	ctx := t.Context()
	if err := s.BucketExists(ctx); err != nil {
		t.Fatalf("BucketExists with IONOS_S3_* credentials: %v", err)
	}
	if err := s.Put(ctx, "k", bytes.NewReader([]byte("x")), 1); err != nil {
		t.Errorf("Put with IONOS_S3_* credentials: %v", err)
	}
}

func TestAWSVariablesComeFirst(t *testing.T) {
	srv := miniotest.Start(t)
	bucket := newBucket(t, srv)
	clearAWSEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	t.Setenv("IONOS_S3_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE")
	t.Setenv("IONOS_S3_SECRET_KEY", "wrong-secret-wrong-secret")

	cfg := srv.Config(bucket)
	cfg.AccessKey, cfg.SecretKey = "", ""
	if err := newStore(t, cfg).BucketExists(t.Context()); err != nil {
		t.Errorf("BucketExists with AWS_* and IONOS_S3_* set = %v, want AWS_* used", err)
	}
}

func TestNoCredentials(t *testing.T) {
	clearAWSEnv(t)
	s := newStore(t, s3store.Config{Bucket: "logs", Endpoint: "http://127.0.0.1:1", MaxAttempts: 1})
	start := time.Now()
	err := s.BucketExists(t.Context())
	if !errors.Is(err, objstore.ErrAccessDenied) || !strings.Contains(err.Error(), "IONOS_S3_ACCESS_KEY") {
		t.Errorf("BucketExists without credentials = %v, want ErrAccessDenied naming the variables", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("finding no credentials took %v", d)
	}
}

// clearAWSEnv keeps the machine's AWS configuration out of a test.
func clearAWSEnv(t *testing.T) {
	t.Helper()
	for _, v := range []string{
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_DEFAULT_REGION",
		"IONOS_S3_ACCESS_KEY", "IONOS_S3_SECRET_KEY",
	} {
		t.Setenv(v, "")
	}
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", dir+"/no-config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", dir+"/no-credentials")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func TestResolveEndpoint(t *testing.T) {
	tests := []struct {
		in            string
		endpoint, reg string
		ok            bool
	}{
		{"de", "https://s3.eu-central-1.ionoscloud.com", "de", true},
		{"DE", "https://s3.eu-central-1.ionoscloud.com", "de", true},
		{"eu-central-2", "https://s3.eu-central-2.ionoscloud.com", "eu-central-2", true},
		{"eu-south-2", "https://s3.eu-south-2.ionoscloud.com", "eu-south-2", true},
		{"https://s3.eu-central-1.ionoscloud.com", "https://s3.eu-central-1.ionoscloud.com", "de", true},
		{"https://s3.eu-south-2.ionoscloud.com/", "https://s3.eu-south-2.ionoscloud.com", "eu-south-2", true},
		{"http://127.0.0.1:9000", "http://127.0.0.1:9000", "", true},
		{"https://minio.example.com/s3/", "https://minio.example.com/s3", "", true},
		{"eu-central-1", "", "", false},
		{"us-east-1", "", "", false},
		{"s3.example.com", "", "", false},
		{"ftp://s3.example.com", "", "", false},
		{"https://key:secret@s3.example.com", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		ep, reg, ok := s3store.ResolveEndpoint(tt.in)
		if ep != tt.endpoint || reg != tt.reg || ok != tt.ok {
			t.Errorf("ResolveEndpoint(%q) = %q, %q, %v; want %q, %q, %v", tt.in, ep, reg, ok, tt.endpoint, tt.reg, tt.ok)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	ctx := t.Context()
	for _, cfg := range []s3store.Config{
		{},
		{Bucket: "a/b"},
		{Bucket: "logs", AccessKey: "AKIAIOSFODNN7EXAMPLE"},
		{Bucket: "logs", Endpoint: "mars-1"},
		{Bucket: "logs", Endpoint: "https://AKIAIOSFODNN7EXAMPLE:topsecretvalue@s3.example.com"},
	} {
		_, err := s3store.New(ctx, cfg)
		if err == nil {
			t.Errorf("New(%+v) succeeded, want an error", cfg)
			continue
		}
		if strings.Contains(err.Error(), "topsecretvalue") || strings.Contains(err.Error(), "AKIAIOSFODNN7EXAMPLE:") {
			t.Errorf("New error shows a secret: %q", err)
		}
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		in, bucket, prefix string
		ok                 bool
	}{
		{"s3://logs", "logs", "", true},
		{"s3://logs/", "logs", "", true},
		{"s3://logs/flowlogs/web-", "logs", "flowlogs/web-", true},
		{"s3://", "", "", false},
		{"s3:///x", "", "", false},
		{"logs/x", "", "", false},
	}
	for _, tt := range tests {
		b, p, err := s3store.ParseURL(tt.in)
		if b != tt.bucket || p != tt.prefix || (err == nil) != tt.ok {
			t.Errorf("ParseURL(%q) = %q, %q, %v; want %q, %q, ok %v", tt.in, b, p, err, tt.bucket, tt.prefix, tt.ok)
		}
	}
}

func TestMaskAccessKey(t *testing.T) {
	for in, want := range map[string]string{
		"AKIAIOSFODNN7EXAMPLE": "AKIA…MPLE",
		"minioadmin":           "mi…in",
		"abc":                  "…",
		"":                     "…",
	} {
		if got := s3store.MaskAccessKey(in); got != want {
			t.Errorf("MaskAccessKey(%q) = %q, want %q", in, got, want)
		}
	}
}
