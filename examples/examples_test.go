package examples

import (
	"bytes"
	"context"
	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/cli"
	"github.com/flowlog/flowlog/internal/iostreams"
)

// TestWalkthrough runs walkthrough.sh as the README tells a newcomer to, and
// checks that each step did what the script says it shows: the bucket is
// made, the flow log is created, the service's rules refuse a second one and
// an in-place change, a day is simulated into the bucket, and the queries
// print counts and tables. It also checks that the script keeps to its work
// folder and never touches the user's own database or buckets.
func TestWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("builds flowlog and simulates a day of traffic")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not found")
	}
	work := t.TempDir()
	userData := t.TempDir() // where the default database would go
	emptyConfig := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(emptyConfig, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bash, "walkthrough.sh", work)
	cmd.Env = append(environWithout("FLOWLOG_"),
		"XDG_DATA_HOME="+userData,
		"FLOWLOG_CONFIG="+emptyConfig, // not the user's settings (output: json would change every table)
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("walkthrough.sh: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out, errOut := stdout.String(), stderr.String()

	for _, want := range []string{
		"created bucket demo-logs (folder " + filepath.Join(work, "buckets", "demo-logs") + ")",
		"a flow log already exists for this resource",
		"refused, as the service would",
		"flow logs cannot be changed after creation",
		"refused; use 'flowlog replace'",
		"Done.",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	for _, want := range []string{"webserver01", "AVAILABLE", "DSTPORT", "SRCADDR", "REJECT", "OK    bucket"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	// The two --count queries (rejects, then gaps) print a bare number each.
	counts := regexp.MustCompile(`(?m)^[1-9][0-9]*$`).FindAllString(out, -1)
	if len(counts) != 2 {
		t.Errorf("want 2 count lines (REJECT, NODATA/SKIPDATA), found %q in:\n%s", counts, out)
	}

	if _, err := os.Stat(filepath.Join(work, "flowlog.db")); err != nil {
		t.Errorf("the database is not in the work folder: %v", err)
	}
	objects, _ := filepath.Glob(filepath.Join(work, "buckets", "demo-logs", "flowlogs", "webserver01-*.log.gz"))
	if len(objects) < 100 {
		t.Errorf("simulated %d objects for a day, want one per 10 minutes", len(objects))
	}
	if left, _ := os.ReadDir(userData); len(left) > 0 {
		t.Errorf("walkthrough wrote to the user's data folder (%s): %v", userData, left)
	}
}

// environWithout is the environment minus variables with the prefix, so the
// user's own flowlog settings cannot change what the script prints.
func environWithout(prefix string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, prefix) {
			env = append(env, kv)
		}
	}
	return env
}

// TestBucketIsReproducible checks the README's promise that the committed
// objects are exactly what its simulate command writes, so the sample stays
// in step with the simulator.
func TestBucketIsReproducible(t *testing.T) {
	out := t.TempDir()
	ios, _, _, errOut := iostreams.Test()
	args := []string{"simulate", "--out", out, "--prefix", "flowlogs", "--name", "webserver01",
		"--records-per-object", "50", "--seed", "1", "--from", "2026-11-24T00:00:00Z", "--duration", "40m"}
	if code := cli.Run(context.Background(), &cmdutil.Factory{IO: ios, Now: time.Now}, cli.BuildInfo{}, args); code != 0 {
		t.Fatalf("flowlog %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	const fix = "regenerate with the command in examples/README.md and update its numbers"
	want, _ := filepath.Glob(filepath.Join(out, "flowlogs", "*"))
	got, _ := filepath.Glob(filepath.Join("bucket", "flowlogs", "*"))
	if len(got) != len(want) {
		t.Fatalf("examples/bucket has %d objects, simulate writes %d: %s", len(got), len(want), fix)
	}
	for i := range want {
		name := filepath.Base(want[i])
		if filepath.Base(got[i]) != name {
			t.Fatalf("examples/bucket has %s, simulate writes %s: %s", filepath.Base(got[i]), name, fix)
		}
		w, err := os.ReadFile(want[i])
		if err != nil {
			t.Fatal(err)
		}
		g, err := os.ReadFile(got[i])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(g, w) {
			t.Errorf("examples/bucket/flowlogs/%s differs from what simulate writes: %s", name, fix)
		}
	}
}
