// Package retention owns flowlog's bucket lifecycle rules: their IDs, which
// flow log objects a rule touches or expires, and the plans that set or
// clear flowlog's rule for some objects while keeping every other rule of
// the bucket as it is. It reads and writes rules through a small
// LifecycleStore and returns its findings as data; the commands print them.
package retention

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
)

// Rule is one rule of a bucket's lifecycle configuration.
type Rule = s3store.LifecycleRule

// RuleIDPrefix starts the ID of every lifecycle rule flowlog makes; the
// rest is the rule's key prefix. Rules with other IDs belong to someone
// else, and flowlog never changes or removes them.
const RuleIDPrefix = "flowlog-retention:"

// RuleID is the ID of flowlog's rule for a key prefix. S3 allows 255 bytes;
// a longer ID keeps its start and ends in a hash of the prefix, so that two
// long prefixes do not share an ID.
func RuleID(keyPrefix string) string {
	id := RuleIDPrefix + keyPrefix
	if len(id) <= s3store.MaxRuleIDLength {
		return id
	}
	sum := sha256.Sum256([]byte(keyPrefix))
	tail := "~" + hex.EncodeToString(sum[:8])
	keep := s3store.MaxRuleIDLength - len(RuleIDPrefix) - len(tail)
	for keep > 0 && !utf8.RuneStart(keyPrefix[keep]) {
		keep--
	}
	return RuleIDPrefix + keyPrefix[:keep] + tail
}

// Managed reports whether flowlog made the rule.
func Managed(r Rule) bool {
	return strings.HasPrefix(r.ID, RuleIDPrefix)
}

// findOwn returns flowlog's rule for exactly this key prefix. A rule narrowed
// by tags or sizes is not flowlog's, whatever its ID says: flowlog never
// writes one.
func findOwn(rules []Rule, keyPrefix string) (Rule, bool) {
	for _, r := range rules {
		if Managed(r) && r.Prefix == keyPrefix && !r.Narrowed {
			return r, true
		}
	}
	return Rule{}, false
}

// Expires reports whether a rule deletes current objects at all.
func Expires(r Rule) bool {
	return r.Enabled && (r.ExpireDays > 0 || !r.ExpireDate.IsZero())
}

// CoversAll reports whether a rule applies to every one of the objects.
func CoversAll(r Rule, o flowlog.Objects) bool {
	return !r.Narrowed && strings.HasPrefix(o.KeyPrefix(), r.Prefix)
}

// Touches reports whether a rule can apply to any of the objects. A flow
// log's keys continue its key prefix with digits and ".log.gz", so a rule
// for "web/web01-b-" does not touch flow log "web01" in "web".
func Touches(r Rule, o flowlog.Objects) bool {
	k := o.KeyPrefix()
	if strings.HasPrefix(k, r.Prefix) {
		return true
	}
	if !strings.HasPrefix(r.Prefix, k) {
		return false
	}
	if o.Name == "" {
		return true
	}
	rest := r.Prefix[len(k):]
	d := 0
	for d < len(rest) && '0' <= rest[d] && rest[d] <= '9' {
		d++
	}
	return d > 0 && strings.HasPrefix(".log.gz", rest[d:])
}

// Expiring returns the first rule that expires every one of the objects.
func Expiring(rules []Rule, o flowlog.Objects) (Rule, bool) {
	for _, r := range rules {
		if Expires(r) && CoversAll(r, o) {
			return r, true
		}
	}
	return Rule{}, false
}

// DescribeExpiry says when a rule expires objects: "after 30 days", "from
// 2026-01-01", or "never".
func DescribeExpiry(r Rule) string {
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

// within returns the configured flow logs whose objects all lie among o's:
// o itself if it names a flow log, or every one in its folder. configured
// are the flow logs that write into o's bucket.
func within(o flowlog.Objects, configured []flowlog.FlowLog) []flowlog.Objects {
	if o.Name != "" {
		return []flowlog.Objects{o}
	}
	var in []flowlog.Objects
	for _, fl := range under(o, configured) {
		in = append(in, flowlog.ObjectsOf(fl, o.Store))
	}
	return in
}

// under returns the configured flow logs whose keys start with o's key
// prefix: for a flow log's objects, that flow log and any whose name
// continues its name with "-".
func under(o flowlog.Objects, configured []flowlog.FlowLog) []flowlog.FlowLog {
	var logs []flowlog.FlowLog
	for _, fl := range configured {
		if strings.HasPrefix(flowlog.ObjectKeyPrefix(fl.Prefix, fl.Name), o.KeyPrefix()) {
			logs = append(logs, fl)
		}
	}
	return logs
}
