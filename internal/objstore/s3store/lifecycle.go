package s3store

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/flowlog/flowlog/internal/objstore"
)

// ErrNotImplemented means the server does not implement a request, as MinIO
// does not implement changing bucket ACLs.
var ErrNotImplemented = errors.New("not implemented by this server")

// MaxRuleIDLength is the longest lifecycle rule ID S3 accepts.
const MaxRuleIDLength = 255

// LifecycleRule is one rule of a bucket's lifecycle configuration, reduced
// to what flowlog shows and writes.
type LifecycleRule struct {
	ID string
	// Prefix is the key prefix the rule applies to; "" is every key.
	Prefix  string
	Enabled bool
	// ExpireDays is how many days after their creation objects expire; 0
	// means the rule does not expire objects by age.
	ExpireDays int
	// ExpireDate, if set, is the day from which objects expire.
	ExpireDate time.Time

	// The fields below describe rules read from a bucket; PutLifecycleRule
	// ignores them.

	// Narrowed reports a filter beyond the prefix (tags, object sizes): the
	// rule applies to only some of the objects under Prefix.
	Narrowed bool
	// Other says in words what else the rule does or filters on:
	// transitions, noncurrent versions, incomplete uploads, tags.
	Other []string
}

// LifecycleError refuses to rewrite a lifecycle configuration that holds
// settings flowlog cannot send back as they are: the SDK would drop them
// silently, changing rules flowlog did not make.
type LifecycleError struct {
	Bucket   string
	Elements []string // "Rule[2]/Expiration/ExpiredObjectAllVersions"
}

func (e *LifecycleError) Error() string {
	return fmt.Sprintf("lifecycle of s3://%s has settings flowlog cannot keep when rewriting it (%s); nothing was changed",
		e.Bucket, strings.Join(e.Elements, ", "))
}

// Hint says what to do instead.
func (e *LifecycleError) Hint() string {
	return "change this bucket's lifecycle with the tool that set it up, or use 'flowlog prune'"
}

// Lifecycle returns the bucket's lifecycle rules in their order; none (nil)
// if the bucket has no lifecycle configuration.
func (s *Store) Lifecycle(ctx context.Context) ([]LifecycleRule, error) {
	cfg, err := s.getLifecycle(ctx)
	if err != nil {
		return nil, err
	}
	if len(cfg.rules) == 0 {
		return nil, nil
	}
	rules := make([]LifecycleRule, len(cfg.rules))
	for i, r := range cfg.rules {
		rules[i] = fromSDKRule(r)
		if unknown := cfg.unknown[i]; len(unknown) > 0 {
			rules[i].Other = append(rules[i].Other, "settings flowlog does not know: "+strings.Join(unknown, ", "))
		}
	}
	return rules, nil
}

// PutLifecycleRule adds rule to the bucket's lifecycle configuration, or
// replaces the rule with the same ID. Every other rule is written back as it
// was read; if one holds settings that cannot be written back unchanged,
// nothing is written and the error is a *LifecycleError. Only ID, Prefix,
// Enabled and ExpireDays of rule are used.
func (s *Store) PutLifecycleRule(ctx context.Context, rule LifecycleRule) error {
	if rule.ID == "" || len(rule.ID) > MaxRuleIDLength {
		return fmt.Errorf("put lifecycle %s: a rule ID must have 1 to %d bytes", s.name(""), MaxRuleIDLength)
	}
	if rule.ExpireDays < 1 {
		return fmt.Errorf("put lifecycle %s: a rule must expire objects after at least 1 day", s.name(""))
	}
	cfg, err := s.getLifecycle(ctx)
	if err != nil {
		return err
	}
	if err := cfg.check(s.bucket); err != nil {
		return err
	}
	status := types.ExpirationStatusDisabled
	if rule.Enabled {
		status = types.ExpirationStatusEnabled
	}
	newRule := types.LifecycleRule{
		ID:         aws.String(rule.ID),
		Status:     status,
		Filter:     &types.LifecycleRuleFilter{Prefix: aws.String(rule.Prefix)},
		Expiration: &types.LifecycleExpiration{Days: aws.Int32(int32(rule.ExpireDays))},
	}
	i := cfg.index(rule.ID)
	if i >= 0 {
		cfg.rules[i] = newRule
	} else {
		cfg.rules = append(cfg.rules, newRule)
	}
	return s.putLifecycle(ctx, cfg)
}

// DeleteLifecycleRule removes the rule with the given ID, keeping every
// other rule as it was read, and removes the configuration when no rule is
// left. found is false if there was no such rule; nothing is written then.
func (s *Store) DeleteLifecycleRule(ctx context.Context, id string) (found bool, err error) {
	cfg, err := s.getLifecycle(ctx)
	if err != nil {
		return false, err
	}
	i := cfg.index(id)
	if i < 0 {
		return false, nil
	}
	cfg.rules = slices.Delete(cfg.rules, i, i+1)
	cfg.unknown = slices.Delete(cfg.unknown, i, i+1)
	if len(cfg.rules) == 0 {
		if _, err := s.client.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: &s.bucket}); err != nil {
			return false, s.wrapBucketConfig(ctx, "delete lifecycle", err)
		}
		return true, nil
	}
	if err := cfg.check(s.bucket); err != nil {
		return false, err
	}
	return true, s.putLifecycle(ctx, cfg)
}

