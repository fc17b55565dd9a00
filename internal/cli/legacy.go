package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/config"
	"github.com/flowlog/flowlog/internal/engine"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/prune"
	"github.com/flowlog/flowlog/internal/source"
)

// Factory lets the commands that still live in this package call the
// helpers of cmdutil as they did. TEMPORARY: it goes when the last of them
// moves into its folder.
type Factory struct{ *cmdutil.Factory }

type UserError = cmdutil.UserError

const (
	ExitOK       = cmdutil.ExitOK
	ExitError    = cmdutil.ExitError
	ExitUsage    = cmdutil.ExitUsage
	ExitNotFound = cmdutil.ExitNotFound
	ExitRule     = cmdutil.ExitRule
	ExitAuth     = cmdutil.ExitAuth
)

var (
	usageErrorf            = cmdutil.UsageErrorf
	withHint               = cmdutil.WithHint
	exitCode               = cmdutil.ExitCode
	storageHint            = cmdutil.StorageHint
	argsUsage              = cmdutil.ArgsUsage
	registerEnumCompletion = cmdutil.RegisterEnumCompletion
	optional               = cmdutil.Optional
	resolveFlowLogs        = cmdutil.ResolveFlowLogs
	parseWindow            = cmdutil.ParseWindow
)

func printHint(w io.Writer, hint string) { cmdutil.PrintHint(w, hint) }

func completeFlowLogs(f *Factory) cobra.CompletionFunc { return cmdutil.CompleteFlowLogs(f.Factory) }

func (f *Factory) Config() (*config.Settings, error) { return f.Settings() }

func (f *Factory) Store(ctx context.Context, bucket string) (*s3store.Store, error) {
	s, err := f.Factory.Store(ctx, bucket)
	if err != nil {
		return nil, err
	}
	s3, ok := s.(*s3store.Store)
	if !ok {
		return nil, fmt.Errorf("%s: not an S3 bucket", s)
	}
	return s3, nil
}

func (f *Factory) confirm(yes bool, question string) error {
	return cmdutil.Confirm(f.IO, yes, question)
}

func (f *Factory) outputFormat(onPipe output.Format, allowed ...output.Format) (output.Format, error) {
	return cmdutil.OutputFormat(f.Factory, onPipe, allowed...)
}

func (f *Factory) printFlowLogs(logs []flowlog.FlowLog, one bool) error {
	return cmdutil.PrintFlowLogs(f.Factory, logs, one)
}

type progress struct{ *cmdutil.Progress }

func (b progress) done(n int64) { b.Done(n) }
func (b progress) finish()      { b.Finish() }

func (f *Factory) newProgress(objects int, following bool) progress {
	return progress{cmdutil.NewProgress(f.IO, objects, following)}
}

type legacySources struct{ *cmdutil.Sources }

func (s legacySources) objectSets() []flowlog.Objects { return s.ObjectSets() }

func (f *Factory) resolveSources(ctx context.Context, args, flowLogs []string, rules cmdutil.SourceRules) (legacySources, error) {
	s, err := cmdutil.ResolveSources(ctx, f.Factory, args, flowLogs, rules)
	return legacySources{s}, err
}

type sourceRules = cmdutil.SourceRules

func (f *Factory) deletePlan(ctx context.Context, plan *prune.Plan, where string) ([]prune.Object, error) {
	return cmdutil.DeletePlan(ctx, f.Factory, plan, where)
}

var (
	_ = engine.ListFilter{}
	_ = source.Window{}
	_ = time.Time{}
)
