package runner

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/micro/go-micro/v2/logger"

	"github.com/mtlsbench/gomicro-mtls/loadgen/echo"
	"github.com/mtlsbench/gomicro-mtls/loadgen/load"
	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

func TestMain(m *testing.M) {
	logger.Init(logger.WithLevel(logger.ErrorLevel))
	os.Exit(m.Run())
}

func mustPKI() *pki.Set {
	s, err := pki.Generate(pki.ECDSAP256)
	if err != nil {
		panic(err)
	}
	return s
}

var (
	testPKI  = mustPKI()
	otherPKI = mustPKI() // a CA the server does not trust
)

// serve starts an in-process echo server for transport tr with the test
// PKI and a control server, as the serve command does in its own process.
func serve(t *testing.T, tr tlsconf.Transport) Endpoint {
	t.Helper()
	return serveSet(t, tr, testPKI)
}

func validCreds() Credentials {
	cert := testPKI.Client.TLS()
	return Credentials{Roots: testPKI.Pool(), Cert: &cert}
}

func quick(concurrency int, warmup time.Duration) Options {
	return Options{Concurrency: concurrency, Warmup: warmup, Duration: 300 * time.Millisecond,
		Payload: 1024, Timeout: 5 * time.Second}
}

func run(t *testing.T, sc Scenario, ep Endpoint, cred Credentials, o Options) *Sample {
	t.Helper()
	s, err := Run(context.Background(), sc, ep, cred, o)
	if err != nil {
		t.Fatal(err)
	}
	if s.Server == nil {
		t.Fatal("no server-side counts")
	}
	t.Logf("%s: %d calls, client %+v, server %+v, warnings %q", sc.Name(), s.Calls,
		s.Client, *s.Server, s.Warnings)
	return s
}

// agree checks that both ends counted the same handshakes.
func agree(t *testing.T, s *Sample) {
	t.Helper()
	if s.Client.Full != s.Server.Full || s.Client.Resumed != s.Server.Resumed {
		t.Errorf("client counted %d full and %d resumed handshakes, server %d and %d",
			s.Client.Full, s.Client.Resumed, s.Server.Full, s.Server.Resumed)
	}
	if s.Server.Failed != 0 {
		t.Errorf("server counted %d failed handshakes, want 0", s.Server.Failed)
	}
}

func TestPlaintextHasNoHandshakes(t *testing.T) {
	ep := serve(t, tlsconf.Plaintext)
	for _, pool := range []int{echo.DefaultPoolSize, 0} {
		s := run(t, Scenario{Transport: tlsconf.Plaintext, PoolSize: pool}, ep, validCreds(),
			quick(2, 0))
		if s.OK == 0 || s.Errors != 0 {
			t.Fatalf("%d calls succeeded and %d failed", s.OK, s.Errors)
		}
		if h := s.Client.Full + s.Client.Resumed + s.Server.Full + s.Server.Resumed +
			s.Server.ClientHellos; h != 0 {
			t.Errorf("pool %d: %d handshakes counted over plaintext, want 0", pool, h)
		}
	}
}

func TestPooledHandshakesAtMostConnections(t *testing.T) {
	for _, tr := range []tlsconf.Transport{tlsconf.TLS, tlsconf.MTLS} {
		ep := serve(t, tr)
		// No warm-up, so the measurement includes opening the pool.
		s := run(t, Scenario{Transport: tr, PoolSize: echo.DefaultPoolSize}, ep,
			validCreds(), quick(3, 0))
		agree(t, s)
		if s.Server.Full > s.Client.Dials || s.Client.Dials > 3 {
			t.Errorf("%s: %d full handshakes over %d connections for 3 callers",
				tr, s.Server.Full, s.Client.Dials)
		}
		if s.Calls < 10*s.Client.Dials {
			t.Errorf("%s: %d calls over %d connections: the pool was not reused",
				tr, s.Calls, s.Client.Dials)
		}
		// After a warm-up the pool is open: no handshake at all.
		s = run(t, Scenario{Transport: tr, PoolSize: echo.DefaultPoolSize}, ep,
			validCreds(), quick(3, 100*time.Millisecond))
		agree(t, s)
		if s.Server.Full+s.Server.Resumed != 0 || s.Client.Dials != 0 {
			t.Errorf("%s warmed up: %d dials and %d handshakes, want none", tr,
				s.Client.Dials, s.Server.Full+s.Server.Resumed)
		}
	}
}

