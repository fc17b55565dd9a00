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
	"net/netip"
	"net/url"
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

	// Labels name address ranges: labels: in the file, a map from a name
	// to a list of CIDR prefixes.
	Labels map[string][]netip.Prefix
	// MMDB are MaxMind-format databases of ASNs and countries: FLOWLOG_MMDB
	// or mmdb: (a path or a list of paths); a command's --mmdb wins.
	MMDB []string
	// Where flow log configurations live: the embedded engine, or the
	// Cloud API (see CloudAPI).
	Backend string // FLOWLOG_BACKEND, backend:; "", "engine" or "cloudapi"
	APIURL  string // --api-url, FLOWLOG_API_URL, IONOS_API_URL, api-url:
	// Cloud API credentials: IONOS_TOKEN (a Bearer token), else
	// IONOS_USERNAME and IONOS_PASSWORD (HTTP Basic), else the profile's
	// token:, username: and password:. Never printed: config show names
	// where they come from (CredentialsFrom).
	Token    Secret
	Username string
	Password Secret
	// CredentialsFrom says where the Cloud API credentials come from, for
	// people: "IONOS_TOKEN", "profile ionos (username, password)"; "" when
	// there are none.
	CredentialsFrom string

	// Serve is what 'flowlog serve' asks of its clients.
	Serve ServeAuth
}

// Backends are the values backend: takes.
const (
	BackendEngine   = "engine"
	BackendCloudAPI = "cloudapi"
)

// DefaultAPIURL is the Cloud API a profile with 'backend: cloudapi' and no
// api-url talks to.
const DefaultAPIURL = "https://api.ionos.com/cloudapi/v6"

// CloudAPI reports whether flow log configurations live in the Cloud API,
// and at which URL: when an API URL is given, or backend is cloudapi.
// 'backend: engine' keeps the embedded engine even with an API URL set
// (say, IONOS_API_URL exported for other tools).
func (s *Settings) CloudAPI() (url string, ok bool) {
	switch {
	case s.Backend == BackendEngine:
		return "", false
	case s.APIURL != "":
		return s.APIURL, true
	case s.Backend == BackendCloudAPI:
		return DefaultAPIURL, true
	}
	return "", false
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

	// env names variables read after FLOWLOG_KEY, such as IONOS_TOKEN,
	// the variables other IONOS tools already read.
	env []string

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
		{setting{key: "backend", profile: true, file: true}, &s.Backend},
		{setting{key: "api-url", flag: true, profile: true, file: true, env: []string{"IONOS_API_URL"}}, &s.APIURL},
		{setting{key: "token", profile: true, env: []string{"IONOS_TOKEN"}}, &s.Token},
		{setting{key: "username", profile: true, env: []string{"IONOS_USERNAME"}}, &s.Username},
		{setting{key: "password", profile: true, env: []string{"IONOS_PASSWORD"}}, &s.Password},
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
	origins := map[string]origin{}
	for _, f := range s.fields() {
		switch dst := f.dst.(type) {
		case *string:
			*dst, origins[f.key], err = r.text(f.setting)
		case *Secret:
			var v string
			v, origins[f.key], err = r.text(f.setting)
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
	if s.Labels, err = r.labels(); err != nil {
		return nil, err
	}
	if s.MMDB, err = r.mmdb(); err != nil {
		return nil, err
	}
	if err := s.checkCloudAPI(origins); err != nil {
		return nil, err
	}
	return s, nil
}

// checkCloudAPI checks the backend and the API URL, and works out where the
// credentials come from. A token wins over a username and password, as in
// the Cloud API's own clients.
func (s *Settings) checkCloudAPI(from map[string]origin) error {
	switch s.Backend {
	case "", BackendEngine, BackendCloudAPI:
	default:
		return errorf("backend %q: want engine or cloudapi", s.Backend)
	}
	if s.APIURL != "" {
		u, err := url.Parse(s.APIURL)
		if strings.Contains(s.APIURL, "@") {
			// Credentials in the URL would be printed with it: the
			// message leaves the value out.
			return errorf("%s: put credentials in IONOS_TOKEN or IONOS_USERNAME and IONOS_PASSWORD, not in the URL", from["api-url"].name)
		}
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			e := errorf("%s %q: want an http:// or https:// URL", from["api-url"].name, s.APIURL)
			e.hint = "the Cloud API's is " + DefaultAPIURL
			return e
		}
	}
	fromEnv := func(o origin) bool {
		return strings.HasPrefix(o.name, "FLOWLOG_") || strings.HasPrefix(o.name, "IONOS_")
	}
	place := func(o origin) string {
		if fromEnv(o) {
			return o.name
		}
		return "profile " + s.Profile + " (" + o.name + ")"
	}
	switch {
	case s.Token != "":
		s.Username, s.Password = "", ""
		s.CredentialsFrom = place(from["token"])
	case s.Username != "" || s.Password != "":
		s.CredentialsFrom = place(from["username"]) + " and " + place(from["password"])
		if !fromEnv(from["username"]) && !fromEnv(from["password"]) {
			s.CredentialsFrom = "profile " + s.Profile + " (username, password)"
		}
		if s.Username == "" {
			s.CredentialsFrom = "password from " + place(from["password"]) + ", no username"
		} else if s.Password == "" {
			s.CredentialsFrom = "username from " + place(from["username"]) + ", no password"
		}
	}
	return nil
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
	for _, env := range append([]string{env}, s.env...) {
		if v, ok := r.env(env); ok && v != "" {
			return v, origin{name: env}, true
		}
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

// labels reads labels: from the config file, a map from a name to CIDR
// prefixes. Errors name the label and the value.
func (r *resolver) labels() (map[string][]netip.Prefix, error) {
	if r.file == nil || r.file.Get("labels") == nil {
		return nil, nil
	}
	m, ok := r.file.Get("labels").(map[string]any)
	if !ok {
		return nil, errorf("labels: want a map from a name to a list of CIDR prefixes, such as labels: {office: [203.0.113.0/24]}")
	}
	labels := make(map[string][]netip.Prefix, len(m))
	for name, v := range m {
		var items []any
		switch v := v.(type) {
		case []any:
			items = v
		case string:
			items = []any{v}
		default:
			return nil, errorf("labels.%s: want a list of CIDR prefixes", name)
		}
		for _, item := range items {
			s := strings.TrimSpace(fmt.Sprint(item))
			p, err := netip.ParsePrefix(s)
			if err != nil {
				a, aerr := netip.ParseAddr(s)
				if aerr != nil {
					return nil, errorf("labels.%s: %q is not a CIDR prefix or an address", name, s)
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			labels[name] = append(labels[name], p.Masked())
		}
	}
	return labels, nil
}

// mmdb reads the database files: FLOWLOG_MMDB, or mmdb: in the file (one
// path or a list), relative to the config file's folder.
func (r *resolver) mmdb() ([]string, error) {
	if v, ok := r.env("FLOWLOG_MMDB"); ok && v != "" {
		p, err := filepath.Abs(expandHome(v))
		return []string{p}, err
	}
	if r.file == nil || r.file.Get("mmdb") == nil {
		return nil, nil
	}
	var items []any
	switch v := r.file.Get("mmdb").(type) {
	case []any:
		items = v
	case string:
		items = []any{v}
	default:
		return nil, errorf("mmdb: want a path or a list of paths")
	}
	var paths []string
	for _, item := range items {
		p := expandHome(fmt.Sprint(item))
		if !filepath.IsAbs(p) {
			p = filepath.Join(r.fileDir, p)
		}
		paths = append(paths, p)
	}
	return paths, nil
}
