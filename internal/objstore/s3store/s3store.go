// Package s3store keeps objects in an S3-compatible bucket: IONOS Cloud
// Object Storage, AWS S3, MinIO or any other server speaking the S3 API.
// It maps the SDK's errors onto objstore's sentinels so callers can tell a
// missing bucket from refused credentials from an unreachable endpoint, and
// it never puts a secret into an error message.
package s3store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/flowlog/flowlog/internal/objstore"
)

// Config says which bucket to use and how to reach it.
type Config struct {
	Bucket string
	// Endpoint is a URL ("https://s3.example.com", "http://127.0.0.1:9000")
	// or an IONOS region key ("de", "eu-central-2", "eu-south-2"); "" is
	// AWS S3 (or AWS_ENDPOINT_URL_S3/AWS_ENDPOINT_URL if set).
	Endpoint string
	// Region is the signing region; "" takes it from an IONOS endpoint,
	// then from the SDK's configuration (AWS_REGION, the profile), then
	// "us-east-1".
	Region string
	// PathStyle addresses the bucket in the path instead of the host name.
	// It is forced on for IP-address and localhost endpoints.
	PathStyle bool
	// AccessKey and SecretKey, if set, are the credentials. If not, the
	// SDK's default chain is used (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
	// AWS_PROFILE, the shared files), then IONOS_S3_ACCESS_KEY and
	// IONOS_S3_SECRET_KEY.
	AccessKey, SecretKey string
	// Profile, if set, is the profile of the AWS shared config and
	// credentials files to use, as AWS_PROFILE would select.
	Profile string
	// MaxAttempts is how often a request is tried, with backoff, when it
	// fails with throttling, a 5xx or a connection error; 0 means 5. For
	// the body of an object (Open) it bounds the attempts in a row that
	// bring no byte; 0 means DefaultReadAttempts.
	MaxAttempts int
	// ReadTimeout is how long a request may wait for its response headers,
	// and a body for its next bytes, before the read is abandoned and tried
	// again; 0 means DefaultReadTimeout.
	ReadTimeout time.Duration
	// EC2Metadata lets the credential chain ask the EC2 instance metadata
	// service, a link-local address that off EC2 only costs time; it is
	// left out unless set.
	EC2Metadata bool
	// Log, if set, receives a line for each retry, with its reason, and
	// whatever the SDK would log; nothing is ever written to the terminal
	// otherwise.
	Log func(msg string)
	// Counters, if set, count retries and resumed bytes; several stores may
	// share them.
	Counters *Counters
	// WrapTransport, if set, wraps the HTTP transport (for --debug).
	WrapTransport func(http.RoundTripper) http.RoundTripper
	// HTTPClient, if set, sends the requests instead of the store's own
	// client; ReadTimeout then bounds only the reading of bodies.
	HTTPClient *http.Client
}

// DefaultMaxAttempts is the number of tries when Config.MaxAttempts is 0.
const DefaultMaxAttempts = 5

// DefaultReadTimeout is the read timeout when Config.ReadTimeout is 0.
const DefaultReadTimeout = 30 * time.Second

// connectTimeout bounds connecting, and the TLS handshake.
const connectTimeout = 10 * time.Second

// Store is a bucket used as object storage.
type Store struct {
	client *s3.Client
	bucket string
	creds  aws.CredentialsProvider
	secret string // only for scrubbing messages

	readAttempts int
	readTimeout  time.Duration
	log          func(string) // never nil
	counters     *Counters    // never nil
}

var _ objstore.Store = (*Store)(nil)

// ionosEndpoints maps IONOS region keys to their endpoints. IONOS signs
// with the key itself as the region.
var ionosEndpoints = map[string]string{
	"de":           "https://s3.eu-central-1.ionoscloud.com",
	"eu-central-2": "https://s3.eu-central-2.ionoscloud.com",
	"eu-south-2":   "https://s3.eu-south-2.ionoscloud.com",
}

// ResolveEndpoint turns an IONOS region key or an http(s) URL into an
// endpoint URL and the region to sign with. The region is "" for URLs that
// are not IONOS endpoints. ok is false for anything else.
func ResolveEndpoint(regionOrURL string) (endpoint, region string, ok bool) {
	s := strings.TrimSpace(regionOrURL)
	if ep, found := ionosEndpoints[strings.ToLower(s)]; found {
		return ep, strings.ToLower(s), true
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", "", false
	}
	endpoint = strings.TrimSuffix(u.Scheme+"://"+u.Host+u.EscapedPath(), "/")
	for key, ep := range ionosEndpoints {
		if strings.EqualFold(ep, endpoint) {
			return ep, key, true
		}
	}
	return endpoint, "", true
}

