package bench

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
)

// certs is what one benchmark case needs from the test PKI: the pool that
// holds the root, and the two certificates with any intermediate in their
// chain.
type certs struct {
	roots  *x509.CertPool
	server tls.Certificate
	client tls.Certificate
}

type certKey struct {
	key          pki.KeyType
	intermediate bool
}

// certCache makes each PKI once per test binary, on first use. The map is
// filled here and never written again; RSA-4096 keys take seconds to make,
// so nothing regenerates them per benchmark or per test.
var certCache = func() map[certKey]func() (*certs, error) {
	m := make(map[certKey]func() (*certs, error))
	for _, kt := range pki.KeyTypes {
		direct := sync.OnceValues(func() (*pki.Set, error) { return pki.Generate(kt) })
		m[certKey{kt, false}] = func() (*certs, error) {
			set, err := direct()
			if err != nil {
				return nil, err
			}
			return &certs{set.Pool(), set.Server.TLS(), set.Client.TLS()}, nil
		}
		m[certKey{kt, true}] = sync.OnceValues(func() (*certs, error) {
			set, err := direct()
			if err != nil {
				return nil, err
			}
			return viaIntermediate(set, kt)
		})
	}
	return m
}()

func loadCerts(kt pki.KeyType, intermediate bool) (*certs, error) {
	f, ok := certCache[certKey{kt, intermediate}]
	if !ok {
		return nil, fmt.Errorf("unknown key type %q", kt)
	}
	return f()
}

// viaIntermediate makes a server and a client certificate signed by an
// intermediate authority under the set's root, so each peer sends a chain
// of two and the other side verifies two signatures instead of one.
func viaIntermediate(set *pki.Set, kt pki.KeyType) (*certs, error) {
	inter, err := set.CA.Issue(kt, pki.Leaf{CommonName: "mtls-bench intermediate", IsCA: true})
	if err != nil {
		return nil, err
	}
	srv, err := inter.Issue(kt, pki.Leaf{CommonName: "mtls-bench server",
		Hosts: pki.ServerNames, Usage: x509.ExtKeyUsageServerAuth})
	if err != nil {
		return nil, err
	}
	cli, err := inter.Issue(kt, pki.Leaf{CommonName: "mtls-bench client",
		Usage: x509.ExtKeyUsageClientAuth})
	if err != nil {
		return nil, err
	}
	return &certs{set.Pool(), srv.TLS(), cli.TLS()}, nil
}

// params are the connection parameters both benchmarks vary.
type params struct {
	version      uint16
	key          pki.KeyType
	intermediate bool
	mutual       bool
	group        tls.CurveID
	// suite is the only TLS 1.2 cipher suite both sides allow. It must be
	// zero for TLS 1.3, whose suites crypto/tls does not let a caller pick.
	suite uint16
}

// serverName is what clients verify the server certificate against.
const serverName = "localhost"

// configs returns a matching server and client configuration. Both allow
// exactly one version and one key exchange group, so nothing is left to
// Go's defaults (which would pick the hybrid X25519MLKEM768 group).
func configs(p params) (srv, cli *tls.Config, err error) {
	if p.version == tls.VersionTLS13 && p.suite != 0 {
		return nil, nil, errors.New("TLS 1.3 cipher suites are not configurable")
	}
	if p.version != tls.VersionTLS13 && p.group == tls.X25519MLKEM768 {
		return nil, nil, errors.New("X25519MLKEM768 needs TLS 1.3")
	}
	c, err := loadCerts(p.key, p.intermediate)
	if err != nil {
		return nil, nil, err
	}
	srv = &tls.Config{
		MinVersion:       p.version,
		MaxVersion:       p.version,
		Certificates:     []tls.Certificate{c.server},
		CurvePreferences: []tls.CurveID{p.group},
	}
	cli = &tls.Config{
		MinVersion:       p.version,
		MaxVersion:       p.version,
		RootCAs:          c.roots,
		ServerName:       serverName,
		CurvePreferences: []tls.CurveID{p.group},
	}
	if p.suite != 0 {
		srv.CipherSuites = []uint16{p.suite}
		cli.CipherSuites = []uint16{p.suite}
	}
	if p.mutual {
		srv.ClientAuth = tls.RequireAndVerifyClientCert
		srv.ClientCAs = c.roots
		cli.Certificates = []tls.Certificate{c.client}
	}
	return srv, cli, nil
}

