// Package config owns flowlog's settings: it resolves every setting once,
// with one order of precedence — a flag the user set, a FLOWLOG_* variable,
// the selected profile of the config file, the file's top level, the
// default — into a typed Settings, and it knows where flowlog's files live
// under the XDG base directories. It is the only package that imports
// viper, which reads the config file; the precedence is this package's own.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/viper"
)

// Settings is every setting flowlog reads, as resolved by Load.
type Settings struct {
	DBPath     string // --db, FLOWLOG_DB, db:, else DefaultDBPath; absolute
	ConfigFile string // the file read, as named; "" when none
	Output     string // -o, FLOWLOG_OUTPUT, output:; "" means the command's default

	// Object storage. The selected profile may set each of these; a flag or
	// FLOWLOG_* variable still wins over the profile, and the profile over
	// the file's top level.
	Profile    string // --profile, FLOWLOG_PROFILE, profile:
	Endpoint   string // --endpoint URL
	Region     string // --region: a signing region, or an IONOS region key (de, eu-central-2, eu-south-2)
	PathStyle  bool   // --path-style
	AWSProfile string // aws_profile: a profile of the AWS shared config and credentials files

	// ReadTimeout is how long a request may wait for a response, or a
	// download for its next bytes, before it is abandoned and retried:
	// --read-timeout, FLOWLOG_READ_TIMEOUT, read-timeout:; 0 is the
	// store's default.
	ReadTimeout time.Duration
	// EC2Metadata lets the S3 credential chain ask the EC2 instance
	// metadata service: FLOWLOG_EC2_METADATA, ec2-metadata:; off unless set.
	EC2Metadata bool

	Debug bool // --debug, FLOWLOG_DEBUG: log object storage requests to stderr

	// StorageRoot is the folder under which buckets live, a folder each,
	// when no object storage is configured: FLOWLOG_STORAGE_ROOT,
	// storage-root:, else $XDG_DATA_HOME/flowlog/buckets; absolute.
	StorageRoot string

	// Serve is what 'flowlog serve' asks of its clients.
	Serve ServeAuth
}

// ServeAuth is the credentials 'flowlog serve' requires: a Bearer token
// (FLOWLOG_SERVE_TOKEN, serve-token:), HTTP Basic (FLOWLOG_SERVE_USERNAME
// and FLOWLOG_SERVE_PASSWORD, serve-username: and serve-password:), or
// both. There are no flags: a secret on the command line is visible to
// every user of the machine.
type ServeAuth struct {
	Token    Secret
	Username string
	Password Secret
}

// Secret is a setting that must never be printed: fmt shows it as
// "[redacted]" (or "" when unset), so a stray %v of a Settings cannot leak
// it. Compare or use the value with string(s).
type Secret string

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString keeps %#v from printing the value too.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// MarshalText keeps encoders (JSON, YAML) from writing the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// StorageConfigured reports whether the user said where object storage is;
// if not, buckets are folders under StorageRoot.
func (s *Settings) StorageConfigured() bool {
	return s.Endpoint != "" || s.Region != "" || s.Profile != ""
}

// Lookup finds a value by name: an environment variable (os.LookupEnv), or
// a flag the user set on the command line, as text. ok is false when there
// is none.
type Lookup func(name string) (value string, ok bool)

// Error is a setting the user must fix: a config file named but missing or
// unreadable, a profile that is not defined, a value its setting does not
// take.
type Error struct {
	err  error
	hint string
}

func (e *Error) Error() string { return e.err.Error() }
func (e *Error) Unwrap() error { return e.err }

// Hint says what the user can do about the error; "" when the message says
// it all.
func (e *Error) Hint() string { return e.hint }

func errorf(format string, args ...any) *Error {
	return &Error{err: fmt.Errorf(format, args...)}
}

