package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/engine"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
	"github.com/flowlog/flowlog/internal/output"
)

// retentionRulePrefix starts the ID of every lifecycle rule flowlog makes;
// the rest is the rule's key prefix. Rules with other IDs belong to someone
// else, and flowlog never changes or removes them.
const retentionRulePrefix = "flowlog-retention:"

// retentionRuleID is the ID of flowlog's rule for a key prefix. S3 allows
// 255 bytes; a longer ID keeps its start and ends in a hash of the prefix.
func retentionRuleID(keyPrefix string) string {
	id := retentionRulePrefix + keyPrefix
	if len(id) <= s3store.MaxRuleIDLength {
		return id
	}
	sum := sha256.Sum256([]byte(keyPrefix))
	tail := "~" + hex.EncodeToString(sum[:8])
	keep := s3store.MaxRuleIDLength - len(retentionRulePrefix) - len(tail)
	for keep > 0 && !utf8.RuneStart(keyPrefix[keep]) {
		keep--
	}
	return retentionRulePrefix + keyPrefix[:keep] + tail
}

// isRetentionRule reports whether flowlog made the rule.
func isRetentionRule(r s3store.LifecycleRule) bool {
	return strings.HasPrefix(r.ID, retentionRulePrefix)
}

// findRetentionRule returns flowlog's rule for exactly this key prefix.
func findRetentionRule(rules []s3store.LifecycleRule, keyPrefix string) (s3store.LifecycleRule, bool) {
	for _, r := range rules {
		if isRetentionRule(r) && r.Prefix == keyPrefix && !r.Narrowed {
			return r, true
		}
	}
	return s3store.LifecycleRule{}, false
}

// ruleExpires reports whether a rule deletes current objects at all.
func ruleExpires(r s3store.LifecycleRule) bool {
	return r.Enabled && (r.ExpireDays > 0 || !r.ExpireDate.IsZero())
}

// ruleCoversAll reports whether a rule applies to every object of t.
func ruleCoversAll(r s3store.LifecycleRule, t objectTarget) bool {
	return !r.Narrowed && strings.HasPrefix(t.keyPrefix(), r.Prefix)
}

// ruleTouches reports whether a rule can apply to any object of t. A flow
// log's keys continue its key prefix with digits and ".log.gz", so a rule
// for "web/web01-b-" does not touch flow log "web01" in "web".
func ruleTouches(r s3store.LifecycleRule, t objectTarget) bool {
	k := t.keyPrefix()
	if strings.HasPrefix(k, r.Prefix) {
		return true
	}
	if !strings.HasPrefix(r.Prefix, k) {
		return false
	}
	if t.name == "" {
		return true
	}
	rest := r.Prefix[len(k):]
	d := 0
	for d < len(rest) && '0' <= rest[d] && rest[d] <= '9' {
		d++
	}
	return d > 0 && strings.HasPrefix(".log.gz", rest[d:])
}

// describeExpiry says when a rule expires objects: "after 30 days".
func describeExpiry(r s3store.LifecycleRule) string {
	switch {
	case r.ExpireDays == 1:
		return "after 1 day"
	case r.ExpireDays > 0:
		return fmt.Sprintf("after %d days", r.ExpireDays)
	case !r.ExpireDate.IsZero():
		return "from " + r.ExpireDate.UTC().Format(time.DateOnly)
	}
	return "never"
}

func ruleIDs(rules []s3store.LifecycleRule) string {
	ids := make([]string, len(rules))
	for i, r := range rules {
		ids[i] = fmt.Sprintf("%q", r.ID)
	}
	return strings.Join(ids, ", ")
}

// notImplementedHint explains a request the server does not implement.
func notImplementedHint(err error, what string) error {
	if errors.Is(err, s3store.ErrNotImplemented) {
		return withHint(err, "this server does not implement "+what+" (MinIO, for one, does not); IONOS Object Storage and AWS S3 do")
	}
	return err
}

func newRetentionCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "retention",
		Short: "Expire flow log objects with a bucket lifecycle rule",
		Long: `Flow log objects stay in their bucket until deleted. A lifecycle rule of the
bucket has the storage delete them a number of days after they were written.

flowlog's rules have IDs starting "` + retentionRulePrefix + `"; it adds them to the
bucket's other lifecycle rules and never changes or removes a rule it did not
make. See also 'flowlog prune' to delete old objects now.`,
		GroupID: "records",
	}
	cmd.AddCommand(newRetentionSetCmd(f), newRetentionShowCmd(f), newRetentionClearCmd(f))
	return cmd
}

type retentionOptions struct {
	flowLog string
	bucket  string
	name    string
	days    int
	yes     bool
}

func (o *retentionOptions) addTargetFlags(cmd *cobra.Command, f *Factory, verb string) {
	fl := cmd.Flags()
	fl.StringVar(&o.flowLog, "flowlog", "", verb+" the objects of a configured flow log, by `NAME|ID`")
	fl.StringVar(&o.bucket, "bucket", "", verb+" every object under `BUCKET[/PREFIX]`")
	fl.StringVar(&o.name, "name", "", "with --bucket: only the objects of the flow log named `NAME` (configured or not)")
	cmd.RegisterFlagCompletionFunc("flowlog", completeFlowLogs(f))
}

func newRetentionSetCmd(f *Factory) *cobra.Command {
	opts := &retentionOptions{}
	cmd := &cobra.Command{
		Use:   "set (--flowlog NAME | --bucket BUCKET[/PREFIX] [--name NAME]) --days N",
		Short: "Have a bucket's lifecycle expire flow log objects after N days",
		Long: `Add a lifecycle rule to the bucket that expires the objects of a flow log
(--flowlog) or every object under a bucket prefix (--bucket) N days after they
were written. The bucket's other lifecycle rules are kept as they are; an
earlier flowlog rule for the same objects is replaced.

flowlog shows the change and asks on a terminal; elsewhere it needs --yes.`,
		Example: `  flowlog retention set --flowlog web-ingress --days 30
  flowlog retention set --bucket my-logs/web --days 90 --yes`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return retentionSetRun(cmd.Context(), f, opts)
		},
	}
	opts.addTargetFlags(cmd, f, "expire")
	cmd.Flags().IntVar(&opts.days, "days", 0, "expire objects `N` days after they were written")
	cmd.Flags().BoolVarP(&opts.yes, "yes", "y", false, "change the lifecycle without asking")
	return cmd
}

func retentionSetRun(ctx context.Context, f *Factory, opts *retentionOptions) error {
	if opts.days < 1 || opts.days > math.MaxInt32 {
		return usageErrorf("--days must be a whole number of days, at least 1")
	}
	target, err := f.resolveObjectTarget(ctx, opts.flowLog, opts.bucket, opts.name)
	if err != nil {
		return err
	}
	store, err := f.Store(ctx, target.bucket)
	if err != nil {
		return err
	}
	change, err := f.planRetention(ctx, store, target, opts.days)
	if err != nil {
		return err
	}
	if change.unchanged() {
		fmt.Fprintf(f.IO.ErrOut, "%s already expire %s (rule %q): nothing to change\n", target, describeExpiry(change.rule), change.rule.ID)
		return nil
	}
	change.preview(f.IO.ErrOut)
	if err := f.confirm(opts.yes, "change the lifecycle of s3://"+target.bucket+"?"); err != nil {
		return err
	}
	if err := change.apply(ctx); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "set: %s expire %s\n", target, describeExpiry(change.rule))
	return nil
}

// retentionChange is flowlog's rule for a target, about to be set.
type retentionChange struct {
	store       *s3store.Store
	target      objectTarget
	rule        s3store.LifecycleRule
	old         *s3store.LifecycleRule  // flowlog's earlier rule for the same objects
	others      []s3store.LifecycleRule // every other rule, kept as it is
	overlapping []s3store.LifecycleRule // other rules that expire some of the same objects
	alsoCovers  []flowlog.FlowLog       // other configured flow logs the rule expires
}