// ParseURL splits "s3://bucket/prefix" into the bucket and the key prefix.
func ParseURL(s string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%q is not an s3://bucket/prefix URL", s)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("%q names no bucket; want s3://bucket/prefix", s)
	}
	return bucket, prefix, nil
}

// New returns a Store for cfg.Bucket. It checks the configuration and finds
// credentials, but does not contact the server; use BucketExists for that.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("s3 store: no bucket given")
	}
	if strings.ContainsAny(cfg.Bucket, "/\\ ") {
		return nil, fmt.Errorf("s3 store: invalid bucket name %q", cfg.Bucket)
	}
	if (cfg.AccessKey == "") != (cfg.SecretKey == "") {
		return nil, errors.New("s3 store: an access key needs its secret key, and a secret key its access key")
	}
	endpoint, region := "", cfg.Region
	if cfg.Endpoint != "" {
		ep, r, ok := ResolveEndpoint(cfg.Endpoint)
		if !ok {
			return nil, fmt.Errorf("s3 store: endpoint %s: want a URL like https://s3.example.com or an IONOS region key (de, eu-central-2, eu-south-2)", redactURL(cfg.Endpoint))
		}
		endpoint = ep
		if region == "" {
			region = r
		}
	}
	maxAttempts, readAttempts := cfg.MaxAttempts, cfg.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts, readAttempts = DefaultMaxAttempts, DefaultReadAttempts
	}
	readTimeout := cfg.ReadTimeout
	if readTimeout <= 0 {
		readTimeout = DefaultReadTimeout
	}
	logf := cfg.Log
	if logf == nil {
		logf = func(string) {}
	}
	counters := cfg.Counters
	if counters == nil {
		counters = &Counters{}
	}
	var httpClient config.HTTPClient = cfg.HTTPClient
	if cfg.HTTPClient == nil {
		httpClient = newHTTPClient(readTimeout)
	}
	imdsState := imds.ClientDisabled
	if cfg.EC2Metadata {
		imdsState = imds.ClientEnabled
	}

	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return newRetryer(maxAttempts, logf, counters)
		}),
		// The SDK's own logger writes to stderr; its warnings go where
		// --debug sends the rest, or nowhere.
		config.WithLogger(sdkLogger(logf)),
		config.WithClientLogMode(0),
		config.WithHTTPClient(httpClient),
		// Off EC2 the metadata service costs seconds of timeouts (and
		// warnings) before "no credentials" can be said.
		config.WithEC2IMDSClientEnableState(imdsState),
		// Checksums only where the API demands them (DeleteObjects): other
		// S3-compatible servers do not all send or accept the SDK's
		// default CRC checksums, and the SDK warns on every GetObject
		// whose response lacks one.
		config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	if cfg.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(cfg.Profile))
	}
	ionosKey, ionosSecret := os.Getenv("IONOS_S3_ACCESS_KEY"), os.Getenv("IONOS_S3_SECRET_KEY")
	if cfg.AccessKey != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AccessKey, cfg.SecretKey, "")))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3 store: load configuration: %w", err)
	}
	if awsCfg.Region == "" {
		awsCfg.Region = "us-east-1"
	}
	creds := awsCfg.Credentials
	if cfg.AccessKey == "" {
		creds = aws.NewCredentialsCache(&fallbackCredentials{
			primary: awsCfg.Credentials, key: ionosKey, secret: ionosSecret,
		})
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		o.UsePathStyle = cfg.PathStyle || isLocalOrIP(endpoint)
		o.Credentials = creds
		o.DisableLogOutputChecksumValidationSkipped = true
		// Wrapped once the configuration has set up its TLS (AWS_CA_BUNDLE).
		if bc, ok := awsCfg.HTTPClient.(*awshttp.BuildableClient); ok && cfg.WrapTransport != nil {
			o.HTTPClient = &http.Client{Transport: cfg.WrapTransport(bc.GetTransport())}
		}
	})
	return &Store{
		client: client, bucket: cfg.Bucket, creds: creds, secret: cfg.SecretKey,
		readAttempts: readAttempts, readTimeout: readTimeout, log: logf, counters: counters,
	}, nil
}

// fallbackCredentials tries the SDK's chain, then the IONOS variables.
type fallbackCredentials struct {
	primary     aws.CredentialsProvider
	key, secret string
}

// noCredentialsError is a failure to find any credentials.
type noCredentialsError struct {
	cause error // why a configured profile failed, or nil
}

