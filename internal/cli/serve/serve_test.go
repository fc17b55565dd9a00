package serve

import (
	"reflect"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/iostreams"
)

func TestCheckListen(t *testing.T) {
	for _, tt := range []struct {
		addr   string
		remote bool
		want   int // exit code; 0 for accepted
	}{
		{"127.0.0.1:8080", false, 0},
		{"127.0.0.2:0", false, 0},
		{"[::1]:8080", false, 0},
		{"localhost:8080", false, 0},
		{"0.0.0.0:8080", false, cmdutil.ExitUsage},
		{":8080", false, cmdutil.ExitUsage},
		{"[::]:8080", false, cmdutil.ExitUsage},
		{"192.0.2.10:8080", false, cmdutil.ExitUsage},
		{"example.com:8080", false, cmdutil.ExitUsage},
		{"0.0.0.0:8080", true, 0},
		{"8080", true, cmdutil.ExitUsage},
		{"", false, cmdutil.ExitUsage},
	} {
		err := checkListen(tt.addr, tt.remote)
		if got := cmdutil.ExitCode(err); got != tt.want {
			t.Errorf("checkListen(%q, %v) = %v (exit %d), want exit %d", tt.addr, tt.remote, err, got, tt.want)
		}
	}
}

func TestNewCmdServeParsesFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want Options
	}{
		{nil, Options{Listen: DefaultListen}},
		{[]string{"--listen", "127.0.0.1:0"}, Options{Listen: "127.0.0.1:0"}},
		{[]string{"--listen", "0.0.0.0:9000", "--allow-remote"}, Options{Listen: "0.0.0.0:9000", AllowRemote: true}},
	} {
		ios, _, _, _ := iostreams.Test()
		f := &cmdutil.Factory{IO: ios, Now: time.Now}
		var got *Options
		cmd := NewCmdServe(f, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		cmd.SetOut(ios.ErrOut)
		cmd.SetErr(ios.ErrOut)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		got.Factory = nil
		if !reflect.DeepEqual(*got, tt.want) {
			t.Errorf("%v: got %+v, want %+v", tt.args, *got, tt.want)
		}
	}
}