// planRetention works out the rule that expires target's objects after
// days, beside the bucket's current rules.
func (f *Factory) planRetention(ctx context.Context, store *s3store.Store, target objectTarget, days int) (*retentionChange, error) {
	rules, err := store.Lifecycle(ctx)
	if err != nil {
		return nil, notImplementedHint(err, "bucket lifecycle configurations")
	}
	keyPrefix := target.keyPrefix()
	c := &retentionChange{
		store:  store,
		target: target,
		rule:   s3store.LifecycleRule{ID: retentionRuleID(keyPrefix), Prefix: keyPrefix, Enabled: true, ExpireDays: days},
	}
	if old, ok := findRetentionRule(rules, keyPrefix); ok {
		c.old = &old
		c.rule.ID = old.ID
	}
	for _, r := range rules {
		if r.ID == c.rule.ID {
			continue
		}
		c.others = append(c.others, r)
		if ruleExpires(r) && ruleTouches(r, target) {
			c.overlapping = append(c.overlapping, r)
		}
	}
	if target.name != "" {
		logs, err := f.flowLogsUnder(ctx, target.bucket, keyPrefix)
		if err != nil {
			return nil, err
		}
		for _, fl := range logs {
			if fl.Name != target.name || fl.Prefix != target.prefix {
				c.alsoCovers = append(c.alsoCovers, fl)
			}
		}
	}
	return c, nil
}

func (c *retentionChange) unchanged() bool {
	return c.old != nil && c.old.Enabled && c.old.ExpireDays == c.rule.ExpireDays && c.old.ExpireDate.IsZero()
}

func (c *retentionChange) preview(w io.Writer) {
	was := "a new rule"
	if c.old != nil {
		was = "was: " + describeExpiry(*c.old)
		if !c.old.Enabled {
			was += ", disabled"
		}
	}
	fmt.Fprintf(w, "lifecycle of s3://%s, rule %q:\n", c.target.bucket, c.rule.ID)
	fmt.Fprintf(w, "  %s expire %s (%s)\n", c.target, describeExpiry(c.rule), was)
	if len(c.others) > 0 {
		fmt.Fprintf(w, "  kept as they are: %s\n", ruleIDs(c.others))
	}
	switch {
	case c.target.keyPrefix() == "":
		fmt.Fprintf(w, "warning: the rule expires every object in the bucket, not only flow log objects\n")
	case c.target.name == "":
		fmt.Fprintf(w, "note: the rule expires every object under %s, not only flow log objects\n", c.target.keyPrefix())
	}
	if len(c.alsoCovers) > 0 {
		fmt.Fprintf(w, "note: the rule also expires the objects of flow log %s, whose keys start the same way\n", flowLogNames(c.alsoCovers))
	}
	for _, r := range c.overlapping {
		fmt.Fprintf(w, "note: rule %q (prefix %q) also expires some of these objects, %s; each object expires by whichever rule comes first\n",
			r.ID, r.Prefix, describeExpiry(r))
	}
}

func (c *retentionChange) apply(ctx context.Context) error {
	return notImplementedHint(c.store.PutLifecycleRule(ctx, c.rule), "bucket lifecycle configurations")
}

func newRetentionClearCmd(f *Factory) *cobra.Command {
	opts := &retentionOptions{}
	cmd := &cobra.Command{
		Use:   "clear (--flowlog NAME | --bucket BUCKET[/PREFIX] [--name NAME])",
		Short: "Remove flowlog's lifecycle rule for flow log objects",
		Long: `Remove the lifecycle rule 'flowlog retention set' made for the same objects.
Other rules stay; if no rule is left, the bucket's lifecycle configuration is
deleted. Without such a rule, there is nothing to do and clear says so.`,
		Example: `  flowlog retention clear --flowlog web-ingress
  flowlog retention clear --bucket my-logs/web --yes`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return retentionClearRun(cmd.Context(), f, opts)
		},
	}
	opts.addTargetFlags(cmd, f, "stop expiring")
	cmd.Flags().BoolVarP(&opts.yes, "yes", "y", false, "change the lifecycle without asking")
	return cmd
}

