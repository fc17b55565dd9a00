package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// vars is an environment, or the flags a user set, for Load.
type vars map[string]string

func (v vars) lookup(name string) (string, bool) {
	s, ok := v[name]
	return s, ok
}

// level is a place a setting may come from, highest precedence first.
type level int

const (
	flagLevel level = iota
	envLevel
	profileLevel
	fileLevel
	defaultLevel
)

func (l level) String() string {
	return [...]string{"flag", "env", "profile", "file", "default"}[l]
}

// value is what a test puts at a level, and what Load then gives.
type value struct {
	set  string
	want any
}

// TestPrecedence sets each setting at two levels at once, with different
// values, and checks that the higher one wins: every pair of the levels
// the setting has, both ways round, in both spellings of its key in the
// file. A setting at a level it does not have is ignored.
func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	dataHome := filepath.Join(dir, "data")
	configHome := filepath.Join(dir, "config")
	fileDir := filepath.Join(configHome, "flowlog")
	if err := os.MkdirAll(fileDir, 0o755); err != nil {
		t.Fatal(err)
	}
	cwd := func(p string) string {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	str := func(s string) value { return value{s, s} }

	specs := []struct {
		key    string
		get    func(*Settings) any
		levels map[level][2]value
	}{
		{"db", func(s *Settings) any { return s.DBPath }, map[level][2]value{
			flagLevel:    {{"flag.db", cwd("flag.db")}, {"/abs/flag.db", "/abs/flag.db"}},
			envLevel:     {{"env.db", cwd("env.db")}, {"/abs/env.db", "/abs/env.db"}},
			fileLevel:    {{"file.db", filepath.Join(fileDir, "file.db")}, {"sub/file.db", filepath.Join(fileDir, "sub", "file.db")}},
			defaultLevel: {{"", filepath.Join(dataHome, "flowlog", "flowlog.db")}},
		}},
		{"output", func(s *Settings) any { return s.Output }, map[level][2]value{
			flagLevel:    {str("json"), str("csv")},
			envLevel:     {str("ndjson"), str("table")},
			fileLevel:    {str("raw"), str("yaml")},
			defaultLevel: {str("")},
		}},
		{"profile", func(s *Settings) any { return s.Profile }, map[level][2]value{
			flagLevel:    {str("flag-a"), str("flag-b")},
			envLevel:     {str("env-a"), str("env-b")},
			fileLevel:    {str("file-a"), str("file-b")},
			defaultLevel: {str("")},
		}},
		{"endpoint", func(s *Settings) any { return s.Endpoint }, map[level][2]value{
			flagLevel:    {str("http://flag-a"), str("http://flag-b")},
			envLevel:     {str("http://env-a"), str("http://env-b")},
			profileLevel: {str("http://profile-a"), str("http://profile-b")},
			fileLevel:    {str("http://file-a"), str("http://file-b")},
			defaultLevel: {str("")},
		}},
		{"region", func(s *Settings) any { return s.Region }, map[level][2]value{
			flagLevel:    {str("flag-a"), str("flag-b")},
			envLevel:     {str("env-a"), str("env-b")},
			profileLevel: {str("profile-a"), str("profile-b")},
			fileLevel:    {str("file-a"), str("file-b")},
			defaultLevel: {str("")},
		}},
		{"path-style", func(s *Settings) any { return s.PathStyle }, map[level][2]value{
			flagLevel:    {{"true", true}, {"false", false}},
			envLevel:     {{"true", true}, {"false", false}},
			profileLevel: {{"true", true}, {"false", false}},
			fileLevel:    {{"true", true}, {"false", false}},
			defaultLevel: {{"", false}},
		}},
		{"aws-profile", func(s *Settings) any { return s.AWSProfile }, map[level][2]value{
			envLevel:     {str("env-a"), str("env-b")},
			profileLevel: {str("profile-a"), str("profile-b")},
			fileLevel:    {str("file-a"), str("file-b")},
			defaultLevel: {str("")},
		}},
		{"read-timeout", func(s *Settings) any { return s.ReadTimeout }, map[level][2]value{
			flagLevel:    {{"5s", 5 * time.Second}, {"2m", 2 * time.Minute}},
			envLevel:     {{"6s", 6 * time.Second}, {"1m30s", 90 * time.Second}},
			profileLevel: {{"7s", 7 * time.Second}, {"500ms", 500 * time.Millisecond}},
			fileLevel:    {{"8s", 8 * time.Second}, {"1h", time.Hour}},
			defaultLevel: {{"", time.Duration(0)}},
		}},
		{"ec2-metadata", func(s *Settings) any { return s.EC2Metadata }, map[level][2]value{
			envLevel:     {{"true", true}, {"false", false}},
			profileLevel: {{"true", true}, {"false", false}},
			fileLevel:    {{"true", true}, {"false", false}},
			defaultLevel: {{"", false}},
		}},
		{"debug", func(s *Settings) any { return s.Debug }, map[level][2]value{
			flagLevel:    {{"true", true}, {"false", false}},
			envLevel:     {{"true", true}, {"false", false}},
			fileLevel:    {{"true", true}, {"false", false}},
			defaultLevel: {{"", false}},
		}},
		{"storage-root", func(s *Settings) any { return s.StorageRoot }, map[level][2]value{
			envLevel:     {{"env", cwd("env")}, {"/abs/env", "/abs/env"}},
			fileLevel:    {{"buckets", filepath.Join(fileDir, "buckets")}, {"/abs/file", "/abs/file"}},
			defaultLevel: {{"", filepath.Join(dataHome, "flowlog", "buckets")}},
		}},
		{"serve-token", func(s *Settings) any { return string(s.Serve.Token) }, map[level][2]value{
			envLevel:     {str("env-a"), str("env-b")},
			fileLevel:    {str("file-a"), str("file-b")},
			defaultLevel: {str("")},
		}},
		{"serve-username", func(s *Settings) any { return s.Serve.Username }, map[level][2]value{
			envLevel:     {str("env-a"), str("env-b")},
			fileLevel:    {str("file-a"), str("file-b")},
			defaultLevel: {str("")},
		}},
		{"serve-password", func(s *Settings) any { return string(s.Serve.Password) }, map[level][2]value{
			envLevel:     {str("env-a"), str("env-b")},
			fileLevel:    {str("file-a"), str("file-b")},
			defaultLevel: {str("")},
		}},
	}

	for _, sp := range specs {
		spellings := []string{sp.key}
		if under := strings.ReplaceAll(sp.key, "-", "_"); under != sp.key {
			spellings = append(spellings, under)
		}
		for _, fileKey := range spellings {
			// run sets a level to each of its values in turn, and the
			// level below (if any) to the other, and expects the first.
			run := func(hi, lo level, ignored bool) {
				n := 2
				if hi == defaultLevel {
					n = 1 // nothing set
				}
				for i := range n {
					name := fmt.Sprintf("%s/%s/%s", fileKey, hi, lo)
					if ignored {
						name = fmt.Sprintf("%s/%s-ignored", fileKey, hi)
					}
					t.Run(fmt.Sprintf("%s/%d", name, i), func(t *testing.T) {
						flags, env := vars{}, vars{"XDG_DATA_HOME": dataHome, "XDG_CONFIG_HOME": configHome}
						var top, profile []string
						set := func(l level, v string) {
							switch l {
							case flagLevel:
								flags[sp.key] = v
							case envLevel:
								env["FLOWLOG_"+strings.ToUpper(strings.ReplaceAll(sp.key, "-", "_"))] = v
							case profileLevel:
								profile = append(profile, "    "+fileKey+": "+v)
							case fileLevel:
								top = append(top, fileKey+": "+v)
							}
						}
						vals := sp.levels[hi]
						want := sp.levels[defaultLevel][0].want
						if !ignored {
							set(hi, vals[i].set)
							want = vals[i].want
						} else {
							set(hi, "/ignored")
						}
						if lo != defaultLevel {
							set(lo, sp.levels[lo][1-i].set)
						}
						writeFile(t, filepath.Join(fileDir, "config.yaml"), profileFile(top, profile))
						s, err := Load(flags.lookup, env.lookup)
						if err != nil {
							t.Fatal(err)
						}
						if got := sp.get(s); got != want {
							t.Errorf("%s = %#v; want %#v", sp.key, got, want)
						}
					})
				}
			}
			for hi := flagLevel; hi <= defaultLevel; hi++ {
				if _, ok := sp.levels[hi]; !ok {
					// Only a profile and the file can hold what a
					// setting does not take; flags are the command's.
					// (A profile holding "profile" would select one.)
					if hi == fileLevel || hi == profileLevel && sp.key != "profile" {
						run(hi, defaultLevel, true)
					}
					continue
				}
				for lo := min(hi+1, defaultLevel); lo <= defaultLevel; lo++ {
					if _, ok := sp.levels[lo]; ok {
						run(hi, lo, false)
					}
				}
			}
		}
	}
}

