// Package simulate is 'flowlog simulate': write realistic flow log objects
// into a bucket or a folder, as the service would.
package simulate

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/simulate"
	"github.com/flowlog/flowlog/internal/timespec"
)

// Options are the parsed flags of 'flowlog simulate'.
type Options struct {
	Factory *cmdutil.Factory

	Out              string
	Bucket           string
	FlowLog          string
	InterfaceID      string
	Name, Prefix     string
	Direction        string
	Action           string
	From             string
	Duration         time.Duration
	RecordsPerObject int
	Traffic          string
	Seed             int64
}

// NewCmdSimulate builds the command; runF, when not nil, runs instead of
// simulateRun.
func NewCmdSimulate(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "simulate (--out DIR | --bucket BUCKET[/PREFIX] | --flowlog NAME) [--interface ID --name NAME --prefix P] [flags]",
		Short: "Write realistic flow log objects, as the service would",
		Long: `Write flow log objects exactly as the service writes them: one gzip object per
10-minute window with traffic, named [PREFIX/]NAME-<unix seconds>.log.gz,
holding version-2 records with a realistic mix of traffic (IPv4 and IPv6, TCP,
UDP and ICMP, well-known ports, heavy-tailed sizes, a few top talkers, rejects
aimed at admin ports, the odd NODATA and SKIPDATA line).

--traffic internet writes what an interface facing the internet sees instead:
scanners sweeping its ports, clients from everywhere, IPv6 peers with random
interface identifiers; a day of 3 million records holds over a million distinct
source addresses, and most rejects are scanners' probes.

With --flowlog, the name, prefix, interface, direction and action come from a
configured flow log, and the objects go to its bucket and prefix unless --out
names a folder (with no object storage configured, the bucket is a folder
under the storage root). --bucket writes to a bucket, --out to a local folder laid out like
one. The same --seed writes byte-identical objects.`,
		Example: `  flowlog simulate --flowlog web-ingress --duration 24h
  flowlog simulate --out ./logs --name web --duration 6h
  flowlog simulate --out ./bucket --flowlog web-ingress --from 2026-11-24 --duration 24h --seed 7
  flowlog simulate --out ./edge --name edge --duration 24h --records-per-object 20000 --traffic internet`,
		Args: cmdutil.ArgsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return simulateRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Out, "out", "", "write the objects into folder `DIR` (keys become paths under it)")
	fl.StringVar(&opts.Bucket, "bucket", "", "write the objects to `BUCKET[/PREFIX]`")
	fl.StringVar(&opts.FlowLog, "flowlog", "", "simulate the configured flow log `NAME|ID`")
	fl.StringVar(&opts.InterfaceID, "interface", "", "interface `ID` written in the records (default derived from the seed)")
	fl.StringVar(&opts.Name, "name", "flowlog", "flow log `NAME`: the first part of every object name")
	fl.StringVar(&opts.Prefix, "prefix", "", "object key `PREFIX` (one segment)")
	fl.StringVar(&opts.Direction, "direction", "bidirectional", "`DIRECTION` of the traffic to write: ingress, egress or bidirectional")
	fl.StringVar(&opts.Action, "action", "all", "`ACTION` filter of the records to write: accepted, rejected or all")
	fl.StringVar(&opts.From, "from", "", "start of the period, a `TIME`: RFC 3339, unix seconds or a duration back (default: --duration before now)")
	fl.DurationVar(&opts.Duration, "duration", time.Hour, "length of the period, a `DURATION` such as 6h")
	fl.Lookup("duration").DefValue = "1h" // as written, not time.Duration's 1h0m0s
	fl.IntVar(&opts.RecordsPerObject, "records-per-object", simulate.DefaultRecordsPerObject, "`N` records in a full 10-minute object, varied by up to 10%")
	fl.StringVar(&opts.Traffic, "traffic", string(simulate.TrafficDefault), "`SHAPE` of the traffic: default (a server with a few hundred busy peers) or internet (scanners and clients from everywhere)")
	fl.Int64Var(&opts.Seed, "seed", 1, "random `SEED`; the same seed writes the same objects")
	cmd.MarkFlagDirname("out")
	cmd.MarkFlagsMutuallyExclusive("out", "bucket")
	cmd.MarkFlagsMutuallyExclusive("flowlog", "bucket")
	cmd.MarkFlagsMutuallyExclusive("flowlog", "interface")
	cmd.MarkFlagsMutuallyExclusive("flowlog", "name")
	cmd.MarkFlagsMutuallyExclusive("flowlog", "prefix")
	cmd.MarkFlagsMutuallyExclusive("flowlog", "direction")
	cmd.MarkFlagsMutuallyExclusive("flowlog", "action")
	cmd.RegisterFlagCompletionFunc("flowlog", cmdutil.CompleteFlowLogs(f))
	cmdutil.RegisterEnumCompletion(cmd, "direction", "ingress", "egress", "bidirectional")
	cmdutil.RegisterEnumCompletion(cmd, "action", "accepted", "rejected", "all")
	cmdutil.RegisterEnumCompletion(cmd, "traffic", string(simulate.TrafficDefault), string(simulate.TrafficInternet))
	return cmd
}

