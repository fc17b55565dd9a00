package engine

import (
	"context"

	"github.com/flowlog/flowlog/internal/flowlog"
)

// Registry is the engine as a flowlog.Registry: Create, Get and List are
// the engine's own; Delete and Replace take the flow logs rather than
// their IDs.
func (e *Engine) Registry() flowlog.Registry { return registry{e} }

type registry struct{ *Engine }

// Delete deletes all of logs or, if any is gone, none.
func (r registry) Delete(ctx context.Context, logs ...flowlog.FlowLog) error {
	ids := make([]string, len(logs))
	for i, fl := range logs {
		ids[i] = fl.ID
	}
	return r.Engine.Delete(ctx, ids...)
}

// Replace deletes old and creates next in one transaction.
func (r registry) Replace(ctx context.Context, old, next flowlog.FlowLog) (flowlog.FlowLog, error) {
	return r.Engine.Replace(ctx, old.ID, next)
}
