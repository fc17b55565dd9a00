// Package miniotest runs a real MinIO server for tests, so the S3 code is
// tested against an S3 implementation rather than a mock. The binary comes
// from $FLOWLOG_MINIO (scripts/install-minio.sh prints its path).
package miniotest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/flowlog/flowlog/internal/objstore/s3store"
)

// Region is the region MinIO signs with by default.
const Region = "us-east-1"

// readyTimeout bounds the wait for a server that neither answers its
// health check nor exits. A loaded machine (a full test run beside other
// builds) can take well over 30 s to start MinIO; the wait ends as soon as
// the server answers or exits, so the bound only matters for a server that
// hangs.
const readyTimeout = 3 * time.Minute

// Server is a running MinIO with its own port, data folder and root
// credentials.
type Server struct {
	Endpoint  string // "http://127.0.0.1:PORT"
	AccessKey string
	SecretKey string
	Dir       string // the data folder

	bin         string
	addr        string
	consoleAddr string

	mu   sync.Mutex
	proc *process
}

type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	out  *syncBuffer
}

// Start starts a MinIO server and stops it when the test ends. Without
// $FLOWLOG_MINIO the test is skipped, unless FLOWLOG_REQUIRE_MINIO=1 makes
// that a failure (CI sets it, so the S3 tests cannot silently vanish).
func Start(t testing.TB) *Server {
	t.Helper()
	bin := os.Getenv("FLOWLOG_MINIO")
	if bin == "" {
		msg := "FLOWLOG_MINIO is not set: run scripts/install-minio.sh and export FLOWLOG_MINIO=<the path it prints> to test against MinIO"
		if os.Getenv("FLOWLOG_REQUIRE_MINIO") == "1" {
			t.Fatal(msg + " (FLOWLOG_REQUIRE_MINIO=1)")
		}
		t.Skip(msg)
	}
	s := &Server{
		AccessKey: "flowlog-" + randomHex(4),
		SecretKey: randomHex(16),
		Dir:       t.TempDir(),
		bin:       bin,
	}
	// Another test binary may take a port between our picking it and
	// MinIO binding it; try again with fresh ports. A server that never
	// became ready is not started again: that would only add load.
	var err error
	for range 5 {
		s.addr, s.consoleAddr = freeAddr(t), freeAddr(t)
		s.Endpoint = "http://" + s.addr
		if err = s.start(); err == nil || errors.Is(err, errNotReady) {
			break
		}
	}
	if err != nil {
		t.Fatalf("start minio: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Stop kills the server, as an outage would. The data folder stays.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	s.proc.cmd.Process.Kill()
	<-s.proc.done
	s.proc = nil
}

// Restart starts a stopped server again on the same port and data folder.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	var err error
	// The old process's port can take a moment to be free again.
	deadline := time.Now().Add(readyTimeout)
	for {
		if err = s.start(); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("restart minio: %v", err)
	}
}

// start runs the binary and waits until it answers as this server.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return errors.New("already running")
	}
	cmd := exec.Command(s.bin, "server", s.Dir, "--address", s.addr, "--console-address", s.consoleAddr)
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+s.AccessKey,
		"MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
		"MINIO_CALLHOME_ENABLE=off",
	)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return err
	}
	p := &process{cmd: cmd, done: make(chan struct{}), out: out}
	go func() {
		cmd.Wait()
		close(p.done)
	}()
	if err := s.waitReady(p); err != nil {
		cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%w; output:\n%s", err, out.String())
	}
	s.proc = p
	return nil
}

// errNotReady is a server still running but not ready after readyTimeout.
var errNotReady = errors.New("not ready")

// waitReady polls the health endpoint, then makes a signed request so a
// different server that took the port does not pass for ours.
func (s *Server) waitReady(p *process) error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-p.done:
			return fmt.Errorf("minio on %s exited", s.addr)
		case <-ctx.Done():
			return fmt.Errorf("minio on %s %w after %v", s.addr, errNotReady, readyTimeout)
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := client.Get(s.Endpoint + "/minio/health/live")
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			continue
		}
		_, err = s.client().ListBuckets(ctx, &s3.ListBucketsInput{})
		if err != nil {
			return fmt.Errorf("minio on %s answers, but not to our credentials: %w", s.addr, err)
		}
		return nil
	}
}

// client is a plain SDK client for setting up fixtures.
func (s *Server) client() *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(s.Endpoint),
		Region:       Region,
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
	})
}

// CreateBucket creates a bucket.
func (s *Server) CreateBucket(t testing.TB, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	if _, err := s.client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
}

// Config is an s3store configuration for bucket on this server.
func (s *Server) Config(bucket string) s3store.Config {
	return s3store.Config{
		Bucket:    bucket,
		Endpoint:  s.Endpoint,
		Region:    Region,
		PathStyle: true,
		AccessKey: s.AccessKey,
		SecretKey: s.SecretKey,
	}
}

// freeAddr returns a loopback address with a port that was free a moment
// ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// syncBuffer collects the server's output for failure messages.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 64<<10 {
		return len(p), nil // enough to see why it failed
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
