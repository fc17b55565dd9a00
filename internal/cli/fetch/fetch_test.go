package fetch

import (
	"strings"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/iostreams"
)

func TestNewCmdFetchChecksFlags(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"s3://b/web", "--to", "dir"}, ""},
		{[]string{"--flowlog", "web", "--to", "dir", "-j", "16", "--decompress"}, ""},
		{[]string{"s3://b/web"}, "--to is required"},
		{[]string{"s3://b/web", "--to", "dir", "-j", "-1"}, "--jobs takes a number of zero or more"},
		{[]string{"--to", "dir"}, "name what to fetch"},
	}
	for _, tt := range tests {
		ios, _, _, _ := iostreams.Test()
		f := &cmdutil.Factory{IO: ios, Now: time.Now}
		var got *Options
		cmd := NewCmdFetch(f, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		cmd.SetOut(ios.ErrOut)
		cmd.SetErr(ios.ErrOut)
		err := cmd.Execute()
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%v: %v", tt.args, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%v: error %v, want %q", tt.args, err, tt.wantErr)
		case tt.wantErr != "" && cmdutil.ExitCode(err) != cmdutil.ExitUsage:
			t.Errorf("%v: exit %d, want %d", tt.args, cmdutil.ExitCode(err), cmdutil.ExitUsage)
		case tt.wantErr == "" && got.Jobs != map[bool]int{true: 16, false: 0}[strings.Contains(strings.Join(tt.args, " "), "-j 16")]:
			t.Errorf("%v: jobs %d", tt.args, got.Jobs)
		}
	}
}
