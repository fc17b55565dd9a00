// Package cli owns flowlog's command tree: parsing flags and settings,
// calling the domain packages, printing results, and mapping errors to the
// documented exit codes. Each verb lives in its own file.
package cli

import (
	"context"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/bucket"
	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	configcmd "github.com/flowlog/flowlog/internal/cli/config"
	"github.com/flowlog/flowlog/internal/cli/create"
	"github.com/flowlog/flowlog/internal/cli/delete"
	"github.com/flowlog/flowlog/internal/cli/diff"
	"github.com/flowlog/flowlog/internal/cli/export"
	"github.com/flowlog/flowlog/internal/cli/fetch"
	"github.com/flowlog/flowlog/internal/cli/get"
	"github.com/flowlog/flowlog/internal/cli/inplace"
	"github.com/flowlog/flowlog/internal/cli/list"
	"github.com/flowlog/flowlog/internal/cli/prune"
	"github.com/flowlog/flowlog/internal/cli/query"
	"github.com/flowlog/flowlog/internal/cli/replace"
	reportcmd "github.com/flowlog/flowlog/internal/cli/report"
	"github.com/flowlog/flowlog/internal/cli/retention"
	"github.com/flowlog/flowlog/internal/cli/scans"
	servecmd "github.com/flowlog/flowlog/internal/cli/serve"
	"github.com/flowlog/flowlog/internal/cli/simulate"
	"github.com/flowlog/flowlog/internal/cli/version"
	"github.com/flowlog/flowlog/internal/config"
	"github.com/flowlog/flowlog/internal/iostreams"
)

// BuildInfo is set at link time by the release build.
type BuildInfo = version.Build

// Execute runs flowlog with args and returns the exit code.
func Execute(build BuildInfo, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := &cmdutil.Factory{IO: iostreams.System(), Now: time.Now}
	return Run(ctx, f, build, args)
}

// Run executes the command tree with a given Factory; tests call it
// in-process.
func Run(ctx context.Context, f *cmdutil.Factory, build BuildInfo, args []string) int {
	root := NewRootCmd(f, build)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	err := root.ExecuteContext(ctx)
	if err != nil && strings.HasPrefix(err.Error(), "unknown command") {
		// cobra reports an unknown verb as a plain error; it is a usage error.
		err = &cmdutil.UserError{Err: err, Code: cmdutil.ExitUsage, Advice: "see 'flowlog --help'"}
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		cmdutil.PrintError(f.IO.ErrOut, err)
	}
	return cmdutil.ExitCode(err)
}

// NewRootCmd builds the whole command tree.
func NewRootCmd(f *cmdutil.Factory, build BuildInfo) *cobra.Command {
	root := &cobra.Command{
		Use:   "flowlog",
		Short: "Manage and query cloud flow logs",
		Long: `flowlog manages flow log configurations for NICs, NAT gateways, network
load balancers and application load balancers, and answers questions from the
flow log records they write.

Configurations live in an embedded database that enforces the service's rules:
one flow log per resource, no change after creation. With --api-url,
IONOS_API_URL or a profile's 'backend: cloudapi' they live in the IONOS Cloud
API instead (see 'flowlog help configuration').`,
		Example: `  flowlog create --nic 7ffd6527-ce80-4e57-a949-f9a45824ebe2 --direction ingress --bucket my-logs/web
  flowlog list
  flowlog query --action REJECT`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       build.Version,
	}
	root.SetVersionTemplate("flowlog " + build.Version + " (commit " + build.Commit + ", built " + build.Date + ")\n")

	pf := root.PersistentFlags()
	pf.String("db", "", "configuration database `PATH` (default $XDG_DATA_HOME/flowlog/flowlog.db; env FLOWLOG_DB)")
	pf.String("config", "", "config `FILE` (default $XDG_CONFIG_HOME/flowlog/config.yaml; env FLOWLOG_CONFIG)")
	pf.StringP("output", "o", "", "output `FORMAT`: table, json, ndjson, csv; query also raw (env FLOWLOG_OUTPUT)")
	pf.String("profile", "", "object storage `PROFILE` from the config file (env FLOWLOG_PROFILE)")
	pf.String("endpoint", "", "S3 endpoint `URL` (env FLOWLOG_ENDPOINT)")
	pf.String("region", "", "signing `REGION`, or an IONOS region key: de, eu-central-2, eu-south-2 (env FLOWLOG_REGION)")
	pf.Bool("debug", false, "log each object storage request (method, URL, status, time; never credentials) and each retry, with its reason, to stderr")
	pf.String("read-timeout", "", "give up on an object storage response, or a download, after no data for `DURATION`, and retry (default 30s; env FLOWLOG_READ_TIMEOUT)")
	pf.String("api-url", "", "keep flow log configurations in the Cloud API at `URL`, not the embedded database (env IONOS_API_URL; see 'flowlog help configuration')")
	pf.Bool("path-style", false, "path-style bucket addressing (automatic for IP and localhost endpoints; env FLOWLOG_PATH_STYLE)")

	cmdutil.RegisterEnumCompletion(root, "region", "de", "eu-central-2", "eu-south-2")
	err := root.RegisterFlagCompletionFunc("output", func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		formats := []string{"table", "json", "ndjson", "csv"}
		if cmd.Name() == "query" {
			formats = append(formats, "raw")
		}
		return formats, cobra.ShellCompDirectiveNoFileComp
	})
	if err != nil {
		panic(err)
	}

	var once sync.Once
	var cfg *config.Settings
	var cfgErr error
	f.Settings = func() (*config.Settings, error) {
		once.Do(func() { cfg, cfgErr = config.Load(setFlags(root.PersistentFlags()), os.LookupEnv) })
		return cfg, cfgErr
	}

	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &cmdutil.UserError{Err: err, Code: cmdutil.ExitUsage, Advice: "see '" + cmd.CommandPath() + " --help'"}
	})

	root.AddGroup(
		&cobra.Group{ID: "config", Title: "Flow log configurations:"},
		&cobra.Group{ID: "records", Title: "Flow log records:"},
	)
	for _, cmd := range []*cobra.Command{
		create.NewCmdCreate(f, nil),
		list.NewCmdList(f, nil),
		get.NewCmdGet(f, nil),
		delete.NewCmdDelete(f, nil),
		replace.NewCmdReplace(f, nil),
		servecmd.NewCmdServe(f, nil),
	} {
		cmd.GroupID = "config"
		root.AddCommand(cmd)
	}
	for _, cmd := range []*cobra.Command{
		query.NewCmdQuery(f, nil),
		reportcmd.NewCmdReport(f, build.Version, nil),
		scans.NewCmdScans(f, nil),
		diff.NewCmdDiff(f, nil),
		simulate.NewCmdSimulate(f, nil),
		fetch.NewCmdFetch(f, nil),
		export.NewCmdExport(f, nil),
		prune.NewCmdPrune(f, nil),
		retention.NewCmdRetention(f),
		bucket.NewCmdBucket(f),
	} {
		cmd.GroupID = "records"
		root.AddCommand(cmd)
	}
	root.AddCommand(inplace.NewCmds()...)
	root.AddCommand(version.NewCmdVersion(f, build), configcmd.NewCmdConfig(f))
	root.AddCommand(helpTopics()...)
	return root
}
