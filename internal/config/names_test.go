package config

import (
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLabelsAndMMDB(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, file string
		env        vars
		labels     map[string][]netip.Prefix
		mmdb       []string
		err        string
	}{
		{name: "none", file: "db: x.db\n"},
		{name: "labels and a list of databases", file: "labels:\n  office: [203.0.113.0/24]\n  pods: [10.42.1.9/16, \"fd00::/8\", 192.0.2.1]\n  one: 198.51.100.0/24\nmmdb: [asn.mmdb, /abs/country.mmdb]\n",
			labels: map[string][]netip.Prefix{
				"office": {netip.MustParsePrefix("203.0.113.0/24")},
				"pods":   {netip.MustParsePrefix("10.42.0.0/16"), netip.MustParsePrefix("fd00::/8"), netip.MustParsePrefix("192.0.2.1/32")},
				"one":    {netip.MustParsePrefix("198.51.100.0/24")},
			},
			mmdb: []string{filepath.Join(dir, "asn.mmdb"), "/abs/country.mmdb"}},
		{name: "one database", file: "mmdb: geo.mmdb\n", mmdb: []string{filepath.Join(dir, "geo.mmdb")}},
		{name: "the variable wins", file: "mmdb: geo.mmdb\n", env: vars{"FLOWLOG_MMDB": "/env/geo.mmdb"}, mmdb: []string{"/env/geo.mmdb"}},
		{name: "not a prefix", file: "labels:\n  office: [office-net]\n", err: `labels.office: "office-net" is not a CIDR prefix or an address`},
		{name: "not a map", file: "labels: [10.0.0.0/8]\n", err: "labels: want a map from a name to a list of CIDR prefixes"},
		{name: "not a path", file: "mmdb: {a: b}\n", err: "mmdb: want a path or a list of paths"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, "config.yaml")
			writeFile(t, file, tc.file)
			env := vars{"HOME": dir}
			for k, v := range tc.env {
				env[k] = v
			}
			s, err := Load(vars{"config": file}.lookup, env.lookup)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Labels, tc.labels) && !(len(s.Labels) == 0 && len(tc.labels) == 0) {
				t.Errorf("labels %v, want %v", s.Labels, tc.labels)
			}
			if !reflect.DeepEqual(s.MMDB, tc.mmdb) {
				t.Errorf("mmdb %v, want %v", s.MMDB, tc.mmdb)
			}
		})
	}
}
