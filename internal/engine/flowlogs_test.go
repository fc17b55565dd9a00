package engine

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/flowlog/flowlog/internal/flowlog"
)

const (
	nic1 = "7ffd6527-ce80-4e57-a949-f9a45824ebe2"
	nic2 = "0a1b2c3d-0000-4000-8000-000000000002"
	nat1 = "5e6f7a8b-0000-4000-8000-000000000003"
)

func testLog() flowlog.FlowLog {
	return flowlog.FlowLog{
		Name:         "web-ingress",
		ResourceType: flowlog.NIC,
		ResourceID:   nic1,
		Direction:    flowlog.Ingress,
		Action:       flowlog.All,
		Bucket:       "my-logs",
		Prefix:       "web",
	}
}

// fixedClock returns start, start+1m, start+2m, ... on successive calls.
func fixedClock(start time.Time) func() time.Time {
	n := 0
	return func() time.Time {
		t := start.Add(time.Duration(n) * time.Minute)
		n++
		return t
	}
}

func mustCreate(t *testing.T, e *Engine, f flowlog.FlowLog) flowlog.FlowLog {
	t.Helper()
	got, err := e.Create(context.Background(), f)
	if err != nil {
		t.Fatalf("Create(%+v): %v", f, err)
	}
	return got
}

func ruleError(t *testing.T, err error, rule string) *RuleError {
	t.Helper()
	var re *RuleError
	if !errors.As(err, &re) {
		t.Fatalf("got %v (%T), want *RuleError %s", err, err, rule)
	}
	if re.Rule != rule {
		t.Fatalf("rule = %q, want %q (%v)", re.Rule, rule, err)
	}
	if re.Hint() == "" {
		t.Errorf("rule error %q has no hint", re.Msg)
	}
	if strings.ContainsAny(re.Msg, "\n\r") || re.Msg != strings.ToLower(re.Msg[:1])+re.Msg[1:] {
		t.Errorf("message is not one lower-case line: %q", re.Msg)
	}
	return re
}

