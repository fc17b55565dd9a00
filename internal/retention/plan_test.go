package retention

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
)

// fakeBucket is a bucket's lifecycle in memory. The object methods of
// objstore.Store are left out: planning never lists or reads objects.
type fakeBucket struct {
	objstore.Store
	rules   []Rule
	readErr error
	puts    []Rule
	deletes []string
}

func (b *fakeBucket) String() string { return "s3://logs" }

func (b *fakeBucket) Lifecycle(context.Context) ([]Rule, error) {
	return slices.Clone(b.rules), b.readErr
}

func (b *fakeBucket) PutLifecycleRule(_ context.Context, r Rule) error {
	b.puts = append(b.puts, r)
	return nil
}

func (b *fakeBucket) DeleteLifecycleRule(_ context.Context, id string) (bool, error) {
	b.deletes = append(b.deletes, id)
	return true, nil
}

func ids(rules []Rule) []string {
	var s []string
	for _, r := range rules {
		s = append(s, r.ID)
	}
	return s
}

func names(logs []flowlog.FlowLog) []string {
	var s []string
	for _, fl := range logs {
		s = append(s, fl.Name)
	}
	return s
}

var (
	archive = Rule{ID: "archive-prod", Prefix: "web/", Enabled: true, ExpireDays: 365}
	tmp     = Rule{ID: "tmp-cleanup", Prefix: "tmp/", Enabled: true, ExpireDays: 1}
	ours    = Rule{ID: "flowlog-retention:web/web01-", Prefix: "web/web01-", Enabled: true, ExpireDays: 30}
	// configured: the flow logs writing into the bucket.
	configured = []flowlog.FlowLog{
		{Name: "web01", Prefix: "web", Bucket: "logs"},
		{Name: "web01-b", Prefix: "web", Bucket: "logs"},
		{Name: "web02", Prefix: "web", Bucket: "logs"},
		{Name: "lb", Bucket: "logs"},
		// Its keys, "web01-x/web01-...", start like those of web01 at the top.
		{Name: "web01", Prefix: "web01-x", Bucket: "logs"},
	}
)

func TestPlanSet(t *testing.T) {
	tests := []struct {
		name        string
		rules       []Rule
		objs        flowlog.Objects
		days        int
		wantID      string
		wantOld     bool
		unchanged   bool
		others      []string
		overlapping []string
		alsoCovers  []string
	}{
		{
			name: "a new rule beside others", rules: []Rule{archive, tmp, {ID: "off", Prefix: "web/", ExpireDays: 3}},
			objs: flowlog.Objects{Prefix: "web", Name: "web01"}, days: 30,
			wantID: "flowlog-retention:web/web01-",
			others: []string{"archive-prod", "tmp-cleanup", "off"}, overlapping: []string{"archive-prod"},
			alsoCovers: []string{"web01-b"},
		},
		{
			name: "the same again", rules: []Rule{archive, ours},
			objs: flowlog.Objects{Prefix: "web", Name: "web01"}, days: 30,
			wantID: ours.ID, wantOld: true, unchanged: true,
			others: []string{"archive-prod"}, overlapping: []string{"archive-prod"},
			alsoCovers: []string{"web01-b"},
		},
		{
			name: "other days replace our rule", rules: []Rule{ours, tmp},
			objs: flowlog.Objects{Prefix: "web", Name: "web01"}, days: 60,
			wantID: ours.ID, wantOld: true,
			others: []string{"tmp-cleanup"}, alsoCovers: []string{"web01-b"},
		},
		{
			name: "a disabled rule of ours is enabled", rules: []Rule{{ID: ours.ID, Prefix: ours.Prefix, ExpireDays: 30}},
			objs: flowlog.Objects{Prefix: "web", Name: "web01"}, days: 30,
			wantID: ours.ID, wantOld: true, alsoCovers: []string{"web01-b"},
		},
		{
			name: "a folder: our flow log rule overlaps", rules: []Rule{ours},
			objs: flowlog.Objects{Prefix: "web"}, days: 90,
			wantID: "flowlog-retention:web/", others: []string{ours.ID}, overlapping: []string{ours.ID},
		},
		{
			name: "the whole bucket", rules: []Rule{tmp},
			objs: flowlog.Objects{}, days: 365,
			wantID: "flowlog-retention:", others: []string{"tmp-cleanup"}, overlapping: []string{"tmp-cleanup"},
		},
		{
			name: "an old rule of ours keeps its ID", rules: []Rule{{ID: RuleIDPrefix + "web01 (2025)", Prefix: "web/web01-", Enabled: true, ExpireDays: 7}},
			objs: flowlog.Objects{Prefix: "web", Name: "web01"}, days: 30,
			wantID: RuleIDPrefix + "web01 (2025)", wantOld: true, alsoCovers: []string{"web01-b"},
		},
		{
			name: "the same name in a folder below", rules: nil,
			objs: flowlog.Objects{Name: "web01"}, days: 30,
			wantID: "flowlog-retention:web01-", alsoCovers: []string{"web01"},
		},
		{
			name: "a flow log no longer configured", rules: nil,
			objs: flowlog.Objects{Name: "old"}, days: 7, wantID: "flowlog-retention:old-",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &fakeBucket{rules: tt.rules}
			tt.objs.Store = b
			p, err := PlanSet(context.Background(), tt.objs, tt.days, configured)
			if err != nil {
				t.Fatal(err)
			}
			want := Rule{ID: tt.wantID, Prefix: tt.objs.KeyPrefix(), Enabled: true, ExpireDays: tt.days}
			if !reflect.DeepEqual(p.Rule, want) {
				t.Errorf("rule = %+v, want %+v", p.Rule, want)
			}
			if (p.Old != nil) != tt.wantOld || p.Unchanged() != tt.unchanged {
				t.Errorf("old = %+v, unchanged = %v; want an old rule: %v, unchanged: %v", p.Old, p.Unchanged(), tt.wantOld, tt.unchanged)
			}
			if got := ids(p.Others); !slices.Equal(got, tt.others) {
				t.Errorf("others = %q, want %q", got, tt.others)
			}
			if got := ids(p.Overlapping); !slices.Equal(got, tt.overlapping) {
				t.Errorf("overlapping = %q, want %q", got, tt.overlapping)
			}
			if got := names(p.AlsoCovers); !slices.Equal(got, tt.alsoCovers) {
				t.Errorf("also covers = %q, want %q", got, tt.alsoCovers)
			}
			if len(b.puts) != 0 {
				t.Fatal("planning wrote a rule")
			}
			if err := p.Apply(context.Background()); err != nil {
				t.Fatal(err)
			}
			if len(b.puts) != 1 || !reflect.DeepEqual(b.puts[0], want) {
				t.Errorf("Apply wrote %+v, want %+v", b.puts, want)
			}
		})
	}
}

