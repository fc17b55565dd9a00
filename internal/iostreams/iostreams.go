// Package iostreams owns the standard streams a command reads and writes, and
// what flowlog needs to know about them: whether each is a terminal, whether
// colour is wanted, and how to ask the user a yes/no question.
package iostreams

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// IOStreams are the three standard streams and their terminal state.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
	stdinPipe bool
	inReader  *bufio.Reader
}

// System returns the process's own streams.
func System() *IOStreams {
	return &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout) || forceTTY(),
		stderrTTY: isTerminal(os.Stderr),
		stdinPipe: isPipeOrFile(os.Stdin),
	}
}

// isPipeOrFile reports whether f is a pipe or a redirected regular file:
// input someone means to be read, unlike a terminal or /dev/null.
func isPipeOrFile(f *os.File) bool {
	info, err := f.Stat()
	if err != nil {
		return false
	}
	mode := info.Mode()
	return mode&os.ModeNamedPipe != 0 || mode.IsRegular()
}

// forceTTY reports whether FLOWLOG_FORCE_TTY asks for standard output to be
// treated as a terminal: tables for people through a pager (| less -S), and
// end-to-end tests of what a terminal shows.
func forceTTY() bool {
	v := os.Getenv("FLOWLOG_FORCE_TTY")
	return v != "" && v != "0" && v != "false"
}

func isTerminal(f *os.File) bool {
	if os.Getenv("TERM") == "dumb" {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}

// Test returns streams backed by buffers, none of them a terminal.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// SetTTY marks the streams as terminals or not; tests use it to take the
// interactive paths.
func (s *IOStreams) SetTTY(stdin, stdout, stderr bool) {
	s.stdinTTY, s.stdoutTTY, s.stderrTTY = stdin, stdout, stderr
}

// SetStdinPiped marks standard input as carrying piped data or not.
func (s *IOStreams) SetStdinPiped(piped bool) { s.stdinPipe = piped }

// IsStdinPiped reports whether standard input is a pipe or a file: with no
// SOURCE, a query reads it.
func (s *IOStreams) IsStdinPiped() bool { return s.stdinPipe }

// IsStdinTTY reports whether standard input is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether standard output is a terminal: it decides
// between a table for people and a machine format for pipes.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether standard error is a terminal: progress bars
// are drawn only then.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// CanPrompt reports whether a question can be asked and answered.
func (s *IOStreams) CanPrompt() bool { return s.stdinTTY && s.stderrTTY }

// ColorEnabled reports whether stderr may carry colour and progress bars: a
// terminal, NO_COLOR unset or empty (as no-color.org says), and TERM not
// dumb.
func (s *IOStreams) ColorEnabled() bool {
	return s.stderrTTY && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}

// ErrNoAnswer is returned by Confirm when input ends before an answer.
var ErrNoAnswer = errors.New("no answer: input ended")

// Confirm asks a yes/no question on stderr and reads the answer from stdin.
// Only "y" or "yes" (any case) count as yes; anything else is no.
func (s *IOStreams) Confirm(question string) (bool, error) {
	fmt.Fprintf(s.ErrOut, "%s [y/N]: ", question)
	if s.inReader == nil {
		s.inReader = bufio.NewReader(s.In)
	}
	answer, err := s.inReader.ReadString('\n')
	if err != nil && (err != io.EOF || answer == "") {
		fmt.Fprintln(s.ErrOut)
		return false, ErrNoAnswer
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
