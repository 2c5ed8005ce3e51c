package main

import (
	"context"
	"fmt"
	"io"

	"github.com/mtlsbench/gomicro-mtls/loadgen/control"
	"github.com/mtlsbench/gomicro-mtls/loadgen/echo"
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
	version := fs.String("tls", "", "pin the TLS version: 1.2 or 1.3 (default: negotiate, "+
		"which gives 1.3)")
	cipher := fs.String("cipher", "", "pin a TLS 1.2 cipher suite by its crypto/tls name, "+
		"e.g.\nTLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (needs -tls 1.2)")
	group := fs.String("group", "", "pin the key exchange group: x25519, p256, p384 or "+
		"x25519mlkem768\n(default: crypto/tls's choice, x25519mlkem768 with TLS 1.3)")
	keyType := fs.String("key-type", "", "key type of the generated certificates: "+
		keyTypeNames()+"\n(default ecdsa-p256)")
	stall := fs.String("inject-stall", "", "make the started server hold every request for D, "+
		"once, from T after\nits first request, written D@T (e.g. 200ms@2s): a check of the "+
		"latency measurement")
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
	if *stall != "" {
		if _, err := echo.ParseStall(*stall); err != nil {
			return usagef("run: -inject-stall: %v", err)
		}
		if *target != "" {
			return usagef("run: -inject-stall applies to the server this command starts, " +
				"not to a -target")
		}
	}
	prof, err := profileFlags(*version, *cipher, *group, *keyType)
	if err != nil {
		return err
	}
	if prof.Key != "" && (f.certs != "" || *target != "") {
		return usagef("run: -key-type applies to generated certificates; " +
			"with -certs or -target the certificates' own key type is used")
	}
	sc := runner.Scenario{Transport: tr, Resume: res && tr.Secure(), PoolSize: size,
		Profile: prof}

	var srv *servers
	if *target == "" {
		if *ctl != "" || f.ca != "" || f.cert != "" || f.key != "" {
			return usagef("run: -control, -ca, -cert and -key need -target; " +
				"use -certs DIR for the server this command starts")
		}
		if srv, err = startServers(f, []runner.Scenario{sc}, *stall, stderr); err != nil {
			return err
		}
		defer srv.close()
	} else if srv, err = targetServer(f, sc, *target, *ctl); err != nil {
		return err
	}
	return measure(ctx, f, o, []runner.Scenario{sc}, srv, *target, args, stdout, stderr)
}

// targetServer describes a server that is already running.
func targetServer(f *benchFlags, sc runner.Scenario, target, ctl string) (*servers, error) {
	tr := sc.Transport
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
	srv := &servers{endpoints: map[serverKey]runner.Endpoint{keyOf(sc): ep},
		creds: map[pki.KeyType]runner.Credentials{}}
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
	srv.creds[sc.Profile.KeyType()] = cred
	return srv, nil
}

// profileFlags reads -tls, -cipher, -group and -key-type into a profile
// and refuses combinations crypto/tls cannot negotiate.
func profileFlags(version, cipher, group, key string) (tlsconf.Profile, error) {
	var p tlsconf.Profile
	var err error
	if p.Version, err = tlsconf.ParseVersion(version); err != nil {
		return p, usagef("run: -tls: %v", err)
	}
	if p.Suite, err = tlsconf.ParseSuite(cipher); err != nil {
		return p, usagef("run: -cipher: %v", err)
	}
	if p.Group, err = tlsconf.ParseGroup(group); err != nil {
		return p, usagef("run: -group: %v", err)
	}
	if key != "" {
		if p.Key, err = pki.ParseKeyType(key); err != nil {
			return p, usagef("run: -key-type: %v", err)
		}
	}
	if err := p.Check(); err != nil {
		return p, usagef("run: %v", err)
	}
	return p, nil
}
