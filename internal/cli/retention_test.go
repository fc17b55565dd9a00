package cli

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/flowlog/flowlog/internal/objstore/s3store"
)

func TestRetentionRuleID(t *testing.T) {
	if got := retentionRuleID("web/web01-"); got != "flowlog-retention:web/web01-" {
		t.Errorf("short ID = %q", got)
	}
	// The longest prefix and name give keys far past S3's 255 bytes.
	long := strings.Repeat("p", 255) + "/" + strings.Repeat("ä", 120) + "-"
	other := strings.Repeat("p", 255) + "/" + strings.Repeat("ä", 121) + "-"
	id, id2 := retentionRuleID(long), retentionRuleID(other)
	if len(id) > s3store.MaxRuleIDLength || !utf8.ValidString(id) || !strings.HasPrefix(id, retentionRulePrefix) {
		t.Errorf("long ID = %q (%d bytes)", id, len(id))
	}
	if id == id2 {
		t.Errorf("two long prefixes share the ID %q", id)
	}
	if !isRetentionRule(s3store.LifecycleRule{ID: id}) || isRetentionRule(s3store.LifecycleRule{ID: "archive"}) {
		t.Error("isRetentionRule does not tell flowlog's rules from others")
	}
}

func TestRuleTouches(t *testing.T) {
	web01 := objectTarget{bucket: "b", prefix: "web", name: "web01"}
	folder := objectTarget{bucket: "b", prefix: "web"}
	top := objectTarget{bucket: "b"}
	tests := []struct {
		rulePrefix string
		target     objectTarget
		touches    bool
		coversAll  bool
	}{
		{"", web01, true, true},
		{"web/", web01, true, true},
		{"web/web01-", web01, true, true},
		{"web/web0", web01, true, true},
		{"web/web01-17", web01, true, false},             // some of its objects, by time
		{"web/web01-1700000000.log", web01, true, false}, // one of them
		{"web/web01-b-", web01, false, false},            // another flow log
		{"web/web01-.log.gz", web01, false, false},       // no key of web01 has no digits
		{"web/web01-17x", web01, false, false},
		{"web/web02-", web01, false, false},
		{"logs/", web01, false, false},
		{"web/anything", folder, true, false},
		{"web/", folder, true, true},
		{"we", folder, true, true},
		{"logs/", folder, false, false},
		{"logs/", top, true, false},
		{"", top, true, true},
	}
	for _, tt := range tests {
		r := s3store.LifecycleRule{Prefix: tt.rulePrefix}
		if got := ruleTouches(r, tt.target); got != tt.touches {
			t.Errorf("ruleTouches(%q, %s) = %v, want %v", tt.rulePrefix, tt.target, got, tt.touches)
		}
		if got := ruleCoversAll(r, tt.target); got != tt.coversAll {
			t.Errorf("ruleCoversAll(%q, %s) = %v, want %v", tt.rulePrefix, tt.target, got, tt.coversAll)
		}
	}
	narrowed := s3store.LifecycleRule{Prefix: "web/", Narrowed: true}
	if ruleCoversAll(narrowed, web01) || !ruleTouches(narrowed, web01) {
		t.Error("a rule with a tag filter must touch, not cover, the objects under its prefix")
	}
}