func (e *noCredentialsError) Error() string {
	msg := "no credentials found (looked for AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and the shared files, IONOS_S3_ACCESS_KEY/IONOS_S3_SECRET_KEY)"
	if e.cause != nil {
		msg += ": " + e.cause.Error()
	}
	return msg
}

func (f *fallbackCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	var primaryErr error
	if f.primary != nil {
		c, err := f.primary.Retrieve(ctx)
		if err == nil && c.HasKeys() {
			return c, nil
		}
		primaryErr = err
	}
	if f.key != "" && f.secret != "" {
		return aws.Credentials{AccessKeyID: f.key, SecretAccessKey: f.secret, Source: "IONOS_S3_ACCESS_KEY"}, nil
	}
	if primaryErr != nil && !isNoEC2Role(primaryErr) {
		// A profile that failed (an expired SSO session, a broken
		// credential_process) says more than "none found".
		return aws.Credentials{}, &noCredentialsError{cause: primaryErr}
	}
	return aws.Credentials{}, &noCredentialsError{}
}

// isNoEC2Role reports the chain's last resort failing, which only means
// that nothing was configured.
func isNoEC2Role(err error) bool {
	s := err.Error()
	return strings.Contains(s, "EC2 IMDS") || strings.Contains(s, "ec2imds")
}

func isLocalOrIP(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	h := u.Hostname()
	return h == "localhost" || strings.HasSuffix(h, ".localhost") || net.ParseIP(h) != nil
}

// redactURL quotes an endpoint for a message, unless it has credentials
// in it: not even the access key ID may be shown whole.
func redactURL(s string) string {
	if strings.Contains(s, "@") {
		return "(an endpoint with credentials in it)"
	}
	return fmt.Sprintf("%q", s)
}

// Bucket returns the bucket's name.
func (s *Store) Bucket() string { return s.bucket }

// String returns "s3://bucket".
func (s *Store) String() string { return "s3://" + s.bucket }

// BucketExists checks that the bucket exists and the credentials may use
// it: nil, or an error wrapping objstore.ErrNoSuchBucket,
// objstore.ErrAccessDenied or objstore.ErrUnreachable.
func (s *Store) BucketExists(ctx context.Context) error {
	_, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.bucket})
	if err != nil {
		return s.wrap(ctx, "check", "", objstore.ErrNoSuchBucket, err)
	}
	return nil
}