func TestPlanClear(t *testing.T) {
	web01 := flowlog.Objects{Prefix: "web", Name: "web01"}
	folderRule := Rule{ID: "flowlog-retention:web/", Prefix: "web/", Enabled: true, ExpireDays: 90}
	tests := []struct {
		name   string
		rules  []Rule
		objs   flowlog.Objects
		noRule bool
		others []string
		still  []string
	}{
		{name: "no lifecycle", objs: web01, noRule: true},
		{name: "only another tool's rule", rules: []Rule{{ID: "x", Prefix: "web/web01-", Enabled: true, ExpireDays: 3}}, objs: web01, noRule: true},
		{name: "our rule for the folder, not the flow log", rules: []Rule{folderRule}, objs: web01, noRule: true},
		{name: "the last rule", rules: []Rule{ours}, objs: web01},
		{name: "others stay and still expire some", rules: []Rule{archive, ours, folderRule, tmp, {ID: "off", Prefix: "web/"}}, objs: web01,
			others: []string{"archive-prod", folderRule.ID, "tmp-cleanup", "off"}, still: []string{"archive-prod", folderRule.ID}},
		{name: "a folder", rules: []Rule{ours, folderRule}, objs: flowlog.Objects{Prefix: "web"},
			others: []string{ours.ID}, still: []string{ours.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &fakeBucket{rules: tt.rules}
			tt.objs.Store = b
			p, err := PlanClear(context.Background(), tt.objs)
			if tt.noRule {
				if !errors.Is(err, ErrNoRule) {
					t.Fatalf("PlanClear = %+v, %v; want ErrNoRule", p, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Rule.Prefix != tt.objs.KeyPrefix() || !Managed(p.Rule) {
				t.Errorf("rule = %+v, want flowlog's for %q", p.Rule, tt.objs.KeyPrefix())
			}
			if got := ids(p.Others); !slices.Equal(got, tt.others) {
				t.Errorf("others = %q, want %q", got, tt.others)
			}
			if got := ids(p.Still); !slices.Equal(got, tt.still) {
				t.Errorf("still = %q, want %q", got, tt.still)
			}
			if err := p.Apply(context.Background()); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(b.deletes, []string{p.Rule.ID}) {
				t.Errorf("Apply deleted %q, want %q", b.deletes, p.Rule.ID)
			}
		})
	}
}

func TestExamine(t *testing.T) {
	b := &fakeBucket{rules: []Rule{
		archive,
		{ID: "flowlog-retention:web/web01-", Prefix: "web/web01-", Enabled: true, ExpireDays: 60},
		{ID: "flowlog-retention:web/web01-b-", Prefix: "web/web01-b-", ExpireDays: 60}, // disabled
		tmp,
		{ID: "flowlog-retention:lb-", Prefix: "lb-", Enabled: true, ExpireDays: 7},
	}}
	flowLog := func(prefix, name string) flowlog.Objects {
		return flowlog.Objects{Store: b, Prefix: prefix, Name: name}
	}
	type rule struct {
		id       string
		flowLogs []string
	}
	tests := []struct {
		name      string
		targets   []flowlog.Objects
		rules     []rule
		flowLogs  []string
		unexpired []string
	}{
		{
			name:    "a flow log",
			targets: []flowlog.Objects{flowLog("web", "web01")},
			rules: []rule{
				{"archive-prod", []string{"web01"}},
				{"flowlog-retention:web/web01-", []string{"web01"}},
			},
			flowLogs: []string{"web01"},
		},
		{
			name:    "a folder: its configured flow logs",
			targets: []flowlog.Objects{flowLog("web", "")},
			rules: []rule{
				{"archive-prod", []string{"web01", "web01-b", "web02"}},
				{"flowlog-retention:web/web01-", []string{"web01", "web01-b"}},
				{"flowlog-retention:web/web01-b-", []string{"web01-b"}},
			},
			flowLogs: []string{"web01", "web01-b", "web02"},
			// archive-prod is narrowed to tagged objects
			unexpired: []string{"web02"},
		},
		{
			name:      "every flow log, one target each",
			targets:   []flowlog.Objects{flowLog("web", "web02"), flowLog("", "lb")},
			rules:     []rule{{"archive-prod", []string{"web02"}}, {"flowlog-retention:lb-", []string{"lb"}}},
			flowLogs:  []string{"web02", "lb"},
			unexpired: []string{"web02"},
		},
		{
			name:      "no rule applies",
			targets:   []flowlog.Objects{flowLog("db", "")},
			flowLogs:  nil,
			unexpired: nil,
		},
		{
			name:      "a flow log no rule applies to",
			targets:   []flowlog.Objects{flowLog("", "old")},
			flowLogs:  []string{"old"},
			unexpired: []string{"old"},
		},
	}
	b.rules[0].Narrowed = true
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Examine(context.Background(), tt.targets, configured)
			if err != nil {
				t.Fatal(err)
			}
			var got []rule
			for _, r := range s.Rules {
				got = append(got, rule{r.ID, r.FlowLogs})
			}
			if !reflect.DeepEqual(got, tt.rules) {
				t.Errorf("rules = %v, want %v", got, tt.rules)
			}
			var logs, unexpired []string
			for _, o := range s.FlowLogs {
				logs = append(logs, o.Name)
				if o.Store != b {
					t.Errorf("flow log %s is not in the bucket", o.Name)
				}
			}
			for _, o := range s.Unexpired {
				unexpired = append(unexpired, o.Name)
			}
			if !slices.Equal(logs, tt.flowLogs) || !slices.Equal(unexpired, tt.unexpired) {
				t.Errorf("flow logs = %q, unexpired = %q; want %q, %q", logs, unexpired, tt.flowLogs, tt.unexpired)
			}
		})
	}
}

