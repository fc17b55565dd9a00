package query

import (
	"reflect"
	"strings"
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

func TestParseZone(t *testing.T) {
	tests := []struct {
		in, want string // want: the offset at 2026-11-24 12:00 UTC, or an error
	}{
		{"", "+0000"},
		{"UTC", "+0000"},
		{"Europe/Berlin", "+0100"},
		{"America/New_York", "-0500"},
		{"+02:00", "+0200"},
		{"-0530", "-0530"},
		{"+5", "error"},
		{"Mars/Olympus", "error"},
	}
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		loc, err := parseZone(tt.in)
		got := "error"
		if err == nil {
			if loc == nil {
				loc = time.UTC
			}
			got = at.In(loc).Format("-0700")
		} else if !strings.Contains(err.Error(), "--tz") {
			t.Errorf("parseZone(%q) error %q does not name --tz", tt.in, err)
		}
		if got != tt.want {
			t.Errorf("parseZone(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func FuzzParseZone(f *testing.F) {
	for _, s := range []string{"UTC", "Europe/Berlin", "+02:00", "-0530", "Local", "../../etc/passwd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := parseZone(s); err != nil && !strings.Contains(err.Error(), "--tz") {
			t.Fatalf("parseZone(%q): error %q does not name --tz", s, err)
		}
	})
}
