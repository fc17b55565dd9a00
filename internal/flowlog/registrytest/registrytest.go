// Package registrytest is the conformance suite every flowlog.Registry must
// pass, so that create, list, get, delete and replace mean the same against
// the embedded engine and against the Cloud API.
package registrytest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/flowlog/flowlog/internal/flowlog"
)

// Run runs the suite. newRegistry must return a new, empty registry each
// time it is called; each subtest calls it once.
func Run(t *testing.T, newRegistry func(t *testing.T) flowlog.Registry) {
	tests := []struct {
		name string
		fn   func(t *testing.T, r flowlog.Registry)
	}{
		{"CreateGetList", testCreateGetList},
		{"DefaultName", testDefaultName},
		{"EmptyList", testEmptyList},
		{"OnePerResource", testOnePerResource},
		{"TargetClash", testTargetClash},
		{"NotFound", testNotFound},
		{"AmbiguousName", testAmbiguousName},
		{"ListFilters", testListFilters},
		{"Delete", testDelete},
		{"Replace", testReplace},
		{"ReplaceRefusedKeepsOldSettings", testReplaceRefused},
		{"Invalid", testInvalid},
		{"ConcurrentCreates", testConcurrentCreates},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newRegistry(t))
		})
	}
}

func id() string { return uuid.NewString() }

// newFlowLog is a complete configuration for a new resource of type typ in
// data center dc, with a server for a NIC.
func newFlowLog(typ flowlog.ResourceType, dc, name, target string) flowlog.FlowLog {
	bucket, prefix, _ := strings.Cut(target, "/")
	fl := flowlog.FlowLog{
		Name: name, ResourceType: typ, ResourceID: id(), DatacenterID: dc,
		Direction: flowlog.Ingress, Action: flowlog.Rejected, Bucket: bucket, Prefix: prefix,
	}
	if typ == flowlog.NIC {
		fl.ServerID = id()
	}
	return fl
}

func create(t *testing.T, r flowlog.Registry, fl flowlog.FlowLog) flowlog.FlowLog {
	t.Helper()
	got, err := r.Create(context.Background(), fl)
	if err != nil {
		t.Fatalf("create %s for %s %s: %v", fl.Name, fl.ResourceType, fl.ResourceID, err)
	}
	return got
}

// sameSettings reports how got differs from want in what the user chose
// and where the resource is; "" when it does not.
func sameSettings(got, want flowlog.FlowLog) string {
	type settings struct {
		Name, Type, Resource, DC, Server, Direction, Action, Bucket, Prefix string
	}
	of := func(f flowlog.FlowLog) settings {
		return settings{f.Name, string(f.ResourceType), strings.ToLower(f.ResourceID), strings.ToLower(f.DatacenterID),
			strings.ToLower(f.ServerID), string(f.Direction), string(f.Action), f.Bucket, f.Prefix}
	}
	if g, w := of(got), of(want); g != w {
		return fmt.Sprintf("got %+v\nwant %+v", g, w)
	}
	return ""
}

