package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/flowlog/flowlog/internal/objstore/miniotest"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
	"github.com/flowlog/flowlog/internal/parquetio/pqtest"
)

// TestMain lets the test binary act as the flowlog command, so the scripts
// run the real CLI in its own process.
func TestMain(m *testing.M) {
	// A developer's Cloud API settings would send the in-process tests'
	// flow logs to their account. (Not when this binary runs as a
	// script's flowlog: scripts set what they want, and testscript keeps
	// the rest of the environment out.)
	if filepath.Base(os.Args[0]) != "flowlog" {
		for _, k := range []string{"IONOS_API_URL", "IONOS_TOKEN", "IONOS_USERNAME", "IONOS_PASSWORD", "FLOWLOG_API_URL", "FLOWLOG_BACKEND"} {
			os.Unsetenv(k)
		}
	}
	testscript.Main(m, map[string]func(){
		"flowlog": func() { os.Exit(Execute(BuildInfo{Version: "test", Commit: "none", Date: "unknown"}, os.Args[1:])) },
	})
}

// minioServers are the MinIO servers started by scripts, by work folder.
var minioServers sync.Map

// scriptParent is the test running the scripts.
var scriptParent testing.TB

func TestScripts(t *testing.T) {
	scriptParent = t
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
			// Keep the machine's AWS settings out of the scripts.
			env.Setenv("AWS_CONFIG_FILE", filepath.Join(work, ".aws", "config"))
			env.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(work, ".aws", "credentials"))
			env.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			return nil
		},
		// [minio]: a MinIO binary is there, or the run insists on one (CI),
		// so that a missing install fails instead of skipping.
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "minio":
				return os.Getenv("FLOWLOG_MINIO") != "" || os.Getenv("FLOWLOG_REQUIRE_MINIO") == "1", nil
			case "tmpfs":
				return canMountTmpfs(), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"concurrently": cmdConcurrently,
			"exitcode":     cmdExitCode,
			"grepenv":      cmdGrepEnv,
			"gzip":         cmdGzip,
			"truncate":     cmdTruncate,
			"minio":        cmdMinio,
			"waitfiles":    cmdWaitFiles,
			"lifecycle":    cmdLifecycle,
			"s3ls":         cmdS3ls,
			"s3wait":       cmdS3Wait,
			"s3replay":     cmdS3Replay,
			"waitgrep":     cmdWaitGrep,
			"faultproxy":   cmdFaultProxy,
			"tmpfs":        cmdTmpfs,
			"waitlines":    cmdWaitLines,
			"mkmmdb":       cmdMkMMDB,
			"http":         cmdHTTP,
			"mkparquet":    cmdMkParquet,
		},
	})
}

// cmdConcurrently runs "concurrently N PROGRAM ARGS..." : N copies of a
// program started at once, then prints how many exited with each code
// ("exit 0: 1") to stdout and every stderr line, sorted, to stderr. In the
// arguments, {i} stands for the process's index, 0 to N-1, zero-padded to
// the width of N-1 so that it can fill a fixed-width field such as part of
// a UUID: "--nic 7ffd6527-ce80-4e57-a949-f9a45824eb{i}".
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
	width := len(strconv.Itoa(n - 1))
	cmds := make([]*exec.Cmd, n)
	stderrs := make([]bytes.Buffer, n)
	for i := range cmds {
		index := fmt.Sprintf("%0*d", width, i)
		procArgs := make([]string, len(args)-2)
		for j, a := range args[2:] {
			procArgs[j] = strings.ReplaceAll(a, "{i}", index)
		}
		cmds[i] = exec.Command(path, procArgs...)
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

// cmdExitCode runs "exitcode N PROGRAM ARGS..." as exec does, keeping its
// stdout and stderr for the stdout and stderr lines after it, and fails
// unless the program exits with code N. The exit codes are a contract
// (docs/exit-codes.md) that "! exec", content with any failure, does not
// hold to.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil || want < 0 || want > 255 {
		ts.Fatalf("exitcode: bad exit code %q", args[0])
	}
	got := 0
	var exit *exec.ExitError
	switch err := ts.Exec(args[1], args[2:]...); {
	case errors.As(err, &exit):
		got = exit.ExitCode() // -1 if a signal ended it
	case err != nil:
		ts.Fatalf("exitcode: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with code %d, want %d", args[1], got, want)
	}
}