func count(t *testing.T, e *Engine) int {
	t.Helper()
	all, err := e.List(context.Background(), ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}

func TestCreate(t *testing.T) {
	e := openTest(t)
	ctx := context.Background()
	// A local-time clock with sub-second noise: stored as whole UTC seconds.
	e.SetClock(func() time.Time {
		return time.Date(2024, 5, 1, 14, 30, 15, 987654321, time.FixedZone("CEST", 2*3600))
	})
	in := testLog()
	in.ResourceID = strings.ToUpper(nic1)
	in.DatacenterID = "AAAAAAAA-0000-4000-8000-000000000000"
	in.ID, in.State = "caller-id", flowlog.Inactive // ignored

	got, err := e.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	id, err := uuid.Parse(got.ID)
	if err != nil || id.Version() != 4 || got.ID != id.String() {
		t.Errorf("ID %q is not a canonical v4 uuid", got.ID)
	}
	want := flowlog.FlowLog{
		ID:           got.ID,
		Name:         "web-ingress",
		ResourceType: flowlog.NIC,
		ResourceID:   nic1,
		DatacenterID: "aaaaaaaa-0000-4000-8000-000000000000",
		Direction:    flowlog.Ingress,
		Action:       flowlog.All,
		Bucket:       "my-logs",
		Prefix:       "web",
		State:        flowlog.Available,
		CreatedAt:    time.Date(2024, 5, 1, 12, 30, 15, 0, time.UTC),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Create returned\n%+v\nwant\n%+v", got, want)
	}
	stored, err := e.Get(ctx, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stored, want) {
		t.Errorf("Get returned\n%+v\nwant\n%+v", stored, want)
	}
}

func TestCreateDefaultName(t *testing.T) {
	e := openTest(t)
	f := testLog()
	f.Name = ""
	got := mustCreate(t, e, f)
	if got.Name != "nic-7ffd6527" {
		t.Errorf("default name = %q, want nic-7ffd6527", got.Name)
	}
	if stored, err := e.Get(context.Background(), "nic-7ffd6527"); err != nil || stored.ID != got.ID {
		t.Errorf("Get by default name: %+v, %v", stored, err)
	}
}

func TestCreateInvalid(t *testing.T) {
	e := openTest(t)
	tests := []struct {
		change func(*flowlog.FlowLog)
		field  string
	}{
		{func(f *flowlog.FlowLog) { f.Name = "a/b" }, "name"},
		{func(f *flowlog.FlowLog) { f.ResourceID = "7ffd6527" }, "nic"},
		{func(f *flowlog.FlowLog) { f.ResourceType = "lb" }, "type"},
		{func(f *flowlog.FlowLog) { f.Direction = "" }, "direction"},
		{func(f *flowlog.FlowLog) { f.Action = "ANY" }, "action"},
		{func(f *flowlog.FlowLog) { f.Bucket = "My_Logs" }, "bucket"},
		{func(f *flowlog.FlowLog) { f.Prefix = ".." }, "prefix"},
	}
	for _, tt := range tests {
		f := testLog()
		tt.change(&f)
		_, err := e.Create(context.Background(), f)
		var ve *flowlog.ValidationError
		if !errors.As(err, &ve) || ve.Field != tt.field {
			t.Errorf("Create(%+v) = %v, want validation error for %s", f, err, tt.field)
		}
	}
	if n := count(t, e); n != 0 {
		t.Errorf("%d flow logs stored after invalid creates", n)
	}
}

func TestCreateOnePerResource(t *testing.T) {
	e := openTest(t)
	first := mustCreate(t, e, testLog())

	second := testLog()
	second.Name = "web-egress"
	second.Direction = flowlog.Egress
	second.Bucket = "other-logs"
	second.ResourceID = strings.ToUpper(nic1) // same NIC, other spelling
	_, err := e.Create(context.Background(), second)
	re := ruleError(t, err, RuleOnePerResource)
	if re.Existing == nil || !reflect.DeepEqual(*re.Existing, first) {
		t.Errorf("Existing = %+v, want %+v", re.Existing, first)
	}
	wantMsg := `nic ` + nic1 + `: a flow log already exists for this resource ("web-ingress", id ` + first.ID + `)`
	if re.Error() != wantMsg {
		t.Errorf("message\n%s\nwant\n%s", re.Error(), wantMsg)
	}
	if !strings.Contains(re.Hint(), "flowlog replace") {
		t.Errorf("hint %q does not point at replace", re.Hint())
	}

	// Another resource may have its own.
	other := second
	other.ResourceID = nic2
	mustCreate(t, e, other)
	if n := count(t, e); n != 2 {
		t.Errorf("%d flow logs, want 2", n)
	}
}

func TestCreateTargetClash(t *testing.T) {
	e := openTest(t)
	first := testLog()
	first.Name = "x"
	first = mustCreate(t, e, first)

	clash := testLog()
	clash.Name = "x"
	clash.ResourceID = nic2
	_, err := e.Create(context.Background(), clash)
	re := ruleError(t, err, RuleTargetClash)
	if re.Existing == nil || re.Existing.ID != first.ID {
		t.Errorf("Existing = %+v, want %s", re.Existing, first.ID)
	}
	want := `bucket my-logs/web: flow log "x" already writes objects named "web/x-*"`
	if re.Error() != want {
		t.Errorf("message\n%s\nwant\n%s", re.Error(), want)
	}

	// The same name elsewhere writes other objects.
	for _, target := range []struct{ bucket, prefix string }{{"my-logs", ""}, {"my-logs", "db"}, {"other-logs", "web"}} {
		f := clash
		f.Bucket, f.Prefix = target.bucket, target.prefix
		f.ResourceID = uuid.NewString()
		mustCreate(t, e, f)
	}
}

func TestList(t *testing.T) {
	e := openTest(t)
	ctx := context.Background()
	if got, err := e.List(ctx, ListFilter{}); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("empty List = %#v, %v; want empty non-nil", got, err)
	}

	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	e.SetClock(func() time.Time { return start })
	// Same second: ordered by name.
	b := mustCreate(t, e, flowlog.FlowLog{Name: "b", ResourceType: flowlog.NIC, ResourceID: nic1,
		Direction: flowlog.Ingress, Action: flowlog.All, Bucket: "logs-a", Prefix: "web"})
	a := mustCreate(t, e, flowlog.FlowLog{Name: "a", ResourceType: flowlog.NIC, ResourceID: nic2,
		Direction: flowlog.Egress, Action: flowlog.Rejected, Bucket: "logs-a"})
	e.SetClock(func() time.Time { return start.Add(-time.Hour) })
	older := mustCreate(t, e, flowlog.FlowLog{Name: "z", ResourceType: flowlog.NATGateway, ResourceID: nat1,
		Direction: flowlog.Bidirectional, Action: flowlog.Accepted, Bucket: "logs-b"})

	ids := func(fs []flowlog.FlowLog) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.ID)
		}
		return out
	}
	tests := []struct {
		filter ListFilter
		want   []string
	}{
		{ListFilter{}, []string{older.ID, a.ID, b.ID}},
		{ListFilter{Type: flowlog.NIC}, []string{a.ID, b.ID}},
		{ListFilter{Type: flowlog.NATGateway}, []string{older.ID}},
		{ListFilter{Type: flowlog.NLB}, nil},
		{ListFilter{Bucket: "logs-a"}, []string{a.ID, b.ID}},
		{ListFilter{Bucket: "logs-a/web"}, []string{b.ID}},
		{ListFilter{Bucket: "logs-a/web/"}, []string{b.ID}},
		{ListFilter{Bucket: "logs-a/db"}, nil},
		{ListFilter{Type: flowlog.NATGateway, Bucket: "logs-a"}, nil},
		{ListFilter{Type: flowlog.NATGateway, Bucket: "logs-b"}, []string{older.ID}},
	}
	for _, tt := range tests {
		got, err := e.List(ctx, tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ids(got), tt.want) {
			t.Errorf("List(%+v) = %v, want %v", tt.filter, ids(got), tt.want)
		}
	}
}

