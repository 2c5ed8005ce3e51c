package main

import (
	"context"
	"fmt"
	"io"

	"github.com/mtlsbench/gomicro-mtls/loadgen/control"
	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
	"github.com/mtlsbench/gomicro-mtls/loadgen/runner"
	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

func runOne(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newBenchFlags("run", stderr, 1)
	fs := f.fs
	transport := fs.String("transport", "mtls", "plaintext, tls or mtls")
	resume := fs.String("resume", "on", "on gives the client a TLS session cache; off makes "+
		"every handshake full")
	pool := fs.String("pool", "on", "go-micro's connection pool: on (its default size, 100), "+
		"off (a new\nconnection per call) or a size")
	target := fs.String("target", "", "host:port of a running echo server to load instead of "+
		"starting one;\nneeds -ca (and -cert, -key for mtls), or -certs")
	ctl := fs.String("control", "", "with -target: the server's control address, printed by "+
		"'loadgen serve',\nfor server-side handshake counts, CPU time and profiles")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: loadgen run [flags]\n\n"+
			"Runs one scenario -count times and writes the same files as 'loadgen matrix'.\n\n"+
			"Flags:\n")
		fs.PrintDefaults()
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	o, err := f.options()
	if err != nil {
		return err
	}
	tr, err := tlsconf.ParseTransport(*transport)
	if err != nil {
		return usagef("run: -transport: %v", err)
	}
	res, err := runner.ParseOnOff("resume", *resume)
	if err != nil {
		return usagef("run: %v", err)
	}
	size, err := runner.ParsePool(*pool)
	if err != nil {
		return usagef("run: %v", err)
	}
	sc := runner.Scenario{Transport: tr, Resume: res && tr.Secure(), PoolSize: size}

	var srv *servers
	if *target == "" {
		if *ctl != "" || f.ca != "" || f.cert != "" || f.key != "" {
			return usagef("run: -control, -ca, -cert and -key need -target; " +
				"use -certs DIR for the server this command starts")
		}
		if srv, err = startServers(f, []tlsconf.Transport{tr}, stderr); err != nil {
			return err
		}
		defer srv.close()
	} else if srv, err = targetServer(f, tr, *target, *ctl); err != nil {
		return err
	}
	return measure(ctx, f, o, []runner.Scenario{sc}, srv, *target, args, stdout, stderr)
}

// targetServer describes a server that is already running.
func targetServer(f *benchFlags, tr tlsconf.Transport, target, ctl string) (*servers, error) {
	if err := checkReachable(target); err != nil {
		return nil, usagef("run: -target %s: %v", target, err)
	}
	ep := runner.Endpoint{Addr: target}
	if ctl != "" {
		ep.Control = control.NewClient(ctl)
		if _, err := ep.Control.Stats(); err != nil {
			return nil, usagef("run: -control %s: %v", ctl, err)
		}
	}
	srv := &servers{endpoints: map[tlsconf.Transport]runner.Endpoint{tr: ep}}
	if !tr.Secure() {
		return srv, nil
	}
	paths := pki.Paths{CA: f.ca, Cert: f.cert, Key: f.key}
	if f.certs != "" {
		paths = pki.ClientPaths(f.certs)
	}
	cred, err := clientCreds(paths)
	if err != nil {
		return nil, usagef("run: %v", err)
	}
	if tr == tlsconf.MTLS && cred.Cert == nil {
		return nil, usagef("run: -transport mtls needs -cert and -key for the client")
	}
	srv.cred = cred
	return srv, nil
}
