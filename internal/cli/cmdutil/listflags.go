package cmdutil

import (
	"encoding/csv"
	"strings"

	"github.com/spf13/pflag"
)

// The flags that take lists. They parse as pflag's StringSlice and
// StringArray do, but do not run a CSV writer (and allocate its 4 KiB
// buffer) for every flag defined: every command's flags are defined on
// every run, so that was a cost of starting any command.

// ListVar defines a flag whose values are comma-separated lists, which
// repeat: --src 10.0.0.1,10.0.0.2 --src 10.9.0.0/16. A value is read as a
// CSV record, so a quoted item may hold a comma. The flag starts out empty.
func ListVar(fl *pflag.FlagSet, p *[]string, name, usage string) {
	*p = nil
	fl.Var(&listValue{p: p, split: true}, name, usage)
}

// RepeatedVar defines a flag that repeats, one value a time, taken as it
// is: --flowlog a --flowlog b. The flag starts out empty.
func RepeatedVar(fl *pflag.FlagSet, p *[]string, name, usage string) {
	*p = nil
	fl.Var(&listValue{p: p}, name, usage)
}

// listValue is the value of both: split says a value is a list.
type listValue struct {
	p     *[]string
	split bool
	set   bool
}

func (v *listValue) Set(s string) error {
	items := []string{s}
	if v.split {
		var err error
		if items, err = splitList(s); err != nil {
			return err
		}
	}
	if !v.set {
		*v.p = nil
	}
	*v.p = append(*v.p, items...)
	v.set = true
	return nil
}

// splitList reads one CSV record; most lists have no quotes and need no
// CSV reader.
func splitList(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	if !strings.ContainsAny(s, "\"\r\n") {
		return strings.Split(s, ","), nil
	}
	return csv.NewReader(strings.NewReader(s)).Read()
}

// String is "" while empty, which help takes for no default.
func (v *listValue) String() string {
	if len(*v.p) == 0 {
		return ""
	}
	return "[" + strings.Join(*v.p, ",") + "]"
}

// Type is pflag's name for the kind of flag, which help and the docs show.
func (v *listValue) Type() string {
	if v.split {
		return "strings"
	}
	return "stringArray"
}

// GetSlice tells cobra's completion that the flag may be given again.
func (v *listValue) GetSlice() []string { return *v.p }
