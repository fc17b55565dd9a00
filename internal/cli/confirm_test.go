package cli

import (
	"context"
	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/iostreams"
)

// runCLI runs flowlog in-process with test streams, as on a terminal when
// tty is set, and returns the exit code and both outputs.
func runCLI(t *testing.T, db string, tty bool, stdin string, args ...string) (int, string, string) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	ios.SetTTY(tty, tty, tty)
	in.WriteString(stdin)
	f := &cmdutil.Factory{IO: ios, Now: time.Now}
	code := Run(context.Background(), f, BuildInfo{Version: "test"}, append([]string{"--db", db}, args...))
	return code, out.String(), errOut.String()
}

func TestDeleteAsksOnATerminal(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("FLOWLOG_STORAGE_ROOT", t.TempDir())
	db := filepath.Join(t.TempDir(), "flowlog.db")
	if code, _, stderr := runCLI(t, db, false, "", "bucket", "create", "my-logs"); code != 0 {
		t.Fatalf("bucket create: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, db, false, "", "create", "--nic", "7ffd6527-ce80-4e57-a949-f9a45824ebe2", "--bucket", "my-logs", "--name", "web"); code != 0 {
		t.Fatalf("create: exit %d: %s", code, stderr)
	}

	// "n" keeps it, and says so.
	code, _, stderr := runCLI(t, db, true, "n\n", "delete", "web")
	if code != cmdutil.ExitUsage || !strings.Contains(stderr, "delete 1 flow log? [y/N]") || !strings.Contains(stderr, "cancelled: nothing was changed") {
		t.Fatalf("answer n: exit %d, stderr:\n%s", code, stderr)
	}
	// Input ending without an answer is no, with one hint to pass --yes.
	if code, _, stderr = runCLI(t, db, true, "", "delete", "web"); code != cmdutil.ExitUsage || strings.Count(stderr, "hint: pass --yes") != 1 {
		t.Fatalf("no answer: exit %d, want %d and one hint, stderr:\n%s", code, cmdutil.ExitUsage, stderr)
	}
	if code, out, _ := runCLI(t, db, false, "", "list", "-o", "json"); code != 0 || !strings.Contains(out, `"name":"web"`) {
		t.Fatalf("flow log gone after a no: %s", out)
	}

	// "yes" deletes.
	code, _, stderr = runCLI(t, db, true, "yes\n", "delete", "web")
	if code != 0 || !strings.Contains(stderr, "deleted flow log web") {
		t.Fatalf("answer yes: exit %d, stderr:\n%s", code, stderr)
	}
	if code, out, _ := runCLI(t, db, false, "", "list", "-o", "json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("flow log still there after yes: %s", out)
	}
}
