package bench

import (
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"testing"

	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

// BenchmarkRawRPC runs the cases of BenchmarkRPC (see rpc_test.go) with
// no framework: the client writes a 4-byte big-endian length and the
// payload, and the server writes both back. The TLS configurations and
// handshake counters are the same as BenchmarkRPC's.
func BenchmarkRawRPC(b *testing.B) { benchRPC(b, setupRawRPC) }

func TestRawRPCCases(t *testing.T) { testRPCCases(t, setupRawRPC) }

// setupRawRPC starts a raw echo server and client for c and warms them
// up. Cleanups registered on tb close them.
func setupRawRPC(tb testing.TB, c rpcCase) (*rpcEnv, error) {
	e := newRPCEnv(c)
	srvCfg, cliCfg, err := e.tlsConfigs(c)
	if err != nil {
		return nil, err
	}
	s, err := listenRaw(srvCfg)
	if err != nil {
		return nil, err
	}
	tb.Cleanup(func() {
		if err := s.close(); err != nil {
			tb.Errorf("raw echo server: %v", err)
		}
	})
	cl := &rawClient{addr: s.ln.Addr().String(), cfg: cliCfg, pool: c.pool,
		counters: &e.cli}
	tb.Cleanup(cl.close)
	e.call = cl.call
	return e, e.warmUp()
}

// maxRawPayload bounds what the raw server accepts, so a corrupt length
// cannot make it allocate without limit.
const maxRawPayload = 1 << 20

// rawServer serves the length-prefixed echo, each connection on its own
// goroutine. A nil cfg serves plaintext.
type rawServer struct {
	ln   net.Listener
	cfg  *tls.Config
	wg   sync.WaitGroup
	errc chan error // the first failure of any goroutine

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func listenRaw(cfg *tls.Config) (*rawServer, error) {
	ln, err := net.Listen("tcp", rpcHost+":0")
	if err != nil {
		return nil, err
	}
	s := &rawServer{ln: ln, cfg: cfg, errc: make(chan error, 1),
		conns: make(map[net.Conn]struct{})}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

func (s *rawServer) fail(err error) {
	select {
	case s.errc <- err:
	default: // keep the first
	}
}

func (s *rawServer) accept() {
	defer s.wg.Done()
	for {
		raw, err := s.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.fail(fmt.Errorf("accept: %w", err))
			}
			return
		}
		s.mu.Lock()
		s.conns[raw] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serve(raw)
	}
}

func (s *rawServer) serve(raw net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, raw)
		s.mu.Unlock()
		raw.Close()
	}()
	var conn net.Conn = raw
	if s.cfg != nil {
		conn = tls.Server(raw, s.cfg) // the first read makes the handshake
	}
	if err := rawEcho(conn); err != nil && !errors.Is(err, net.ErrClosed) {
		s.fail(err)
	}
}

// rawEcho answers requests until the client closes the connection.
func rawEcho(conn net.Conn) error {
	buf := make([]byte, 4, 4+1024)
	for {
		if _, err := io.ReadFull(conn, buf[:4]); err != nil {
			if err == io.EOF {
				return nil
			}
			return fmt.Errorf("server read: %w", err)
		}
		n := binary.BigEndian.Uint32(buf[:4])
		if n > maxRawPayload {
			return fmt.Errorf("server read: length %d over %d", n, maxRawPayload)
		}
		buf = slices.Grow(buf[:4], int(n))[:4+n]
		if _, err := io.ReadFull(conn, buf[4:]); err != nil {
			return fmt.Errorf("server read: %w", err)
		}
		if _, err := conn.Write(buf); err != nil {
			return fmt.Errorf("server write: %w", err)
		}
	}
}

// close stops the server, closing any connection still open, and returns
// the first failure it saw.
func (s *rawServer) close() error {
	err := s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	select {
	case serr := <-s.errc:
		return errors.Join(err, serr)
	default:
		return err
	}
}

// rawClient calls a rawServer. With pool it keeps its connection open
// between calls; without, it dials (and handshakes) for every call and
// closes the connection once the reply is read. A TLS 1.3 server sends
// the state to resume from after the handshake, and the client takes it
// in only when it next reads: reading the reply does that before the
// close.
type rawClient struct {
	addr     string
	cfg      *tls.Config // nil for plaintext
	pool     bool
	counters *tlsconf.ClientCounters
	conn     net.Conn // the open connection with pool, else nil
	out, in  []byte
	hdr      [4]byte // here rather than on the stack, where it would escape
}

func (c *rawClient) dial() (net.Conn, error) {
	c.counters.Dialled()
	raw, err := net.Dial("tcp", c.addr)
	if err != nil || c.cfg == nil {
		return raw, err
	}
	conn := tls.Client(raw, c.cfg)
	if err := conn.Handshake(); err != nil {
		raw.Close()
		return nil, fmt.Errorf("client handshake: %w", err)
	}
	return conn, nil
}

// call returns the reply in a buffer that the next call overwrites.
func (c *rawClient) call(payload []byte) ([]byte, error) {
	conn := c.conn
	if conn == nil {
		var err error
		if conn, err = c.dial(); err != nil {
			return nil, err
		}
	}
	got, err := c.exchange(conn, payload)
	if err != nil || !c.pool {
		c.conn = nil
		if cerr := conn.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("client close: %w", cerr)
		}
		return got, err
	}
	c.conn = conn
	return got, nil
}

func (c *rawClient) exchange(conn net.Conn, payload []byte) ([]byte, error) {
	c.out = binary.BigEndian.AppendUint32(c.out[:0], uint32(len(payload)))
	c.out = append(c.out, payload...)
	if _, err := conn.Write(c.out); err != nil {
		return nil, fmt.Errorf("client write: %w", err)
	}
	if _, err := io.ReadFull(conn, c.hdr[:]); err != nil {
		return nil, fmt.Errorf("client read: %w", err)
	}
	n := int(binary.BigEndian.Uint32(c.hdr[:]))
	if n != len(payload) {
		return nil, fmt.Errorf("reply of %d bytes to a request of %d", n, len(payload))
	}
	c.in = slices.Grow(c.in[:0], n)[:n]
	if _, err := io.ReadFull(conn, c.in); err != nil {
		return nil, fmt.Errorf("client read: %w", err)
	}
	return c.in, nil
}

func (c *rawClient) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}
