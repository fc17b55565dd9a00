package report

import (
	"reflect"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/iostreams"
)

func TestNewCmdReportParsesFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IO: ios, Now: time.Now}
	var got *Options
	cmd := NewCmdReport(f, "v1.2.3", func(o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"./logs", "s3://b/web/", "--action", "REJECT", "--dst-port", "22,3389", "--where", "bytes > 1M",
		"--since", "24h", "--tz", "Europe/Berlin", "--top", "5", "--out", "r.html", "--flowlog", "web01", "-j", "4", "--mmdb", "asn.mmdb"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil {
		t.Fatal("runF was not called")
	}
	want := []any{[]string{"./logs", "s3://b/web/"}, []string{"REJECT"}, []string{"22", "3389"}, "bytes > 1M", "24h", "Europe/Berlin", 5, "r.html", []string{"web01"}, 4, "v1.2.3", []string{"asn.mmdb"}}
	have := []any{got.Sources, got.Spec.Actions, got.Spec.DstPorts, got.Spec.Where, got.Since, got.TZ, got.Top, got.Out, got.FlowLogs, got.Jobs, got.Version, got.MMDB}
	if !reflect.DeepEqual(have, want) {
		t.Errorf("options %v, want %v", have, want)
	}
	if got.Spec.GroupBy != "" || got.Spec.Fields != "" {
		t.Errorf("a report takes no --group-by or --fields: %+v", got.Spec)
	}
}

func TestNewCmdReportChecksFlags(t *testing.T) {
	for _, args := range [][]string{
		{"./logs"}, // no --out
		{"./logs", "--out", "r.html", "--top", "0"}, // no rows
		{"./logs", "--out", "r.html", "-j", "-1"},
	} {
		ios, _, _, _ := iostreams.Test()
		f := &cmdutil.Factory{IO: ios, Now: time.Now}
		cmd := NewCmdReport(f, "v", func(*Options) error { t.Fatalf("%v ran", args); return nil })
		cmd.SetArgs(args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: %v (exit %d), want a usage error", args, err, cmdutil.ExitCode(err))
		}
	}
}