// A setting says where one setting may come from. Load looks in each place
// it names, in the order of precedence, and takes the first value found;
// an empty FLOWLOG_* variable counts as unset.
type setting struct {
	// key names the setting with '-' between words: the flag is --key, the
	// variable FLOWLOG_KEY with '_', and the file may spell it either way.
	key     string
	flag    bool // a flag --key
	profile bool // the selected profile may hold it
	file    bool // the config file's top level may hold it

	// path marks a path: '~' is the home folder, and a relative path is
	// relative to the folder of the config file that gave it, or to the
	// working directory when a flag or variable did.
	path bool

	// def gives the value when no place holds one, or holds "".
	def func(env Lookup) (string, error)
}

// The settings that decide where the others are read.
var (
	configSetting  = setting{key: "config", flag: true, def: defaultConfigFile}
	profileSetting = setting{key: "profile", flag: true, file: true}
)

// field pairs a setting with where Load stores it: a *string, a *bool or a
// *time.Duration.
type field struct {
	setting
	dst any
}

// fields lists the settings read once the file and the profile are known.
func (s *Settings) fields() []field {
	return []field{
		{setting{key: "db", flag: true, file: true, path: true, def: defaultDBPath}, &s.DBPath},
		{setting{key: "output", flag: true, file: true}, &s.Output},
		{setting{key: "endpoint", flag: true, profile: true, file: true}, &s.Endpoint},
		{setting{key: "region", flag: true, profile: true, file: true}, &s.Region},
		{setting{key: "path-style", flag: true, profile: true, file: true}, &s.PathStyle},
		{setting{key: "aws-profile", profile: true, file: true}, &s.AWSProfile},
		{setting{key: "read-timeout", flag: true, profile: true, file: true}, &s.ReadTimeout},
		{setting{key: "ec2-metadata", profile: true, file: true}, &s.EC2Metadata},
		{setting{key: "debug", flag: true, file: true}, &s.Debug},
		{setting{key: "storage-root", file: true, path: true, def: defaultStorageRoot}, &s.StorageRoot},
		{setting{key: "serve-token", file: true}, &s.Serve.Token},
		{setting{key: "serve-username", file: true}, &s.Serve.Username},
		{setting{key: "serve-password", file: true}, &s.Serve.Password},
	}
}