func simulateRun(ctx context.Context, opts *Options) error {
	f := opts.Factory
	if opts.Out == "" && opts.Bucket == "" && opts.FlowLog == "" {
		return cmdutil.UsageErrorf("say where to write: --out DIR, --bucket BUCKET[/PREFIX] or --flowlog NAME")
	}
	if opts.Duration <= 0 {
		return cmdutil.UsageErrorf("--duration must be positive")
	}
	if opts.RecordsPerObject < 1 || opts.RecordsPerObject > simulate.MaxRecordsPerObject {
		return cmdutil.UsageErrorf("--records-per-object must be 1 to %d", simulate.MaxRecordsPerObject)
	}
	cfg := simulate.Config{
		Duration:         opts.Duration,
		RecordsPerObject: opts.RecordsPerObject,
		Traffic:          simulate.Traffic(strings.ToLower(opts.Traffic)),
		Seed:             opts.Seed,
	}
	var err error
	var bucket string
	if opts.FlowLog != "" {
		reg, err := f.Registry(ctx, cmdutil.RegistryOptions{})
		if err != nil {
			return err
		}
		fl, err := reg.Get(ctx, opts.FlowLog)
		if err != nil {
			return err
		}
		cfg.Name, cfg.Prefix, cfg.InterfaceID = fl.Name, fl.Prefix, fl.ResourceID
		cfg.Direction, cfg.Action = fl.Direction, fl.Action
		bucket = fl.Bucket
	} else {
		if err := flowlog.ValidateName(opts.Name); err != nil {
			return err
		}
		if opts.Prefix != "" {
			if err := flowlog.ValidatePrefix(opts.Prefix); err != nil {
				return err
			}
			cfg.Prefix = opts.Prefix
		}
		if opts.Bucket != "" {
			var prefix string
			if bucket, prefix, err = flowlog.ParseTarget(opts.Bucket); err != nil {
				return err
			}
			if prefix != "" && opts.Prefix != "" && prefix != opts.Prefix {
				return cmdutil.UsageErrorf("--bucket %s and --prefix %s name different prefixes", opts.Bucket, opts.Prefix)
			}
			if prefix != "" {
				cfg.Prefix = prefix
			}
		}
		cfg.Name, cfg.InterfaceID = opts.Name, opts.InterfaceID
		if cfg.Direction, err = flowlog.ParseDirection(opts.Direction); err != nil {
			return err
		}
		if cfg.Action, err = flowlog.ParseAction(opts.Action); err != nil {
			return err
		}
	}
	now := f.Now()
	cfg.From = now.Add(-opts.Duration)
	if opts.From != "" {
		if cfg.From, err = timespec.Parse(opts.From, now); err != nil {
			return cmdutil.UsageErrorf("--from: %v", err)
		}
	}

	var store objstore.Store
	where := opts.Out
	if opts.Out != "" {
		if err := os.MkdirAll(opts.Out, 0o755); err != nil {
			return fmt.Errorf("--out %s: %w", opts.Out, err)
		}
		if store, err = local.New(opts.Out); err != nil {
			return err
		}
	} else {
		if store, err = f.Store(ctx, bucket); err != nil {
			return err
		}
		where = cmdutil.BucketWhere(store, bucket)
	}
	sum, err := simulate.Run(ctx, cfg, store)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "wrote %d objects, %s records, %s to %s",
		sum.Objects, output.Thousands(int64(sum.Records)), output.BinarySizeText(uint64(sum.Bytes)), where)
	if sum.Objects > 0 {
		fmt.Fprintf(f.IO.ErrOut, " (%s to %s)", sum.First.Format(time.RFC3339), sum.Last.Format(time.RFC3339))
	}
	fmt.Fprintln(f.IO.ErrOut)
	return nil
}
