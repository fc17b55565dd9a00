package cmdutil

import (
	"slices"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Shell completion offers a flag again after it was given only if its value
// says it takes several.
var _ cobra.SliceValue = (*listValue)(nil)

func TestListFlagsParseAsPflagDoes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{nil, nil},
		{[]string{"--src", "10.0.0.1"}, []string{"10.0.0.1"}},
		{[]string{"--src", "10.0.0.1,10.0.0.2", "--src=::1"}, []string{"10.0.0.1", "10.0.0.2", "::1"}},
		{[]string{"--src", `"a,b",c`}, []string{"a,b", "c"}},
		{[]string{"--src", ""}, nil},
	} {
		var ours, theirs []string
		fl := pflag.NewFlagSet("ours", pflag.ContinueOnError)
		ListVar(fl, &ours, "src", "")
		pf := pflag.NewFlagSet("pflag", pflag.ContinueOnError)
		pf.StringSliceVar(&theirs, "src", nil, "")
		if err := fl.Parse(tc.args); err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		if err := pf.Parse(tc.args); err != nil {
			t.Fatalf("pflag %q: %v", tc.args, err)
		}
		if !slices.Equal(ours, tc.want) || !slices.Equal(ours, theirs) {
			t.Errorf("%q: got %q, want %q (pflag %q)", tc.args, ours, tc.want, theirs)
		}
	}
	var items []string
	fl := pflag.NewFlagSet("bad", pflag.ContinueOnError)
	ListVar(fl, &items, "src", "")
	if err := fl.Parse([]string{"--src", `"a`}); err == nil {
		t.Errorf("an unclosed quote parsed: %q", items)
	}
}

func TestRepeatedFlagKeepsCommas(t *testing.T) {
	var ours, theirs []string
	args := []string{"--flowlog", "a,b", "--flowlog", "c"}
	fl := pflag.NewFlagSet("ours", pflag.ContinueOnError)
	RepeatedVar(fl, &ours, "flowlog", "")
	pf := pflag.NewFlagSet("pflag", pflag.ContinueOnError)
	pf.StringArrayVar(&theirs, "flowlog", nil, "")
	if err := fl.Parse(args); err != nil {
		t.Fatal(err)
	}
	if err := pf.Parse(args); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a,b", "c"}; !slices.Equal(ours, want) || !slices.Equal(theirs, want) {
		t.Errorf("got %q, pflag %q, want %q", ours, theirs, want)
	}
	if got := fl.Lookup("flowlog").DefValue; got != "" {
		t.Errorf("DefValue %q, want empty (no default in help)", got)
	}
}