func TestGet(t *testing.T) {
	e := openTest(t)
	ctx := context.Background()
	e.SetClock(fixedClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)))
	web1 := testLog()
	web1.Name = "web"
	web1 = mustCreate(t, e, web1)
	web2 := testLog()
	web2.Name, web2.ResourceID, web2.Prefix = "web", nic2, "other"
	web2 = mustCreate(t, e, web2)
	// A flow log named like another's ID: the ID wins.
	tricky := testLog()
	tricky.Name, tricky.ResourceID = web1.ID, nat1
	tricky.ResourceType = flowlog.NATGateway
	tricky = mustCreate(t, e, tricky)

	for ref, want := range map[string]string{
		web1.ID:                  web1.ID,
		strings.ToUpper(web2.ID): web2.ID,
		tricky.ID:                tricky.ID,
	} {
		got, err := e.Get(ctx, ref)
		if err != nil || got.ID != want {
			t.Errorf("Get(%q) = %s, %v; want %s", ref, got.ID, err, want)
		}
	}

	_, err := e.Get(ctx, "web")
	var amb *AmbiguousError
	if !errors.As(err, &amb) {
		t.Fatalf("Get(web) = %v, want *AmbiguousError", err)
	}
	if len(amb.Matches) != 2 || amb.Matches[0].ID != web1.ID || amb.Matches[1].ID != web2.ID {
		t.Errorf("matches = %+v", amb.Matches)
	}
	want := `name "web" matches 2 flow logs: ` + web1.ID + `, ` + web2.ID
	if err.Error() != want {
		t.Errorf("message\n%s\nwant\n%s", err, want)
	}
	if amb.Hint() == "" {
		t.Error("no hint")
	}

	for _, ref := range []string{"nope", "WEB", "", uuid.NewString()} {
		_, err := e.Get(ctx, ref)
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q) = %v, want ErrNotFound", ref, err)
		} else if !strings.Contains(err.Error(), `"`+ref+`"`) {
			t.Errorf("error %q does not name %q", err, ref)
		}
	}
}

func TestDelete(t *testing.T) {
	e := openTest(t)
	ctx := context.Background()
	a := mustCreate(t, e, testLog())
	bl := testLog()
	bl.Name, bl.ResourceID = "b", nic2
	b := mustCreate(t, e, bl)
	cl := testLog()
	cl.Name, cl.ResourceID, cl.ResourceType = "c", nat1, flowlog.NATGateway
	c := mustCreate(t, e, cl)

	if err := e.Delete(ctx); err != nil {
		t.Errorf("Delete() = %v", err)
	}
	missing := uuid.NewString()
	err := e.Delete(ctx, a.ID, missing, b.ID)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), missing) {
		t.Fatalf("Delete with a missing id = %v, want ErrNotFound naming %s", err, missing)
	}
	if n := count(t, e); n != 3 {
		t.Fatalf("%d flow logs after failed delete, want all 3", n)
	}

	if err := e.Delete(ctx, a.ID, strings.ToUpper(b.ID), a.ID); err != nil {
		t.Fatal(err)
	}
	left, _ := e.List(ctx, ListFilter{})
	if len(left) != 1 || left[0].ID != c.ID {
		t.Errorf("left %+v, want only %s", left, c.ID)
	}
	if err := e.Delete(ctx, a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete = %v, want ErrNotFound", err)
	}
	// The resource is free again.
	mustCreate(t, e, testLog())
}

