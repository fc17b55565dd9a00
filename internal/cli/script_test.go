package cli

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary act as the flowlog command, so the scripts
// run the real CLI in its own process.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"flowlog": func() { os.Exit(Execute(BuildInfo{Version: "test", Commit: "none", Date: "unknown"}, os.Args[1:])) },
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       os.Getenv("UPDATE_SCRIPTS") != "",
		Setup: func(env *testscript.Env) error {
			work := env.WorkDir
			env.Setenv("HOME", work)
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(work, ".config"))
			env.Setenv("XDG_DATA_HOME", filepath.Join(work, ".local", "share"))
			env.Setenv("NO_COLOR", "1")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"concurrently": cmdConcurrently,
			"gzip":         cmdGzip,
			"truncate":     cmdTruncate,
		},
	})
}

// cmdConcurrently runs "concurrently N PROGRAM ARGS..." : N copies of a
// program started at once, then prints how many exited with each code
// ("exit 0: 1") to stdout and every stderr line, sorted, to stderr.
func cmdConcurrently(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: concurrently N program [args...]")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 {
		ts.Fatalf("concurrently: bad count %q", args[0])
	}
	path, err := exec.LookPath(args[1])
	if err != nil {
		ts.Fatalf("concurrently: %v", err)
	}
	cmds := make([]*exec.Cmd, n)
	stderrs := make([]bytes.Buffer, n)
	for i := range cmds {
		cmds[i] = exec.Command(path, args[2:]...)
		cmds[i].Dir = ts.Getenv("PWD")
		cmds[i].Env = envOf(ts)
		cmds[i].Stderr = &stderrs[i]
	}
	// Start every process before waiting for any, so they race for real.
	for _, c := range cmds {
		if err := c.Start(); err != nil {
			ts.Fatalf("concurrently: %v", err)
		}
	}
	codes := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range cmds {
		wg.Go(func() {
			c.Wait()
			mu.Lock()
			codes[c.ProcessState.ExitCode()]++
			mu.Unlock()
		})
	}
	wg.Wait()
	var keys []int
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, k := range keys {
		fmt.Fprintf(ts.Stdout(), "exit %d: %d\n", k, codes[k])
	}
	var lines []string
	for i := range stderrs {
		for _, l := range bytes.Split(bytes.TrimSpace(stderrs[i].Bytes()), []byte("\n")) {
			if len(l) > 0 {
				lines = append(lines, string(l))
			}
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Fprintln(ts.Stderr(), l)
	}
}

func envOf(ts *testscript.TestScript) []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "FLOWLOG_DB", "NO_COLOR", "TMPDIR"} {
		env = append(env, k+"="+ts.Getenv(k))
	}
	return env
}

// cmdGzip compresses FILE into FILE.gz, leaving FILE; with -m it writes each
// line as its own gzip member, as concatenated objects are.
func cmdGzip(ts *testscript.TestScript, neg bool, args []string) {
	members := false
	if len(args) > 0 && args[0] == "-m" {
		members, args = true, args[1:]
	}
	if neg || len(args) != 1 {
		ts.Fatalf("usage: gzip [-m] file")
	}
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	var out bytes.Buffer
	parts := [][]byte{data}
	if members {
		parts = bytes.SplitAfter(data, []byte("\n"))
	}
	for _, p := range parts {
		zw := gzip.NewWriter(&out)
		zw.Write(p)
		ts.Check(zw.Close())
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]+".gz"), out.Bytes(), 0o644))
}

// cmdTruncate cuts FILE to N bytes.
func cmdTruncate(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: truncate file size")
	}
	n, err := strconv.ParseInt(args[1], 10, 64)
	ts.Check(err)
	ts.Check(os.Truncate(ts.MkAbs(args[0]), n))
}