func retentionClearRun(ctx context.Context, f *Factory, opts *retentionOptions) error {
	target, err := f.resolveObjectTarget(ctx, opts.flowLog, opts.bucket, opts.name)
	if err != nil {
		return err
	}
	store, err := f.Store(ctx, target.bucket)
	if err != nil {
		return err
	}
	rules, err := store.Lifecycle(ctx)
	if err != nil {
		return notImplementedHint(err, "bucket lifecycle configurations")
	}
	own, ok := findRetentionRule(rules, target.keyPrefix())
	if !ok {
		fmt.Fprintf(f.IO.ErrOut, "s3://%s has no flowlog rule for %s: nothing to change\n", target.bucket, target)
		return nil
	}
	var others, still []s3store.LifecycleRule
	for _, r := range rules {
		if r.ID == own.ID {
			continue
		}
		others = append(others, r)
		if ruleExpires(r) && ruleTouches(r, target) {
			still = append(still, r)
		}
	}
	w := f.IO.ErrOut
	fmt.Fprintf(w, "lifecycle of s3://%s:\n", target.bucket)
	fmt.Fprintf(w, "  remove rule %q: %s expire %s\n", own.ID, target, describeExpiry(own))
	if len(others) == 0 {
		fmt.Fprintln(w, "  no rule is left: the lifecycle configuration is deleted")
	} else {
		fmt.Fprintf(w, "  kept as they are: %s\n", ruleIDs(others))
	}
	if err := f.confirm(opts.yes, "change the lifecycle of s3://"+target.bucket+"?"); err != nil {
		return err
	}
	if _, err := store.DeleteLifecycleRule(ctx, own.ID); err != nil {
		return notImplementedHint(err, "bucket lifecycle configurations")
	}
	if len(still) > 0 {
		fmt.Fprintf(w, "removed rule %q; rule %s still expires some of %s\n", own.ID, ruleIDs(still), target)
	} else {
		fmt.Fprintf(w, "removed rule %q: %s are kept until deleted\n", own.ID, target)
	}
	return nil
}

func newRetentionShowCmd(f *Factory) *cobra.Command {
	opts := &retentionOptions{}
	cmd := &cobra.Command{
		Use:   "show [--flowlog NAME | --bucket BUCKET[/PREFIX] [--name NAME]]",
		Short: "List the lifecycle rules that expire flow log objects",
		Long: `List the lifecycle rules of a flow log's bucket (--flowlog), of a bucket
(--bucket), or by default of every configured flow log's bucket, that apply to
flow log objects: flowlog's own rules and any other whose prefix covers or
overlaps the flow logs' keys. Flow logs no enabled rule expires are named on
standard error: their objects are kept until deleted.`,
		Example: `  flowlog retention show
  flowlog retention show --bucket my-logs -o json`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return retentionShowRun(cmd.Context(), f, opts)
		},
	}
	opts.addTargetFlags(cmd, f, "show rules for")
	return cmd
}

// retentionKeys are the JSON and CSV keys of a rule in 'retention show'.
var retentionKeys = []string{"bucket", "rule_id", "prefix", "status", "expire_days", "expire_date", "managed_by", "flow_logs", "notes"}

var retentionTableColumns = []string{"bucket", "rule", "prefix", "status", "expires", "by", "flow logs", "notes"}

