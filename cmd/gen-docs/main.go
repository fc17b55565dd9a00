// Command gen-docs writes everything generated from flowlog's command tree:
// the Markdown reference (docs/cli), the man pages (docs/man) and the shell
// completion scripts (completions). The output is committed, and a test fails
// when it drifts from the tree, so run it after changing a command:
//
//	go run ./cmd/gen-docs
//
// The output does not depend on when or where it is generated: the man page
// date is fixed (-date) and cobra's "Auto generated on DATE" tag is off.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/flowlog/flowlog/internal/cli"
	"github.com/flowlog/flowlog/internal/iostreams"
)

// defaultDate is the date printed in the man pages' footer. It is a constant,
// not the time of the run, so that generating twice gives the same bytes;
// move it forward when a release changes the pages.
const defaultDate = "2026-11-25"

// output is a folder the generator writes and the files in it that it owns.
// It removes owned files it did not write, so a deleted command loses its
// page; anything else in the folder (a hand-written README) is left alone.
type output struct {
	dir   string // relative to the repository root
	owned string // filepath.Match pattern
}

var outputs = []output{
	{"docs/cli", "*.md"},
	{"docs/man", "*.1"},
	{"completions", "*flowlog*"},
}

func main() {
	dir := flag.String("dir", "", "repository `root` to write into (default: the module root above the working directory)")
	date := flag.String("date", defaultDate, "man page `date`, YYYY-MM-DD")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: go run ./cmd/gen-docs [-dir ROOT] [-date YYYY-MM-DD]")
		os.Exit(2)
	}
	if err := run(*dir, *date); err != nil {
		fmt.Fprintln(os.Stderr, "gen-docs:", err)
		os.Exit(1)
	}
}

func run(dir, date string) error {
	day, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return fmt.Errorf("-date: %w", err)
	}
	if dir == "" {
		if dir, err = moduleRoot(); err != nil {
			return err
		}
	}
	return generate(dir, day)
}

// moduleRoot is the nearest folder at or above the working directory that
// holds a go.mod, so the generator writes to the same place from anywhere in
// the repository.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: use -dir")
		}
		dir = parent
	}
}

// newTree builds the command tree as the flowlog binary does. Building it
// opens nothing: the root command only installs a Config function that
// reads the settings when a command runs.
func newTree() *cobra.Command {
	root := cli.NewRootCmd(&cmdutil.Factory{IO: iostreams.System(), Now: time.Now}, cli.BuildInfo{Version: "dev"})
	// cobra adds its 'completion' command only when the binary runs; add it
	// here too so the reference documents how to install the scripts.
	root.InitDefaultCompletionCmd()
	var disable func(*cobra.Command)
	disable = func(c *cobra.Command) {
		c.DisableAutoGenTag = true
		for _, sub := range c.Commands() {
			disable(sub)
		}
	}
	disable(root)
	return root
}

// generate writes every output under root.
func generate(root string, date time.Time) error {
	for _, o := range outputs {
		if err := clean(filepath.Join(root, o.dir), o.owned); err != nil {
			return err
		}
	}
	tree := newTree()
	plainText(tree)
	if err := doc.GenMarkdownTree(tree, filepath.Join(root, "docs/cli")); err != nil {
		return fmt.Errorf("markdown: %w", err)
	}
	header := &doc.GenManHeader{
		// No Title: cobra then titles each page by its command (FLOWLOG-QUERY).
		Section: "1",
		Date:    &date,
		Source:  "flowlog",
		Manual:  "flowlog manual",
	}
	if err := doc.GenManTree(tree, header, filepath.Join(root, "docs/man")); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	return writeCompletions(newTree(), filepath.Join(root, "completions"))
}

// plainText makes the help text of every command read in Markdown as it
// does on a terminal. There "*.log.gz" and "NAME-<unix seconds>" mean what
// they say, and an indented table keeps its columns; Markdown (and md2man,
// which renders the man pages from it) would read an emphasis and an HTML
// tag, drop the text, and run the table into one paragraph.
func plainText(c *cobra.Command) {
	c.Short = escapeMarkdown(c.Short)
	c.Long = escapeMarkdown(c.Long)
	for _, sub := range c.Commands() {
		plainText(sub)
	}
}

// escapeMarkdown turns help text into Markdown that renders as the terminal
// shows it. A paragraph whose every line is indented (a table of checks,
// cobra's shell snippets) becomes a fenced block, laid out as written;
// elsewhere the characters that start emphasis, code or HTML are escaped. An
// underscore inside a word (log_status) is left alone: neither GitHub nor
// md2man reads emphasis there.
func escapeMarkdown(s string) string {
	var out []string
	for _, para := range strings.Split(s, "\n\n") {
		lines := strings.Split(para, "\n")
		if allIndented(lines) {
			out = append(out, "```\n"+para+"\n```")
			continue
		}
		for n, line := range lines {
			lines[n] = escapeLine(line)
		}
		out = append(out, strings.Join(lines, "\n"))
	}
	return strings.Join(out, "\n\n")
}

func allIndented(lines []string) bool {
	for _, line := range lines {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "\t") {
			return false
		}
	}
	return strings.TrimSpace(strings.Join(lines, "")) != ""
}

func escapeLine(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch r {
		case '\\', '`', '*', '<', '>':
			b.WriteByte('\\')
		case '_':
			inWord := i > 0 && isWordByte(s[i-1]) && i+1 < len(s) && isWordByte(s[i+1])
			if !inWord {
				b.WriteByte('\\')
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// writeCompletions writes the scripts 'flowlog completion SHELL' prints, with
// descriptions, under the names each shell looks for.
func writeCompletions(tree *cobra.Command, dir string) error {
	scripts := []struct {
		name string
		gen  func(*bytes.Buffer) error
	}{
		{"flowlog.bash", func(b *bytes.Buffer) error { return tree.GenBashCompletionV2(b, true) }},
		{"_flowlog", func(b *bytes.Buffer) error { return tree.GenZshCompletion(b) }},
		{"flowlog.fish", func(b *bytes.Buffer) error { return tree.GenFishCompletion(b, true) }},
		{"flowlog.ps1", func(b *bytes.Buffer) error { return tree.GenPowerShellCompletionWithDesc(b) }},
	}
	for _, s := range scripts {
		var b bytes.Buffer
		if err := s.gen(&b); err != nil {
			return fmt.Errorf("completion %s: %w", s.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, s.name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// clean creates dir if needed and removes the files in it matching owned.
func clean(dir, owned string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, owned))
	if err != nil {
		return err
	}
	for _, name := range old {
		if err := os.Remove(name); err != nil {
			return err
		}
	}
	return nil
}
