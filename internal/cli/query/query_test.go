package query

import (
	"reflect"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/iostreams"
	"github.com/flowlog/flowlog/internal/query"
)

func TestNewCmdQueryParsesFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IO: ios, Now: time.Now}
	var got *Options
	cmd := NewCmdQuery(f, func(o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"./logs", "-", "--action", "REJECT", "--dst-port", "22,3389", "--dst-port", "80",
		"--src", "10.0.0.0/8", "--where", "bytes > 1M", "--group-by", "srcaddr/24", "--top", "5", "--sort", "bytes",
		"--since", "6h", "--flowlog", "web", "-j", "16"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := query.Spec{
		Actions: []string{"REJECT"}, DstPorts: []string{"22", "3389", "80"}, Srcs: []string{"10.0.0.0/8"},
		Where: "bytes > 1M", GroupBy: "srcaddr/24", Top: 5, Sort: "bytes",
	}
	if !reflect.DeepEqual(got.Spec, want) {
		t.Errorf("spec:\n got %+v\nwant %+v", got.Spec, want)
	}
	if !reflect.DeepEqual(got.Sources, []string{"./logs", "-"}) || got.Since != "6h" || !reflect.DeepEqual(got.FlowLogs, []string{"web"}) || got.Jobs != 16 {
		t.Errorf("options: %+v", got)
	}
	if got.Interval != 30*time.Second {
		t.Errorf("--interval default %v, want 30s", got.Interval)
	}
}