// Load resolves the settings. flags gives the flags the user set, by name
// (a flag left at its default must report ok false); env gives environment
// variables, as os.LookupEnv does.
func Load(flags, env Lookup) (*Settings, error) {
	r := &resolver{flags: flags, env: env}

	file, from, err := r.text(configSetting)
	if err != nil {
		return nil, err
	}
	if err := r.readFile(file, from.isDefault); err != nil {
		return nil, err
	}
	s := &Settings{}
	if r.fileDir != "" {
		s.ConfigFile = file
	}
	if s.Profile, _, err = r.text(profileSetting); err != nil {
		return nil, err
	}
	if err := r.selectProfile(s.Profile, s.ConfigFile); err != nil {
		return nil, err
	}
	for _, f := range s.fields() {
		switch dst := f.dst.(type) {
		case *string:
			*dst, _, err = r.text(f.setting)
		case *Secret:
			var v string
			v, _, err = r.text(f.setting)
			*dst = Secret(v)
		case *bool:
			*dst, err = r.boolean(f.setting)
		case *time.Duration:
			*dst, err = r.duration(f.setting)
		}
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// resolver looks up settings in the places Load reads, highest precedence
// first.
type resolver struct {
	flags, env Lookup
	file       *viper.Viper   // the config file; nil when none was read
	fileDir    string         // its folder; "" when none was read
	profile    map[string]any // the selected profile; nil when none
}

// origin is where a value came from.
type origin struct {
	name      string // as the user wrote it: --db, FLOWLOG_DB, db
	dir       string // what a relative path is relative to; "" for the working directory
	isDefault bool
}

// lookup finds the value of s with the highest precedence. ok is false when
// no place holds one.
func (r *resolver) lookup(s setting) (v any, from origin, ok bool) {
	if s.flag {
		if v, ok := r.flags(s.key); ok {
			return v, origin{name: "--" + s.key}, true
		}
	}
	env := "FLOWLOG_" + strings.ToUpper(strings.ReplaceAll(s.key, "-", "_"))
	if v, ok := r.env(env); ok && v != "" {
		return v, origin{name: env}, true
	}
	if s.profile {
		if v, ok := fileValue(func(k string) any { return r.profile[k] }, s.key); ok {
			return v, origin{name: s.key, dir: r.fileDir}, true
		}
	}
	if s.file && r.file != nil {
		if v, ok := fileValue(r.file.Get, s.key); ok {
			return v, origin{name: s.key, dir: r.fileDir}, true
		}
	}
	return nil, origin{}, false
}

// fileValue finds key in a map of the config file, spelled with '-' or '_'.
// A key holding nothing (null) is not set.
func fileValue(get func(key string) any, key string) (any, bool) {
	for _, k := range []string{key, strings.ReplaceAll(key, "-", "_")} {
		if v := get(k); v != nil {
			return v, true
		}
	}
	return nil, false
}

// text resolves a setting that holds text, or a path.
func (r *resolver) text(s setting) (string, origin, error) {
	v, from, ok := r.lookup(s)
	str := ""
	if ok {
		str = fmt.Sprint(v)
	}
	if str == "" && s.def != nil {
		var err error
		if str, err = s.def(r.env); err != nil {
			return "", origin{}, err
		}
		from = origin{name: s.key, isDefault: true}
	}
	if !s.path || str == "" {
		return str, from, nil
	}
	p := expandHome(str)
	if !filepath.IsAbs(p) && from.dir != "" {
		p = filepath.Join(from.dir, p)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", origin{}, fmt.Errorf("%s %s: %w", from.name, str, err)
	}
	return abs, from, nil
}

// boolean resolves a setting that is on or off; unset is off.
func (r *resolver) boolean(s setting) (bool, error) {
	v, _, ok := r.lookup(s)
	if !ok {
		return false, nil
	}
	if b, isBool := v.(bool); isBool {
		return b, nil
	}
	b, err := strconv.ParseBool(fmt.Sprint(v))
	if err != nil {
		return false, errorf("%s %q: want true or false", s.key, fmt.Sprint(v))
	}
	return b, nil
}

// duration resolves a setting that is a positive duration; unset is 0.
func (r *resolver) duration(s setting) (time.Duration, error) {
	str, _, err := r.text(s)
	if err != nil || str == "" {
		return 0, err
	}
	d, err := time.ParseDuration(str)
	if err != nil || d <= 0 {
		return 0, errorf("%s %q: want a duration such as 30s or 2m", s.key, str)
	}
	return d, nil
}

// readFile reads the config file. Only a file that was named must exist.
func (r *resolver) readFile(name string, isDefault bool) error {
	if name == "" && isDefault {
		return nil // no config home to look in
	}
	v := viper.New()
	v.SetConfigFile(name)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		switch {
		case errors.Is(err, os.ErrNotExist) && isDefault:
			return nil
		case errors.Is(err, os.ErrNotExist):
			return errorf("config file %s: not found", name)
		default:
			return errorf("config file %s: %v", name, err)
		}
	}
	r.file = v
	r.fileDir = filepath.Dir(name)
	return nil
}

// selectProfile finds the named profile under 'profiles:' in the file.
func (r *resolver) selectProfile(name, file string) error {
	if name == "" {
		return nil
	}
	var profiles map[string]any
	if r.file != nil {
		profiles, _ = r.file.Get("profiles").(map[string]any)
	}
	p, ok := profiles[name]
	if !ok {
		names := make([]string, 0, len(profiles))
		for n := range profiles {
			names = append(names, n)
		}
		slices.Sort(names)
		if file == "" {
			file = "no config file"
		}
		e := errorf("profile %q is not defined in %s", name, file)
		e.hint = "define it under 'profiles:' in the config file (see 'flowlog help configuration'); known: " + strings.Join(names, ", ")
		return e
	}
	r.profile, _ = p.(map[string]any) // nil for a profile that sets nothing
	return nil
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}
