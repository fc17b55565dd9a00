// Package serve is 'flowlog serve': the Cloud API's flow log endpoints,
// answered from the embedded engine, for SDK scripts and CI pipelines that
// need a stand-in for the real API.
package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/serve"
)

// Options are the parsed flags of 'flowlog serve'.
type Options struct {
	Factory *cmdutil.Factory

	Listen      string // --listen ADDR
	AllowRemote bool   // --allow-remote

	// Ready, when set, is called with the address once the server is
	// listening; a test learns the port of --listen 127.0.0.1:0 this way.
	Ready func(addr net.Addr)
	// RunningPolls is passed to serve.Options; tests set it.
	RunningPolls int
}

// DefaultListen is where the server listens unless told otherwise.
const DefaultListen = "127.0.0.1:8080"

// shutdownGrace is how long requests in flight may take to finish once a
// SIGTERM or SIGINT arrived.
const shutdownGrace = 10 * time.Second

// NewCmdServe builds the command; runF, when not nil, runs instead of
// serveRun.
func NewCmdServe(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "serve [--listen ADDR]",
		Short: "Answer the Cloud API's flow log endpoints from the local database",
		Long: `Serve the IONOS Cloud API v6 flow log endpoints, under /cloudapi/v6, from the
embedded database: the flow logs of NICs, NAT gateways, network and
application load balancers (GET, POST, PUT, PATCH, DELETE), the request
status clients poll, and the data centers, servers, NICs, NAT gateways and
load balancers that hold flow logs. The official SDKs and ionosctl work
against it (point them at http://ADDR, e.g. with IONOS_API_URL), and the
service's rules hold as they do for 'flowlog create': a second flow log on a
resource, or any change to one, is refused with 422.

There is no inventory behind it: posting a flow log under
/datacenters/D/servers/S/nics/N makes data center D, server S and NIC N
exist. Flow logs created with 'flowlog create' appear under their
--datacenter-id (and --server-id for a NIC) when they have them.

Clients must authenticate, as with the real API: with a Bearer token
(FLOWLOG_SERVE_TOKEN, or serve-token in the config file) and/or HTTP Basic
(FLOWLOG_SERVE_USERNAME and FLOWLOG_SERVE_PASSWORD, or serve-username and
serve-password). With none of these set, serve refuses to start.

It listens on loopback only unless --allow-remote is given, and then warns:
the API is plain HTTP. Each request is logged to stdout in the Combined Log
Format; credentials never appear in it, nor in errors or --debug output.
SIGTERM or Ctrl-C stop it after the requests in flight finish.`,
		Example: `  FLOWLOG_SERVE_TOKEN=local-secret flowlog serve
  IONOS_API_URL=http://127.0.0.1:8080 IONOS_TOKEN=local-secret ionosctl ...
  flowlog serve --listen 0.0.0.0:8080 --allow-remote >access.log`,
		Args: cmdutil.ArgsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkListen(opts.Listen, opts.AllowRemote); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return serveRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Listen, "listen", DefaultListen, "`ADDR` (host:port) to listen on; port 0 picks a free one")
	cmd.Flags().BoolVar(&opts.AllowRemote, "allow-remote", false, "allow --listen on an address other machines can reach")
	return cmd
}

// checkListen refuses an address that is not host:port, and one other
// machines could reach unless allowRemote.
func checkListen(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return cmdutil.UsageErrorf("--listen %q: want HOST:PORT, e.g. %s", addr, DefaultListen)
	}
	if isLoopback(host) || allowRemote {
		return nil
	}
	return &cmdutil.UserError{
		Err:    fmt.Errorf("--listen %s: not a loopback address, so other machines could reach the server", addr),
		Code:   cmdutil.ExitUsage,
		Advice: "add --allow-remote if that is what you want, or listen on 127.0.0.1",
	}
}

// isLoopback reports whether host only reaches this machine. An empty host
// (":8080") is every interface.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func serveRun(ctx context.Context, opts *Options) error {
	f := opts.Factory
	cfg, err := f.Settings()
	if err != nil {
		return err
	}
	creds := serve.Credentials{
		Token:    string(cfg.Serve.Token),
		Username: cfg.Serve.Username,
		Password: string(cfg.Serve.Password),
	}
	if !creds.Configured() {
		return &cmdutil.UserError{
			Err:  errors.New("serve: no credentials configured for clients, so anyone could change the flow logs"),
			Code: cmdutil.ExitAuth,
			Advice: "set FLOWLOG_SERVE_TOKEN, or FLOWLOG_SERVE_USERNAME and FLOWLOG_SERVE_PASSWORD " +
				"(or serve-token, serve-username, serve-password in the config file)",
		}
	}
	if creds.Username != "" && creds.Password == "" {
		return &cmdutil.UserError{
			Err:    errors.New("serve: a user name for clients is configured but no password"),
			Code:   cmdutil.ExitAuth,
			Advice: "set FLOWLOG_SERVE_PASSWORD (or serve-password in the config file)",
		}
	}
	e, err := f.Engine(ctx)
	if err != nil {
		return err
	}
	so := serve.Options{
		Credentials:  creds,
		AccessLog:    f.IO.Out,
		ErrorLog:     f.IO.ErrOut,
		RunningPolls: opts.RunningPolls,
		Now:          f.Now,
	}
	if cfg.Debug {
		so.DebugLog = f.IO.ErrOut
	}
	handler, err := serve.New(e, so)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", opts.Listen, err)
	}
	host, _, _ := net.SplitHostPort(opts.Listen)
	if !isLoopback(host) {
		fmt.Fprintf(f.IO.ErrOut, "warning: serving on %s, reachable from other machines, over plain HTTP: "+
			"credentials and flow logs cross the network unencrypted\n", ln.Addr())
	}
	fmt.Fprintf(f.IO.ErrOut, "flowlog serve: listening on http://%s%s (database %s)\n", ln.Addr(), serve.BasePath, e.Path())
	if opts.Ready != nil {
		opts.Ready(ln.Addr())
	}

	if err := handler.Serve(ctx, ln, shutdownGrace); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	fmt.Fprintln(f.IO.ErrOut, "flowlog serve: stopped")
	return nil
}
