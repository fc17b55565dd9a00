package cli

import (
	"context"
	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/iostreams"
)

// A setting the user must fix exits with the usage code, its hint below
// the message.
func TestSettingsErrorsAreUsage(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("XDG_DATA_HOME", dir)
	file := filepath.Join(dir, "storage.yaml")
	if err := os.WriteFile(file, []byte("profiles:\n  local:\n    region: de\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"--config", filepath.Join(dir, "missing.yaml"), "config", "show"},
			"flowlog: config file " + filepath.Join(dir, "missing.yaml") + ": not found\n"},
		{[]string{"--config", file, "--profile", "nope", "config", "show"},
			"flowlog: profile \"nope\" is not defined in " + file + "\n" +
				"hint: define it under 'profiles:' in the config file (see 'flowlog help configuration'); known: local\n"},
	} {
		ios, _, _, errOut := iostreams.Test()
		code := Run(context.Background(), &cmdutil.Factory{IO: ios, Now: time.Now}, BuildInfo{Version: "test"}, tt.args)
		if code != cmdutil.ExitUsage || errOut.String() != tt.stderr {
			t.Errorf("%v: exit %d, stderr\n%s\nwant exit %d, stderr\n%s", tt.args, code, errOut, cmdutil.ExitUsage, tt.stderr)
		}
	}
}
