package s3store

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
)

// Counters count what the requests of one or more stores survived, for
// --stats. They are safe for concurrent use.
type Counters struct {
	// Retries is the number of requests sent again after a failure: a
	// throttled or failed request, or an object body cut off or stalled.
	Retries atomic.Int64
	// ResumedBytes is the number of bytes not downloaded twice because a
	// cut-off body was resumed where it stopped instead of read again.
	ResumedBytes atomic.Int64
}

// ObjectsInFlight is how many object reads a command keeps going at once
// against a bucket: enough that round trips of tens of milliseconds
// overlap, and no more than the transport keeps connections for.
const ObjectsInFlight = 64

// Backoff between attempts: exponential from backoffBase, at most
// backoffMax, with the upper half jittered so that many readers cut off at
// once do not come back at once.
const (
	backoffBase = 100 * time.Millisecond
	backoffMax  = 5 * time.Second
)

// backoffDelay is the wait before attempt failures+1, after failures
// attempts that failed.
func backoffDelay(failures int) time.Duration {
	d := backoffMax
	if failures < 16 {
		d = min(backoffBase<<(failures-1), backoffMax)
	}
	return d/2 + rand.N(d/2+1)
}

type jitterBackoff struct{}

func (jitterBackoff) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	return backoffDelay(attempt), nil
}

// newRetryer is the SDK's standard retryer with flowlog's backoff, without
// the retry quota (a bad network must not turn into refused retries), and
// counting and logging each retry.
func newRetryer(maxAttempts int, log func(string), counters *Counters) aws.Retryer {
	std := retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.Backoff = jitterBackoff{}
		o.RateLimiter = ratelimit.None
	})
	return &countingRetryer{RetryerV2: std, max: maxAttempts, log: log, counters: counters}
}

type countingRetryer struct {
	aws.RetryerV2
	max      int
	log      func(string)
	counters *Counters
}

func (r *countingRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	d, derr := r.RetryerV2.RetryDelay(attempt, err)
	if derr == nil {
		r.counters.Retries.Add(1)
		r.log(fmt.Sprintf("retry in %v (attempt %d of %d): %s", d.Round(time.Millisecond), attempt+1, r.max, reason(err)))
	}
	return d, derr
}

// reason is a short description of why a request failed, for --debug.
func reason(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		if status := httpStatus(err); status != 0 {
			return fmt.Sprintf("%d %s", status, apiErr.ErrorCode())
		}
		return apiErr.ErrorCode()
	}
	var own *readError
	if errors.As(err, &own) {
		return own.Error()
	}
	return innermost(err).Error()
}

// sdkLogger sends what the SDK logs to log, never to the terminal.
func sdkLogger(log func(string)) logging.Logger {
	return logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
		log(fmt.Sprintf("aws sdk %s: %s", c, fmt.Sprintf(format, v...)))
	})
}

// newHTTPClient is the SDK's HTTP client with timeouts on every stage that
// could otherwise wait forever: connecting, the TLS handshake, the response
// headers. Bodies are watched by the reader (see objectReader).
func newHTTPClient(readTimeout time.Duration) *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = connectTimeout }).
		WithTransportOptions(func(t *http.Transport) {
			t.TLSHandshakeTimeout = connectTimeout
			t.ResponseHeaderTimeout = readTimeout
			// A query reads many objects at once from one host.
			t.MaxIdleConnsPerHost = ObjectsInFlight
		})
}
