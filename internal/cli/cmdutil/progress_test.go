package cmdutil

import (
	"strings"
	"testing"

	"github.com/flowlog/flowlog/internal/iostreams"
)

func TestProgressOnlyOnATerminalForManyObjects(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm")
	ios, _, _, errOut := iostreams.Test()

	// Not a terminal: nothing is drawn.
	bar := NewProgress(ios, 100, false)
	bar.Done(0)
	bar.Finish()
	if errOut.Len() != 0 || bar.bar != nil {
		t.Fatalf("progress drawn off a terminal: %q", errOut.String())
	}

	ios.SetTTY(false, false, true)
	if b := NewProgress(ios, minObjectsForProgress-1, false); b.bar != nil {
		t.Error("a bar for a handful of objects")
	}
	if b := NewProgress(ios, 100, true); b.bar != nil {
		t.Error("a bar under --follow, which never ends")
	}
	t.Setenv("NO_COLOR", "1")
	if b := NewProgress(ios, 100, false); b.bar != nil {
		t.Error("a bar despite NO_COLOR")
	}
	t.Setenv("NO_COLOR", "")

	bar = NewProgress(ios, 100, false)
	for range 60 {
		bar.Done(0)
	}
	// No wait for mpb's refresh: Finish returns only after mpb's last
	// render, the one that drops the bar, has written the bar's final frame.
	bar.Finish()
	if !strings.Contains(errOut.String(), "objects 60/100") {
		t.Errorf("no progress drawn on a terminal: %q", errOut.String())
	}
}