// lifecycleConfig is a lifecycle configuration as read, in the SDK's types
// so that rules flowlog did not make are written back whole.
type lifecycleConfig struct {
	rules   []types.LifecycleRule
	minSize types.TransitionDefaultMinimumObjectSize
	// unknown lists, per rule, the XML elements the SDK does not model.
	unknown [][]string
	// unknownTop lists unknown elements outside the rules.
	unknownTop []string
}

func (c *lifecycleConfig) index(id string) int {
	return slices.IndexFunc(c.rules, func(r types.LifecycleRule) bool { return aws.ToString(r.ID) == id })
}

// check refuses a configuration that would lose settings if written back.
func (c *lifecycleConfig) check(bucket string) error {
	elems := slices.Clone(c.unknownTop)
	for i, u := range c.unknown {
		for _, e := range u {
			elems = append(elems, fmt.Sprintf("rule %q: %s", aws.ToString(c.rules[i].ID), e))
		}
	}
	if len(elems) > 0 {
		return &LifecycleError{Bucket: bucket, Elements: elems}
	}
	return nil
}

func (s *Store) getLifecycle(ctx context.Context) (*lifecycleConfig, error) {
	var raw bytes.Buffer
	out, err := s.client.GetBucketLifecycleConfiguration(ctx,
		&s3.GetBucketLifecycleConfigurationInput{Bucket: &s.bucket}, captureBody(&raw))
	if err != nil {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchLifecycleConfiguration" {
			return &lifecycleConfig{}, nil
		}
		return nil, s.wrapBucketConfig(ctx, "get lifecycle", err)
	}
	cfg := &lifecycleConfig{rules: out.Rules, minSize: out.TransitionDefaultMinimumObjectSize}
	cfg.unknown, cfg.unknownTop, err = unknownLifecycleElements(raw.Bytes(), len(out.Rules))
	if err != nil {
		return nil, fmt.Errorf("get lifecycle %s: %w", s.name(""), err)
	}
	return cfg, nil
}

func (s *Store) putLifecycle(ctx context.Context, cfg *lifecycleConfig) error {
	_, err := s.client.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{
		Bucket:                             &s.bucket,
		LifecycleConfiguration:             &types.BucketLifecycleConfiguration{Rules: cfg.rules},
		TransitionDefaultMinimumObjectSize: cfg.minSize,
	})
	if err != nil {
		return s.wrapBucketConfig(ctx, "put lifecycle", err)
	}
	return nil
}

// wrapBucketConfig wraps an error from a request on the bucket's
// configuration (lifecycle, ACL), telling "not implemented" apart.
func (s *Store) wrapBucketConfig(ctx context.Context, op string, err error) error {
	var apiErr smithy.APIError
	if ctx.Err() == nil && errors.As(err, &apiErr) && (apiErr.ErrorCode() == "NotImplemented" || httpStatus(err) == 501) {
		return &opError{msg: fmt.Sprintf("%s %s: %v", op, s.name(""), ErrNotImplemented), kind: ErrNotImplemented, err: err}
	}
	return s.wrap(ctx, op, "", objstore.ErrNoSuchBucket, err)
}

// captureBody copies the body of a successful response into buf as the
// SDK reads it, so what the SDK does not model can be found.
func captureBody(buf *bytes.Buffer) func(*s3.Options) {
	capture := middleware.DeserializeMiddlewareFunc("flowlogCaptureBody",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp.StatusCode/100 == 2 {
				buf.Reset() // a retried request starts over
				resp.Body = struct {
					io.Reader
					io.Closer
				}{io.TeeReader(resp.Body, buf), resp.Body}
			}
			return out, md, err
		})
	return func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			// Added last, it sits next to the transport: it sees the
			// body before the deserializer reads it.
			return st.Deserialize.Add(capture, middleware.After)
		})
	}
}

// knownRuleElements are the element paths inside a <Rule> that the SDK
// reads and writes back.
var knownRuleElements = map[string]bool{}

