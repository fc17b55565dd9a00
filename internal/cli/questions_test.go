package cli

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/flowlog/flowlog/internal/record"
)

// readRecords parses every record of the *.log.gz files under dir, one line
// at a time: the plain reference the answers are checked against.
func readRecords(t *testing.T, dir string) []record.Record {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.log.gz"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no objects in %s: %v", dir, err)
	}
	var recs []record.Record
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(zr)
		for sc.Scan() {
			var r record.Record
			if err := record.Parse(append([]byte(nil), sc.Bytes()...), record.AllFields, &r); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			recs = append(recs, r)
		}
		f.Close()
	}
	return recs
}

// csvRows runs a query with -o csv and returns its rows without the header.
func csvRows(t *testing.T, db string, args ...string) []string {
	t.Helper()
	code, out, stderr := runCLI(t, db, false, "", append(args, "-o", "csv")...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[1:]
}

// questionCommands returns the commands of questions first to last of
// docs/questions.md, each with the output block printed after it.
func questionCommands(t *testing.T, first, last int) (cmds [][]string, outputs [][]string) {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "questions.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	from := strings.Index(text, fmt.Sprintf("\n## %d. ", first))
	to := strings.Index(text, fmt.Sprintf("\n## %d. ", last+1))
	if from < 0 {
		t.Fatalf("docs/questions.md has no question %d", first)
	}
	if to < 0 {
		to = len(text)
	}
	blocks := strings.Split(text[from:to], "```")
	// Odd pieces are fenced blocks: "sh\n..." for commands, "\n..." for output.
	var pending []string
	for i := 1; i < len(blocks); i += 2 {
		b := blocks[i]
		if strings.HasPrefix(b, "sh\n") {
			joined := strings.ReplaceAll(strings.TrimPrefix(b, "sh\n"), "\\\n", " ")
			pending = nil
			for _, line := range strings.Split(joined, "\n") {
				if strings.HasPrefix(line, "flowlog query") {
					pending = strings.Fields(strings.TrimPrefix(line, "flowlog "))
				}
			}
			continue
		}
		if pending != nil {
			cmds = append(cmds, pending)
			outputs = append(outputs, strings.Split(strings.Trim(b, "\n"), "\n"))
			pending = nil
		}
	}
	return cmds, outputs
}

// TestQuestionsTimeSeriesAndConversations runs questions 11 and 12 of
// docs/questions.md on the corpora the page names: what the page shows must
// be what the command prints on a terminal, and the exact answers must be
// those of a plain loop over the records.
func TestQuestionsTimeSeriesAndConversations(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a day of traffic")
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	dir := t.TempDir()
	db := filepath.Join(dir, "flowlog.db")
	logs, edge := filepath.Join(dir, "logs"), filepath.Join(dir, "edge")
	for _, args := range [][]string{
		{"simulate", "--out", logs, "--name", "web", "--from", "2026-11-24T00:00:00Z", "--duration", "24h", "--seed", "1"},
		{"simulate", "--out", edge, "--name", "edge", "--traffic", "internet", "--from", "2026-11-24T00:00:00Z", "--duration", "1h", "--seed", "1"},
	} {
		if code, _, stderr := runCLI(t, db, false, "", args...); code != 0 {
			t.Fatalf("%v: %s", args, stderr)
		}
	}

	t.Run("the page shows what a terminal shows", func(t *testing.T) {
		cmds, outputs := questionCommands(t, 11, 12)
		if len(cmds) < 3 {
			t.Fatalf("found %d commands with output in questions 11 and 12", len(cmds))
		}
		for i, args := range cmds {
			for j, a := range args {
				switch a {
				case "./logs":
					args[j] = logs
				case "./edge":
					args[j] = edge
				}
			}
			code, out, stderr := runCLI(t, db, true, "", args...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, stderr)
			}
			// Every line shown, in order; "…" stands for lines left out.
			rest := strings.Split(out, "\n")
			for _, want := range outputs[i] {
				if want == "…" {
					continue
				}
				at := slices.Index(rest, want)
				if at < 0 {
					t.Fatalf("%v: the page shows\n%s\nwhich the output lacks (or has out of order):\n%s", args, want, out)
				}
				rest = rest[at+1:]
			}
		}
	})

	recs := readRecords(t, logs)
	type sums struct{ flows, packets, bytes uint64 }
	t.Run("traffic every two hours", func(t *testing.T) {
		by := map[int64]sums{}
		for _, r := range recs {
			h := r.Start - r.Start%7200
			s := by[h]
			s.flows, s.packets, s.bytes = s.flows+1, s.packets+r.Packets, s.bytes+r.Bytes
			by[h] = s
		}
		var want []string
		for h := int64(1795478400); h < 1795478400+86400; h += 7200 {
			s := by[h]
			want = append(want, fmt.Sprintf("%d,%d,%d,%d", h, s.flows, s.packets, s.bytes))
		}
		got := csvRows(t, db, "query", logs, "--group-by", "time/2h", "--sort", "bytes")
		for i := range got {
			got[i] = strings.Join(strings.Split(got[i], ",")[:4], ",")
		}
		if !slices.Equal(got, want) {
			t.Errorf("time/2h:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})

	t.Run("SSH rejects every ten minutes, filled", func(t *testing.T) {
		since, until := int64(1795510800), int64(1795514400) // 09:00 to 10:00
		by := map[int64]sums{}
		for _, r := range recs {
			if r.Action != record.Reject || r.DstPort != 22 || r.End < since || r.Start > until {
				continue
			}
			m := r.Start - r.Start%600
			s := by[m]
			s.flows, s.packets, s.bytes = s.flows+1, s.packets+r.Packets, s.bytes+r.Bytes
			by[m] = s
		}
		var want []string
		times := make([]int64, 0, len(by))
		for m := range by {
			times = append(times, m)
		}
		for m := since; m < until; m += 600 {
			if by[m] == (sums{}) {
				times = append(times, m) // filled
			}
		}
		slices.Sort(times)
		for _, m := range times {
			s := by[m]
			want = append(want, fmt.Sprintf("%d,%d,%d,%d", m, s.flows, s.packets, s.bytes))
		}
		got := csvRows(t, db, "query", logs, "--action", "REJECT", "--dst-port", "22", "--group-by", "time/10m", "--fill",
			"--since", "2026-11-24T09:00:00Z", "--until", "2026-11-24T10:00:00Z")
		for i := range got {
			got[i] = strings.Join(strings.Split(got[i], ",")[:4], ",")
		}
		if !slices.Equal(got, want) {
			t.Errorf("time/10m --fill:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if !slices.ContainsFunc(want, func(s string) bool { return strings.HasSuffix(s, ",0,0,0") }) {
			t.Errorf("the corpus has no empty interval there any more: the page's point is gone")
		}
	})

	t.Run("conversations on port 443", func(t *testing.T) {
		type conv struct {
			client, server netip.AddrPort
			proto          uint8
		}
		type both struct{ flows, cp, cb, sp, sb uint64 }
		by := map[conv]both{}
		for _, r := range readRecords(t, edge) {
			if !r.Has(record.SrcAddr) || r.SrcPort != 443 && r.DstPort != 443 {
				continue
			}
			src, dst := netip.AddrPortFrom(r.SrcAddr, r.SrcPort), netip.AddrPortFrom(r.DstAddr, r.DstPort)
			fromClient := r.SrcPort > r.DstPort || r.SrcPort == r.DstPort && r.SrcAddr.Compare(r.DstAddr) <= 0
			k := conv{src, dst, r.Protocol}
			if !fromClient {
				k = conv{dst, src, r.Protocol}
			}
			b := by[k]
			b.flows++
			if fromClient {
				b.cp, b.cb = b.cp+r.Packets, b.cb+r.Bytes
			} else {
				b.sp, b.sb = b.sp+r.Packets, b.sb+r.Bytes
			}
			by[k] = b
		}
		var want []string
		keys := make([]conv, 0, len(by))
		for k := range by {
			keys = append(keys, k)
		}
		// Largest first by bytes both ways; the ties' order is the tool's
		// own, so only the top ten, which have no ties here, are compared.
		slices.SortFunc(keys, func(x, y conv) int { return cmp.Compare(by[y].cb+by[y].sb, by[x].cb+by[x].sb) })
		for _, k := range keys[:10] {
			b := by[k]
			want = append(want, strings.Join([]string{k.client.Addr().String(), strconv.Itoa(int(k.client.Port())), k.server.Addr().String(),
				strconv.Itoa(int(k.server.Port())), strconv.Itoa(int(k.proto)), fmt.Sprint(b.flows), fmt.Sprint(b.cp), fmt.Sprint(b.cb), fmt.Sprint(b.sp), fmt.Sprint(b.sb)}, ","))
		}
		got := csvRows(t, db, "query", edge, "--port", "443", "--group-by", "conversation", "--sort", "bytes", "--top", "10")
		for i := range got {
			got[i] = strings.Join(strings.Split(got[i], ",")[:10], ",")
		}
		if !slices.Equal(got, want) {
			t.Errorf("conversations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		folded := 0
		for _, b := range by {
			if b.cb > 0 && b.sb > 0 {
				folded++
			}
		}
		if folded == 0 {
			t.Errorf("no conversation with records both ways: nothing was folded")
		}
	})
}
