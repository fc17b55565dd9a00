package cmdutil

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
	"github.com/flowlog/flowlog/internal/retention"
)

// LifecycleConfigs is what a server may not implement, for
// NotImplementedHint.
const LifecycleConfigs = "bucket lifecycle configurations"

// NotImplementedHint explains a request the server does not implement.
func NotImplementedHint(err error, what string) error {
	if errors.Is(err, s3store.ErrNotImplemented) {
		return WithHint(err, "this server does not implement "+what+" (MinIO, for one, does not); IONOS Object Storage and AWS S3 do")
	}
	return err
}

// RuleIDs lists rule IDs for a message: "a", "b".
func RuleIDs(rules []retention.Rule) string {
	ids := make([]string, len(rules))
	for i, r := range rules {
		ids[i] = fmt.Sprintf("%q", r.ID)
	}
	return strings.Join(ids, ", ")
}

// PreviewRetention shows a rule about to be set, for 'retention set' and
// for 'delete --expire-objects'.
func PreviewRetention(w io.Writer, p *retention.SetPlan) {
	was := "a new rule"
	if p.Old != nil {
		was = "was: " + retention.DescribeExpiry(*p.Old)
		if !p.Old.Enabled {
			was += ", disabled"
		}
	}
	fmt.Fprintf(w, "lifecycle of %s, rule %q:\n", p.Objects.Store, p.Rule.ID)
	fmt.Fprintf(w, "  %s expire %s (%s)\n", p.Objects, retention.DescribeExpiry(p.Rule), was)
	if len(p.Others) > 0 {
		fmt.Fprintf(w, "  kept as they are: %s\n", RuleIDs(p.Others))
	}
	switch {
	case p.Objects.KeyPrefix() == "":
		fmt.Fprintf(w, "warning: the rule expires every object in the bucket, not only flow log objects\n")
	case p.Objects.Name == "":
		fmt.Fprintf(w, "note: the rule expires every object under %s, not only flow log objects\n", p.Objects.KeyPrefix())
	}
	if len(p.AlsoCovers) > 0 {
		fmt.Fprintf(w, "note: the rule also expires the objects of flow log %s, whose keys start the same way\n", FlowLogNames(p.AlsoCovers))
	}
	for _, r := range p.Overlapping {
		fmt.Fprintf(w, "note: rule %q (prefix %q) also expires some of these objects, %s; each object expires by whichever rule comes first\n",
			r.ID, r.Prefix, retention.DescribeExpiry(r))
	}
}

// ConfirmLifecycle asks once before changing the lifecycle of the stores
// the objects lie in, each named once, in order.
func ConfirmLifecycle(f *Factory, yes bool, objs []flowlog.Objects) error {
	var stores []string
	for _, o := range objs {
		if s := o.Store.String(); !slices.Contains(stores, s) {
			stores = append(stores, s)
		}
	}
	return Confirm(f.IO, yes, "change the lifecycle of "+strings.Join(stores, ", ")+"?")
}
