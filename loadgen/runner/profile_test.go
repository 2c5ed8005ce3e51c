package runner

import (
	"crypto/tls"
	"strings"
	"testing"

	"github.com/mtlsbench/gomicro-mtls/loadgen/control"
	"github.com/mtlsbench/gomicro-mtls/loadgen/echo"
	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

// serveSet starts an in-process echo server for transport tr with the
// certificates of set, and a control server.
func serveSet(t *testing.T, tr tlsconf.Transport, set *pki.Set) Endpoint {
	t.Helper()
	var counters tlsconf.ServerCounters
	cfg := tlsconf.Server(tr, set.Server.TLS(), set.Pool(), &counters)
	srv, err := echo.Listen("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ctl, err := control.Listen("127.0.0.1:0", &counters)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctl.Close() })
	return Endpoint{Addr: srv.Addr(), Control: control.NewClient(ctl.Addr())}
}

// TestProfileIsWhatIsNegotiated checks that a scenario measures the TLS
// version, suite, group and certificate key its name claims, as both
// ends' handshakes report them.
func TestProfileIsWhatIsNegotiated(t *testing.T) {
	cases := []struct {
		p    tlsconf.Profile
		want tlsconf.Negotiated
	}{
		{tlsconf.Profile{Version: tls.VersionTLS12,
			Suite: tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, Group: tls.CurveP256,
			Key: pki.RSA2048},
			tlsconf.Negotiated{Version: "1.2", Suite: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
				Group: "p256", PeerKey: pki.RSA2048}},
		{tlsconf.Profile{Version: tls.VersionTLS12,
			Suite: tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, Key: pki.Ed25519},
			tlsconf.Negotiated{Version: "1.2",
				Suite: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", PeerKey: pki.Ed25519}},
		{tlsconf.Profile{Version: tls.VersionTLS13, Group: tls.X25519, Key: pki.ECDSAP384},
			tlsconf.Negotiated{Version: "1.3", Suite: "TLS_AES_128_GCM_SHA256", Group: "x25519",
				PeerKey: pki.ECDSAP384}},
		{tlsconf.Profile{},
			tlsconf.Negotiated{Version: "1.3", Suite: "TLS_AES_128_GCM_SHA256",
				Group: "x25519mlkem768", PeerKey: pki.ECDSAP256}},
	}
	for _, c := range cases {
		set, err := pki.Generate(c.p.KeyType())
		if err != nil {
			t.Fatal(err)
		}
		ep := serveSet(t, tlsconf.MTLS, set)
		cert := set.Client.TLS()
		sc := Scenario{Transport: tlsconf.MTLS, Profile: c.p}
		s := run(t, sc, ep, Credentials{Roots: set.Pool(), Cert: &cert}, quick(1, 0))
		agree(t, s)
		got := s.Negotiated()
		if c.want.Group == "" && got.Group != "" {
			got.Group = "" // TLS 1.2 without a pinned group: crypto/tls's choice
		}
		if got != c.want {
			t.Errorf("%s: client negotiated %+v, want %+v", sc.Name(), got, c.want)
		}
		srv := s.Server.Negotiated
		if srv.Version != c.want.Version || srv.Suite != c.want.Suite ||
			srv.PeerKey != c.p.KeyType() {
			t.Errorf("%s: server negotiated %+v", sc.Name(), srv)
		}
		if len(s.Warnings) != 0 {
			t.Errorf("%s: warnings %q", sc.Name(), s.Warnings)
		}
		if p := c.p.Name(); p != "" && !strings.Contains(sc.Name(), p) {
			t.Errorf("name %s lacks %s", sc.Name(), p)
		}
	}
}

func TestMatricesNameWhatTheyVary(t *testing.T) {
	vary := map[string]string{"versions": "/tls=", "suites": "/suite=", "groups": "/group=",
		"keys": "/key=", "payloads": "/size="}
	for _, m := range Matrices {
		scs := m.Scenarios()
		names := map[string]bool{}
		for _, sc := range scs {
			if names[sc.Name()] {
				t.Errorf("%s: %s twice", m.Name, sc.Name())
			}
			names[sc.Name()] = true
			if sc.Transport.Secure() {
				if err := sc.Profile.Check(); err != nil {
					t.Errorf("%s: %s: %v", m.Name, sc.Name(), err)
				}
				if !names[sc.Baseline().Name()] {
					// the baseline must come earlier in the same matrix
					t.Errorf("%s: %s has no baseline %s", m.Name, sc.Name(),
						sc.Baseline().Name())
				}
				if k := vary[m.Name]; k != "" && !strings.Contains(sc.Name(), k) {
					t.Errorf("%s: %s does not name %s", m.Name, sc.Name(), k)
				}
			}
		}
	}
	if _, err := FindMatrix("everything"); err == nil ||
		!strings.Contains(err.Error(), "core, versions, suites, groups, keys, payloads") {
		t.Errorf("FindMatrix: %v", err)
	}
}