func retentionShowRun(ctx context.Context, f *Factory, opts *retentionOptions) error {
	format, err := f.outputFormat(output.Table, output.Formats...)
	if err != nil {
		return err
	}
	// The targets to show, by bucket, in the order given.
	var buckets []string
	targets := map[string][]objectTarget{}
	add := func(t objectTarget) {
		if _, ok := targets[t.bucket]; !ok {
			buckets = append(buckets, t.bucket)
		}
		targets[t.bucket] = append(targets[t.bucket], t)
	}
	if opts.flowLog != "" || opts.bucket != "" || opts.name != "" {
		t, err := f.resolveObjectTarget(ctx, opts.flowLog, opts.bucket, opts.name)
		if err != nil {
			return err
		}
		add(t)
	} else {
		e, err := f.Engine(ctx)
		if err != nil {
			return err
		}
		logs, err := e.List(ctx, engine.ListFilter{})
		if err != nil {
			return err
		}
		if len(logs) == 0 {
			return &UserError{Err: errors.New("no flow logs configured"), Code: ExitUsage,
				Advice: "name a bucket: flowlog retention show --bucket BUCKET"}
		}
		for _, fl := range logs {
			add(objectTarget{bucket: fl.Bucket, prefix: fl.Prefix, name: fl.Name})
		}
	}

	columns := retentionKeys
	if format == output.Table {
		columns = retentionTableColumns
	}
	w, err := output.NewWriter(format, f.IO.Out, columns, output.Options{})
	if err != nil {
		return err
	}
	for _, bucket := range buckets {
		store, err := f.Store(ctx, bucket)
		if err != nil {
			return err
		}
		rules, err := store.Lifecycle(ctx)
		if err != nil {
			return notImplementedHint(err, "bucket lifecycle configurations")
		}
		// The configured flow logs within the targets, to name per rule.
		var logs []objectTarget
		for _, t := range targets[bucket] {
			if t.name != "" {
				logs = append(logs, t)
				continue
			}
			under, err := f.flowLogsUnder(ctx, bucket, t.keyPrefix())
			if err != nil {
				return err
			}
			for _, fl := range under {
				logs = append(logs, objectTarget{bucket: bucket, prefix: fl.Prefix, name: fl.Name})
			}
		}
		shown := 0
		for _, r := range rules {
			touched := false
			for _, t := range targets[bucket] {
				touched = touched || ruleTouches(r, t)
			}
			if !touched {
				continue
			}
			var names []string
			for _, l := range logs {
				if ruleTouches(r, l) {
					names = append(names, l.name)
				}
			}
			if err := w.Write(retentionRow(bucket, r, names, format)); err != nil {
				return err
			}
			shown++
		}
		if shown == 0 {
			for _, t := range targets[bucket] {
				fmt.Fprintf(f.IO.ErrOut, "no lifecycle rule applies to %s: the objects are kept until deleted\n", t)
			}
			continue
		}
		for _, l := range logs {
			expired := false
			for _, r := range rules {
				expired = expired || (ruleExpires(r) && ruleCoversAll(r, l))
			}
			if !expired {
				fmt.Fprintf(f.IO.ErrOut, "no enabled rule expires all of flow log %s's objects (%s): they are kept until deleted\n", l.name, l)
			}
		}
	}
	return w.Close()
}

func retentionRow(bucket string, r s3store.LifecycleRule, flowLogs []string, format output.Format) []output.Value {
	status := "Disabled"
	if r.Enabled {
		status = "Enabled"
	}
	by := "other"
	if isRetentionRule(r) {
		by = "flowlog"
	}
	notes := optional(strings.Join(r.Other, "; "))
	logs := optional(strings.Join(flowLogs, ","))
	if format == output.Table {
		expires := describeExpiry(r)
		if !r.Enabled {
			expires = "-"
		}
		return []output.Value{output.Str(bucket), output.Str(r.ID), optional(r.Prefix), output.Str(status),
			output.Str(expires), output.Str(by), logs, notes}
	}
	days := output.Value{}
	if r.ExpireDays > 0 {
		days = output.UintValue(uint64(r.ExpireDays))
	}
	return []output.Value{output.Str(bucket), output.Str(r.ID), output.Str(r.Prefix), output.Str(status),
		days, output.TimeValue(r.ExpireDate), output.Str(by), logs, notes}
}
