package retention

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
)

func TestRuleID(t *testing.T) {
	// The longest prefix and name give keys far past S3's 255 bytes.
	long := strings.Repeat("p", 255) + "/" + strings.Repeat("ä", 120) + "-"
	longer := strings.Repeat("p", 255) + "/" + strings.Repeat("ä", 121) + "-"
	tests := []struct {
		keyPrefix string
		exact     string // the ID, if it is the prefix spelled out
	}{
		{"web/web01-", "flowlog-retention:web/web01-"},
		{"", "flowlog-retention:"},
		{strings.Repeat("a", s3store.MaxRuleIDLength-len(RuleIDPrefix)), RuleIDPrefix + strings.Repeat("a", s3store.MaxRuleIDLength-len(RuleIDPrefix))},
		{long, ""},
		{longer, ""},
		// Cut where a two-byte rune would be split.
		{"x" + strings.Repeat("ä", 200) + "-", ""},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		id := RuleID(tt.keyPrefix)
		if tt.exact != "" && id != tt.exact {
			t.Errorf("RuleID(%q) = %q, want %q", tt.keyPrefix, id, tt.exact)
		}
		if len(id) > s3store.MaxRuleIDLength || !utf8.ValidString(id) || !Managed(Rule{ID: id}) {
			t.Errorf("RuleID(%.20q...) = %q (%d bytes): not a valid flowlog rule ID", tt.keyPrefix, id, len(id))
		}
		if other, ok := seen[id]; ok {
			t.Errorf("key prefixes %.20q... and %.20q... share the ID %q", other, tt.keyPrefix, id)
		}
		seen[id] = tt.keyPrefix
	}
}

func TestManagedAndFindOwn(t *testing.T) {
	rules := []Rule{
		{ID: "archive", Prefix: "web/web01-"},
		{ID: RuleID("web/web01-"), Prefix: "web/web01-", Narrowed: true},
		{ID: RuleID("web/"), Prefix: "web/"},
		{ID: RuleID("web/web01-"), Prefix: "web/web01-", ExpireDays: 7},
	}
	tests := []struct {
		keyPrefix string
		wantDays  int
		found     bool
	}{
		{"web/web01-", 7, true}, // not another tool's rule, nor a narrowed one
		{"web/", 0, true},
		{"web/web02-", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		r, ok := findOwn(rules, tt.keyPrefix)
		if ok != tt.found || (ok && (r.Prefix != tt.keyPrefix || r.ExpireDays != tt.wantDays)) {
			t.Errorf("findOwn(%q) = %+v, %v; want a rule expiring after %d days: %v", tt.keyPrefix, r, ok, tt.wantDays, tt.found)
		}
	}
	if Managed(Rule{ID: "archive-prod"}) || Managed(Rule{ID: "x" + RuleIDPrefix}) {
		t.Error("Managed claims another tool's rule")
	}
}

func TestExpires(t *testing.T) {
	date := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		rule     Rule
		expires  bool
		describe string
	}{
		{Rule{Enabled: true, ExpireDays: 30}, true, "after 30 days"},
		{Rule{Enabled: true, ExpireDays: 1}, true, "after 1 day"},
		{Rule{Enabled: true, ExpireDate: date}, true, "from 2026-01-01"},
		{Rule{Enabled: false, ExpireDays: 30}, false, "after 30 days"},
		{Rule{Enabled: true, Other: []string{"moves to GLACIER after 30 days"}}, false, "never"},
	}
	for _, tt := range tests {
		if got := Expires(tt.rule); got != tt.expires {
			t.Errorf("Expires(%+v) = %v, want %v", tt.rule, got, tt.expires)
		}
		if got := DescribeExpiry(tt.rule); got != tt.describe {
			t.Errorf("DescribeExpiry(%+v) = %q, want %q", tt.rule, got, tt.describe)
		}
	}
}

func TestTouchesAndCoversAll(t *testing.T) {
	web01 := flowlog.Objects{Prefix: "web", Name: "web01"}
	folder := flowlog.Objects{Prefix: "web"}
	top := flowlog.Objects{}
	tests := []struct {
		rule      Rule
		objs      flowlog.Objects
		touches   bool
		coversAll bool
	}{
		{Rule{Prefix: ""}, web01, true, true},
		{Rule{Prefix: "web/"}, web01, true, true},
		{Rule{Prefix: "web/web01-"}, web01, true, true},
		{Rule{Prefix: "web/web0"}, web01, true, true},
		{Rule{Prefix: "web/web01-17"}, web01, true, false},             // some of its objects, by time
		{Rule{Prefix: "web/web01-1700000000.log"}, web01, true, false}, // one of them
		{Rule{Prefix: "web/web01-b-"}, web01, false, false},            // another flow log
		{Rule{Prefix: "web/web01-.log.gz"}, web01, false, false},       // no key of web01 has no digits
		{Rule{Prefix: "web/web01-17x"}, web01, false, false},
		{Rule{Prefix: "web/web02-"}, web01, false, false},
		{Rule{Prefix: "logs/"}, web01, false, false},
		{Rule{Prefix: "web/", Narrowed: true}, web01, true, false}, // a tag filter: some objects under its prefix
		{Rule{Prefix: "web/anything"}, folder, true, false},
		{Rule{Prefix: "web/"}, folder, true, true},
		{Rule{Prefix: "we"}, folder, true, true},
		{Rule{Prefix: "logs/"}, folder, false, false},
		{Rule{Prefix: "logs/"}, top, true, false},
		{Rule{Prefix: ""}, top, true, true},
	}
	for _, tt := range tests {
		if got := Touches(tt.rule, tt.objs); got != tt.touches {
			t.Errorf("Touches(%+v, %s) = %v, want %v", tt.rule, tt.objs, got, tt.touches)
		}
		if got := CoversAll(tt.rule, tt.objs); got != tt.coversAll {
			t.Errorf("CoversAll(%+v, %s) = %v, want %v", tt.rule, tt.objs, got, tt.coversAll)
		}
	}
}

func TestExpiring(t *testing.T) {
	web01 := flowlog.Objects{Prefix: "web", Name: "web01"}
	tests := []struct {
		name   string
		rules  []Rule
		wantID string // "" for none
	}{
		{"none", nil, ""},
		{"disabled", []Rule{{ID: "a", Prefix: "web/", ExpireDays: 3}}, ""},
		{"only some objects", []Rule{{ID: "a", Prefix: "web/web01-17", Enabled: true, ExpireDays: 3}}, ""},
		{"narrowed", []Rule{{ID: "a", Prefix: "web/", Enabled: true, ExpireDays: 3, Narrowed: true}}, ""},
		{"no expiry", []Rule{{ID: "a", Prefix: "web/", Enabled: true}}, ""},
		{"the first that does", []Rule{
			{ID: "a", Prefix: "logs/", Enabled: true, ExpireDays: 3},
			{ID: "b", Prefix: "web/", Enabled: true, ExpireDays: 30},
			{ID: "c", Prefix: "", Enabled: true, ExpireDays: 1},
		}, "b"},
	}
	for _, tt := range tests {
		r, ok := Expiring(tt.rules, web01)
		if ok != (tt.wantID != "") || r.ID != tt.wantID {
			t.Errorf("%s: Expiring = %q, %v; want %q", tt.name, r.ID, ok, tt.wantID)
		}
	}
}
