package retention

import (
	"context"
	"errors"
	"fmt"

	"github.com/flowlog/flowlog/internal/flowlog"
)

// LifecycleStore is a bucket's lifecycle configuration, as s3store.Store
// keeps it: every write keeps the rules it does not name as they were read.
type LifecycleStore interface {
	// Lifecycle returns the bucket's rules in their order; none if it has
	// no lifecycle configuration.
	Lifecycle(ctx context.Context) ([]Rule, error)
	// PutLifecycleRule adds the rule, or replaces the rule with its ID.
	PutLifecycleRule(ctx context.Context, rule Rule) error
	// DeleteLifecycleRule removes the rule with the ID, and the whole
	// configuration when no rule is left.
	DeleteLifecycleRule(ctx context.Context, id string) (found bool, err error)
}

// NoLifecycleError is the answer for objects in a store without lifecycle
// rules, such as a local folder.
type NoLifecycleError struct {
	Store string // the store, as it names itself
}

func (e *NoLifecycleError) Error() string {
	return e.Store + ": lifecycle rules need object storage"
}

// Hint says what to do instead.
func (e *NoLifecycleError) Hint() string {
	return "delete old objects with 'flowlog prune " + e.Store + " --older-than AGE'"
}

// lifecycleOf is the lifecycle of the store o lies in.
func lifecycleOf(o flowlog.Objects) (LifecycleStore, error) {
	if ls, ok := o.Store.(LifecycleStore); ok {
		return ls, nil
	}
	name := "the store"
	if o.Store != nil {
		name = o.Store.String()
	}
	return nil, &NoLifecycleError{Store: name}
}

// SetPlan is flowlog's rule for some objects, about to be set.
type SetPlan struct {
	Objects flowlog.Objects
	// Rule is the rule to write.
	Rule Rule
	// Old is flowlog's earlier rule for the same objects, which Rule
	// replaces; nil if there was none.
	Old *Rule
	// Others is every other rule of the bucket, kept as it is.
	Others []Rule
	// Overlapping are the other rules that expire some of the same objects.
	Overlapping []Rule
	// AlsoCovers are the other configured flow logs whose objects Rule
	// expires too, their keys starting the same way.
	AlsoCovers []flowlog.FlowLog

	store LifecycleStore
}

// PlanSet works out the rule that expires the objects days after they were
// written, beside the bucket's current rules. configured are the flow logs
// configured to write into the bucket; only a flow log's objects (Name
// set) need them, so they may be nil for a folder.
func PlanSet(ctx context.Context, o flowlog.Objects, days int, configured []flowlog.FlowLog) (*SetPlan, error) {
	store, err := lifecycleOf(o)
	if err != nil {
		return nil, err
	}
	rules, err := store.Lifecycle(ctx)
	if err != nil {
		return nil, err
	}
	keyPrefix := o.KeyPrefix()
	p := &SetPlan{
		Objects: o,
		Rule:    Rule{ID: RuleID(keyPrefix), Prefix: keyPrefix, Enabled: true, ExpireDays: days},
		store:   store,
	}
	if old, ok := findOwn(rules, keyPrefix); ok {
		p.Old = &old
		p.Rule.ID = old.ID
	}
	for _, r := range rules {
		if r.ID == p.Rule.ID {
			continue
		}
		p.Others = append(p.Others, r)
		if Expires(r) && Touches(r, o) {
			p.Overlapping = append(p.Overlapping, r)
		}
	}
	if o.Name != "" {
		for _, fl := range under(o, configured) {
			if fl.Name != o.Name || fl.Prefix != o.Prefix {
				p.AlsoCovers = append(p.AlsoCovers, fl)
			}
		}
	}
	return p, nil
}

// Unchanged reports whether the bucket already has the rule, enabled.
func (p *SetPlan) Unchanged() bool {
	return p.Old != nil && p.Old.Enabled && p.Old.ExpireDays == p.Rule.ExpireDays && p.Old.ExpireDate.IsZero()
}

// Apply writes the rule.
func (p *SetPlan) Apply(ctx context.Context) error {
	return p.store.PutLifecycleRule(ctx, p.Rule)
}

// ErrNoRule means the bucket has no flowlog rule for the objects.
var ErrNoRule = errors.New("no flowlog rule for these objects")

// ClearPlan is flowlog's rule for some objects, about to be removed.
type ClearPlan struct {
	Objects flowlog.Objects
	// Rule is the rule to remove.
	Rule Rule
	// Others is every other rule of the bucket, kept as it is; with none,
	// the lifecycle configuration goes.
	Others []Rule
	// Still are the other rules that go on expiring some of the objects.
	Still []Rule

	store LifecycleStore
}

// PlanClear finds flowlog's rule for the objects, or returns an error
// wrapping ErrNoRule.
func PlanClear(ctx context.Context, o flowlog.Objects) (*ClearPlan, error) {
	store, err := lifecycleOf(o)
	if err != nil {
		return nil, err
	}
	rules, err := store.Lifecycle(ctx)
	if err != nil {
		return nil, err
	}
	own, ok := findOwn(rules, o.KeyPrefix())
	if !ok {
		return nil, fmt.Errorf("%s: %w", o, ErrNoRule)
	}
	p := &ClearPlan{Objects: o, Rule: own, store: store}
	for _, r := range rules {
		if r.ID == own.ID {
			continue
		}
		p.Others = append(p.Others, r)
		if Expires(r) && Touches(r, o) {
			p.Still = append(p.Still, r)
		}
	}
	return p, nil
}

// Apply removes the rule.
func (p *ClearPlan) Apply(ctx context.Context) error {
	_, err := p.store.DeleteLifecycleRule(ctx, p.Rule.ID)
	return err
}

// Survey is what a bucket's lifecycle does to some of its objects.
type Survey struct {
	// Rules are the rules that touch any of the objects, in the bucket's
	// order.
	Rules []SurveyedRule
	// FlowLogs are the flow logs among the objects: each one named, and
	// the configured ones in each folder.
	FlowLogs []flowlog.Objects
	// Unexpired are the flow logs no enabled rule expires all of: their
	// objects are kept until deleted.
	Unexpired []flowlog.Objects
}

// SurveyedRule is a rule and the flow logs it touches.
type SurveyedRule struct {
	Rule
	FlowLogs []string // names, in the order of Survey.FlowLogs
}

// Examine reads the lifecycle of the bucket that targets all lie in, and
// finds which rules apply to them. configured are the flow logs configured
// to write into the bucket; only targets that are folders need them.
func Examine(ctx context.Context, targets []flowlog.Objects, configured []flowlog.FlowLog) (*Survey, error) {
	if len(targets) == 0 {
		return &Survey{}, nil
	}
	store, err := lifecycleOf(targets[0])
	if err != nil {
		return nil, err
	}
	rules, err := store.Lifecycle(ctx)
	if err != nil {
		return nil, err
	}
	s := &Survey{}
	for _, t := range targets {
		s.FlowLogs = append(s.FlowLogs, within(t, configured)...)
	}
	for _, r := range rules {
		touched := false
		for _, t := range targets {
			touched = touched || Touches(r, t)
		}
		if !touched {
			continue
		}
		sr := SurveyedRule{Rule: r}
		for _, fl := range s.FlowLogs {
			if Touches(r, fl) {
				sr.FlowLogs = append(sr.FlowLogs, fl.Name)
			}
		}
		s.Rules = append(s.Rules, sr)
	}
	for _, fl := range s.FlowLogs {
		if _, ok := Expiring(rules, fl); !ok {
			s.Unexpired = append(s.Unexpired, fl)
		}
	}
	return s, nil
}
