package bench

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
)

// recCase is one established connection of BenchmarkRecord, measured at
// every size of recordSizes.
type recCase struct {
	params
}

// recordCases lists, for an ECDSA P-256 and an RSA-2048 certificate, the
// three ECDHE AEAD suites of TLS 1.2, and TLS 1.3. crypto/tls does not let
// a caller choose TLS 1.3 suites (it picks AES-128-GCM when both ends
// have AES hardware, ChaCha20-Poly1305 otherwise), so the TLS 1.3 cases
// leave the suite open and are named after the one negotiated.
//
// Every connection is mutually authenticated, as in the services this
// suite models, but that only affects the handshake, not the records.
func recordCases() []recCase {
	tls12 := []struct {
		key    pki.KeyType
		suites []uint16
	}{
		{pki.ECDSAP256, []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		}},
		{pki.RSA2048, []uint16{
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		}},
	}
	var out []recCase
	for _, k := range tls12 {
		for _, s := range k.suites {
			out = append(out, recCase{params{version: tls.VersionTLS12, key: k.key,
				mutual: true, group: tls.X25519, suite: s}})
		}
	}
	for _, k := range tls12 {
		out = append(out, recCase{params{version: tls.VersionTLS13, key: k.key,
			mutual: true, group: tls.X25519}})
	}
	return out
}

type recSize struct {
	name string
	n    int
}

func recordSizes() []recSize {
	return []recSize{{"64B", 64}, {"1KiB", 1 << 10}, {"16KiB", 16 << 10}, {"1MiB", 1 << 20}}
}

// warmup is echoed once during setup. crypto/tls sends small records on a
// new connection and switches to full 16 KiB records after 128 KiB; the
// benchmark measures the steady state that follows.
const warmup = 256 << 10

// recEnv is a mutually authenticated TLS connection over loopback TCP
// whose server end echoes everything back. Loopback TCP, rather than an
// in-memory pipe, puts the kernel's copies and wakeups in the measurement,
// as they are for real traffic; only one connection per case is made, so
// its setup cost stays out of the numbers.
//
// The client writes from its own goroutine while the benchmark goroutine
// reads: writing 1 MiB before reading any of the echo back could fill
// both socket buffers and deadlock.
type recEnv struct {
	client             *tls.Conn
	cliState, srvState tls.ConnectionState
	out, in            []byte
	req                chan int      // sizes for the writer to send
	werr               chan error    // the writer's failure, if any
	wdone              chan struct{} // closed when the writer returns
	edone              chan error    // the echo loop's result
}

type accepted struct {
	conn *tls.Conn
	err  error
}

// setupRecord connects, completes both handshakes, starts the echo loop
// and the writer, and echoes warmup bytes.
func setupRecord(c recCase) (*recEnv, error) {
	srvCfg, cliCfg, err := configs(c.params)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	acc := make(chan accepted, 1)
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			acc <- accepted{err: err}
			return
		}
		conn := tls.Server(raw, srvCfg)
		if err := conn.Handshake(); err != nil {
			raw.Close()
			acc <- accepted{err: fmt.Errorf("server handshake: %w", err)}
			return
		}
		acc <- accepted{conn: conn}
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		ln.Close()
		return nil, errors.Join(err, (<-acc).err)
	}
	client := tls.Client(raw, cliCfg)
	if err := client.Handshake(); err != nil {
		raw.Close()
		a := <-acc
		if a.conn != nil {
			a.conn.Close()
		}
		return nil, errors.Join(fmt.Errorf("client handshake: %w", err), a.err)
	}
	a := <-acc
	if a.err != nil {
		raw.Close()
		return nil, a.err
	}
	e := &recEnv{
		client:   client,
		cliState: client.ConnectionState(),
		srvState: a.conn.ConnectionState(),
		out:      make([]byte, 1<<20),
		in:       make([]byte, 1<<20),
		req:      make(chan int, 1),
		werr:     make(chan error, 1),
		wdone:    make(chan struct{}),
		edone:    make(chan error, 1),
	}
	for i := range e.out {
		e.out[i] = byte(i*131 + i>>9)
	}
	go func() { e.edone <- echoLoop(a.conn) }()
	go e.writer(raw)
	if err := e.echo(warmup); err != nil {
		return nil, errors.Join(fmt.Errorf("warm-up: %w", err), e.close())
	}
	return e, nil
}

