// Package show is 'flowlog config show': the settings in effect.
package show

import (
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/config"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
	"github.com/flowlog/flowlog/internal/output"
)

// Options are what 'flowlog config show' needs; it has no flags of its own.
type Options struct {
	Factory *cmdutil.Factory
}

// NewCmdShow builds the command; runF, when not nil, runs instead of
// showRun.
func NewCmdShow(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	return &cobra.Command{
		Use:   "show",
		Short: "Show the settings in effect and where credentials come from",
		Long: `Show the settings in effect after flags, FLOWLOG_* variables, the config file
and its profile are applied. The storage row says where buckets are: in
object storage (an endpoint, region or profile is configured), or folders
under the storage root on this machine. The backend row says where flow log
configurations live: the embedded engine, or the Cloud API. Credentials are
named by where they come from, with the access key masked; secret keys,
tokens and passwords are never printed.`,
		Args: cmdutil.ArgsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
}

func showRun(opts *Options) error {
	f := opts.Factory
	cfg, err := f.Settings()
	if err != nil {
		return err
	}
	format, err := cmdutil.OutputFormat(f, output.Table, output.Formats...)
	if err != nil {
		return err
	}
	w, err := output.NewWriter(format, f.IO.Out, []string{"setting", "value"}, output.Options{})
	if err != nil {
		return err
	}
	rows := [][2]string{
		{"db", cfg.DBPath},
		{"config_file", cfg.ConfigFile},
		{"output", cfg.Output},
		{"profile", cfg.Profile},
		{"endpoint", cfg.Endpoint},
		{"region", cfg.Region},
		{"path_style", strconv.FormatBool(cfg.PathStyle)},
		{"aws_profile", cfg.AWSProfile},
		{"storage", cmdutil.DescribeStorage(cfg)},
		{"credentials", describeCredentials()},
		{"backend", describeBackend(cfg)},
		{"api_credentials", cfg.CredentialsFrom},
	}
	for _, r := range rows {
		if err := w.Write([]output.Value{output.Str(r[0]), cmdutil.Optional(r[1])}); err != nil {
			return err
		}
	}
	return w.Close()
}

// describeBackend says where flow log configurations live.
func describeBackend(cfg *config.Settings) string {
	if url, ok := cfg.CloudAPI(); ok {
		return "Cloud API at " + url
	}
	return "embedded engine, " + cfg.DBPath
}

// describeCredentials says where the S3 credentials will come from, with
// the access key masked; the secret is never read into the output.
func describeCredentials() string {
	for _, pair := range [][2]string{
		{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"},
		{"IONOS_S3_ACCESS_KEY", "IONOS_S3_SECRET_KEY"},
	} {
		if id := os.Getenv(pair[0]); id != "" {
			state := "secret set"
			if os.Getenv(pair[1]) == "" {
				state = "secret missing: set " + pair[1]
			}
			return "environment " + pair[0] + "=" + s3store.MaskAccessKey(id) + " (" + state + ")"
		}
	}
	if p := os.Getenv("AWS_PROFILE"); p != "" {
		return "AWS shared config, profile " + p
	}
	return "AWS shared config and credentials files, if any"
}
