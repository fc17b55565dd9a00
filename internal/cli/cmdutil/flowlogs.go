package cmdutil

import (
	"context"
	"errors"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/engine"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/output"
)

// flowLogKeys are the JSON and CSV keys of a flow log: a contract for shell
// pipelines, documented in docs/json-output.md.
var flowLogKeys = []string{
	"id", "name", "resource_type", "resource_id", "datacenter_id", "server_id",
	"direction", "action", "bucket", "prefix", "state", "created_at",
}

// flowLogTableColumns are the narrower columns a table shows.
var flowLogTableColumns = []string{"id", "name", "resource", "direction", "action", "bucket", "state", "created"}

func Optional(s string) output.Value {
	if s == "" {
		return output.Value{}
	}
	return output.Str(s)
}

func flowLogRow(f flowlog.FlowLog, format output.Format) []output.Value {
	if format == output.Table {
		return []output.Value{
			output.Str(f.ID),
			output.Str(f.Name),
			output.Str(string(f.ResourceType) + " " + f.ResourceID),
			output.Str(string(f.Direction)),
			output.Str(string(f.Action)),
			output.Str(f.Target()),
			output.Str(string(f.State)),
			output.TimeValue(f.CreatedAt),
		}
	}
	return []output.Value{
		output.Str(f.ID),
		output.Str(f.Name),
		output.Str(string(f.ResourceType)),
		output.Str(f.ResourceID),
		Optional(f.DatacenterID),
		Optional(f.ServerID),
		output.Str(string(f.Direction)),
		output.Str(string(f.Action)),
		output.Str(f.Bucket),
		Optional(f.Prefix),
		output.Str(string(f.State)),
		output.TimeValue(f.CreatedAt),
	}
}

// OutputFormat resolves -o, the one way every command chooses its format:
// the format asked for, if the command offers it; otherwise a table on a
// terminal and onPipe elsewhere (raw record lines for a query of records,
// so that '| awk' keeps working; a table for the rest).
func OutputFormat(f *Factory, onPipe output.Format, allowed ...output.Format) (output.Format, error) {
	cfg, err := f.Settings()
	if err != nil {
		return "", err
	}
	if cfg.Output == "" {
		if f.IO.IsStdoutTTY() {
			return output.Table, nil
		}
		return onPipe, nil
	}
	format, err := output.ParseFormat(cfg.Output, allowed...)
	if err != nil {
		return "", UsageErrorf("-o: %v", err)
	}
	return format, nil
}

// PrintFlowLogs prints flow logs in the chosen format. one makes JSON print a
// single object rather than an array (for get and create).
func PrintFlowLogs(f *Factory, logs []flowlog.FlowLog, one bool) error {
	format, err := OutputFormat(f, output.Table, output.Formats...)
	if err != nil {
		return err
	}
	columns := flowLogKeys
	if format == output.Table {
		columns = flowLogTableColumns
	}
	w, err := output.NewWriter(format, f.IO.Out, columns, output.Options{Object: one})
	if err != nil {
		return err
	}
	for _, fl := range logs {
		if err := w.Write(flowLogRow(fl, format)); err != nil {
			return err
		}
	}
	return w.Close()
}

// ResolveFlowLogs looks up every reference (id or name) before anything is
// changed, so a typo in the third argument deletes nothing. One listing
// serves every reference: against the Cloud API a listing walks every data
// center, or only datacenterID's when it is set (--datacenter-id).
func ResolveFlowLogs(ctx context.Context, reg flowlog.Registry, datacenterID string, refs []string) ([]flowlog.FlowLog, error) {
	if len(refs) == 1 && datacenterID == "" {
		fl, err := reg.Get(ctx, refs[0])
		if err != nil {
			return nil, err
		}
		return []flowlog.FlowLog{fl}, nil
	}
	if datacenterID != "" {
		if err := flowlog.ValidateResourceID("datacenter-id", datacenterID); err != nil {
			return nil, err
		}
	}
	all, err := reg.List(ctx, flowlog.ListFilter{DatacenterID: datacenterID})
	if err != nil {
		return nil, err
	}
	find := func(ref string) (flowlog.FlowLog, error) {
		fl, err := flowlog.FindRef(all, ref)
		var nf *flowlog.RefNotFoundError
		if errors.As(err, &nf) && datacenterID != "" {
			nf.Where = "in data center " + datacenterID
		}
		return fl, err
	}
	seen := map[string]bool{}
	var logs []flowlog.FlowLog
	for _, ref := range refs {
		fl, err := find(ref)
		if err != nil {
			return nil, err
		}
		if !seen[fl.ID] {
			seen[fl.ID] = true
			logs = append(logs, fl)
		}
	}
	return logs, nil
}

// CompleteFlowLogs offers the names and ids of configured flow logs. It
// never creates the database: pressing TAB must not leave a file behind.
// A command taking one flow log offers nothing after the first; one taking
// several leaves out those already named.
func CompleteFlowLogs(f *Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if cmd.Args != nil && cmd.Args(cmd, append(args, "x")) != nil && len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		cfg, err := f.Settings()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		if _, cloud := cfg.CloudAPI(); cloud {
			// Walking every data center is too slow for a TAB.
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		if _, err := os.Stat(cfg.DBPath); err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		e, err := f.Engine(cmd.Context())
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		logs, err := e.List(cmd.Context(), engine.ListFilter{})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		given := map[string]bool{}
		for _, a := range args {
			given[a] = true
		}
		var out []string
		for _, fl := range logs {
			if given[fl.Name] || given[fl.ID] {
				continue
			}
			out = append(out, fl.Name+"\t"+string(fl.ResourceType)+" "+fl.ResourceID, fl.ID+"\t"+fl.Name)
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteList completes the last item of a comma-separated list from
// values, keeping the items before it: "srcaddr,d" offers "srcaddr,dstaddr".
func CompleteList(values ...string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		done := ""
		if i := strings.LastIndexByte(toComplete, ','); i >= 0 {
			done = toComplete[:i+1]
		}
		out := make([]string, 0, len(values))
		for _, v := range values {
			out = append(out, done+v)
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}