func TestLifecycleErrors(t *testing.T) {
	ctx := context.Background()
	readErr := errors.New("get lifecycle s3://logs: access denied")
	b := &fakeBucket{readErr: readErr}
	objs := flowlog.Objects{Store: b, Name: "web"}
	if _, err := PlanSet(ctx, objs, 3, nil); !errors.Is(err, readErr) {
		t.Errorf("PlanSet: %v, want %v", err, readErr)
	}
	if _, err := PlanClear(ctx, objs); !errors.Is(err, readErr) {
		t.Errorf("PlanClear: %v, want %v", err, readErr)
	}
	if _, err := Examine(ctx, []flowlog.Objects{objs}, nil); !errors.Is(err, readErr) {
		t.Errorf("Examine: %v, want %v", err, readErr)
	}

	// A local folder has no lifecycle: every entry point says so, with a
	// hint at prune.
	dir, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	folder := flowlog.Objects{Store: dir, Prefix: "web"}
	_, err1 := PlanSet(ctx, folder, 3, nil)
	_, err2 := PlanClear(ctx, folder)
	_, err3 := Examine(ctx, []flowlog.Objects{folder}, nil)
	for _, err := range []error{err1, err2, err3} {
		var nl *NoLifecycleError
		if !errors.As(err, &nl) || err.Error() != dir.String()+": lifecycle rules need object storage" {
			t.Fatalf("on a folder: %v, want a NoLifecycleError", err)
		}
		if want := "delete old objects with 'flowlog prune " + dir.String() + " --older-than AGE'"; nl.Hint() != want {
			t.Errorf("hint = %q, want %q", nl.Hint(), want)
		}
	}
}
