package mtls_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/micro/go-micro/v2/client"
	"github.com/micro/go-micro/v2/transport"

	"github.com/mtlsbench/gomicro-mtls/loadgen/mtls"
	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
)

func TestConfigDefaults(t *testing.T) {
	srvFiles, cliFiles := goodFiles(t)
	srv, err := mtls.ServerConfig(srvFiles, mtls.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if srv.ClientAuth != tls.RequireAndVerifyClientCert || srv.ClientCAs == nil ||
		len(srv.Certificates) != 1 || srv.MinVersion != tls.VersionTLS12 ||
		srv.SessionTicketsDisabled || srv.InsecureSkipVerify {
		t.Errorf("server config %+v", srv)
	}
	cli, err := mtls.ClientConfig(cliFiles, mtls.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cli.RootCAs == nil || len(cli.Certificates) != 1 || cli.GetClientCertificate == nil ||
		cli.ClientSessionCache == nil || cli.ServerName != "" ||
		cli.MinVersion != tls.VersionTLS12 || cli.InsecureSkipVerify {
		t.Errorf("client config %+v", cli)
	}

	o := mtls.Options{MinVersion: tls.VersionTLS13, ClientAuth: mtls.VerifyIfGiven,
		DisableResumption: true, ServerName: "example.internal",
		Groups: []tls.CurveID{tls.X25519MLKEM768}}
	srv, err = mtls.ServerConfig(srvFiles, o)
	if err != nil {
		t.Fatal(err)
	}
	if srv.ClientAuth != tls.VerifyClientCertIfGiven || !srv.SessionTicketsDisabled ||
		srv.MinVersion != tls.VersionTLS13 || len(srv.CurvePreferences) != 1 {
		t.Errorf("server config with %+v: %+v", o, srv)
	}
	cliFiles.Cert, cliFiles.Key = "", ""
	cli, err = mtls.ClientConfig(cliFiles, o)
	if err != nil {
		t.Fatal(err)
	}
	if cli.ClientSessionCache != nil || cli.ServerName != "example.internal" ||
		len(cli.Certificates) != 0 || cli.GetClientCertificate != nil {
		t.Errorf("client config with %+v and no certificate: %+v", o, cli)
	}
}

func TestOptionsRefused(t *testing.T) {
	ecdsaSuite := tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
	rsaSuite := tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
	cases := []struct {
		name string
		o    mtls.Options
		want string
	}{
		{"tls1.1", mtls.Options{MinVersion: tls.VersionTLS11}, "1.1"},
		{"suites-with-tls1.3", mtls.Options{MinVersion: tls.VersionTLS13,
			CipherSuites: []uint16{ecdsaSuite}}, "TLS 1.2 only"},
		{"tls1.3-suite", mtls.Options{CipherSuites: []uint16{tls.TLS_AES_128_GCM_SHA256}},
			"TLS_AES_128_GCM_SHA256 refused"},
		{"insecure-suite", mtls.Options{CipherSuites: []uint16{tls.TLS_RSA_WITH_RC4_128_SHA}},
			"TLS_RSA_WITH_RC4_128_SHA refused"},
		{"rsa-suite-ecdsa-key", mtls.Options{CipherSuites: []uint16{ecdsaSuite, rsaSuite}},
			"valid with it: TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,"},
		{"suite-twice", mtls.Options{CipherSuites: []uint16{ecdsaSuite, ecdsaSuite}},
			"twice"},
		{"hybrid-group-only", mtls.Options{Groups: []tls.CurveID{tls.X25519MLKEM768}},
			"TLS 1.3 only"},
		{"unknown-group", mtls.Options{Groups: []tls.CurveID{tls.X25519, 1234}},
			"valid: X25519MLKEM768,"},
		{"client-auth", mtls.Options{ClientAuth: 7}, "valid: require, verify-if-given"},
	}
	srvFiles, _ := goodFiles(t)
	for _, c := range cases {
		_, err := mtls.ServerConfig(srvFiles, c.o)
		if err == nil || !strings.HasPrefix(err.Error(), "mtls: ") ||
			!strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: ServerConfig error %v, want one mentioning %q", c.name, err, c.want)
		}
	}

	// The other way round: an ECDSA suite with an RSA certificate.
	rsaServer := mustIssue(trustedCA, pki.RSA2048, pki.Leaf{CommonName: "rsa server",
		Hosts: pki.ServerNames, Usage: x509.ExtKeyUsageServerAuth})
	rsaFiles, cliFiles := writeFiles(t, trustedCA, rsaServer, goodClient)
	_, err := mtls.ServerConfig(rsaFiles, mtls.Options{CipherSuites: []uint16{ecdsaSuite}})
	if err == nil || !strings.Contains(err.Error(), "needs an ECDSA certificate") ||
		!strings.Contains(err.Error(), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256") {
		t.Errorf("ECDSA suite with an RSA key: %v", err)
	}
	// A client does not know the server's key, so either kind is fine.
	if _, err := mtls.ClientConfig(cliFiles, mtls.Options{
		CipherSuites: []uint16{ecdsaSuite, rsaSuite}}); err != nil {
		t.Errorf("client with both kinds of suite: %v", err)
	}
}

func TestFilesRefused(t *testing.T) {
	srvFiles, cliFiles := goodFiles(t)
	missing := filepath.Join(t.TempDir(), "missing.pem")
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	with := func(f mtls.Files, edit func(*mtls.Files)) mtls.Files { edit(&f); return f }
	cases := []struct {
		name   string
		server bool
		files  mtls.Files
		want   string
	}{
		{"server-no-ca", true, with(srvFiles, func(f *mtls.Files) { f.CA = "" }), "Files.CA"},
		{"server-no-key", true, with(srvFiles, func(f *mtls.Files) { f.Key = "" }), "Files.Key"},
		{"server-missing-cert", true, with(srvFiles, func(f *mtls.Files) { f.Cert = missing }),
			missing},
		{"server-garbage-ca", true, with(srvFiles, func(f *mtls.Files) { f.CA = garbage }),
			garbage},
		{"server-leaf-as-ca", true, with(srvFiles, func(f *mtls.Files) { f.CA = f.Cert }),
			"not a CA"},
		{"client-no-ca", false, with(cliFiles, func(f *mtls.Files) { f.CA = "" }), "Files.CA"},
		{"client-cert-no-key", false, with(cliFiles, func(f *mtls.Files) { f.Key = "" }),
			"Files.Key"},
		{"client-missing-key", false, with(cliFiles, func(f *mtls.Files) { f.Key = missing }),
			missing},
		{"client-other-key", false, with(cliFiles, func(f *mtls.Files) { f.Key = srvFiles.Key }),
			"does not match"},
	}
	for _, c := range cases {
		var err error
		if c.server {
			_, err = mtls.ServerTransport(c.files, mtls.Options{})
		} else {
			_, err = mtls.ClientTransport(c.files, mtls.Options{})
		}
		if err == nil || !strings.HasPrefix(err.Error(), "mtls: ") ||
			!strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line naming %q", c.name, err, c.want)
		}
	}
	_, err := mtls.ClientConfig(with(cliFiles, func(f *mtls.Files) { f.CA = missing }),
		mtls.Options{})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing CA file: %v does not wrap fs.ErrNotExist", err)
	}
}