// cmdGrepEnv sets an environment variable to what a script saw, such as an
// id that a command made up: "grepenv VAR REGEXP FILE" sets VAR to the first
// parenthesised group of REGEXP's first match in FILE (or stdout, stderr).
func cmdGrepEnv(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: grepenv VAR REGEXP FILE")
	}
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	if re.NumSubexp() < 1 {
		ts.Fatalf("grepenv: %q has no group", args[1])
	}
	m := re.FindStringSubmatch(ts.ReadFile(args[2]))
	if m == nil {
		ts.Fatalf("grepenv: no match for %q in %s", args[1], args[2])
	}
	ts.Setenv(args[0], m[1])
}

func envOf(ts *testscript.TestScript) []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "FLOWLOG_DB", "FLOWLOG_STORAGE_ROOT", "NO_COLOR", "TMPDIR"} {
		env = append(env, k+"="+ts.Getenv(k))
	}
	// The script's MinIO server, once 'minio start' set it.
	for _, k := range []string{"FLOWLOG_ENDPOINT", "FLOWLOG_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_EC2_METADATA_DISABLED"} {
		if v := ts.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
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

// cmdMkParquet writes a Parquet file of one start column whose one page
// declares the sizes given (pqtest.File): mkparquet FILE [compressed=N]
// [uncompressed=N] [values=N] START...
func cmdMkParquet(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: mkparquet file [compressed=N] [uncompressed=N] [values=N] start...")
	}
	var p pqtest.Page
	for _, a := range args[1:] {
		name, value, isSize := strings.Cut(a, "=")
		n, err := strconv.ParseInt(value, 10, 64)
		if !isSize {
			n, err = strconv.ParseInt(a, 10, 64)
		}
		ts.Check(err)
		switch name {
		case "compressed":
			p.Compressed = int32(n)
		case "uncompressed":
			p.Uncompressed = int32(n)
		case "values":
			p.NumValues = int32(n)
		default:
			p.Starts = append(p.Starts, n)
		}
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), pqtest.File(p), 0o644))
}

// scriptTB lets miniotest, written for tests, run inside a script: failures
// end the script, cleanups run when it ends.
type scriptTB struct {
	testing.TB // the enclosing test; only for methods not overridden here
	ts         *testscript.TestScript
}

func (s scriptTB) Helper()                           {}
func (s scriptTB) Cleanup(fn func())                 { s.ts.Defer(fn) }
func (s scriptTB) Fatal(args ...any)                 { s.ts.Fatalf("%s", fmt.Sprint(args...)) }
func (s scriptTB) Fatalf(format string, args ...any) { s.ts.Fatalf(format, args...) }
func (s scriptTB) Errorf(format string, args ...any) { s.ts.Fatalf(format, args...) }
func (s scriptTB) Skip(args ...any) {
	s.ts.Fatalf("cannot skip inside a script: %s", fmt.Sprint(args...))
}
func (s scriptTB) Logf(format string, args ...any) { s.ts.Logf(format, args...) }
func (s scriptTB) TempDir() string {
	dir, err := os.MkdirTemp(s.ts.Getenv("WORK"), "minio-")
	s.ts.Check(err)
	return dir
}