// List pages through ListObjectsV2, which returns keys in byte order.
func (s *Store) List(ctx context.Context, prefix, startAfter string, fn func(objstore.Object) error) error {
	in := &s3.ListObjectsV2Input{Bucket: &s.bucket}
	if prefix != "" {
		in.Prefix = &prefix
	}
	if startAfter != "" {
		in.StartAfter = &startAfter
	}
	p := s3.NewListObjectsV2Paginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return s.wrap(ctx, "list", prefix, objstore.ErrNoSuchBucket, err)
		}
		for _, o := range page.Contents {
			err := fn(objstore.Object{
				Key:          aws.ToString(o.Key),
				Size:         aws.ToInt64(o.Size),
				ETag:         strings.Trim(aws.ToString(o.ETag), `"`),
				LastModified: aws.ToTime(o.LastModified),
			})
			if errors.Is(err, objstore.ErrStop) {
				return nil
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// Stat sends a HeadObject. A 404 to a HEAD has no body saying whether the
// key or the bucket is missing, so a HeadBucket tells them apart.
func (s *Store) Stat(ctx context.Context, key string) (objstore.Object, error) {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		werr := s.wrap(ctx, "stat", key, objstore.ErrNotFound, err)
		if errors.Is(werr, objstore.ErrNotFound) {
			if berr := s.BucketExists(ctx); errors.Is(berr, objstore.ErrNoSuchBucket) {
				return objstore.Object{}, s.wrap(ctx, "stat", key, objstore.ErrNoSuchBucket, err)
			}
		}
		return objstore.Object{}, werr
	}
	return objstore.Object{
		Key:          key,
		Size:         aws.ToInt64(out.ContentLength),
		ETag:         strings.Trim(aws.ToString(out.ETag), `"`),
		LastModified: aws.ToTime(out.LastModified),
	}, nil
}

// Put sends one PutObject: S3 makes an object visible only once all of it
// has arrived. The body is seekable, so the SDK can rewind it to retry.
func (s *Store) Put(ctx context.Context, key string, r io.ReadSeeker, size int64) error {
	in, err := s.putInput(key, r, size)
	if err != nil {
		return err
	}
	if _, err := s.client.PutObject(ctx, in); err != nil {
		return s.wrap(ctx, "put", key, objstore.ErrNoSuchBucket, err)
	}
	return nil
}

// putInput is the PutObject of body under key, once body is found to hold
// size bytes: a body of the wrong length would fail in the HTTP transport,
// which looks like a connection error and is retried.
func (s *Store) putInput(key string, r io.ReadSeeker, size int64) (*s3.PutObjectInput, error) {
	if n, err := remaining(r); err != nil {
		return nil, fmt.Errorf("put %s: %w", s.name(key), err)
	} else if n != size {
		return nil, fmt.Errorf("put %s: body has %d bytes, want %d", s.name(key), n, size)
	}
	return &s3.PutObjectInput{Bucket: &s.bucket, Key: &key, Body: r, ContentLength: aws.Int64(size)}, nil
}

// PutIf sends a conditional PutObject: If-None-Match: * to create, If-Match:
// ETAG to replace, which S3 (since 2024) and MinIO check atomically with
// the write. A 412 (or the 409 S3 gives a write that raced another
// conditional write, or the 404 of an If-Match on a missing key) wraps
// objstore.ErrPrecondition.
func (s *Store) PutIf(ctx context.Context, key string, r io.ReadSeeker, size int64, ifMatch string) (string, error) {
	in, err := s.putInput(key, r, size)
	if err != nil {
		return "", err
	}
	if ifMatch == "" {
		in.IfNoneMatch = aws.String("*")
	} else {
		in.IfMatch = aws.String(`"` + ifMatch + `"`)
	}
	out, err := s.client.PutObject(ctx, in)
	if err != nil {
		st := httpStatus(err)
		werr := s.wrap(ctx, "put", key, objstore.ErrNoSuchBucket, err)
		// An If-Match on a missing key is a 404 NoSuchKey.
		if st == http.StatusPreconditionFailed || st == http.StatusConflict ||
			ifMatch != "" && errors.Is(werr, objstore.ErrNotFound) {
			return "", fmt.Errorf("put %s: %w", s.name(key), objstore.ErrPrecondition)
		}
		return "", werr
	}
	return strings.Trim(aws.ToString(out.ETag), `"`), nil
}

// Tag is the object's ETag, which PutIf compares.
func (s *Store) Tag(ctx context.Context, key string) (string, error) {
	o, err := s.Stat(ctx, key)
	return o.ETag, err
}

// remaining returns the number of bytes from r's position to its end,
// leaving the position where it was.
func remaining(r io.Seeker) (int64, error) {
	cur, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	end, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
	if _, err := r.Seek(cur, io.SeekStart); err != nil {
		return 0, err
	}
	return end - cur, nil
}

// maxDeleteBatch is S3's limit of keys per DeleteObjects request.
const maxDeleteBatch = 1000

// Delete sends DeleteObjects requests of up to 1000 keys.
func (s *Store) Delete(ctx context.Context, keys []string) error {
	keys = unique(keys)
	var failed []objstore.KeyError
	for start := 0; start < len(keys); start += maxDeleteBatch {
		batch := keys[start:min(start+maxDeleteBatch, len(keys))]
		ids := make([]types.ObjectIdentifier, len(batch))
		for i := range batch {
			ids[i] = types.ObjectIdentifier{Key: &batch[i]}
		}
		out, err := s.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: &s.bucket,
			Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
		})
		if err != nil {
			for _, key := range batch {
				failed = append(failed, objstore.KeyError{Key: key, Err: s.wrap(ctx, "delete", key, objstore.ErrNoSuchBucket, err)})
			}
			continue
		}
		for _, e := range out.Errors {
			if aws.ToString(e.Code) == "NoSuchKey" {
				continue
			}
			key := aws.ToString(e.Key)
			apiErr := &smithy.GenericAPIError{Code: aws.ToString(e.Code), Message: aws.ToString(e.Message)}
			failed = append(failed, objstore.KeyError{Key: key, Err: s.wrap(ctx, "delete", key, objstore.ErrNotFound, apiErr)})
		}
	}
	if len(failed) > 0 {
		return &objstore.DeleteError{Failed: failed}
	}
	return nil
}

