package bench

// BenchmarkRPC and BenchmarkRawRPC measure one echo call end to end: the
// first through go-micro v2 (package loadgen/echo, the service the load
// generator drives), the second over bare TCP or crypto/tls with a
// length-prefixed echo (rawrpc_test.go). Both run the same cases, named
//
//	transport=plaintext|tls|mtls/resume=on|off/pool=on|off/size=64B|1KiB|16KiB
//
// so that, at the same setting, RPC minus RawRPC is what the framework
// costs, and tls or mtls minus plaintext is what TLS costs. Plaintext
// cases exist with resume=off only; the key is kept so that
// `benchstat -col /transport` lines the rows up across transports.
//
// pool=on reuses one connection for every call (go-micro's pool holds
// echo.DefaultPoolSize connections; the raw client keeps one); pool=off
// opens, and for tls and mtls handshakes, a new connection per call and
// closes it afterwards. resume=on gives the client a session cache, so
// with pool=off every handshake after the first resumes.
//
// Calls are made one after another. Both ends run in this process, so
// allocs/op and B/op count the server's allocations as well as the
// client's. Besides ns/op each case reports handshakes/op (full
// handshakes only, as the server counted them; BenchmarkHandshake's
// metric of the same name counts resumed ones too), resumed/op, dials/op
// (connections the client opened) and the median and 99th percentile
// latency of a call, p50-ns and p99-ns.

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/micro/go-micro/v2/logger"

	"github.com/mtlsbench/gomicro-mtls/loadgen/echo"
	"github.com/mtlsbench/gomicro-mtls/loadgen/load"
	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

// TestMain keeps go-micro quiet: it logs every server start and stop at
// info level, which would fill the benchmark output.
func TestMain(m *testing.M) {
	logger.Init(logger.WithLevel(logger.ErrorLevel))
	os.Exit(m.Run())
}

// rpcHost is where every server listens and what clients verify the
// server's certificate against: the name the load generator's go-micro
// client infers from the address it dials.
const rpcHost = "127.0.0.1"

type rpcSize struct {
	name string
	n    int
}

// rpcCase is one sub-benchmark of BenchmarkRPC and of BenchmarkRawRPC.
type rpcCase struct {
	transport tlsconf.Transport
	resume    bool // the client keeps a session cache
	pool      bool // the calls share an open connection
	size      rpcSize
}

func onOffName(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func (c rpcCase) name() string {
	return fmt.Sprintf("transport=%s/resume=%s/pool=%s/size=%s",
		c.transport, onOffName(c.resume), onOffName(c.pool), c.size.name)
}

func rpcCases() []rpcCase {
	sizes := []rpcSize{{"64B", 64}, {"1KiB", 1 << 10}, {"16KiB", 16 << 10}}
	var out []rpcCase
	for _, tr := range tlsconf.Transports {
		for _, resume := range []bool{false, true} {
			if resume && !tr.Secure() {
				continue // nothing to resume
			}
			for _, pool := range []bool{true, false} {
				for _, s := range sizes {
					out = append(out, rpcCase{tr, resume, pool, s})
				}
			}
		}
	}
	return out
}

// rpcEnv is one case's server and client, set up and warmed up.
type rpcEnv struct {
	// call makes one echo call. It is not safe for concurrent use.
	call    func(payload []byte) ([]byte, error)
	payload []byte
	srv     tlsconf.ServerCounters
	cli     tlsconf.ClientCounters
	// peerCerts counts the server's completed handshakes, resumed ones
	// included, in which the client had presented a certificate.
	peerCerts atomic.Int64
}

func newRPCEnv(c rpcCase) *rpcEnv {
	e := &rpcEnv{payload: make([]byte, c.size.n)}
	for i := range e.payload {
		e.payload[i] = byte(i*7 + i>>8)
	}
	return e
}

// tlsConfigs returns both ends' configurations for c, nil for plaintext,
// from the builders the load generator uses, counting into e.
func (e *rpcEnv) tlsConfigs(c rpcCase) (srv, cli *tls.Config, err error) {
	crt, err := loadCerts(pki.ECDSAP256, false)
	if err != nil {
		return nil, nil, err
	}
	srv = tlsconf.Server(c.transport, crt.server, crt.roots, &e.srv)
	o := tlsconf.ClientOptions{Roots: crt.roots, ServerName: rpcHost, Resume: c.resume}
	if c.transport == tlsconf.MTLS {
		o.Cert = &crt.client
	}
	cli = tlsconf.Client(c.transport, o, &e.cli)
	if srv != nil {
		count := srv.VerifyConnection
		srv.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) > 0 {
				e.peerCerts.Add(1)
			}
			return count(cs)
		}
	}
	return srv, cli, nil
}

