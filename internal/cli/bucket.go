package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/engine"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
	"github.com/flowlog/flowlog/internal/output"
)

// serviceUserID is the canonical ID of the technical user the flow log
// service writes objects as. Without a grant to write into the bucket,
// delivery stops without any error anyone sees.
const serviceUserID = "31721881|65b95d54-8b1b-459c-9d46-364296d9beaf"

func newBucketCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bucket",
		Short: "Check that a bucket can receive flow logs, and fix its ACL",
		Long: `Check a bucket flow logs write to (bucket check), and grant the flow log
service user the permission to write into it (bucket grant).`,
		GroupID: "records",
	}
	cmd.AddCommand(newBucketCheckCmd(f), newBucketGrantCmd(f))
	return cmd
}

// parseBucketArg reads a bucket name, allowing "s3://" and a trailing "/".
func parseBucketArg(arg string) (string, error) {
	b := strings.TrimSuffix(strings.TrimPrefix(arg, "s3://"), "/")
	if strings.Contains(b, "/") {
		return "", usageErrorf("%s: give the bucket alone, without a prefix", arg)
	}
	if err := flowlog.ValidateBucket(b); err != nil {
		return "", err
	}
	return b, nil
}

// Check outcomes, worst last.
const (
	checkOK   = "OK"
	checkInfo = "INFO"
	checkSkip = "SKIP"
	checkWarn = "WARN"
	checkFail = "FAIL"
)

// checkResult is one line of 'bucket check'.
type checkResult struct {
	Check, Status, Detail, Hint string
}

func newBucketCheckCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check BUCKET",
		Short: "Check that a bucket can receive flow logs",
		Long: `Check a bucket, one line a check:

  bucket     it exists and the current credentials may use it
  acl        its ACL lets the flow log service user (canonical ID
             ` + serviceUserID + `) write into it
  lifecycle  whether a lifecycle rule expires flow log objects, or they are
             kept until deleted
  flowlogs   which configured flow logs write into it

Each line says OK, INFO, WARN, FAIL or SKIP, with a hint where there is
something to do. The exit code is 0 unless a check fails: then 1, or 3 if
the bucket does not exist, or 5 if access is denied.`,
		Example: `  flowlog bucket check my-logs
  flowlog bucket check my-logs -o json | jq '.[] | select(.status == "FAIL")'`,
		Args: argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			bucket, err := parseBucketArg(args[0])
			if err != nil {
				return err
			}
			return bucketCheckRun(cmd.Context(), f, bucket)
		},
	}
	return cmd
}

func bucketCheckRun(ctx context.Context, f *Factory, bucket string) error {
	format, err := f.outputFormat(output.Table, output.Formats...)
	if err != nil {
		return err
	}
	e, err := f.Engine(ctx)
	if err != nil {
		return err
	}
	logs, err := e.List(ctx, engine.ListFilter{Bucket: bucket})
	if err != nil {
		return err
	}
	store, err := f.Store(ctx, bucket)
	if err != nil {
		return err
	}

	var results []checkResult
	failCode := ExitOK
	reachErr := store.BucketExists(ctx)
	if reachErr != nil {
		results = append(results, checkResult{"bucket", checkFail, reachErr.Error(), storageHint(reachErr)})
		failCode = exitCode(reachErr)
		skipped := "not checked: the bucket cannot be used"
		results = append(results, checkResult{"acl", checkSkip, skipped, ""}, checkResult{"lifecycle", checkSkip, skipped, ""})
	} else {
		results = append(results,
			checkResult{"bucket", checkOK, "s3://" + bucket + " exists and these credentials may use it", ""},
			checkACL(ctx, store),
			checkLifecycle(ctx, store, logs))
	}
	results = append(results, checkFlowLogs(bucket, logs))

	if err := printCheckResults(f, format, results); err != nil {
		return err
	}
	failed := 0
	for _, r := range results {
		if r.Status == checkFail {
			failed++
		}
	}
	if failed == 0 {
		return nil
	}
	if failCode == ExitOK {
		failCode = ExitError
	}
	return &UserError{Err: fmt.Errorf("s3://%s: %s failed", bucket, output.Count(failed, "check")), Code: failCode}
}

