package cli

import (
	"fmt"
	"os"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/simulate"
)

type simulateOptions struct {
	out              string
	bucket           string
	flowLog          string
	interfaceID      string
	name, prefix     string
	direction        string
	action           string
	from             string
	duration         time.Duration
	recordsPerObject int
	seed             int64
}

func newSimulateCmd(f *Factory) *cobra.Command {
	opts := &simulateOptions{}
	cmd := &cobra.Command{
		Use:   "simulate (--out DIR | --bucket BUCKET[/PREFIX] | --flowlog NAME) [--interface ID --name NAME --prefix P] [flags]",
		Short: "Write realistic flow log objects, as the service would",
		Long: `Write flow log objects exactly as the service writes them: one gzip object per
10-minute window with traffic, named [PREFIX/]NAME-<unix seconds>.log.gz,
holding version-2 records with a realistic mix of traffic (IPv4 and IPv6, TCP,
UDP and ICMP, well-known ports, heavy-tailed sizes, a few top talkers, rejects
aimed at admin ports, the odd NODATA and SKIPDATA line).

With --flowlog, the name, prefix, interface, direction and action come from a
configured flow log, and the objects go to its bucket unless --out names a
folder. --bucket writes to a bucket, --out to a local folder laid out like
one. The same --seed writes byte-identical objects.`,
		Example: `  flowlog simulate --out ./logs --name web --duration 6h
  flowlog simulate --out ./bucket --flowlog web-ingress --from 2026-11-24 --duration 24h --seed 7`,
		GroupID: "records",
		Args:    argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return simulateRun(cmd, f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.out, "out", "", "write the objects into folder `DIR` (keys become paths under it)")
	fl.StringVar(&opts.bucket, "bucket", "", "write the objects to `BUCKET[/PREFIX]`")
	fl.StringVar(&opts.flowLog, "flowlog", "", "simulate the configured flow log `NAME|ID`")
	fl.StringVar(&opts.interfaceID, "interface", "", "interface `ID` written in the records (default derived from the seed)")
	fl.StringVar(&opts.name, "name", "flowlog", "flow log `NAME`: the first part of every object name")
	fl.StringVar(&opts.prefix, "prefix", "", "object key `PREFIX` (one segment)")
	fl.StringVar(&opts.direction, "direction", "bidirectional", "`DIRECTION` of the traffic to write: ingress, egress or bidirectional")
	fl.StringVar(&opts.action, "action", "all", "`ACTION` filter of the records to write: accepted, rejected or all")
	fl.StringVar(&opts.from, "from", "", "start of the period, a `TIME`: RFC 3339, unix seconds or a duration back (default: --duration before now)")
	fl.DurationVar(&opts.duration, "duration", time.Hour, "length of the period, a `DURATION` such as 6h")
	fl.Lookup("duration").DefValue = "1h" // as written, not time.Duration's 1h0m0s
	fl.IntVar(&opts.recordsPerObject, "records-per-object", simulate.DefaultRecordsPerObject, "`N` records in a full 10-minute object, varied by up to 10%")
	fl.Int64Var(&opts.seed, "seed", 1, "random `SEED`; the same seed writes the same objects")
	cmd.MarkFlagDirname("out")
	cmd.MarkFlagsMutuallyExclusive("out", "bucket")
	cmd.MarkFlagsMutuallyExclusive("flowlog", "bucket")
	cmd.MarkFlagsMutuallyExclusive("flowlog", "interface")
	cmd.MarkFlagsMutuallyExclusive("flowlog", "name")
	cmd.MarkFlagsMutuallyExclusive("flowlog", "prefix")
	cmd.MarkFlagsMutuallyExclusive("flowlog", "direction")
	cmd.MarkFlagsMutuallyExclusive("flowlog", "action")
	cmd.RegisterFlagCompletionFunc("flowlog", completeFlowLogs(f))
	registerEnumCompletion(cmd, "direction", "ingress", "egress", "bidirectional")
	registerEnumCompletion(cmd, "action", "accepted", "rejected", "all")
	return cmd
}

func simulateRun(cmd *cobra.Command, f *Factory, opts *simulateOptions) error {
	ctx := cmd.Context()
	if opts.out == "" && opts.bucket == "" && opts.flowLog == "" {
		return usageErrorf("say where to write: --out DIR, --bucket BUCKET[/PREFIX] or --flowlog NAME")
	}
	if opts.duration <= 0 {
		return usageErrorf("--duration must be positive")
	}
	if opts.recordsPerObject < 1 || opts.recordsPerObject > simulate.MaxRecordsPerObject {
		return usageErrorf("--records-per-object must be 1 to %d", simulate.MaxRecordsPerObject)
	}
	cfg := simulate.Config{
		Duration:         opts.duration,
		RecordsPerObject: opts.recordsPerObject,
		Seed:             opts.seed,
	}
	var err error
	var bucket string
	if opts.flowLog != "" {
		e, err := f.Engine(ctx)
		if err != nil {
			return err
		}
		fl, err := e.Get(ctx, opts.flowLog)
		if err != nil {
			return err
		}
		cfg.Name, cfg.Prefix, cfg.InterfaceID = fl.Name, fl.Prefix, fl.ResourceID
		cfg.Direction, cfg.Action = fl.Direction, fl.Action
		bucket = fl.Bucket
	} else {
		if err := flowlog.ValidateName(opts.name); err != nil {
			return err
		}
		if opts.prefix != "" {
			if err := flowlog.ValidatePrefix(opts.prefix); err != nil {
				return err
			}
			cfg.Prefix = opts.prefix
		}
		if opts.bucket != "" {
			var prefix string
			if bucket, prefix, err = flowlog.ParseTarget(opts.bucket); err != nil {
				return err
			}
			if prefix != "" && opts.prefix != "" && prefix != opts.prefix {
				return usageErrorf("--bucket %s and --prefix %s name different prefixes", opts.bucket, opts.prefix)
			}
			if prefix != "" {
				cfg.Prefix = prefix
			}
		}
		cfg.Name, cfg.InterfaceID = opts.name, opts.interfaceID
		if cfg.Direction, err = flowlog.ParseDirection(opts.direction); err != nil {
			return err
		}
		if cfg.Action, err = flowlog.ParseAction(opts.action); err != nil {
			return err
		}
	}
	now := f.Now()
	cfg.From = now.Add(-opts.duration)
	if opts.from != "" {
		if cfg.From, err = query.ParseTime(opts.from, now); err != nil {
			return usageErrorf("--from: %v", err)
		}
	}

	var store objstore.Store
	where := opts.out
	if opts.out != "" {
		if err := os.MkdirAll(opts.out, 0o755); err != nil {
			return fmt.Errorf("--out %s: %w", opts.out, err)
		}
		if store, err = local.New(opts.out); err != nil {
			return err
		}
	} else {
		s3, err := f.Store(ctx, bucket)
		if err != nil {
			return err
		}
		store, where = s3, s3.String()
	}
	sum, err := simulate.Run(ctx, cfg, store)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "wrote %d objects, %s records, %s to %s",
		sum.Objects, humanize.Comma(int64(sum.Records)), humanize.IBytes(uint64(sum.Bytes)), where)
	if sum.Objects > 0 {
		fmt.Fprintf(f.IO.ErrOut, " (%s to %s)", sum.First.Format(time.RFC3339), sum.Last.Format(time.RFC3339))
	}
	fmt.Fprintln(f.IO.ErrOut)
	return nil
}
