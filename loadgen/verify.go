package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	merrors "github.com/micro/go-micro/v2/errors"

	"github.com/mtlsbench/gomicro-mtls/loadgen/echo"
	"github.com/mtlsbench/gomicro-mtls/loadgen/load"
	"github.com/mtlsbench/gomicro-mtls/loadgen/mtls"
	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
)

const verifyUsage = `Usage: loadgen verify -target HOST:PORT -ca CA [-cert C -key K] [flags]

Probes a running go-micro endpoint and prints whether it really does mutual
TLS. It makes real echo RPCs, to service %q, endpoint %q,
with the bytes codec, and bare TLS handshakes where an RPC cannot tell.

Checks:

  plaintext refused            an RPC without TLS fails
  server certificate verified  the server's certificate verifies against -ca
  no client certificate        an RPC over TLS without a certificate is refused
  unknown-CA certificate       an RPC with a certificate from a throwaway CA is refused
  valid client accepted        an RPC with -cert and -key succeeds (skipped without)
  lowest TLS version           handshakes at 1.0, 1.1, 1.2 and 1.3; fails below 1.2
  cipher suite, group          what a default handshake negotiated (information)
  session resumption           whether a second connection resumes (information)

A WARNING row appears when the server encrypts but authenticates no client.
Exit status: 0 when every check passes, 1 when one fails, 2 for bad flags or
files or an unreachable target.

Flags:
`

func verify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "", "host:port of the go-micro endpoint to probe (required)")
	ca := fs.String("ca", "", "PEM CA bundle that verifies the server's certificate (required)")
	cert := fs.String("cert", "", "PEM client certificate chain the server should accept; "+
		"with -key.\nWithout it the valid client check is skipped")
	key := fs.String("key", "", "PEM private key of -cert")
	serverName := fs.String("server-name", "", "name the server's certificate must carry "+
		"(default: the host of -target)")
	timeout := fs.Duration("timeout", 5*time.Second, "bound on each RPC and handshake, "+
		"dial included")
	fs.Usage = func() {
		fmt.Fprintf(stderr, verifyUsage, echo.Service, echo.Endpoint)
		fs.PrintDefaults()
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *target == "":
		return usagef("verify: -target HOST:PORT is required")
	case *ca == "":
		return usagef("verify: -ca is required to verify the server")
	case (*cert == "") != (*key == ""):
		return usagef("verify: -cert and -key go together")
	case *timeout <= 0:
		return usagef("verify: -timeout %v: want more than 0", *timeout)
	}
	if _, _, err := net.SplitHostPort(*target); err != nil {
		return usagef("verify: -target %q: %v", *target, err)
	}
	cfg, err := mtls.ClientConfig(mtls.Files{CA: *ca, Cert: *cert, Key: *key},
		mtls.Options{ServerName: *serverName})
	if err != nil {
		return usagef("verify: %v", err)
	}
	if err := checkReachable(*target); err != nil {
		return usagef("verify: -target %s: %v", *target, err)
	}

	p := &prober{ctx: ctx, target: *target, base: cfg, timeout: *timeout}
	rows, err := p.run()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "verify %s\n", *target)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tRESULT\tDETAIL")
	checks, failed := 0, 0
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.check, r.result, r.detail)
		switch r.result {
		case fail:
			failed++
			checks++
		case pass:
			checks++
		}
	}
	tw.Flush()
	if failed > 0 {
		return fmt.Errorf("verify: %d of %d checks failed", failed, checks)
	}
	return nil
}

// The results a row can have. Only fail makes verify exit 1.
const (
	pass = "PASS"
	fail = "FAIL"
	skip = "SKIP"
	info = "INFO"
	warn = "WARN"
)

type row struct{ check, result, detail string }

// prober runs the checks against one target. base is the client's
// configuration from -ca, -cert, -key and -server-name; every probe uses
// a variant of it.
type prober struct {
	ctx     context.Context
	target  string
	base    *tls.Config
	timeout time.Duration
}

func (p *prober) run() ([]row, error) {
	var rows []row
	add := func(check, result, detail string) { rows = append(rows, row{check, result, detail}) }

	err := p.rpc(nil)
	if err == nil {
		add("plaintext refused", fail, "the server answered an RPC without TLS")
	} else {
		add("plaintext refused", pass, errText(err))
	}

	hs := p.handshake(p.variant())
	if hs.leaf != nil {
		add("server certificate verified", pass, fmt.Sprintf("%q issued by %q",
			hs.leaf.Subject.CommonName, hs.leaf.Issuer.CommonName))
	} else {
		add("server certificate verified", fail, errText(hs.err))
	}

	anonErr := p.rpc(p.anonymous())
	add(refusal("no client certificate refused", anonErr))
	stranger, err := strangerConfig(p.anonymous())
	if err != nil {
		return nil, err
	}
	strangerErr := p.rpc(stranger)
	add(refusal("unknown-CA certificate refused", strangerErr))

	if len(p.base.Certificates) == 0 {
		add("valid client accepted", skip, "needs -cert and -key")
	} else if err := p.rpc(p.variant()); err != nil {
		add("valid client accepted", fail, errText(err))
	} else {
		add("valid client accepted", pass, "the echo RPC answered")
	}

	add(p.lowestVersion())
	if hs.state != nil {
		add("cipher suite", info, fmt.Sprintf("%s (%s)",
			tls.CipherSuiteName(hs.state.CipherSuite), tls.VersionName(hs.state.Version)))
		add("key exchange group", info, hs.state.CurveID.String())
	} else {
		add("cipher suite", info, "unknown: no handshake completed")
		add("key exchange group", info, "unknown: no handshake completed")
	}
	add(p.resumption())
	switch {
	case anonErr == nil && strangerErr == nil:
		add("WARNING", warn, "the server encrypts but authenticates no one: it accepted "+
			"a client without a certificate")
	case anonErr == nil:
		add("WARNING", warn, "the server verifies certificates it is given but accepts "+
			"clients without one, so it authenticates only some clients")
	}
	if p.ctx.Err() != nil {
		return nil, errInterrupted
	}
	return rows, nil
}

