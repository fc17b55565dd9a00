package engine

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRawSQLCannotBreakRules writes to the file behind the engine's back,
// the way a sqlite3 shell would, and expects the database itself to refuse.
func TestRawSQLCannotBreakRules(t *testing.T) {
	e := openTest(t)
	ctx := context.Background()
	first := mustCreate(t, e, testLog())
	db := rawDB(t, e.Path())

	insert := `INSERT INTO flow_logs (id, name, resource_type, resource_id, direction, action, bucket, prefix, state, created_at)
		VALUES (?, ?, 'nic', ?, 'INGRESS', 'ALL', ?, ?, 'AVAILABLE', '2024-01-01T00:00:00Z')`
	attempts := []struct {
		desc, sql string
		args      []any
		want      string
	}{
		{"update a field", `UPDATE flow_logs SET direction = 'EGRESS'`, nil, "immutable"},
		{"update a no-op", `UPDATE flow_logs SET name = name`, nil, "immutable"},
		{"second flow log for the resource", insert,
			[]any{"00000000-0000-4000-8000-00000000000a", "other", nic1, "other-logs", ""}, "UNIQUE"},
		{"same bucket, prefix and name", insert,
			[]any{"00000000-0000-4000-8000-00000000000b", first.Name, nic2, first.Bucket, first.Prefix}, "UNIQUE"},
		{"replace in place by id", `INSERT OR REPLACE INTO flow_logs (id, name, resource_type, resource_id, direction, action, bucket, prefix, state, created_at)
			SELECT id, name, resource_type, resource_id, 'EGRESS', action, bucket, prefix, state, created_at FROM flow_logs`, nil, "immutable"},
		{"upsert", insert + ` ON CONFLICT DO UPDATE SET direction = 'EGRESS'`,
			[]any{first.ID, first.Name, nic1, first.Bucket, first.Prefix}, "immutable"},
		{"lower-case direction", strings.Replace(insert, "'INGRESS'", "'ingress'", 1),
			[]any{"00000000-0000-4000-8000-00000000000c", "x", nic2, "logs", ""}, "CHECK"},
		{"upper-case resource id", insert,
			[]any{"00000000-0000-4000-8000-00000000000d", "x", strings.ToUpper(nic2), "logs", ""}, "CHECK"},
	}
	for _, a := range attempts {
		_, err := db.ExecContext(ctx, a.sql, a.args...)
		if err == nil {
			t.Errorf("%s: succeeded", a.desc)
			continue
		}
		if !strings.Contains(err.Error(), a.want) {
			t.Errorf("%s: error %q does not mention %s", a.desc, err, a.want)
		}
	}

	all, err := e.List(ctx, ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || !reflect.DeepEqual(all[0], first) {
		t.Errorf("rows changed:\n%+v\nwant\n%+v", all, first)
	}
}

// Environment of the helper process TestConcurrentCreateAcrossProcesses starts.
const (
	helperEnv   = "FLOWLOG_ENGINE_TEST_HELPER"
	helperDBEnv = "FLOWLOG_ENGINE_TEST_DB"
)

// Exit codes of the helper process.
const (
	exitCreated   = 0
	exitOtherErr  = 1
	exitRuleError = 3
)

// helperReady is the line a helper prints once it is up and waiting.
const helperReady = "READY"

// TestHelperProcess is not a test: it is one of the competing processes of
// TestConcurrentCreateAcrossProcesses.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for TestConcurrentCreateAcrossProcesses")
	}
	os.Exit(helperMain(os.Getenv(helperDBEnv)))
}

func helperMain(dbPath string) int {
	// Say so once up, then wait for the go: the end of standard input,
	// which the test closes for every helper at the same moment.
	fmt.Println(helperReady)
	if _, err := io.Copy(io.Discard, os.Stdin); err != nil {
		fmt.Println("ERROR", err)
		return exitOtherErr
	}

	ctx := context.Background()
	// Opening is part of the race: the database file does not exist yet.
	e, err := Open(ctx, dbPath)
	if err != nil {
		fmt.Println("ERROR", err)
		return exitOtherErr
	}
	defer e.Close()
	f := testLog()
	f.Name = fmt.Sprintf("proc-%d", os.Getpid())
	got, err := e.Create(ctx, f)
	var re *RuleError
	switch {
	case err == nil:
		fmt.Println("CREATED", got.ID)
		return exitCreated
	case errors.As(err, &re):
		fmt.Println("RULE", re.Rule)
		return exitRuleError
	default:
		fmt.Println("ERROR", err)
		return exitOtherErr
	}
}

func TestConcurrentCreateAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 16 processes")
	}
	const procs = 16
	dbPath := filepath.Join(t.TempDir(), "data", "flowlog.db")
	results := runTogether(t, procs, "TestHelperProcess", helperEnv+"=1", helperDBEnv+"="+dbPath)

	created, refused := 0, 0
	for i, r := range results {
		switch {
		case r.code == exitCreated && strings.Contains(r.out, "CREATED "):
			created++
		case r.code == exitRuleError && strings.Contains(r.out, "RULE "+RuleOnePerResource):
			refused++
		default:
			t.Errorf("process %d: exit %d, output:\n%s", i, r.code, r.out)
		}
	}
	if created != 1 || refused != procs-1 {
		t.Errorf("%d created, %d refused; want 1 and %d", created, refused, procs-1)
	}

	db := rawDB(t, dbPath)
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v", check, err)
	}
	var rows int
	if err := db.QueryRow("SELECT count(*) FROM flow_logs").Scan(&rows); err != nil || rows != 1 {
		t.Errorf("%d rows, %v; want 1", rows, err)
	}
}

// procResult is how one helper process of runTogether ended.
type procResult struct {
	code int
	out  string // standard output, then standard error
}

// runTogether starts n copies of this test binary running only the test
// named helper, with env added, waits until every one has printed
// helperReady, then lets them all go at once by closing their standard
// input, and returns how each ended.
func runTogether(t *testing.T, n int, helper string, env ...string) []procResult {
	t.Helper()
	results := make([]procResult, n)
	ready := make(chan error, n)
	gos := make([]io.Closer, n)
	var wg sync.WaitGroup
	for i := range n {
		cmd := exec.Command(os.Args[0], "-test.run=^"+helper+"$", "-test.count=1")
		cmd.Env = append(os.Environ(), env...)
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		gos[i] = stdin
		// However the test ends, the helpers are let go and end too.
		t.Cleanup(func() { stdin.Close() })
		wg.Go(func() {
			var out bytes.Buffer
			lines := bufio.NewScanner(stdout)
			up := false
			for lines.Scan() {
				fmt.Fprintln(&out, lines.Text())
				if !up && lines.Text() == helperReady {
					up = true
					ready <- nil
				}
			}
			if !up {
				ready <- fmt.Errorf("helper %d ended before it was ready:\n%s%s", i, out.String(), stderr.String())
			}
			err := cmd.Wait()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				code = -1
			}
			results[i] = procResult{code, out.String() + stderr.String()}
		})
	}

	// Release them together once all are up and waiting.
	deadline := time.After(time.Minute)
	for i := range n {
		select {
		case err := <-ready:
			if err != nil {
				t.Fatal(err)
			}
		case <-deadline:
			t.Fatalf("only %d of %d helpers started within a minute", i, n)
		}
	}
	for _, g := range gos {
		g.Close()
	}
	wg.Wait()
	return results
}