// serviceGrant finds the grant that lets the flow log service user write.
func serviceGrant(acl s3store.ACL) (s3store.Grant, bool) {
	for _, g := range acl.Grants {
		if g.GranteeType == s3store.GranteeCanonicalUser && g.ID == serviceUserID &&
			(g.Permission == s3store.PermWrite || g.Permission == s3store.PermFullControl) {
			return g, true
		}
	}
	return s3store.Grant{}, false
}

func checkACL(ctx context.Context, store *s3store.Store) checkResult {
	acl, err := store.BucketACL(ctx)
	switch {
	case errors.Is(err, s3store.ErrNotImplemented):
		return checkResult{"acl", checkWarn, "the server does not implement bucket ACLs: the flow log service user's grant cannot be checked", ""}
	case errors.Is(err, objstore.ErrAccessDenied):
		return checkResult{"acl", checkWarn, "cannot read the ACL: " + err.Error(),
			"reading an ACL needs READ_ACP on the bucket, which its owner has"}
	case err != nil:
		return checkResult{"acl", checkFail, err.Error(), storageHint(err)}
	}
	if g, ok := serviceGrant(acl); ok {
		return checkResult{"acl", checkOK, "the flow log service user may write objects (" + g.Permission + ")", ""}
	}
	if acl.Owner.ID == "" {
		// MinIO answers every GetBucketAcl with a fixed, owner-less ACL.
		return checkResult{"acl", checkWarn, "the server's ACL names no owner: it does not seem to implement bucket ACLs, so the flow log service user's grant cannot be checked", ""}
	}
	return checkResult{"acl", checkFail,
		"the flow log service user (" + serviceUserID + ") may not write objects: the service cannot deliver flow logs here",
		"flowlog bucket grant " + store.Bucket()}
}

func checkLifecycle(ctx context.Context, store *s3store.Store, logs []flowlog.FlowLog) checkResult {
	bucket := store.Bucket()
	rules, err := store.Lifecycle(ctx)
	switch {
	case errors.Is(err, s3store.ErrNotImplemented):
		return checkResult{"lifecycle", checkWarn, "the server does not implement lifecycle configurations: flow log objects are kept until deleted", "flowlog prune deletes old objects"}
	case errors.Is(err, objstore.ErrAccessDenied):
		return checkResult{"lifecycle", checkWarn, "cannot read the lifecycle configuration: " + err.Error(), storageHint(err)}
	case err != nil:
		return checkResult{"lifecycle", checkFail, err.Error(), storageHint(err)}
	}
	// expiring returns the rule that expires every object of t, if any.
	expiring := func(t objectTarget) (s3store.LifecycleRule, bool) {
		for _, r := range rules {
			if ruleExpires(r) && ruleCoversAll(r, t) {
				return r, true
			}
		}
		return s3store.LifecycleRule{}, false
	}
	if len(logs) == 0 {
		if r, ok := expiring(objectTarget{bucket: bucket}); ok {
			return checkResult{"lifecycle", checkOK, fmt.Sprintf("every object expires %s (rule %q)", describeExpiry(r), r.ID), ""}
		}
		var some []string
		for _, r := range rules {
			if ruleExpires(r) {
				some = append(some, fmt.Sprintf("%q %s", r.Prefix, describeExpiry(r)))
			}
		}
		if len(some) > 0 {
			return checkResult{"lifecycle", checkInfo, "rules expire only the objects under " + strings.Join(some, ", "),
				"objects elsewhere are kept until deleted"}
		}
		return checkResult{"lifecycle", checkInfo, "no lifecycle rule expires objects: flow log objects are kept until deleted",
			"flowlog retention set --bucket " + bucket + "[/PREFIX] --days N, or delete old objects with flowlog prune"}
	}
	var expired, kept []string
	var firstKept string
	for _, fl := range logs {
		t := objectTarget{bucket: bucket, prefix: fl.Prefix, name: fl.Name}
		if r, ok := expiring(t); ok {
			expired = append(expired, fmt.Sprintf("%s %s (rule %q)", fl.Name, describeExpiry(r), r.ID))
		} else {
			kept = append(kept, fl.Name)
			if firstKept == "" {
				firstKept = fl.Name
			}
		}
	}
	if len(kept) == 0 {
		return checkResult{"lifecycle", checkOK, "flow log objects expire: " + strings.Join(expired, "; "), ""}
	}
	detail := "no rule expires the objects of " + strings.Join(kept, ", ") + ": they are kept until deleted"
	if len(expired) > 0 {
		detail += "; expiring: " + strings.Join(expired, "; ")
	}
	return checkResult{"lifecycle", checkInfo, detail, "flowlog retention set --flowlog " + firstKept + " --days N"}
}