// refusal is the row of a check that the server must refuse a client.
func refusal(check string, err error) (string, string, string) {
	if err == nil {
		return check, fail, "accepted: the echo RPC answered"
	}
	switch load.Classify(err) {
	case load.TLSServerRejected, load.Reset:
		return check, pass, errText(err)
	}
	return check, fail, "cannot tell, the call failed otherwise: " + errText(err)
}

// variant returns a copy of the base configuration that makes every
// handshake a full one.
func (p *prober) variant() *tls.Config {
	cfg := p.base.Clone()
	cfg.ClientSessionCache = nil
	return cfg
}

// anonymous returns a variant that presents no client certificate.
func (p *prober) anonymous() *tls.Config {
	cfg := p.variant()
	cfg.Certificates, cfg.GetClientCertificate = nil, nil
	return cfg
}

// strangerConfig makes cfg present a certificate from a new CA that the
// server cannot know, whatever issuers the server asks for.
func strangerConfig(cfg *tls.Config) (*tls.Config, error) {
	ca, err := pki.NewCA(pki.ECDSAP256, "loadgen verify throwaway CA")
	if err != nil {
		return nil, err
	}
	leaf, err := ca.Issue(pki.ECDSAP256, pki.Leaf{CommonName: "loadgen verify stranger",
		Usage: x509.ExtKeyUsageClientAuth})
	if err != nil {
		return nil, err
	}
	cert := leaf.TLS()
	cfg.Certificates = []tls.Certificate{cert}
	cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		return &cert, nil
	}
	return cfg, nil
}

// rpc makes one echo RPC on a new connection; a nil cfg means plaintext.
func (p *prober) rpc(cfg *tls.Config) error {
	c := echo.NewClient(echo.ClientConfig{TLS: cfg, PoolSize: 0, Timeout: p.timeout})
	defer c.Close()
	payload := []byte("loadgen verify")
	rsp, err := c.Call(p.ctx, p.target, payload)
	if err == nil && string(rsp) != string(payload) {
		err = fmt.Errorf("the echo RPC returned %q, not %q", rsp, payload)
	}
	return err
}

// handshakeResult is what a bare TLS handshake showed.
type handshakeResult struct {
	// leaf is the server's certificate once the client verified it,
	// even if the handshake failed later.
	leaf *x509.Certificate
	// state is the connection's state when the handshake completed.
	state *tls.ConnectionState
	err   error
}

// handshake makes a bare TLS handshake with cfg and closes the
// connection.
func (p *prober) handshake(cfg *tls.Config) handshakeResult {
	var res handshakeResult
	cfg = cfg.Clone()
	// The handshake, and so this callback, runs in DialContext's
	// goroutine. It runs once the server's certificate has verified.
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		res.leaf = cs.PeerCertificates[0]
		return nil
	}
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: p.timeout}, Config: cfg}
	ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", p.target)
	if err != nil {
		res.err = err
		return res
	}
	state := conn.(*tls.Conn).ConnectionState()
	res.state = &state
	conn.Close()
	return res
}

// lowestVersion tries each TLS version alone. A version counts as
// accepted when the handshake completes or fails over certificates only:
// the server agreed to the version before that.
func (p *prober) lowestVersion() (string, string, string) {
	const check = "lowest TLS version accepted"
	versions := []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12,
		tls.VersionTLS13}
	var accepted, refused []string
	lowest := uint16(0)
	var lastErr error
	for _, v := range versions {
		cfg := p.variant()
		cfg.MinVersion, cfg.MaxVersion = v, v
		hs := p.handshake(cfg)
		name := strings.TrimPrefix(tls.VersionName(v), "TLS ")
		if hs.err == nil || hs.leaf != nil || strings.Contains(hs.err.Error(), "certificate") {
			accepted = append(accepted, name)
			if lowest == 0 {
				lowest = v
			}
			continue
		}
		refused = append(refused, name)
		lastErr = hs.err
	}
	detail := "accepted " + strings.Join(accepted, ", ")
	if len(refused) > 0 {
		detail += "; refused " + strings.Join(refused, ", ")
	}
	switch {
	case lowest == 0:
		return check, fail, "no version accepted: " + errText(lastErr)
	case lowest < tls.VersionTLS12:
		return check, fail, tls.VersionName(lowest) + " is below TLS 1.2: " + detail
	}
	return check, pass, tls.VersionName(lowest) + ": " + detail
}

// resumption makes two RPCs with a session cache and reports whether
// the second one resumed the first one's session.
func (p *prober) resumption() (string, string, string) {
	const check = "session resumption"
	cfg := p.variant()
	cfg.ClientSessionCache = tls.NewLRUClientSessionCache(0)
	var mu sync.Mutex
	var resumed []bool
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		mu.Lock()
		resumed = append(resumed, cs.DidResume)
		mu.Unlock()
		return nil
	}
	for range 2 {
		if err := p.rpc(cfg); err != nil {
			return check, info, "unknown, the RPC failed: " + errText(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(resumed) == 2 && resumed[1] {
		return check, info, "the second connection resumed the first one's session"
	}
	return check, info, "not resumed: the second connection made a full handshake"
}

// errText returns an error's message on one line, without go-micro's
// JSON wrapping.
func errText(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	var me *merrors.Error
	if errors.As(err, &me) && me.Detail != "" {
		msg = me.Detail
	}
	return strings.Join(strings.Fields(msg), " ")
}