// echoLoop writes back whatever it reads until the client closes.
func echoLoop(conn *tls.Conn) error {
	defer conn.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			if _, werr := conn.Write(buf[:n]); werr != nil {
				return fmt.Errorf("echo write: %w", werr)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("echo read: %w", err)
		}
	}
}

// writer sends e.out[:n] for every n on e.req. On failure it closes the
// socket, so that the reader waiting for the echo fails too.
func (e *recEnv) writer(raw net.Conn) {
	defer close(e.wdone)
	for n := range e.req {
		if _, err := e.client.Write(e.out[:n]); err != nil {
			e.werr <- fmt.Errorf("client write: %w", err)
			raw.Close()
			return
		}
	}
}

// echo is one benchmark iteration: n bytes out and the same n bytes back
// into e.in.
func (e *recEnv) echo(n int) error {
	select {
	case e.req <- n:
	case <-e.wdone:
		select {
		case err := <-e.werr:
			return err
		default:
			return errors.New("client writer has stopped")
		}
	}
	if _, err := io.ReadFull(e.client, e.in[:n]); err != nil {
		select {
		case werr := <-e.werr:
			return werr
		default:
			return fmt.Errorf("client read: %w", err)
		}
	}
	return nil
}

// close stops the writer, closes the client end and returns the echo
// loop's result.
func (e *recEnv) close() error {
	close(e.req)
	<-e.wdone
	err := e.client.Close()
	if errors.Is(err, net.ErrClosed) {
		err = nil // the writer already closed it after failing
	}
	return errors.Join(err, <-e.edone)
}

// name is the benchmark name up to the size, built from what the
// handshake negotiated rather than from what was configured.
func (e *recEnv) name() string {
	st := e.cliState
	key := pki.KeyType("none")
	if len(st.PeerCertificates) > 0 {
		key = pki.KeyTypeOf(st.PeerCertificates[0].PublicKey)
	}
	return fmt.Sprintf("tls=%s/suite=%s/key=%s",
		versionName(st.Version), tls.CipherSuiteName(st.CipherSuite), key)
}

func BenchmarkRecord(b *testing.B) {
	// Each connection is made once and shared by its sizes. Setup runs for
	// every case even when -bench selects only some: the TLS 1.3 names are
	// not known before the handshake.
	for _, c := range recordCases() {
		e, err := setupRecord(c)
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range recordSizes() {
			b.Run(e.name()+"/size="+s.name, func(b *testing.B) {
				b.SetBytes(int64(s.n))
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					if err := e.echo(s.n); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		if err := e.close(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRecordCases runs each benchmark case's setup and one echo of every
// size, checks the negotiated parameters and the benchmark name against
// the case, and checks that every byte came back unchanged.
func TestRecordCases(t *testing.T) {
	names := make(map[string]bool)
	for _, c := range recordCases() {
		e, err := setupRecord(c)
		if err != nil {
			t.Fatalf("%s/key=%s: %v", versionName(c.version), c.key, err)
		}
		name := e.name()
		t.Run(name, func(t *testing.T) {
			if err := checkState(c.params, e.cliState, e.srvState); err != nil {
				t.Error(err)
			}
			suite := tls.CipherSuiteName(e.cliState.CipherSuite)
			if c.suite != 0 {
				suite = tls.CipherSuiteName(c.suite)
			}
			want := fmt.Sprintf("tls=%s/suite=%s/key=%s", versionName(c.version), suite, c.key)
			if name != want {
				t.Errorf("benchmark name %s, want %s", name, want)
			}
			if names[name] {
				t.Errorf("duplicate benchmark name %s", name)
			}
			names[name] = true
			for _, s := range recordSizes() {
				clear(e.in)
				if err := e.echo(s.n); err != nil {
					t.Fatalf("size=%s: %v", s.name, err)
				}
				if !bytes.Equal(e.in[:s.n], e.out[:s.n]) {
					t.Errorf("size=%s: echo differs from what was sent", s.name)
				}
			}
		})
		if err := e.close(); err != nil {
			t.Errorf("%s: close: %v", name, err)
		}
	}
}