// TestConcurrentDials makes calls that dial at once through one client
// transport. Under -race it fails if anything writes the shared
// configuration, as go-micro's own transport does.
func TestConcurrentDials(t *testing.T) {
	srvFiles, cliFiles := goodFiles(t)
	addr := listenMTLS(t, srvFiles, mtls.Options{})
	cfg := clientConfig(t, cliFiles, mtls.Options{})
	c := newClient(withConfig(cfg))
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range 8 {
		wg.Go(func() {
			for range 4 {
				if _, err := call(c, addr); err != nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() != 0 {
		t.Errorf("%d of 32 calls failed", failed.Load())
	}
	if cfg.NextProtos != nil {
		t.Errorf("the shared configuration was written: NextProtos %q", cfg.NextProtos)
	}
}

// TestResumption checks that a client resumes its sessions across the
// per-dial clones of its configuration, that the server's configuration
// issues working tickets, and that DisableResumption turns both off.
func TestResumption(t *testing.T) {
	for _, disable := range []bool{false, true} {
		srvFiles, cliFiles := goodFiles(t)
		o := mtls.Options{DisableResumption: disable}
		cfg, err := mtls.ServerConfig(srvFiles, o)
		if err != nil {
			t.Fatal(err)
		}
		var full, resumed atomic.Int64
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if cs.DidResume {
				resumed.Add(1)
			} else {
				full.Add(1)
			}
			return nil
		}
		addr := listenConfig(t, cfg)
		c := newClient(clientOptions(t, cliFiles, o))
		for range 3 {
			if _, err := call(c, addr); err != nil {
				t.Fatal(err)
			}
		}
		want := int64(2)
		if disable {
			want = 0
		}
		if resumed.Load() != want || full.Load()+resumed.Load() != 3 {
			t.Errorf("DisableResumption %v: %d full and %d resumed handshakes, want %d resumed",
				disable, full.Load(), resumed.Load(), want)
		}
	}
}

func TestClientTransportRefusesInsecure(t *testing.T) {
	for _, cfg := range []*tls.Config{nil, {InsecureSkipVerify: true}} {
		tr := mtls.NewClientTransport(cfg)
		if _, err := tr.Dial("127.0.0.1:1"); err == nil ||
			!strings.HasPrefix(err.Error(), "mtls: ") {
			t.Errorf("Dial with %+v: %v, want a refusal", cfg, err)
		}
	}
	// Init can replace the configuration, but not with an insecure one.
	tr := mtls.NewClientTransport(&tls.Config{})
	tr.Init(transport.TLSConfig(&tls.Config{InsecureSkipVerify: true}))
	if _, err := tr.Dial("127.0.0.1:1"); err == nil || !strings.Contains(err.Error(),
		"InsecureSkipVerify") {
		t.Errorf("Dial after Init with InsecureSkipVerify: %v", err)
	}
}

func TestOptionsHelpers(t *testing.T) {
	srvFiles, cliFiles := goodFiles(t)
	sopts, err := mtls.ServerOptions(srvFiles, mtls.Options{})
	if err != nil || len(sopts) == 0 {
		t.Fatalf("ServerOptions: %v", err)
	}
	copts, err := mtls.ClientOptions(cliFiles, mtls.Options{})
	if err != nil || len(copts) == 0 {
		t.Fatalf("ClientOptions: %v", err)
	}
	if _, err := call(newClient(copts), listen(t, sopts)); err != nil {
		t.Fatal(err)
	}
	var o client.Options
	for _, opt := range copts {
		opt(&o)
	}
	if to := o.Transport.Options(); to.TLSConfig == nil || !to.Secure {
		t.Errorf("client transport options %+v", to)
	}
}