// warmUp makes one call: it leaves a connection in the pool when there is
// one, and a session to resume in the client's cache when it has one.
func (e *rpcEnv) warmUp() error {
	if err := e.run(1, load.NewHistogram(time.Minute)); err != nil {
		return fmt.Errorf("warm-up call: %w", err)
	}
	return nil
}

// run makes n calls one after another and records each one's latency in
// h, in microseconds rounded to the nearest. Reading the clock twice per
// call costs some tens of nanoseconds, far below the cost of any call
// measured here.
func (e *rpcEnv) run(n int, h *hdrhistogram.Histogram) error {
	for range n {
		start := time.Now()
		got, err := e.call(e.payload)
		d := time.Since(start)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, e.payload) {
			return fmt.Errorf("echo returned %d bytes unlike the %d sent",
				len(got), len(e.payload))
		}
		if err := h.RecordValue(int64((d + load.Unit/2) / load.Unit)); err != nil {
			return fmt.Errorf("latency %v: %w", d, err)
		}
	}
	return nil
}

// setupRPC starts a go-micro echo server and client for c and warms them
// up. Cleanups registered on tb close them.
func setupRPC(tb testing.TB, c rpcCase) (*rpcEnv, error) {
	e := newRPCEnv(c)
	srvCfg, cliCfg, err := e.tlsConfigs(c)
	if err != nil {
		return nil, err
	}
	srv, err := echo.Listen(rpcHost+":0", srvCfg)
	if err != nil {
		return nil, err
	}
	tb.Cleanup(func() {
		if err := srv.Close(); err != nil {
			tb.Errorf("closing the echo server: %v", err)
		}
	})
	pool := 0
	if c.pool {
		pool = echo.DefaultPoolSize
	}
	cl := echo.NewClient(echo.ClientConfig{TLS: cliCfg, PoolSize: pool, Counters: &e.cli})
	tb.Cleanup(func() { cl.Close() })
	addr := srv.Addr()
	e.call = func(p []byte) ([]byte, error) { return cl.Call(tb.Context(), addr, p) }
	return e, e.warmUp()
}

type rpcSetup func(testing.TB, rpcCase) (*rpcEnv, error)

func BenchmarkRPC(b *testing.B) { benchRPC(b, setupRPC) }

func TestRPCCases(t *testing.T) { testRPCCases(t, setupRPC) }

func benchRPC(b *testing.B, setup rpcSetup) {
	for _, c := range rpcCases() {
		b.Run(c.name(), func(b *testing.B) {
			e, err := setup(b, c)
			if err != nil {
				b.Fatal(err)
			}
			h := load.NewHistogram(time.Minute)
			srv0, cli0 := e.srv.Snapshot(), e.cli.Snapshot()
			b.ReportAllocs()
			b.SetBytes(int64(c.size.n))
			b.ResetTimer()
			err = e.run(b.N, h)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			srv, cli := e.srv.Snapshot().Sub(srv0), e.cli.Snapshot().Sub(cli0)
			n := float64(b.N)
			b.ReportMetric(float64(srv.Full)/n, "handshakes/op")
			b.ReportMetric(float64(srv.Resumed)/n, "resumed/op")
			b.ReportMetric(float64(cli.Dials)/n, "dials/op")
			b.ReportMetric(float64(h.ValueAtQuantile(50)*int64(load.Unit)), "p50-ns")
			b.ReportMetric(float64(h.ValueAtQuantile(99)*int64(load.Unit)), "p99-ns")
		})
	}
}