func TestReplace(t *testing.T) {
	e := openTest(t)
	ctx := context.Background()
	e.SetClock(fixedClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)))
	old := mustCreate(t, e, testLog())

	next := old
	next.Direction = flowlog.Bidirectional
	got, err := e.Replace(ctx, old.ID, next)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == old.ID || !got.CreatedAt.After(old.CreatedAt) {
		t.Errorf("replacement kept identity: %+v", got)
	}
	if got.Direction != flowlog.Bidirectional || got.Name != old.Name || got.Target() != old.Target() {
		t.Errorf("replacement = %+v", got)
	}
	if _, err := e.Get(ctx, old.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("old flow log still there: %v", err)
	}
	if stored, err := e.Get(ctx, got.ID); err != nil || !reflect.DeepEqual(stored, got) {
		t.Errorf("Get(new) = %+v, %v; want %+v", stored, err, got)
	}

	if _, err := e.Replace(ctx, old.ID, next); !errors.Is(err, ErrNotFound) {
		t.Errorf("Replace(gone id) = %v, want ErrNotFound", err)
	}
}

func TestReplaceFailureKeepsOld(t *testing.T) {
	e := openTest(t)
	ctx := context.Background()
	e.SetClock(fixedClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)))
	cur := mustCreate(t, e, testLog())
	otherIn := testLog()
	otherIn.Name, otherIn.ResourceID, otherIn.Prefix = "db", nic2, "db"
	other := mustCreate(t, e, otherIn)

	clash := cur
	clash.Name, clash.Prefix = "db", "db" // writes what "other" writes
	_, err := e.Replace(ctx, cur.ID, clash)
	ruleError(t, err, RuleTargetClash)

	taken := cur
	taken.ResourceID = nic2 // other's resource
	_, err = e.Replace(ctx, cur.ID, taken)
	ruleError(t, err, RuleOnePerResource)

	invalid := cur
	invalid.Bucket = "No"
	_, err = e.Replace(ctx, cur.ID, invalid)
	var ve *flowlog.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("Replace(invalid) = %v, want validation error", err)
	}

	all, _ := e.List(ctx, ListFilter{})
	if len(all) != 2 || !reflect.DeepEqual(all[0], cur) || !reflect.DeepEqual(all[1], other) {
		t.Errorf("after failed replaces:\n%+v\nwant\n%+v\n%+v", all, cur, other)
	}
}

func TestImmutableError(t *testing.T) {
	err := error(ImmutableError("direction"))
	re := ruleError(t, err, RuleImmutable)
	if re.Error() != "cannot change direction: flow logs cannot be changed after creation" {
		t.Errorf("message %q", re.Error())
	}
	if !strings.Contains(re.Hint(), "flowlog replace ID --direction") {
		t.Errorf("hint %q", re.Hint())
	}
	if !errors.Is(err, ErrImmutable) {
		t.Error("not errors.Is ErrImmutable")
	}
	if errors.Is(onePerResourceError(testLog(), nil), ErrImmutable) {
		t.Error("one-per-resource error matches ErrImmutable")
	}
	if ImmutableError("").Error() != ErrImmutable.Error() {
		t.Errorf("ImmutableError(\"\") = %q", ImmutableError(""))
	}
}

// TestConstraintBackstop skips the Go checks, as a racing writer would
// slip past them, and expects the same errors from the database.
func TestConstraintBackstop(t *testing.T) {
	e := openTest(t)
	ctx := context.Background()
	first := mustCreate(t, e, testLog())

	samePlace, err := e.prepare(testLog())
	if err != nil {
		t.Fatal(err)
	}
	sameTarget := samePlace
	sameTarget.ResourceID = nic2
	sameID := sameTarget
	sameID.ID, sameID.Name = first.ID, "fresh"

	tests := []struct {
		f    flowlog.FlowLog
		rule string
	}{
		{samePlace, RuleOnePerResource},
		{sameTarget, RuleTargetClash},
		{sameID, RuleImmutable},
	}
	for _, tt := range tests {
		err := e.write(ctx, func(tx *sql.Tx) error { return insertRow(ctx, tx, tt.f) })
		re := ruleError(t, err, tt.rule)
		if tt.rule != RuleImmutable && (re.Existing == nil || re.Existing.ID != first.ID) {
			t.Errorf("%s: Existing = %+v, want the first flow log", tt.rule, re.Existing)
		}
	}
	if n := count(t, e); n != 1 {
		t.Errorf("%d rows, want 1", n)
	}
}