// profileFile is a config file with the top-level lines top, and a
// profile "sel", selected, holding the lines profile. Profiles named as
// the profile setting's values are defined, empty.
func profileFile(top, profile []string) string {
	var b strings.Builder
	for _, l := range top {
		b.WriteString(l + "\n")
	}
	if len(profile) > 0 {
		b.WriteString("profile: sel\n")
	}
	b.WriteString("profiles:\n  sel:\n")
	for _, l := range profile {
		b.WriteString(l + "\n")
	}
	for _, n := range []string{"flag-a", "flag-b", "env-a", "env-b", "file-a", "file-b"} {
		b.WriteString("  " + n + ":\n")
	}
	return b.String()
}

func writeFile(t *testing.T, name, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLoad covers what the precedence table does not: which file is read,
// paths from files named on the command line, '~', and the errors a user
// must fix, with their messages and hints.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	t.Setenv("HOME", home)
	configHome := filepath.Join(dir, "config")
	dataHome := filepath.Join(dir, "data")
	defaultFile := filepath.Join(configHome, "flowlog", "config.yaml")
	writeFile(t, defaultFile, "db: default.db\n")
	writeFile(t, filepath.Join(dir, "other", "other.yaml"), "db: other.db\nstorage-root: ../roots\n")
	writeFile(t, filepath.Join(dir, "env.yaml"), "db: ~/env.db\n")
	writeFile(t, filepath.Join(dir, "bad.yaml"), "db: [\n")
	writeFile(t, filepath.Join(dir, "storage.yaml"), "region: de\nprofiles:\n  local:\n    region: us-east-1\n  Other:\n")
	xdg := vars{"XDG_CONFIG_HOME": configHome, "XDG_DATA_HOME": dataHome}
	with := func(kv ...string) vars {
		v := vars{}
		for k, s := range xdg {
			v[k] = s
		}
		for i := 0; i < len(kv); i += 2 {
			v[kv[i]] = kv[i+1]
		}
		return v
	}

	tests := []struct {
		name     string
		flags    vars
		env      vars
		want     func(*Settings) any
		wantVal  any
		wantErr  string // the message
		wantHint string
	}{
		{name: "default file", env: xdg,
			want: func(s *Settings) any { return [2]string{s.ConfigFile, s.DBPath} }, wantVal: [2]string{defaultFile, filepath.Join(configHome, "flowlog", "default.db")}},
		{name: "no default file", env: with("XDG_CONFIG_HOME", filepath.Join(dir, "none")),
			want: func(s *Settings) any { return [2]string{s.ConfigFile, s.DBPath} }, wantVal: [2]string{"", filepath.Join(dataHome, "flowlog", "flowlog.db")}},
		{name: "--config, relative paths in it", flags: vars{"config": filepath.Join(dir, "other", "other.yaml")}, env: xdg,
			want:    func(s *Settings) any { return [3]string{s.ConfigFile, s.DBPath, s.StorageRoot} },
			wantVal: [3]string{filepath.Join(dir, "other", "other.yaml"), filepath.Join(dir, "other", "other.db"), filepath.Join(dir, "roots")}},
		{name: "FLOWLOG_CONFIG, ~ in it", env: with("FLOWLOG_CONFIG", filepath.Join(dir, "env.yaml")),
			want: func(s *Settings) any { return s.DBPath }, wantVal: filepath.Join(home, "env.db")},
		{name: "--config over FLOWLOG_CONFIG", flags: vars{"config": filepath.Join(dir, "other", "other.yaml")}, env: with("FLOWLOG_CONFIG", filepath.Join(dir, "env.yaml")),
			want: func(s *Settings) any { return s.DBPath }, wantVal: filepath.Join(dir, "other", "other.db")},
		{name: "~ in a flag", flags: vars{"db": "~/flag.db"}, env: xdg,
			want: func(s *Settings) any { return s.DBPath }, wantVal: filepath.Join(home, "flag.db")},
		{name: "empty variable is unset", env: with("FLOWLOG_DB", ""),
			want: func(s *Settings) any { return s.DBPath }, wantVal: filepath.Join(configHome, "flowlog", "default.db")},
		{name: "empty flag is the default", flags: vars{"db": ""}, env: with("FLOWLOG_DB", "/env.db"),
			want: func(s *Settings) any { return s.DBPath }, wantVal: filepath.Join(dataHome, "flowlog", "flowlog.db")},
		{name: "profile by flag", flags: vars{"config": filepath.Join(dir, "storage.yaml"), "profile": "local"}, env: xdg,
			want: func(s *Settings) any { return s.Region }, wantVal: "us-east-1"},
		{name: "a profile that sets nothing", flags: vars{"config": filepath.Join(dir, "storage.yaml"), "profile": "other"}, env: xdg,
			want: func(s *Settings) any { return s.Region }, wantVal: "de"},

		{name: "missing --config", flags: vars{"config": filepath.Join(dir, "missing.yaml")}, env: xdg,
			wantErr: "config file " + filepath.Join(dir, "missing.yaml") + ": not found"},
		{name: "missing FLOWLOG_CONFIG", env: with("FLOWLOG_CONFIG", "missing.yaml"),
			wantErr: "config file missing.yaml: not found"},
		{name: "unreadable file", flags: vars{"config": filepath.Join(dir, "bad.yaml")}, env: xdg,
			wantErr: "config file " + filepath.Join(dir, "bad.yaml") + ": While parsing config: yaml: line 1: did not find expected node content"},
		{name: "unknown profile", flags: vars{"config": filepath.Join(dir, "storage.yaml"), "profile": "nope"}, env: xdg,
			wantErr:  `profile "nope" is not defined in ` + filepath.Join(dir, "storage.yaml"),
			wantHint: "define it under 'profiles:' in the config file (see 'flowlog help configuration'); known: local, other"},
		{name: "profile without a file", env: with("XDG_CONFIG_HOME", filepath.Join(dir, "none"), "FLOWLOG_PROFILE", "local"),
			wantErr:  `profile "local" is not defined in no config file`,
			wantHint: "define it under 'profiles:' in the config file (see 'flowlog help configuration'); known: "},
		{name: "bad path-style", env: with("FLOWLOG_PATH_STYLE", "maybe"),
			wantErr: `path-style "maybe": want true or false`},
		{name: "bad debug", env: with("FLOWLOG_DEBUG", "yes"),
			wantErr: `debug "yes": want true or false`},
		{name: "bad read-timeout", env: with("FLOWLOG_READ_TIMEOUT", "30"),
			wantErr: `read-timeout "30": want a duration such as 30s or 2m`},
		{name: "read-timeout of zero", flags: vars{"read-timeout": "0s"}, env: xdg,
			wantErr: `read-timeout "0s": want a duration such as 30s or 2m`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flags := tt.flags
			if flags == nil {
				flags = vars{}
			}
			s, err := Load(flags.lookup, tt.env.lookup)
			if tt.wantErr != "" {
				var ce *Error
				if !errors.As(err, &ce) {
					t.Fatalf("err = %v (%T); want a *config.Error", err, err)
				}
				if ce.Error() != tt.wantErr || ce.Hint() != tt.wantHint {
					t.Errorf("err = %q, hint %q\nwant %q, hint %q", ce.Error(), ce.Hint(), tt.wantErr, tt.wantHint)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.want(s); !reflect.DeepEqual(got, tt.wantVal) {
				t.Errorf("got %q; want %q", got, tt.wantVal)
			}
		})
	}
}

// TestXDG: an unset, empty or relative XDG_*_HOME is ignored, as the XDG
// Base Directory spec says, for the database, the storage root and the
// config file alike.
func TestXDG(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	writeFile(t, filepath.Join(home, ".config", "flowlog", "config.yaml"), "output: json\n")
	for _, tt := range []struct {
		name string
		env  vars
		data string // the data home in effect
		file string // the config file read
	}{
		{"set", vars{"XDG_DATA_HOME": "/data", "XDG_CONFIG_HOME": "/nowhere"}, "/data", ""},
		{"unset", vars{}, filepath.Join(home, ".local", "share"), filepath.Join(home, ".config", "flowlog", "config.yaml")},
		{"empty", vars{"XDG_DATA_HOME": "", "XDG_CONFIG_HOME": ""}, filepath.Join(home, ".local", "share"), filepath.Join(home, ".config", "flowlog", "config.yaml")},
		{"relative", vars{"XDG_DATA_HOME": "data", "XDG_CONFIG_HOME": "config"}, filepath.Join(home, ".local", "share"), filepath.Join(home, ".config", "flowlog", "config.yaml")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load(vars{}.lookup, tt.env.lookup)
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(tt.data, "flowlog", "flowlog.db"); s.DBPath != want {
				t.Errorf("DBPath = %q; want %q", s.DBPath, want)
			}
			if want := filepath.Join(tt.data, "flowlog", "buckets"); s.StorageRoot != want {
				t.Errorf("StorageRoot = %q; want %q", s.StorageRoot, want)
			}
			if s.ConfigFile != tt.file {
				t.Errorf("ConfigFile = %q; want %q", s.ConfigFile, tt.file)
			}

			// The exported helpers read the process's environment.
			for _, k := range []string{"XDG_DATA_HOME", "XDG_CONFIG_HOME"} {
				if v, ok := tt.env[k]; ok {
					t.Setenv(k, v)
				} else {
					t.Setenv(k, "")
					os.Unsetenv(k)
				}
			}
			if got, err := DataHome(); err != nil || got != tt.data {
				t.Errorf("DataHome() = %q, %v; want %q", got, err, tt.data)
			}
			if got, err := DefaultDBPath(); err != nil || got != filepath.Join(tt.data, "flowlog", "flowlog.db") {
				t.Errorf("DefaultDBPath() = %q, %v", got, err)
			}
			wantConfig := filepath.Join(home, ".config")
			if tt.name == "set" {
				wantConfig = "/nowhere"
			}
			if got, err := ConfigHome(); err != nil || got != wantConfig {
				t.Errorf("ConfigHome() = %q, %v; want %q", got, err, wantConfig)
			}
		})
	}
}