// rpcTestCalls is how many calls each test makes after the warm-up.
const rpcTestCalls = 3

// testRPCCases runs every benchmark case's setup and a few calls, and
// checks from both ends' counters that the case makes the connections and
// handshakes its name claims. The cases run one at a time: echo.NewClient
// must not run concurrently, as go-micro's client.Registry option
// reconfigures the package-level selector.DefaultSelector.
func testRPCCases(t *testing.T, setup rpcSetup) {
	for _, c := range rpcCases() {
		t.Run(c.name(), func(t *testing.T) {
			e, err := setup(t, c)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.check(c); err != nil {
				t.Error(err)
			}
		})
	}
}

// check checks the warm-up, then makes rpcTestCalls calls and checks
// what they did.
func (e *rpcEnv) check(c rpcCase) error {
	srvWarm, cliWarm := e.srv.Snapshot(), e.cli.Snapshot()
	errs := []error{checkWarmUp(c, srvWarm, cliWarm)}
	h := load.NewHistogram(time.Minute)
	if err := e.run(rpcTestCalls, h); err != nil {
		return errors.Join(append(errs, err)...)
	}
	if n := h.TotalCount(); n != rpcTestCalls {
		errs = append(errs, fmt.Errorf("%d latencies for %d calls", n, rpcTestCalls))
	}
	srv, cli := e.srv.Snapshot(), e.cli.Snapshot()
	errs = append(errs, checkCalls(c, srv.Sub(srvWarm), cli.Sub(cliWarm)))
	total, want := srv.Full+srv.Resumed, int64(0)
	if c.transport == tlsconf.MTLS {
		want = total
	}
	if got := e.peerCerts.Load(); got != want {
		errs = append(errs, fmt.Errorf("server got a client certificate in %d of %d "+
			"handshakes, want %d", got, total, want))
	}
	return errors.Join(errs...)
}

// checkWarmUp checks the counts after the warm-up call: one connection,
// with one full TLS 1.3 handshake unless the transport is plaintext.
func checkWarmUp(c rpcCase, srv, cli tlsconf.Handshakes) error {
	var full int64
	var version string
	if c.transport.Secure() {
		full, version = 1, "1.3"
	}
	var errs []error
	if srv.ClientHellos != full || srv.Full != full || srv.Resumed != 0 || srv.Failed != 0 ||
		srv.Negotiated.Version != version {
		errs = append(errs, fmt.Errorf("warm-up: server counted %+v; want %d hellos and "+
			"full handshakes, version %q", srv, full, version))
	}
	if cli.Dials != 1 || cli.Full != full || cli.Resumed != 0 ||
		cli.Negotiated.Version != version {
		errs = append(errs, fmt.Errorf("warm-up: client counted %+v; want 1 dial, "+
			"%d full handshakes, version %q", cli, full, version))
	}
	return errors.Join(errs...)
}

// checkCalls checks the counts of the calls after the warm-up, and that
// the two ends agree.
func checkCalls(c rpcCase, srv, cli tlsconf.Handshakes) error {
	var full, resumed, dials int64 // what the calls should have made
	switch {
	case c.pool:
		// the warm-up's connection serves every call
	case !c.transport.Secure():
		dials = rpcTestCalls
	case c.resume:
		dials, resumed = rpcTestCalls, rpcTestCalls
	default:
		dials, full = rpcTestCalls, rpcTestCalls
	}
	var errs []error
	if srv.ClientHellos != full+resumed || srv.Failed != 0 ||
		srv.Full != full || srv.Resumed != resumed {
		errs = append(errs, fmt.Errorf("server counted %+v for %d calls; want %d "+
			"full and %d resumed handshakes", srv, rpcTestCalls, full, resumed))
	}
	if cli.Dials != dials || cli.Full != srv.Full || cli.Resumed != srv.Resumed {
		errs = append(errs, fmt.Errorf("client counted %+v for %d calls; want %d "+
			"dials and the server's handshake counts", cli, rpcTestCalls, dials))
	}
	return errors.Join(errs...)
}
