package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/cli"
	"github.com/flowlog/flowlog/internal/iostreams"
)

// repoRoot is where the committed output lives; go test runs in the
// package's folder.
const repoRoot = "../.."

// TestCommittedOutputIsCurrent fails when the committed completions, Markdown
// reference or man pages are not what the command tree generates now, so a
// changed flag cannot ship with stale docs.
func TestCommittedOutputIsCurrent(t *testing.T) {
	fresh := t.TempDir()
	date, err := time.Parse(time.DateOnly, defaultDate)
	if err != nil {
		t.Fatal(err)
	}
	if err := generate(fresh, date); err != nil {
		t.Fatal(err)
	}
	const fix = "run go run ./cmd/gen-docs and commit the result"
	for _, o := range outputs {
		want := ownedFiles(t, filepath.Join(fresh, o.dir), o.owned)
		got := ownedFiles(t, filepath.Join(repoRoot, o.dir), o.owned)
		if len(want) == 0 {
			t.Fatalf("%s: the generator wrote nothing", o.dir)
		}
		for _, name := range got {
			if !slices.Contains(want, name) {
				t.Errorf("%s/%s is no longer generated (a removed command?): %s", o.dir, name, fix)
			}
		}
		for _, name := range want {
			if !slices.Contains(got, name) {
				t.Errorf("%s/%s is missing: %s", o.dir, name, fix)
				continue
			}
			wantBytes := readFile(t, filepath.Join(fresh, o.dir, name))
			gotBytes := readFile(t, filepath.Join(repoRoot, o.dir, name))
			if !bytes.Equal(gotBytes, wantBytes) {
				t.Errorf("%s/%s is out of date (%s)", o.dir, name, firstDifference(gotBytes, wantBytes)+"; "+fix)
			}
		}
	}
}

