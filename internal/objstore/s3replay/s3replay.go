// Package s3replay serves recorded S3 responses for the bucket requests that
// MinIO, the S3 server the other tests run against, does not implement:
// MinIO answers GetBucketAcl with a fixed owner-only ACL and ignores or
// refuses PutBucketAcl. Code that reads and writes bucket ACLs is tested
// against these real-shaped XML documents instead, through the real SDK and
// HTTP, and the tests can see exactly what was sent.
package s3replay

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Request is one request the server received.
type Request struct {
	Method string
	Path   string // "/bucket"
	Query  string // "acl", "lifecycle", ...
	Body   []byte
}

// Server answers path-style requests for any bucket:
//
//	HEAD /bucket              200: every bucket exists
//	GET  /bucket?acl          the current ACL document
//	PUT  /bucket?acl          200; the body becomes the current ACL, as S3 does
//	GET  /bucket?lifecycle    the current lifecycle document, or NoSuchLifecycleConfiguration
//	PUT  /bucket?lifecycle    200; the body becomes the current lifecycle
//	DELETE /bucket?lifecycle  204
//
// and anything else with 501 NotImplemented.
type Server struct {
	URL string

	mu        sync.Mutex
	acl       []byte
	lifecycle []byte
	requests  []Request
}

// Start serves acl (a GetBucketAcl response body) until the test ends.
func Start(t testing.TB, acl []byte) *Server {
	s := &Server{acl: acl}
	hs := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(hs.Close)
	s.URL = hs.URL
	return s
}

// SetLifecycle makes GetBucketLifecycleConfiguration answer with doc; nil
// means the bucket has none.
func (s *Server) SetLifecycle(doc []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lifecycle = doc
}

// Requests returns the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Puts returns the bodies of the PUT requests for one subresource ("acl",
// "lifecycle"), in order.
func (s *Server) Puts(subresource string) [][]byte {
	var bodies [][]byte
	for _, r := range s.Requests() {
		if r.Method == http.MethodPut && r.Query == subresource {
			bodies = append(bodies, r.Body)
		}
	}
	return bodies
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	query := strings.TrimSuffix(r.URL.RawQuery, "=")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: query, Body: body})
	bucket := strings.Trim(r.URL.Path, "/")
	switch {
	case bucket == "" || strings.Contains(bucket, "/"):
		s.fail(w, http.StatusNotImplemented, "NotImplemented", "s3replay serves bucket requests only", bucket)
	case r.Method == http.MethodHead && query == "":
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodGet && query == "acl":
		s.xml(w, http.StatusOK, s.acl)
	case r.Method == http.MethodPut && query == "acl":
		s.acl = body
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodGet && query == "lifecycle":
		if s.lifecycle == nil {
			s.fail(w, http.StatusNotFound, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", bucket)
			return
		}
		s.xml(w, http.StatusOK, s.lifecycle)
	case r.Method == http.MethodPut && query == "lifecycle":
		s.lifecycle = body
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodDelete && query == "lifecycle":
		s.lifecycle = nil
		w.WriteHeader(http.StatusNoContent)
	default:
		s.fail(w, http.StatusNotImplemented, "NotImplemented", "A header you provided implies functionality that is not implemented", bucket)
	}
}

func (s *Server) xml(w http.ResponseWriter, status int, doc []byte) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	w.Write(doc)
}

// fail writes an S3 error document, shaped as MinIO and AWS write them.
func (s *Server) fail(w http.ResponseWriter, status int, code, msg, bucket string) {
	s.xml(w, status, fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>%s</Code><Message>%s</Message><BucketName>%s</BucketName><Resource>/%s</Resource><RequestId>18EB444BF1937305</RequestId><HostId>s3replay</HostId></Error>`,
		code, msg, bucket, bucket))
}