func TestNoPoolNoResumeIsOneFullHandshakePerCall(t *testing.T) {
	for _, tr := range []tlsconf.Transport{tlsconf.TLS, tlsconf.MTLS} {
		ep := serve(t, tr)
		s := run(t, Scenario{Transport: tr}, ep, validCreds(), quick(2, 50*time.Millisecond))
		agree(t, s)
		if s.Errors != 0 || s.Calls == 0 {
			t.Fatalf("%s: %d of %d calls failed", tr, s.Errors, s.Calls)
		}
		if s.Server.Full != s.Calls || s.Client.Dials != s.Calls || s.Server.Resumed != 0 {
			t.Errorf("%s: %d calls, %d dials, %d full and %d resumed handshakes; "+
				"want one full handshake per call", tr, s.Calls, s.Client.Dials,
				s.Server.Full, s.Server.Resumed)
		}
	}
}

func TestNoPoolResumeResumesAfterTheFirst(t *testing.T) {
	for _, tr := range []tlsconf.Transport{tlsconf.TLS, tlsconf.MTLS} {
		ep := serve(t, tr)
		s := run(t, Scenario{Transport: tr, Resume: true}, ep, validCreds(), quick(1, 0))
		agree(t, s)
		total := s.Server.Full + s.Server.Resumed
		if total != s.Calls || s.Calls < 10 {
			t.Fatalf("%s: %d handshakes for %d calls", tr, total, s.Calls)
		}
		if s.Server.Full < 1 || float64(s.Server.Resumed) < 0.99*float64(total-1) {
			t.Errorf("%s: %d of %d handshakes resumed, want at least 99%% after the first",
				tr, s.Server.Resumed, total)
		}
		if s.Negotiated().Version != "1.3" || s.Negotiated().Group == "" {
			t.Errorf("%s: negotiated %+v, want TLS 1.3 with a key exchange group", tr,
				s.Negotiated())
		}
	}
}

func TestMTLSRejectsClientsWithoutValidCertificate(t *testing.T) {
	ep := serve(t, tlsconf.MTLS)
	other := otherPKI.Client.TLS()
	cases := map[string]Credentials{
		"no certificate":         {Roots: testPKI.Pool()},
		"certificate from other": {Roots: testPKI.Pool(), Cert: &other},
	}
	for name, cred := range cases {
		t.Run(name, func(t *testing.T) {
			sc := Scenario{Transport: tlsconf.MTLS}
			s := run(t, sc, ep, cred, quick(1, 0))
			if s.Calls == 0 || s.OK != 0 || s.Errors != s.Calls {
				t.Fatalf("%d calls, %d succeeded: want every call refused", s.Calls, s.OK)
			}
			if n := s.ErrorClasses[load.TLSServerRejected]; n != s.Calls {
				t.Errorf("%d of %d errors classed as %s: %v", n, s.Calls,
					load.TLSServerRejected, s.FirstErrors)
			}
			if s.Histogram.TotalCount() != 0 {
				t.Errorf("%d latency samples recorded for refused calls",
					s.Histogram.TotalCount())
			}
			if s.Server.Failed != s.Calls || s.Server.Full != 0 {
				t.Errorf("server counted %d failed and %d full handshakes for %d calls",
					s.Server.Failed, s.Server.Full, s.Calls)
			}
		})
	}
}

// TestTLSMovesMoreBytes checks the per-call I/O figures: TLS adds record
// headers and tags to every message, so it writes more bytes per call
// than plaintext, and every call makes system calls on both sides.
func TestTLSMovesMoreBytes(t *testing.T) {
	wire := map[tlsconf.Transport]float64{}
	for _, tr := range []tlsconf.Transport{tlsconf.Plaintext, tlsconf.TLS} {
		ep := serve(t, tr)
		s := run(t, Scenario{Transport: tr, Resume: tr.Secure(), PoolSize: echo.DefaultPoolSize},
			ep, validCreds(), quick(2, 50*time.Millisecond))
		b, ok := s.WireBytesPerOp()
		if !ok {
			t.Skip("no /proc/self/io on this system: byte counts unavailable")
		}
		wire[tr] = b
		if s.ClientIO.Calls() < s.Calls || s.ServerIO.Calls() < s.Calls {
			t.Errorf("%s: %d calls but %d client and %d server system calls", tr, s.Calls,
				s.ClientIO.Calls(), s.ServerIO.Calls())
		}
		if b < 2*1024 {
			t.Errorf("%s: %.0f bytes per call, less than the 1 KiB payload each way", tr, b)
		}
	}
	if wire[tlsconf.TLS] <= wire[tlsconf.Plaintext] {
		t.Errorf("TLS wrote %.0f bytes per call, plaintext %.0f: want more with TLS",
			wire[tlsconf.TLS], wire[tlsconf.Plaintext])
	}
}