func versionName(v uint16) string {
	switch v {
	case tls.VersionTLS12:
		return "1.2"
	case tls.VersionTLS13:
		return "1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}

func groupName(g tls.CurveID) string {
	switch g {
	case tls.X25519:
		return "x25519"
	case tls.CurveP256:
		return "p256"
	case tls.X25519MLKEM768:
		return "x25519mlkem768"
	}
	return g.String()
}

func authName(mutual bool) string {
	if mutual {
		return "mutual"
	}
	return "server"
}

// checkState returns an error unless the client's and the server's view
// of a finished handshake match p: version, cipher suite, group, the key
// type and chain length of the server certificate, and a client
// certificate exactly when p.mutual.
func checkState(p params, cli, srv tls.ConnectionState) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for side, st := range map[string]tls.ConnectionState{"client": cli, "server": srv} {
		if !st.HandshakeComplete {
			bad("%s: handshake not complete", side)
		}
		if st.Version != p.version {
			bad("%s: version %s, want %s", side, versionName(st.Version), versionName(p.version))
		}
		if st.CurveID != p.group {
			bad("%s: group %v, want %v", side, st.CurveID, p.group)
		}
	}
	if cli.CipherSuite != srv.CipherSuite {
		bad("client suite %s, server suite %s",
			tls.CipherSuiteName(cli.CipherSuite), tls.CipherSuiteName(srv.CipherSuite))
	}
	if err := checkSuite(p, cli.CipherSuite); err != nil {
		errs = append(errs, err)
	}
	wantChain := 1
	if p.intermediate {
		wantChain = 2
	}
	if n := len(cli.PeerCertificates); n != wantChain {
		bad("server sent %d certificates, want %d", n, wantChain)
	} else if kt := pki.KeyTypeOf(cli.PeerCertificates[0].PublicKey); kt != p.key {
		bad("server key %q, want %q", kt, p.key)
	}
	switch n := len(srv.PeerCertificates); {
	case p.mutual && n != wantChain:
		bad("client sent %d certificates, want %d", n, wantChain)
	case p.mutual && pki.KeyTypeOf(srv.PeerCertificates[0].PublicKey) != p.key:
		bad("client key %q, want %q", pki.KeyTypeOf(srv.PeerCertificates[0].PublicKey), p.key)
	case !p.mutual && n != 0:
		bad("client sent %d certificates with server-only authentication", n)
	}
	return errors.Join(errs...)
}

func checkSuite(p params, id uint16) error {
	if p.suite != 0 {
		if id != p.suite {
			return fmt.Errorf("suite %s, want %s",
				tls.CipherSuiteName(id), tls.CipherSuiteName(p.suite))
		}
		return nil
	}
	for _, s := range tls.CipherSuites() {
		if s.ID == id {
			if !slices.Contains(s.SupportedVersions, p.version) {
				return fmt.Errorf("suite %s does not belong to TLS %s",
					s.Name, versionName(p.version))
			}
			return nil
		}
	}
	return fmt.Errorf("suite %s is not a secure crypto/tls suite", tls.CipherSuiteName(id))
}

// memPipe returns the two ends of an in-memory connection whose writes
// never block: each direction is an unbounded buffer, like a socket
// buffer that is never full. net.Pipe would instead make every write wait
// for the peer's read, which serializes the two goroutines and deadlocks
// when both sides write before reading (a TLS 1.3 server writes
// resumption state at the end of its handshake, when the client has
// finished its own and is writing application data).
func memPipe() (net.Conn, net.Conn) {
	a, b := newPipeBuf(), newPipeBuf()
	return &pipeEnd{r: a, w: b}, &pipeEnd{r: b, w: a}
}

type pipeBuf struct {
	mu     sync.Mutex
	cond   sync.Cond
	data   []byte // unread bytes are data[off:]
	off    int
	closed bool
}

func newPipeBuf() *pipeBuf {
	p := &pipeBuf{}
	p.cond.L = &p.mu
	return p
}

func (p *pipeBuf) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cond.Broadcast()
}

type pipeEnd struct {
	r, w *pipeBuf
}

func (e *pipeEnd) Read(b []byte) (int, error) {
	p := e.r
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.off == len(p.data) && !p.closed {
		p.cond.Wait()
	}
	if p.off == len(p.data) {
		return 0, io.EOF
	}
	n := copy(b, p.data[p.off:])
	p.off += n
	if p.off == len(p.data) {
		p.data, p.off = p.data[:0], 0
	}
	return n, nil
}

func (e *pipeEnd) Write(b []byte) (int, error) {
	p := e.w
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, io.ErrClosedPipe
	}
	p.data = append(p.data, b...)
	p.cond.Signal()
	return len(b), nil
}

// Close ends both directions: the peer reads what was already written and
// then io.EOF, and its writes fail.
func (e *pipeEnd) Close() error {
	e.r.close()
	e.w.close()
	return nil
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "mem" }
func (pipeAddr) String() string  { return "mem" }

func (e *pipeEnd) LocalAddr() net.Addr  { return pipeAddr{} }
func (e *pipeEnd) RemoteAddr() net.Addr { return pipeAddr{} }

var errNoDeadline = errors.New("memPipe: deadlines are not supported")

func (e *pipeEnd) SetDeadline(time.Time) error      { return errNoDeadline }
func (e *pipeEnd) SetReadDeadline(time.Time) error  { return errNoDeadline }
func (e *pipeEnd) SetWriteDeadline(time.Time) error { return errNoDeadline }

// readTimer counts the time spent inside Read, which on a memPipe is time
// spent waiting for the peer. Subtracting it from a handshake's wall time
// leaves the time this side spent working.
type readTimer struct {
	net.Conn
	inRead time.Duration
}

func (r *readTimer) Read(b []byte) (int, error) {
	start := time.Now()
	n, err := r.Conn.Read(b)
	r.inRead += time.Since(start)
	return n, err
}
