package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/micro/go-micro/v2/logger"

	"github.com/mtlsbench/gomicro-mtls/loadgen/control"
	"github.com/mtlsbench/gomicro-mtls/loadgen/echo"
	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
	"github.com/mtlsbench/gomicro-mtls/loadgen/runner"
	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	transport := fs.String("transport", "mtls", "plaintext, tls or mtls")
	addr := fs.String("addr", "127.0.0.1:0", "loopback address for RPCs; port 0 picks a free one")
	ctl := fs.String("control", "127.0.0.1:0",
		"loopback address for the control server (handshake counts, CPU time, profiles,\n"+
			"net/http/pprof under /debug/pprof/)")
	dir := fs.String("certs", "", "directory written by 'loadgen certs' (uses ca.pem, server.pem,\n"+
		"server-key.pem)")
	ca := fs.String("ca", "", "PEM CA bundle that verifies client certificates (mtls)")
	cert := fs.String("cert", "", "PEM server certificate chain")
	key := fs.String("key", "", "PEM private key of -cert")
	stall := fs.String("inject-stall", "", "hold every request for D, once, from T after the "+
		"first request,\nwritten D@T (e.g. 200ms@2s): a check of latency measurement")
	parent := fs.Bool("parent", false,
		"exit when standard input closes (set by the load generator for its child server)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: loadgen serve [flags]\n\n"+
			"Runs the go-micro echo server until interrupted, and prints one JSON line\n"+
			"with its RPC and control addresses once it serves. Binds loopback only.\n\n"+
			"Flags:\n")
		fs.PrintDefaults()
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	tr, err := tlsconf.ParseTransport(*transport)
	if err != nil {
		return usagef("serve: -transport: %v", err)
	}

	var opts []echo.Option
	if *stall != "" {
		st, err := echo.ParseStall(*stall)
		if err != nil {
			return usagef("serve: -inject-stall: %v", err)
		}
		opts = append(opts, echo.WithStall(st))
	}
	var counters tlsconf.ServerCounters
	var cfg *tls.Config
	if tr.Secure() {
		paths := pki.Paths{CA: *ca, Cert: *cert, Key: *key}
		if *dir != "" {
			paths = pki.ServerPaths(*dir)
		}
		if cfg, err = serverTLS(tr, paths, &counters); err != nil {
			return usageError{fmt.Errorf("serve: %w", err)}
		}
	}

	quietGoMicro(stderr)
	cs, err := control.Listen(*ctl, &counters)
	if err != nil {
		return usageError{fmt.Errorf("serve: -control: %w", err)}
	}
	defer cs.Close()
	log.SetOutput(cs.HandshakeLog(stderr))
	srv, err := echo.Listen(*addr, cfg, opts...)
	if err != nil {
		return usageError{fmt.Errorf("serve: -addr: %w", err)}
	}
	defer srv.Close()
	ready, _ := json.Marshal(runner.Ready{RPC: srv.Addr(), Control: cs.Addr()})
	fmt.Fprintf(stdout, "%s\n", ready)

	if *parent {
		go func() {
			io.Copy(io.Discard, os.Stdin)
			srv.Close()
			os.Exit(0)
		}()
	}
	<-ctx.Done()
	return nil
}

// quietGoMicro keeps go-micro's info logging off standard output, which
// carries the Ready line.
func quietGoMicro(stderr io.Writer) {
	logger.DefaultLogger = logger.NewHelper(logger.NewLogger(
		logger.WithLevel(logger.ErrorLevel), logger.WithOutput(stderr)))
}