// cmdMinio runs a real MinIO server for the script:
//
//	minio start        start one; set FLOWLOG_ENDPOINT and AWS credentials
//	minio mb BUCKET    create a bucket
//	minio stop         kill it, as an outage would
//	minio restart      start it again on the same port and data
//	minio put BUCKET KEY FILE   upload FILE under any KEY, even a hostile one
func cmdMinio(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: minio start|mb|stop|restart|put")
	}
	tb := scriptTB{TB: scriptParent, ts: ts}
	work := ts.Getenv("WORK")
	if args[0] == "start" {
		srv := miniotest.Start(tb)
		minioServers.Store(work, srv)
		ts.Defer(func() { minioServers.Delete(work) })
		ts.Setenv("FLOWLOG_ENDPOINT", srv.Endpoint)
		ts.Setenv("FLOWLOG_REGION", miniotest.Region)
		ts.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
		ts.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
		return
	}
	v, ok := minioServers.Load(work)
	if !ok {
		ts.Fatalf("minio %s: no server started", args[0])
	}
	srv := v.(*miniotest.Server)
	switch {
	case args[0] == "mb" && len(args) == 2:
		srv.CreateBucket(tb, args[1])
	case args[0] == "stop":
		srv.Stop()
	case args[0] == "restart":
		srv.Restart(tb)
	case args[0] == "put" && len(args) == 4:
		store, err := s3store.New(context.Background(), srv.Config(args[1]))
		ts.Check(err)
		data, err := os.ReadFile(ts.MkAbs(args[3]))
		ts.Check(err)
		ts.Check(store.Put(context.Background(), args[2], bytes.NewReader(data), int64(len(data))))
	default:
		ts.Fatalf("usage: minio start|mb BUCKET|stop|restart|put BUCKET KEY FILE")
	}
}

// faultProxies are the fault proxies started by scripts, by work folder.
var faultProxies sync.Map

// cmdFaultProxy puts a fault-injecting proxy between flowlog and the
// script's MinIO server (miniotest.FaultProxy):
//
//	faultproxy start SEED SLOWDOWN CUT STALL   start one: each object read
//	        gets a 503 SlowDown, is cut after 4 KiB, or stalls after 4 KiB,
//	        with these probabilities, drawn from SEED; FLOWLOG_ENDPOINT
//	        becomes the proxy, MINIO_ENDPOINT the server
//	faultproxy fail KEY       every read of KEY gets a 503 SlowDown
//	faultproxy down|up        drop every connection, as an outage; or not
//	faultproxy reads-down|reads-up  drop every object read, while listings
//	        pass; or not
//	faultproxy injected       print how many faults of each kind so far
func cmdFaultProxy(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: faultproxy start SEED SLOWDOWN CUT STALL|fail KEY|down|up|reads-down|reads-up|injected")
	}
	work := ts.Getenv("WORK")
	if args[0] == "start" {
		if len(args) != 5 {
			ts.Fatalf("usage: faultproxy start SEED SLOWDOWN CUT STALL")
		}
		v, ok := minioServers.Load(work)
		if !ok {
			ts.Fatalf("faultproxy start: no MinIO started")
		}
		seed, err := strconv.ParseUint(args[1], 10, 64)
		ts.Check(err)
		var p [3]float64
		for i := range p {
			p[i], err = strconv.ParseFloat(args[2+i], 64)
			ts.Check(err)
		}
		srv := v.(*miniotest.Server)
		proxy := miniotest.StartFaultProxy(scriptTB{TB: scriptParent, ts: ts}, srv.Endpoint, miniotest.SeededPlan(seed, p[0], p[1], p[2], 4<<10))
		faultProxies.Store(work, proxy)
		ts.Defer(func() { faultProxies.Delete(work) })
		ts.Setenv("MINIO_ENDPOINT", srv.Endpoint)
		ts.Setenv("FLOWLOG_ENDPOINT", proxy.URL)
		return
	}
	v, ok := faultProxies.Load(work)
	if !ok {
		ts.Fatalf("faultproxy %s: no proxy started", args[0])
	}
	proxy := v.(*miniotest.FaultProxy)
	switch {
	case args[0] == "fail" && len(args) == 2:
		proxy.FailAlways(args[1], miniotest.SlowDown)
	case args[0] == "down":
		proxy.SetDown(true)
	case args[0] == "up":
		proxy.SetDown(false)
	case args[0] == "reads-down":
		proxy.SetReadsDown(true)
	case args[0] == "reads-up":
		proxy.SetReadsDown(false)
	case args[0] == "injected":
		n := proxy.Injected()
		for _, k := range []miniotest.FaultKind{miniotest.SlowDown, miniotest.Cut, miniotest.Stall, miniotest.Refuse} {
			fmt.Fprintf(ts.Stdout(), "%s %d\n", k, n[k])
		}
	default:
		ts.Fatalf("usage: faultproxy start SEED SLOWDOWN CUT STALL|fail KEY|down|up|reads-down|reads-up|injected")
	}
}