func testCreateGetList(t *testing.T, r flowlog.Registry) {
	ctx := context.Background()
	dc := id()
	before := time.Now().Add(-time.Second)
	var created []flowlog.FlowLog
	for i, typ := range flowlog.ResourceTypes {
		target := "logs"
		if i%2 == 0 {
			target = "logs/" + string(typ)
		}
		want := newFlowLog(typ, dc, "web-"+string(typ), target)
		got := create(t, r, want)
		if diff := sameSettings(got, want); diff != "" {
			t.Errorf("create %s: %s", typ, diff)
		}
		if uuid.Validate(got.ID) != nil {
			t.Errorf("create %s: id %q is not a uuid", typ, got.ID)
		}
		if got.State != flowlog.Available {
			t.Errorf("create %s: state %q; want AVAILABLE once the create is done", typ, got.State)
		}
		if got.CreatedAt.Before(before.Truncate(time.Second)) || got.CreatedAt.After(time.Now().Add(time.Second)) || got.CreatedAt.Location() != time.UTC {
			t.Errorf("create %s: created at %v; want about now, in UTC", typ, got.CreatedAt)
		}
		created = append(created, got)
	}
	for _, want := range created {
		for _, ref := range []string{want.ID, strings.ToUpper(want.ID), want.Name} {
			got, err := r.Get(ctx, ref)
			if err != nil {
				t.Fatalf("get %s: %v", ref, err)
			}
			if got != want {
				t.Errorf("get %s:\n got %+v\nwant %+v", ref, got, want)
			}
		}
	}
	list, err := r.List(ctx, flowlog.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	wantList := slices.Clone(created)
	slices.SortFunc(wantList, listOrder)
	if !slices.Equal(list, wantList) {
		t.Errorf("list:\n got %+v\nwant %+v", list, wantList)
	}
}

// listOrder is the order of List: oldest first, then by name and ID.
func listOrder(a, b flowlog.FlowLog) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

func testDefaultName(t *testing.T, r flowlog.Registry) {
	fl := newFlowLog(flowlog.NATGateway, id(), "", "logs")
	got := create(t, r, fl)
	if want := flowlog.DefaultName(fl.ResourceType, fl.ResourceID); got.Name != want {
		t.Errorf("name %q; want %q", got.Name, want)
	}
}

func testEmptyList(t *testing.T, r flowlog.Registry) {
	list, err := r.List(context.Background(), flowlog.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if list == nil || len(list) != 0 {
		t.Errorf("list = %#v; want an empty, non-nil list (JSON [])", list)
	}
}

func testOnePerResource(t *testing.T, r flowlog.Registry) {
	ctx := context.Background()
	for _, typ := range flowlog.ResourceTypes {
		first := create(t, r, newFlowLog(typ, id(), "first-"+string(typ), "logs"))
		second := first
		second.Name, second.Bucket, second.Direction = "second-"+string(typ), "other", flowlog.Egress
		_, err := r.Create(ctx, second)
		if !errors.Is(err, flowlog.ErrRefused) {
			t.Errorf("second flow log on %s: err = %v; want flowlog.ErrRefused", typ, err)
		}
	}
	list, err := r.List(ctx, flowlog.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, fl := range list {
		if !strings.HasPrefix(fl.Name, "first-") {
			t.Errorf("stored %s: a refused create left a flow log", fl.Name)
		}
	}
}

func testTargetClash(t *testing.T, r flowlog.Registry) {
	dc := id()
	create(t, r, newFlowLog(flowlog.NIC, dc, "web", "logs/p"))
	_, err := r.Create(context.Background(), newFlowLog(flowlog.NLB, dc, "web", "logs/p"))
	if !errors.Is(err, flowlog.ErrRefused) {
		t.Errorf("a second flow log writing logs/p/web-*: err = %v; want flowlog.ErrRefused", err)
	}
	// The same name elsewhere is fine.
	create(t, r, newFlowLog(flowlog.NLB, dc, "web", "logs/q"))
}

func testNotFound(t *testing.T, r flowlog.Registry) {
	ctx := context.Background()
	kept := create(t, r, newFlowLog(flowlog.NIC, id(), "kept", "logs"))
	for _, ref := range []string{id(), "no-such-name"} {
		_, err := r.Get(ctx, ref)
		if !errors.Is(err, flowlog.ErrNotFound) {
			t.Errorf("get %s: err = %v; want flowlog.ErrNotFound", ref, err)
		}
	}
	gone := create(t, r, newFlowLog(flowlog.NATGateway, id(), "gone", "logs"))
	if err := r.Delete(ctx, gone); err != nil {
		t.Fatal(err)
	}
	if err := r.Delete(ctx, gone); !errors.Is(err, flowlog.ErrNotFound) {
		t.Errorf("delete a deleted flow log: err = %v; want flowlog.ErrNotFound", err)
	}
	if _, err := r.Get(ctx, kept.ID); err != nil {
		t.Errorf("get %s: %v", kept.Name, err)
	}
}

func testAmbiguousName(t *testing.T, r flowlog.Registry) {
	dc := id()
	a := create(t, r, newFlowLog(flowlog.NIC, dc, "same", "one"))
	b := create(t, r, newFlowLog(flowlog.NIC, dc, "same", "two"))
	_, err := r.Get(context.Background(), "same")
	var ae *flowlog.AmbiguousError
	if !errors.As(err, &ae) {
		t.Fatalf("get a shared name: err = %v; want *flowlog.AmbiguousError", err)
	}
	var ids []string
	for _, m := range ae.Matches {
		ids = append(ids, m.ID)
	}
	slices.Sort(ids)
	want := []string{a.ID, b.ID}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("matches %v; want %v", ids, want)
	}
}

func testListFilters(t *testing.T, r flowlog.Registry) {
	dcA, dcB := id(), id()
	nic := create(t, r, newFlowLog(flowlog.NIC, dcA, "nic", "bk1/p1"))
	nat := create(t, r, newFlowLog(flowlog.NATGateway, dcB, "nat", "bk1"))
	nlb := create(t, r, newFlowLog(flowlog.NLB, dcA, "nlb", "bk2"))
	for _, tt := range []struct {
		filter flowlog.ListFilter
		want   []flowlog.FlowLog
	}{
		{flowlog.ListFilter{Type: flowlog.NIC}, []flowlog.FlowLog{nic}},
		{flowlog.ListFilter{Bucket: "bk1"}, []flowlog.FlowLog{nic, nat}},
		{flowlog.ListFilter{Bucket: "bk1/p1"}, []flowlog.FlowLog{nic}},
		{flowlog.ListFilter{Bucket: "bk1/p2"}, nil},
		{flowlog.ListFilter{DatacenterID: dcA}, []flowlog.FlowLog{nic, nlb}},
		{flowlog.ListFilter{DatacenterID: dcA, Type: flowlog.NLB}, []flowlog.FlowLog{nlb}},
		{flowlog.ListFilter{DatacenterID: dcB, Bucket: "bk2"}, nil},
	} {
		got, err := r.List(context.Background(), tt.filter)
		if err != nil {
			t.Fatalf("list %+v: %v", tt.filter, err)
		}
		want := slices.Clone(tt.want)
		slices.SortFunc(want, listOrder)
		if want == nil {
			want = []flowlog.FlowLog{}
		}
		if !slices.Equal(got, want) {
			t.Errorf("list %+v:\n got %v\nwant %v", tt.filter, names(got), names(want))
		}
	}
}

func names(logs []flowlog.FlowLog) []string {
	out := []string{}
	for _, fl := range logs {
		out = append(out, fl.Name)
	}
	return out
}

func testDelete(t *testing.T, r flowlog.Registry) {
	ctx := context.Background()
	dc := id()
	a := create(t, r, newFlowLog(flowlog.NIC, dc, "a", "logs"))
	b := create(t, r, newFlowLog(flowlog.NATGateway, dc, "b", "logs"))
	c := create(t, r, newFlowLog(flowlog.NLB, dc, "c", "logs"))
	if err := r.Delete(ctx, a, c); err != nil {
		t.Fatal(err)
	}
	list, err := r.List(ctx, flowlog.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(list, []flowlog.FlowLog{b}) {
		t.Errorf("after deleting a and c: %v; want [b]", names(list))
	}
	// The resource is free again.
	again := a
	again.Name = "a-again"
	create(t, r, again)
}

func testReplace(t *testing.T, r flowlog.Registry) {
	ctx := context.Background()
	for _, typ := range flowlog.ResourceTypes {
		old := create(t, r, newFlowLog(typ, id(), "old-"+string(typ), "logs"))
		next := old
		next.Name, next.Direction, next.Action, next.Bucket, next.Prefix = "new-"+string(typ), flowlog.Bidirectional, flowlog.All, "other", "p"
		got, err := r.Replace(ctx, old, next)
		if err != nil {
			t.Fatalf("replace %s: %v", typ, err)
		}
		if diff := sameSettings(got, next); diff != "" {
			t.Errorf("replace %s: %s", typ, diff)
		}
		if got.ID == old.ID || uuid.Validate(got.ID) != nil {
			t.Errorf("replace %s: id %q; want a new uuid", typ, got.ID)
		}
		if _, err := r.Get(ctx, old.ID); !errors.Is(err, flowlog.ErrNotFound) {
			t.Errorf("get the replaced %s: err = %v; want flowlog.ErrNotFound", typ, err)
		}
		list, err := r.List(ctx, flowlog.ListFilter{Type: typ})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(list, []flowlog.FlowLog{got}) {
			t.Errorf("list %s after replace: %+v; want only %+v", typ, list, got)
		}
		if err := r.Delete(ctx, got); err != nil {
			t.Fatal(err)
		}
	}
}

// testReplaceRefused: a replace whose new settings the rules refuse leaves
// the resource with its old settings (the Cloud API may give them a new id).
func testReplaceRefused(t *testing.T, r flowlog.Registry) {
	ctx := context.Background()
	dc := id()
	old := create(t, r, newFlowLog(flowlog.NIC, dc, "web", "logs/a"))
	other := create(t, r, newFlowLog(flowlog.NLB, dc, "lb", "logs/b"))
	next := old
	next.Prefix, next.Name = "b", "lb" // other writes there
	_, err := r.Replace(ctx, old, next)
	if !errors.Is(err, flowlog.ErrRefused) {
		t.Fatalf("replace onto another flow log's objects: err = %v; want flowlog.ErrRefused", err)
	}
	var lost *flowlog.ReplaceError
	if errors.As(err, &lost) {
		t.Fatalf("replace lost the old settings: %v", err)
	}
	list, err := r.List(ctx, flowlog.ListFilter{Type: flowlog.NIC})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("NIC flow logs after a refused replace: %v; want the old one", names(list))
	}
	if diff := sameSettings(list[0], old); diff != "" {
		t.Errorf("after a refused replace: %s", diff)
	}
	if got, err := r.Get(ctx, other.ID); err != nil || got != other {
		t.Errorf("the other flow log after a refused replace: %+v, %v", got, err)
	}
}

func testInvalid(t *testing.T, r flowlog.Registry) {
	ctx := context.Background()
	for _, bad := range []func(*flowlog.FlowLog){
		func(f *flowlog.FlowLog) { f.Direction = "sideways" },
		func(f *flowlog.FlowLog) { f.Action = "accepted" }, // the stored spelling is upper case
		func(f *flowlog.FlowLog) { f.Bucket = "No_Such_Bucket" },
		func(f *flowlog.FlowLog) { f.Name = "a/b" },
		func(f *flowlog.FlowLog) { f.ResourceID = "not-a-uuid" },
	} {
		fl := newFlowLog(flowlog.NIC, id(), "web", "logs")
		bad(&fl)
		_, err := r.Create(ctx, fl)
		var ve *flowlog.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("create %+v: err = %v; want *flowlog.ValidationError", fl, err)
		}
	}
	list, err := r.List(ctx, flowlog.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 0 {
		t.Errorf("invalid creates stored %v", names(list))
	}
}

// testConcurrentCreates: of 8 creates racing on one NIC, one wins.
func testConcurrentCreates(t *testing.T, r flowlog.Registry) {
	base := newFlowLog(flowlog.NIC, id(), "", "logs")
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fl := base
			fl.Name = fmt.Sprintf("racer-%d", i)
			_, errs[i] = r.Create(context.Background(), fl)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, flowlog.ErrRefused):
			t.Errorf("a losing create: err = %v; want flowlog.ErrRefused", err)
		}
	}
	if won != 1 {
		t.Errorf("%d creates succeeded; want 1", won)
	}
}
