package cmdutil

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/addrinfo"
)

// AddMMDBFlag adds --mmdb to a command that names addresses.
func AddMMDBFlag(cmd *cobra.Command, files *[]string) {
	RepeatedVar(cmd.Flags(), files, "mmdb", "MaxMind-format `FILE` of ASNs and countries for src.asn, src.as_org, src.country (repeatable; default: mmdb: in the config file)")
}

// AddrNames opens what names addresses: the labels of the config file and
// the MaxMind databases of --mmdb, or of the settings when --mmdb is not
// given. The caller closes it.
func AddrNames(f *Factory, mmdb []string) (*addrinfo.Names, error) {
	cfg, err := f.Settings()
	if err != nil {
		return nil, err
	}
	files := mmdb
	if len(files) == 0 {
		files = cfg.MMDB
	}
	names, err := addrinfo.Open(addrinfo.Config{Labels: cfg.Labels, MMDB: files})
	var dbErr *addrinfo.DBError
	switch {
	case errors.As(err, &dbErr) && errors.Is(err, os.ErrNotExist):
		return nil, &UserError{Err: err, Code: ExitNotFound, Advice: "--mmdb and mmdb: in the config file name a MaxMind-format database (.mmdb), such as GeoLite2-ASN.mmdb"}
	case errors.As(err, &dbErr):
		return nil, &UserError{Err: err, Code: ExitUsage, Advice: "--mmdb and mmdb: in the config file take a MaxMind-format database (.mmdb), such as GeoLite2-ASN.mmdb"}
	case err != nil:
		return nil, &UserError{Err: err, Code: ExitUsage, Advice: "see 'flowlog help configuration' for labels:"}
	}
	return names, nil
}
