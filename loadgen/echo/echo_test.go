package echo

import (
	"bytes"
	"context"
	"crypto/tls"
	"os"
	"testing"

	"github.com/micro/go-micro/v2/logger"

	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

func TestMain(m *testing.M) {
	logger.Init(logger.WithLevel(logger.ErrorLevel))
	os.Exit(m.Run())
}

var testPKI = func() *pki.Set {
	s, err := pki.Generate(pki.ECDSAP256)
	if err != nil {
		panic(err)
	}
	return s
}()

func startServer(t *testing.T, tr tlsconf.Transport, sc *tlsconf.ServerCounters) *Server {
	t.Helper()
	cfg := tlsconf.Server(tr, testPKI.Server.TLS(), testPKI.Pool(), sc)
	s, err := Listen("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func clientTLS(tr tlsconf.Transport, resume bool, cc *tlsconf.ClientCounters) *tls.Config {
	cert := testPKI.Client.TLS()
	return tlsconf.Client(tr, tlsconf.ClientOptions{Roots: testPKI.Pool(), Cert: &cert,
		Resume: resume}, cc)
}

func TestEchoEveryTransport(t *testing.T) {
	for _, tr := range tlsconf.Transports {
		t.Run(string(tr), func(t *testing.T) {
			var sc tlsconf.ServerCounters
			var cc tlsconf.ClientCounters
			s := startServer(t, tr, &sc)
			c := NewClient(ClientConfig{TLS: clientTLS(tr, false, &cc), PoolSize: 0,
				Counters: &cc})
			defer c.Close()
			payload := bytes.Repeat([]byte("x"), 1024)
			for i := 0; i < 3; i++ {
				got, err := c.Call(context.Background(), s.Addr(), payload)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, payload) {
					t.Fatalf("echo returned %d bytes, want the %d sent", len(got), len(payload))
				}
			}
			want := int64(3)
			if !tr.Secure() {
				want = 0
			}
			if h := sc.Snapshot(); h.Full != want || h.ClientHellos != want {
				t.Errorf("server counted %+v, want %d full handshakes", h, want)
			}
			if h := cc.Snapshot(); h.Full != want || h.Dials != 3 {
				t.Errorf("client counted %+v, want %d full handshakes in 3 dials", h, want)
			}
		})
	}
}

func TestListenRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{":0", "0.0.0.0:0", "192.0.2.1:0", "nonsense"} {
		if _, err := Listen(addr, nil); err == nil {
			t.Errorf("Listen(%q) succeeded, want an error", addr)
		}
	}
}
