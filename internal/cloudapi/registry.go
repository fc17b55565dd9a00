package cloudapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flowlog/flowlog/internal/flowlog"
)

// List walks the data centers (only filter.DatacenterID's, when set) and
// returns the flow logs that match filter, oldest first.
func (r *Registry) List(ctx context.Context, filter flowlog.ListFilter) ([]flowlog.FlowLog, error) {
	var types []flowlog.ResourceType
	if filter.Type != "" {
		types = append(types, filter.Type)
	}
	found, err := r.walk(ctx, filter.DatacenterID, types...)
	if err != nil {
		return nil, err
	}
	out := []flowlog.FlowLog{}
	for _, fl := range found.logs {
		if filter.Matches(fl) {
			out = append(out, fl)
		}
	}
	sortFlowLogs(out)
	return out, nil
}

// sortFlowLogs puts flow logs in the order every Registry lists them.
func sortFlowLogs(logs []flowlog.FlowLog) {
	slices.SortFunc(logs, func(a, b flowlog.FlowLog) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
}

// Get finds a flow log by ID, else by name, in every data center. The API
// has no search by flow log ID, so this walks as List does.
func (r *Registry) Get(ctx context.Context, ref string) (flowlog.FlowLog, error) {
	logs, err := r.List(ctx, flowlog.ListFilter{})
	if err != nil {
		return flowlog.FlowLog{}, err
	}
	return flowlog.FindRef(logs, ref)
}

// Create finds where the resource is when f does not say (its data center,
// and a NIC's server), posts the flow log and waits for the request. The
// flow log returned is read back once the request is done, so its state is
// the API's; with NoWait it is what the API answered to the post.
func (r *Registry) Create(ctx context.Context, f flowlog.FlowLog) (flowlog.FlowLog, error) {
	f.ResourceID = strings.ToLower(f.ResourceID)
	f.DatacenterID = strings.ToLower(f.DatacenterID)
	f.ServerID = strings.ToLower(f.ServerID)
	if f.Name == "" {
		f.Name = flowlog.DefaultName(f.ResourceType, f.ResourceID)
	}
	f.ID, f.State = "", ""
	if err := f.Validate(); err != nil {
		return flowlog.FlowLog{}, err
	}
	k, ok := kinds[f.ResourceType]
	if !ok {
		return flowlog.FlowLog{}, fmt.Errorf("the Cloud API has no flow logs for %s", f.ResourceType)
	}
	l, err := r.locate(ctx, f)
	if err != nil {
		return flowlog.FlowLog{}, err
	}
	return r.create(ctx, k, l, f)
}

func (r *Registry) create(ctx context.Context, k kind, l location, f flowlog.FlowLog) (flowlog.FlowLog, error) {
	op := fmt.Sprintf("create flow log %s for %s %s", f.Name, k.noun, l.resourceID)
	posted, resp, err := k.post(ctx, r.api, l, toAPI(f))
	if err != nil {
		return flowlog.FlowLog{}, r.fail(op, resp, err)
	}
	created := fromAPI(posted, l)
	if created.ID == "" {
		return flowlog.FlowLog{}, &Error{Op: op, err: errors.New("the Cloud API's answer has no id")}
	}
	if err := r.wait(ctx, op, resp, false); err != nil {
		return created, err
	}
	if r.cfg.NoWait {
		return created, nil
	}
	got, _, err := k.find(ctx, r.api, l, created.ID)
	if err != nil {
		// The flow log is created: a failed read-back must not make a
		// script think otherwise (and try again, into a 422).
		return created, nil
	}
	return fromAPI(got, l), nil
}

// locate completes the location of f's resource: as given, or found by
// walking the data centers (only f.DatacenterID's, when set).
func (r *Registry) locate(ctx context.Context, f flowlog.FlowLog) (location, error) {
	l := location{typ: f.ResourceType, datacenterID: f.DatacenterID, serverID: f.ServerID, resourceID: f.ResourceID}
	if l.datacenterID != "" && (l.typ != flowlog.NIC || l.serverID != "") {
		return l, nil
	}
	found, err := r.walk(ctx, f.DatacenterID, f.ResourceType)
	if err != nil {
		return l, err
	}
	for _, res := range found.resources {
		if strings.EqualFold(res.resourceID, f.ResourceID) {
			return res, nil
		}
	}
	where := "in any data center these credentials can see"
	if f.DatacenterID != "" {
		where = "in data center " + f.DatacenterID
	}
	return l, &Error{
		Op:   fmt.Sprintf("find %s %s", kinds[f.ResourceType].noun, f.ResourceID),
		err:  fmt.Errorf("not %s: %w", where, flowlog.ErrNotFound),
		hint: "check the id, or name the data center (and a NIC's server) with --datacenter-id and --server-id",
	}
}

// Delete deletes the flow logs one after the other, each waited for, and
// stops at the first failure.
func (r *Registry) Delete(ctx context.Context, logs ...flowlog.FlowLog) error {
	var done []string
	for _, fl := range logs {
		if err := r.delete(ctx, fl, false); err != nil {
			if len(done) > 0 {
				return fmt.Errorf("deleted %s only: %w", strings.Join(done, ", "), err)
			}
			return err
		}
		done = append(done, fl.Name)
	}
	return nil
}

func (r *Registry) delete(ctx context.Context, fl flowlog.FlowLog, mustWait bool) error {
	k, ok := kinds[fl.ResourceType]
	if !ok {
		return fmt.Errorf("the Cloud API has no flow logs for %s", fl.ResourceType)
	}
	l := location{typ: fl.ResourceType, datacenterID: fl.DatacenterID, serverID: fl.ServerID, resourceID: fl.ResourceID}
	op := fmt.Sprintf("delete flow log %s (%s)", fl.Name, fl.ID)
	resp, err := k.delete(ctx, r.api, l, fl.ID)
	if err != nil {
		return r.fail(op, resp, err)
	}
	return r.wait(ctx, op, resp, mustWait)
}

// Replace deletes old, waits until it is gone, and creates next. If the
// create fails, it creates old's settings again (with a new ID: the API
// gives every flow log its own) and returns the create's error, saying so;
// if that fails too, a *flowlog.ReplaceError.
func (r *Registry) Replace(ctx context.Context, old, next flowlog.FlowLog) (flowlog.FlowLog, error) {
	next.ResourceType, next.ResourceID = old.ResourceType, old.ResourceID
	next.DatacenterID, next.ServerID = old.DatacenterID, old.ServerID
	if err := next.Validate(); err != nil {
		return flowlog.FlowLog{}, err
	}
	k, ok := kinds[old.ResourceType]
	if !ok {
		return flowlog.FlowLog{}, fmt.Errorf("the Cloud API has no flow logs for %s", old.ResourceType)
	}
	if err := r.delete(ctx, old, true); err != nil {
		return flowlog.FlowLog{}, err
	}
	l := location{typ: old.ResourceType, datacenterID: old.DatacenterID, serverID: old.ServerID, resourceID: old.ResourceID}
	created, err := r.create(ctx, k, l, next)
	if err == nil {
		return created, nil
	}
	if ctx.Err() != nil {
		// Interrupted after the delete: the resource must not be left
		// without its flow log, so the restore gets a context of its own.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), restoreTimeout)
		defer cancel()
	}
	restored, rerr := r.create(ctx, k, l, old)
	if rerr != nil {
		return flowlog.FlowLog{}, &flowlog.ReplaceError{Old: old, Next: next, CreateErr: err, RestoreErr: rerr}
	}
	return flowlog.FlowLog{}, &RestoredError{Err: err, Restored: restored}
}

// restoreTimeout bounds a restore that runs after an interrupt.
const restoreTimeout = 2 * time.Minute

// RestoredError is a replace whose create failed, after which the old
// settings were created again.
type RestoredError struct {
	Err      error // why the new flow log was not created
	Restored flowlog.FlowLog
}

func (e *RestoredError) Error() string {
	return fmt.Sprintf("%v; the old settings are restored as flow log %s, new id %s", e.Err, e.Restored.Name, e.Restored.ID)
}

func (e *RestoredError) Unwrap() error { return e.Err }