var tmpfsOnce struct {
	sync.Once
	ok bool
}

// canMountTmpfs reports whether this process may mount a tmpfs: it runs as
// root with the right to mount (CI does).
func canMountTmpfs() bool {
	tmpfsOnce.Do(func() {
		if os.Geteuid() != 0 {
			return
		}
		dir, err := os.MkdirTemp("", "flowlog-tmpfs-")
		if err != nil {
			return
		}
		defer os.Remove(dir)
		if exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir).Run() != nil {
			return
		}
		tmpfsOnce.ok = exec.Command("umount", dir).Run() == nil
	})
	return tmpfsOnce.ok
}

// cmdTmpfs mounts a small file system that can run out of space:
//
//	tmpfs mount DIR SIZE    mount a tmpfs of SIZE (such as 200k) on DIR,
//	                        unmounted when the script ends
//	tmpfs resize DIR SIZE   give it another size
func cmdTmpfs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 || args[0] != "mount" && args[0] != "resize" {
		ts.Fatalf("usage: tmpfs mount|resize DIR SIZE")
	}
	dir := ts.MkAbs(args[1])
	opts := "size=" + args[2]
	if args[0] == "resize" {
		opts = "remount," + opts
	} else {
		ts.Check(os.MkdirAll(dir, 0o755))
		ts.Defer(func() { exec.Command("umount", dir).Run() })
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
		ts.Fatalf("tmpfs %s: %v: %s", args[0], err, out)
	}
}

// cmdWaitFiles waits until FOLDER holds at least N files matching *.log.gz:
// "waitfiles FOLDER N [SUFFIX]" (default .log.gz).
func cmdWaitFiles(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: waitfiles folder n [suffix]")
	}
	suffix := ".log.gz"
	if len(args) == 3 {
		suffix = args[2]
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	// Polled often: s3_fetch.txtar stops a server as soon as a fetch has
	// written a few files, to cut the fetch short.
	waitUntil(ts, fmt.Sprintf("waitfiles: %d files in %s", n, args[0]), 2*time.Millisecond, func() bool {
		count := 0
		filepath.WalkDir(ts.MkAbs(args[0]), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, suffix) {
				count++
			}
			return nil
		})
		return count >= n
	})
}

// cmdWaitGrep waits until FILE matches REGEXP: "waitgrep FILE REGEXP". It
// shows output arriving while a command still runs.
func cmdWaitGrep(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitgrep file regexp")
	}
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	waitUntil(ts, fmt.Sprintf("waitgrep: %s to match %q", args[0], args[1]), 20*time.Millisecond, func() bool {
		data, err := os.ReadFile(ts.MkAbs(args[0]))
		return err == nil && re.Match(data)
	})
}

// cmdWaitLines waits until FILE has at least N lines: "waitlines FILE N".
// It shows that a command still running has written all it should; a
// later cmp shows that it wrote nothing more.
func cmdWaitLines(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitlines file n")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	waitUntil(ts, fmt.Sprintf("waitlines: %d lines in %s", n, args[0]), 20*time.Millisecond, func() bool {
		data, err := os.ReadFile(ts.MkAbs(args[0]))
		return err == nil && bytes.Count(data, []byte("\n")) >= n
	})
}

// waitTimeout bounds every wait of a script: long enough for a loaded
// machine, short enough that a condition that never comes fails the script
// well before the test binary's timeout.
const waitTimeout = 30 * time.Second

// waitUntil polls cond every interval until it holds, and fails the script
// if it does not within waitTimeout. The interval decides how soon the wait
// notices, not whether it succeeds.
func waitUntil(ts *testscript.TestScript, what string, interval time.Duration, cond func() bool) {
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			ts.Fatalf("%s: not after %v", what, waitTimeout)
		}
		time.Sleep(interval)
	}
}