func ownedFiles(t *testing.T, dir, pattern string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	return names
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// firstDifference names the first line that differs, so the failure says
// what changed without printing two whole man pages.
func firstDifference(committed, generated []byte) string {
	c := strings.Split(string(committed), "\n")
	g := strings.Split(string(generated), "\n")
	for i := range max(len(c), len(g)) {
		var cl, gl string
		if i < len(c) {
			cl = c[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if cl != gl {
			return fmt.Sprintf("line %d: committed %q, generated %q", i+1, cl, gl)
		}
	}
	return "the bytes differ"
}

// TestEscapeMarkdown checks that help text survives the trip to Markdown and
// man pages: nothing dropped as HTML or emphasis, tables kept as laid out.
func TestEscapeMarkdown(t *testing.T) {
	tests := []struct{ help, markdown string }{
		{"named [PREFIX/]NAME-<unix seconds>.log.gz", `named [PREFIX/]NAME-\<unix seconds\>.log.gz`},
		{"searched for *.log.gz and *.log files", `searched for \*.log.gz and \*.log files`},
		{"first_start and log_status", "first_start and log_status"},
		{"writes _flowlog and `x`", "writes \\_flowlog and \\`x\\`"},
		{
			"Checks:\n\n  bucket  it exists\n  acl     it is writable\n\nThen more.",
			"Checks:\n\n```\n  bucket  it exists\n  acl     it is writable\n```\n\nThen more.",
		},
		{"\tsource <(flowlog completion zsh)", "```\n\tsource <(flowlog completion zsh)\n```"},
		{"a paragraph\n  with an indented second line", "a paragraph\n  with an indented second line"},
	}
	for _, tt := range tests {
		if got := escapeMarkdown(tt.help); got != tt.markdown {
			t.Errorf("escapeMarkdown(%q)\n got %q\nwant %q", tt.help, got, tt.markdown)
		}
	}
}

// TestDynamicCompletion drives cobra's hidden __complete command, which the
// completion scripts call on every TAB, against a real database: flow log
// names and ids come from it, enum flags from fixed lists.
func TestDynamicCompletion(t *testing.T) {
	// Keep the user's config file and settings out of it.
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	for _, name := range []string{"FLOWLOG_DB", "FLOWLOG_CONFIG", "FLOWLOG_OUTPUT", "FLOWLOG_PROFILE", "FLOWLOG_ENDPOINT", "FLOWLOG_REGION"} {
		t.Setenv(name, "")
	}
	db := filepath.Join(t.TempDir(), "flowlog.db")
	created := runCLI(t, "--db", db, "create", "--nic", "7ffd6527-ce80-4e57-a949-f9a45824ebe2",
		"--bucket", "my-logs", "--name", "web", "--no-verify", "-o", "json")
	var fl struct{ ID string }
	if err := json.Unmarshal([]byte(created), &fl); err != nil || fl.ID == "" {
		t.Fatalf("create -o json printed %q: %v", created, err)
	}

	tests := []struct {
		args []string
		want []string // completion lines, each "value" or "value\tdescription"
	}{
		{[]string{"get", ""}, []string{"web\tnic 7ffd6527-ce80-4e57-a949-f9a45824ebe2", fl.ID + "\tweb"}},
		{[]string{"delete", ""}, []string{"web\tnic 7ffd6527-ce80-4e57-a949-f9a45824ebe2", fl.ID + "\tweb"}},
		{[]string{"replace", ""}, []string{"web\tnic 7ffd6527-ce80-4e57-a949-f9a45824ebe2", fl.ID + "\tweb"}},
		{[]string{"query", "--flowlog", ""}, []string{"web\tnic 7ffd6527-ce80-4e57-a949-f9a45824ebe2", fl.ID + "\tweb"}},
		{[]string{"create", "--direction", ""}, []string{"ingress", "egress", "bidirectional"}},
		{[]string{"create", "--action", ""}, []string{"accepted", "rejected", "all"}},
		{[]string{"list", "--type", ""}, []string{"nic", "natgateway", "nlb"}},
		{[]string{"query", "--action", ""}, []string{"ACCEPT", "REJECT"}},
		{[]string{"query", "--status", ""}, []string{"OK", "NODATA", "SKIPDATA"}},
		{[]string{"query", "--group-by", ""}, []string{"srcaddr", "dstport", "bytes"}},
		{[]string{"list", "-o", ""}, []string{"table", "json", "ndjson", "csv"}},
		{[]string{"query", "-o", ""}, []string{"table", "raw"}},
		// Lists complete their last item, keeping the ones before it.
		{[]string{"query", "--fields", "srcaddr,d"}, []string{"srcaddr,dstaddr", "srcaddr,dstport"}},
		// One flow log: nothing more after the first; several: not twice.
		{[]string{"get", "web", ""}, nil},
		{[]string{"delete", "web", ""}, nil},
	}
	for _, tt := range tests {
		name := strings.Join(tt.args, " ")
		t.Run(name, func(t *testing.T) {
			out := runCLI(t, append([]string{"--db", db, "__complete"}, tt.args...)...)
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			// The last line is the directive; bit 4 is "no file names".
			last := lines[len(lines)-1]
			directive, err := strconv.Atoi(strings.TrimPrefix(last, ":"))
			if err != nil || directive&4 == 0 {
				t.Errorf("directive %q, want the no-file-names bit (4); output:\n%s", last, out)
			}
			if tt.want == nil && len(lines) > 1 {
				t.Errorf("want no completions; output:\n%s", out)
			}
			for _, w := range tt.want {
				if !slices.Contains(lines, w) {
					t.Errorf("completions lack %q; output:\n%s", w, out)
				}
			}
		})
	}
}

// runCLI runs flowlog in-process and returns its standard output.
func runCLI(t *testing.T, args ...string) string {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IO: ios, Now: time.Now}
	if code := cli.Run(context.Background(), f, cli.BuildInfo{Version: "dev"}, args); code != 0 {
		t.Fatalf("flowlog %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out.String()
}