func init() {
	for _, p := range []string{
		"ID", "Prefix", "Status",
		"Filter", "Filter/Prefix", "Filter/ObjectSizeGreaterThan", "Filter/ObjectSizeLessThan",
		"Filter/Tag", "Filter/Tag/Key", "Filter/Tag/Value",
		"Filter/And", "Filter/And/Prefix", "Filter/And/ObjectSizeGreaterThan", "Filter/And/ObjectSizeLessThan",
		"Filter/And/Tag", "Filter/And/Tag/Key", "Filter/And/Tag/Value",
		"Expiration", "Expiration/Date", "Expiration/Days", "Expiration/ExpiredObjectDeleteMarker",
		"Transition", "Transition/Date", "Transition/Days", "Transition/StorageClass",
		"NoncurrentVersionTransition", "NoncurrentVersionTransition/NoncurrentDays",
		"NoncurrentVersionTransition/NewerNoncurrentVersions", "NoncurrentVersionTransition/StorageClass",
		"NoncurrentVersionExpiration", "NoncurrentVersionExpiration/NoncurrentDays",
		"NoncurrentVersionExpiration/NewerNoncurrentVersions",
		"AbortIncompleteMultipartUpload", "AbortIncompleteMultipartUpload/DaysAfterInitiation",
	} {
		knownRuleElements[p] = true
	}
}

// unknownLifecycleElements finds the elements of a lifecycle configuration
// document that the SDK does not model, such as MinIO's
// ExpiredObjectAllVersions: per rule (nrules of them, in order), and
// outside the rules.
func unknownLifecycleElements(doc []byte, nrules int) (perRule [][]string, top []string, err error) {
	perRule = make([][]string, nrules)
	if len(bytes.TrimSpace(doc)) == 0 {
		return perRule, nil, nil
	}
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var path []string // below the root element
	depth, rule := 0, -1
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read lifecycle configuration: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				continue // LifecycleConfiguration
			}
			path = append(path, t.Name.Local)
			if depth == 2 {
				if t.Name.Local == "Rule" {
					rule++
				} else {
					top = append(top, t.Name.Local)
				}
				continue
			}
			if path[0] != "Rule" || rule < 0 || rule >= nrules {
				continue
			}
			p := strings.Join(path[1:], "/")
			if !knownRuleElements[p] {
				perRule[rule] = append(perRule[rule], p)
			}
		case xml.EndElement:
			depth--
			if len(path) > 0 && depth >= 1 {
				path = path[:len(path)-1]
			}
		}
	}
	if rule+1 != nrules {
		return nil, nil, fmt.Errorf("read lifecycle configuration: %d rules in the document, %d understood", rule+1, nrules)
	}
	return perRule, top, nil
}

// fromSDKRule reduces an SDK rule to a LifecycleRule.
func fromSDKRule(r types.LifecycleRule) LifecycleRule {
	out := LifecycleRule{
		ID:      aws.ToString(r.ID),
		Prefix:  aws.ToString(r.Prefix), // the deprecated form, without Filter
		Enabled: r.Status == types.ExpirationStatusEnabled,
	}
	if f := r.Filter; f != nil {
		if f.Prefix != nil {
			out.Prefix = *f.Prefix
		}
		if f.Tag != nil {
			out.Narrowed = true
			out.Other = append(out.Other, "tag "+aws.ToString(f.Tag.Key)+"="+aws.ToString(f.Tag.Value))
		}
		sizes := func(gt, lt *int64) {
			if gt != nil {
				out.Narrowed = true
				out.Other = append(out.Other, fmt.Sprintf("size > %d", *gt))
			}
			if lt != nil {
				out.Narrowed = true
				out.Other = append(out.Other, fmt.Sprintf("size < %d", *lt))
			}
		}
		sizes(f.ObjectSizeGreaterThan, f.ObjectSizeLessThan)
		if a := f.And; a != nil {
			if a.Prefix != nil {
				out.Prefix = *a.Prefix
			}
			for _, t := range a.Tags {
				out.Narrowed = true
				out.Other = append(out.Other, "tag "+aws.ToString(t.Key)+"="+aws.ToString(t.Value))
			}
			sizes(a.ObjectSizeGreaterThan, a.ObjectSizeLessThan)
		}
	}
	if e := r.Expiration; e != nil {
		out.ExpireDays = int(aws.ToInt32(e.Days))
		out.ExpireDate = aws.ToTime(e.Date)
		if aws.ToBool(e.ExpiredObjectDeleteMarker) {
			out.Other = append(out.Other, "removes expired delete markers")
		}
	}
	for _, t := range r.Transitions {
		when := fmt.Sprintf("after %d days", aws.ToInt32(t.Days))
		if t.Date != nil {
			when = "from " + t.Date.UTC().Format(time.DateOnly)
		}
		out.Other = append(out.Other, fmt.Sprintf("moves to %s %s", t.StorageClass, when))
	}
	for _, t := range r.NoncurrentVersionTransitions {
		out.Other = append(out.Other, fmt.Sprintf("moves old versions to %s after %d days", t.StorageClass, aws.ToInt32(t.NoncurrentDays)))
	}
	if n := r.NoncurrentVersionExpiration; n != nil {
		out.Other = append(out.Other, fmt.Sprintf("expires old versions after %d days", aws.ToInt32(n.NoncurrentDays)))
	}
	if a := r.AbortIncompleteMultipartUpload; a != nil {
		out.Other = append(out.Other, fmt.Sprintf("aborts incomplete uploads after %d days", aws.ToInt32(a.DaysAfterInitiation)))
	}
	return out
}