func unique(keys []string) []string {
	seen := make(map[string]bool, len(keys))
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// name is "s3://bucket/key", or "s3://bucket", for messages.
func (s *Store) name(key string) string {
	if key == "" {
		return s.String()
	}
	return "s3://" + s.bucket + "/" + key
}

// opError is an SDK error made fit for a user: one line, naming the bucket
// and key, matching an objstore sentinel with errors.Is, without secrets.
type opError struct {
	msg  string
	kind error // an objstore sentinel, or nil
	err  error // the SDK's error
}

func (e *opError) Error() string { return e.msg }

func (e *opError) Unwrap() []error {
	if e.kind == nil {
		return []error{e.err}
	}
	return []error{e.kind, e.err}
}

// wrap turns an SDK error from op on key into an *opError. notFound is
// what a bare 404 means for this operation: a missing key or bucket.
func (s *Store) wrap(ctx context.Context, op, key string, notFound, err error) error {
	target := s.name(key)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return &opError{msg: fmt.Sprintf("%s %s: %v", op, target, ctxErr), err: err}
	}
	kind, detail := s.classify(ctx, notFound, err)
	msg := fmt.Sprintf("%s %s: ", op, target)
	switch {
	case kind == nil:
		msg += detail
	case detail == "":
		msg += kind.Error()
	case strings.HasPrefix(detail, "("):
		msg += kind.Error() + " " + detail
	default:
		msg += kind.Error() + ": " + detail
	}
	var attempts *retry.MaxAttemptsError
	if errors.As(err, &attempts) && attempts.Attempt > 1 {
		msg += fmt.Sprintf(" (after %d attempts)", attempts.Attempt)
	}
	return &opError{msg: s.scrub(ctx, msg), kind: kind, err: err}
}

// classify finds the sentinel an SDK error stands for, and a short
// description of it.
func (s *Store) classify(ctx context.Context, notFound, err error) (kind error, detail string) {
	var noCreds *noCredentialsError
	if errors.As(err, &noCreds) {
		return objstore.ErrAccessDenied, noCreds.Error()
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code, status := apiErr.ErrorCode(), httpStatus(err)
		detail = code
		if m := apiErr.ErrorMessage(); m != "" && m != code {
			detail += ": " + m
		}
		switch code {
		case "NoSuchKey":
			kind = objstore.ErrNotFound
		case "NoSuchBucket":
			kind = objstore.ErrNoSuchBucket
		case "NotFound":
			kind = notFound
		case "AccessDenied", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch",
			"AllAccessDisabled", "InvalidToken", "ExpiredToken", "AccountProblem":
			kind = objstore.ErrAccessDenied
		default:
			switch status {
			case http.StatusNotFound:
				kind = notFound
			case http.StatusForbidden:
				kind = objstore.ErrAccessDenied
			}
		}
		switch {
		case kind == objstore.ErrNotFound || kind == objstore.ErrNoSuchBucket:
			detail = "" // the sentinel says it all
		case kind != nil && (apiErr.ErrorMessage() == "" || apiErr.ErrorMessage() == code):
			detail = "" // a HEAD response has no body, just a status
		}
		if kind == objstore.ErrAccessDenied {
			if id := s.accessKeyID(ctx); id != "" {
				detail = strings.TrimPrefix(detail+" (access key "+MaskAccessKey(id)+")", " ")
			}
		}
		return kind, detail
	}
	if d, ok := unreachable(err); ok {
		return objstore.ErrUnreachable, d
	}
	return nil, err.Error()
}

func httpStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// unreachable reports whether err means the server could not be reached,
// with the network error's own short text.
func unreachable(err error) (string, bool) {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.Error(), true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr.Error(), true
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return "timeout: " + innermost(err).Error(), true
	}
	var sendErr *smithyhttp.RequestSendError
	if errors.As(err, &sendErr) && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
		return "connection closed by the server", true
	}
	return "", false
}

func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// accessKeyID returns the access key ID in use, if credentials were found.
func (s *Store) accessKeyID(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	c, err := s.creds.Retrieve(ctx)
	if err != nil {
		return ""
	}
	return c.AccessKeyID
}

// scrub removes the secret key, and masks the access key ID, wherever they
// might have crept into a message.
func (s *Store) scrub(ctx context.Context, msg string) string {
	secrets := []string{s.secret}
	var id string
	if s.creds != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		if c, err := s.creds.Retrieve(rctx); err == nil {
			secrets = append(secrets, c.SecretAccessKey, c.SessionToken)
			id = c.AccessKeyID
		}
		cancel()
	}
	for _, secret := range secrets {
		if len(secret) >= 4 {
			msg = strings.ReplaceAll(msg, secret, "[redacted]")
		}
	}
	if len(id) >= 4 {
		masked := MaskAccessKey(id)
		msg = strings.ReplaceAll(msg, id, masked)
	}
	return msg
}

// MaskAccessKey shows enough of an access key ID to recognise it:
// "AKIAIOSFODNN7EXAMPLE" becomes "AKIA…MPLE". Short IDs show less.
func MaskAccessKey(id string) string {
	n := min(len(id)/5, 4)
	if n == 0 {
		return "…"
	}
	return id[:n] + "…" + id[len(id)-n:]
}