func checkFlowLogs(bucket string, logs []flowlog.FlowLog) checkResult {
	if len(logs) == 0 {
		return checkResult{"flowlogs", checkInfo, "no configured flow log writes into this bucket",
			"flowlog create ... --bucket " + bucket + "[/PREFIX]"}
	}
	names := make([]string, len(logs))
	for i, fl := range logs {
		names[i] = fmt.Sprintf("%s (%s)", fl.Name, objectTarget{bucket: bucket, prefix: fl.Prefix, name: fl.Name})
	}
	return checkResult{"flowlogs", checkOK, output.Count(len(logs), "flow log") + " write here: " + strings.Join(names, ", "), ""}
}

// checkKeys are the JSON and CSV keys of 'bucket check'.
var checkKeys = []string{"check", "status", "detail", "hint"}

func printCheckResults(f *Factory, format output.Format, results []checkResult) error {
	if format == output.Table {
		// One line a check, the hint below it: the details are too long
		// for table columns.
		for _, r := range results {
			fmt.Fprintf(f.IO.Out, "%-5s %-10s %s\n", r.Status, r.Check, r.Detail)
			if r.Hint != "" {
				fmt.Fprintf(f.IO.Out, "%-16s hint: %s\n", "", r.Hint)
			}
		}
		return nil
	}
	w, err := output.NewWriter(format, f.IO.Out, checkKeys, output.Options{})
	if err != nil {
		return err
	}
	for _, r := range results {
		if err := w.Write([]output.Value{output.Str(r.Check), output.Str(r.Status), output.Str(r.Detail), optional(r.Hint)}); err != nil {
			return err
		}
	}
	return w.Close()
}

func newBucketGrantCmd(f *Factory) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "grant BUCKET",
		Short: "Let the flow log service user write into a bucket",
		Long: `Add a WRITE grant for the flow log service user (canonical ID
` + serviceUserID + `) to the bucket's ACL, which the
service needs to deliver objects. S3 replaces an ACL whole, so flowlog reads
it and writes it back with every existing grant and the owner kept, the new
grant added; then it reads it again to verify.

Only WRITE is granted: the service writes objects, which the bucket owner
can read and delete. flowlog shows the new ACL and asks on a terminal;
elsewhere it needs --yes.`,
		Example: `  flowlog bucket grant my-logs
  flowlog bucket grant my-logs --yes`,
		Args: argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			bucket, err := parseBucketArg(args[0])
			if err != nil {
				return err
			}
			return bucketGrantRun(cmd.Context(), f, bucket, yes)
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "change the ACL without asking")
	return cmd
}

