package prune

import (
	"reflect"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/iostreams"
)

func TestNewCmdPruneParsesFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    Options
		wantErr bool
	}{
		{
			args: []string{"s3://b/web", "./logs", "--name", "web01", "--older-than", "30d", "--dry-run"},
			want: Options{Sources: []string{"s3://b/web", "./logs"}, Name: "web01", OlderThan: "30d", DryRun: true},
		},
		{
			args: []string{"--flowlog", "a", "--flowlog", "b", "--older-than", "2w", "-y"},
			want: Options{Sources: []string{}, FlowLogs: []string{"a", "b"}, OlderThan: "2w", Yes: true},
		},
		{args: []string{"--no-such-flag"}, wantErr: true},
	}
	for _, tt := range tests {
		ios, _, _, _ := iostreams.Test()
		f := &cmdutil.Factory{IO: ios, Now: time.Now}
		var got *Options
		cmd := NewCmdPrune(f, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		cmd.SetOut(ios.ErrOut)
		cmd.SetErr(ios.ErrOut)
		err := cmd.Execute()
		if tt.wantErr {
			if err == nil {
				t.Errorf("%v: no error", tt.args)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		got.Factory = nil
		if !reflect.DeepEqual(*got, tt.want) {
			t.Errorf("%v:\n got %+v\nwant %+v", tt.args, *got, tt.want)
		}
	}
}