// Without a home folder and an absolute XDG home, Load still succeeds: no
// config file is read and the default paths are empty, so commands that
// need neither run; the Factory says what is missing when a path is needed.
func TestLoadWithoutHome(t *testing.T) {
	t.Setenv("HOME", "")
	s, err := Load(vars{}.lookup, vars{}.lookup)
	if err != nil {
		t.Fatal(err)
	}
	if s.DBPath != "" || s.StorageRoot != "" || s.ConfigFile != "" {
		t.Errorf("paths %q, %q, %q; want none", s.DBPath, s.StorageRoot, s.ConfigFile)
	}
	s, err = Load(vars{}.lookup, vars{"XDG_DATA_HOME": "/data"}.lookup)
	if err != nil || s.DBPath != "/data/flowlog/flowlog.db" {
		t.Errorf("with XDG_DATA_HOME: %+v, %v", s, err)
	}
}

// TestSecretNeverPrinted formats settings holding serve credentials every
// way a careless log line might, and expects no secret in any of them.
func TestSecretNeverPrinted(t *testing.T) {
	s := Settings{Serve: ServeAuth{Token: "tok-3f9a8b", Username: "alice", Password: "pw-77c2e1"}}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out := fmt.Sprintf(format, s) + fmt.Sprintf(format, s.Serve) + fmt.Sprintf(format, s.Serve.Token)
		for _, secret := range []string{"tok-3f9a8b", "pw-77c2e1"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s shows %s: %s", format, secret, out)
			}
		}
	}
	b, err := s.Serve.Token.MarshalText()
	if err != nil || strings.Contains(string(b), "tok-3f9a8b") {
		t.Errorf("MarshalText = %q, %v", b, err)
	}
	if string(s.Serve.Token) != "tok-3f9a8b" {
		t.Errorf("string(Token) = %q, want the value", s.Serve.Token)
	}
}