func bucketGrantRun(ctx context.Context, f *Factory, bucket string, yes bool) error {
	store, err := f.Store(ctx, bucket)
	if err != nil {
		return err
	}
	acl, err := store.BucketACL(ctx)
	if err != nil {
		return notImplementedHint(err, "bucket ACLs")
	}
	w := f.IO.ErrOut
	if g, ok := serviceGrant(acl); ok {
		fmt.Fprintf(w, "the flow log service user may already write into s3://%s (%s): nothing to change\n", bucket, g.Permission)
		return nil
	}
	if acl.Owner.ID == "" {
		return &UserError{
			Err:    fmt.Errorf("s3://%s: the server's ACL names no owner; flowlog will not rewrite it", bucket),
			Code:   ExitError,
			Advice: "the server does not seem to implement bucket ACLs (MinIO answers with a fixed ACL); IONOS Object Storage does",
		}
	}
	grant := s3store.Grant{GranteeType: s3store.GranteeCanonicalUser, ID: serviceUserID, Permission: s3store.PermWrite}
	next := s3store.ACL{Owner: acl.Owner, Grants: append(slices.Clone(acl.Grants), grant)}
	if err := next.Validate(); err != nil {
		return &UserError{
			Err:    fmt.Errorf("s3://%s: the ACL cannot be written back as it is: %v; nothing was changed", bucket, err),
			Code:   ExitError,
			Advice: "add the grant with the tool that manages this bucket's ACL",
		}
	}
	previewACL(w, bucket, acl, grant)
	if err := f.confirm(yes, "write the new ACL of s3://"+bucket+"?"); err != nil {
		return err
	}
	if err := store.PutBucketACL(ctx, next); err != nil {
		return notImplementedHint(err, "bucket ACLs")
	}
	// Read it back: a server may accept an ACL and apply it differently.
	back, err := store.BucketACL(ctx)
	if err != nil {
		return fmt.Errorf("the new ACL was sent, but reading it back failed: %w", err)
	}
	if _, ok := serviceGrant(back); !ok {
		return fmt.Errorf("s3://%s accepted the new ACL, but it does not show the grant: the server may ignore ACLs", bucket)
	}
	if lost := lostGrants(acl.Grants, back.Grants); len(lost) > 0 {
		return fmt.Errorf("s3://%s: after the change the ACL lacks %s that it had: %s", bucket, output.Count(len(lost), "grant"), strings.Join(lost, "; "))
	}
	fmt.Fprintf(w, "granted WRITE on s3://%s to the flow log service user; the other %s kept\n", bucket, output.Count(len(acl.Grants), "grant"))
	return nil
}

func previewACL(w io.Writer, bucket string, acl s3store.ACL, add s3store.Grant) {
	fmt.Fprintf(w, "ACL of s3://%s, owner %s:\n", bucket, describeGrantee(s3store.Grant{GranteeType: s3store.GranteeCanonicalUser, ID: acl.Owner.ID, DisplayName: acl.Owner.DisplayName}))
	for _, g := range acl.Grants {
		fmt.Fprintf(w, "  keep  %-12s  %s\n", g.Permission, describeGrantee(g))
	}
	fmt.Fprintf(w, "  add   %-12s  %s (the flow log service user)\n", add.Permission, describeGrantee(add))
}

func describeGrantee(g s3store.Grant) string {
	var s string
	switch g.GranteeType {
	case s3store.GranteeGroup:
		s = "group " + g.URI
	case s3store.GranteeEmail:
		s = "email " + g.Email
	default:
		s = "user " + g.ID
	}
	if g.DisplayName != "" {
		s += " (" + g.DisplayName + ")"
	}
	return s
}

// lostGrants lists the grants of before missing from after.
func lostGrants(before, after []s3store.Grant) []string {
	key := func(g s3store.Grant) string {
		return g.GranteeType + "|" + g.ID + "|" + g.URI + "|" + g.Email + "|" + g.Permission
	}
	have := map[string]bool{}
	for _, g := range after {
		have[key(g)] = true
	}
	var lost []string
	for _, g := range before {
		if !have[key(g)] {
			lost = append(lost, g.Permission+" for "+describeGrantee(g))
		}
	}
	return lost
}
