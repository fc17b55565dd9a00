package cli

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/objstore/s3store"
	"github.com/flowlog/flowlog/internal/output"
)

func newConfigCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show flowlog's settings",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "show",
		Short: "Show the settings in effect and where credentials come from",
		Long: `Show the settings in effect after flags, FLOWLOG_* variables, the config file
and its profile are applied. Credentials are named by where they come from,
with the access key masked; secret keys are never printed.`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := f.Config()
			if err != nil {
				return err
			}
			format, err := f.outputFormat(output.Table, output.Formats...)
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
				{"path_style", map[bool]string{true: "true", false: "false"}[cfg.PathStyle]},
				{"aws_profile", cfg.AWSProfile},
				{"credentials", describeCredentials()},
			}
			for _, r := range rows {
				if err := w.Write([]output.Value{output.Str(r[0]), optional(r[1])}); err != nil {
					return err
				}
			}
			return w.Close()
		},
	})
	return cmd
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
