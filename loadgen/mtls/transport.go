package mtls

import (
	"crypto/tls"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/micro/go-micro/v2/transport"
)

// NewClientTransport returns go-micro's HTTP transport for a client that
// dials with cfg, made safe for concurrent dials.
//
// go-micro v2.9.1's HTTP transport assigns NextProtos on the tls.Config
// it holds on every Dial, so two calls that dial at once race on it. The
// transport returned here gives each Dial its own clone of cfg in a
// transport of its own. Clones share cfg's ClientSessionCache, so
// sessions still resume across dials. cfg itself is never written.
//
// Other options, such as transport.Timeout, are passed on to each dial's
// transport. A Dial is refused when there is no configuration or it sets
// InsecureSkipVerify: this transport always verifies the server.
//
// When a request on a new connection cannot be sent because the server
// has closed it, the transport reads the TLS alert the server sent before
// closing and returns it ("remote error: tls: ..."), instead of a bare
// "broken pipe". Under TLS 1.3 this is how a client learns that the
// server refused its certificate: its own handshake completed before the
// server checked it.
//
// Listen is go-micro's own, with cfg unchanged; use ServerTransport for
// a server.
//
// BUG: go-micro's client closes a connection from another goroutine when
// a call times out, and its HTTP transport's Close resets the read buffer
// that a Recv still in progress is reading: a data race this transport
// does not prevent. The echo client of this module shows a fix: Close
// waits for the Recv, which a transport.Timeout bounds.
func NewClientTransport(cfg *tls.Config, opts ...transport.Option) transport.Transport {
	t := &clientTransport{}
	for _, o := range opts {
		o(&t.opts)
	}
	t.opts.TLSConfig = cfg
	t.opts.Secure = true
	return t
}

type clientTransport struct {
	mu   sync.Mutex
	opts transport.Options
}

var (
	errNoConfig = errors.New("mtls: client transport has no TLS configuration")
	errInsecure = errors.New("mtls: client transport refuses a TLS configuration with " +
		"InsecureSkipVerify")
)

// Init applies go-micro transport options, as go-micro's own transport
// does.
func (t *clientTransport) Init(opts ...transport.Option) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, o := range opts {
		o(&t.opts)
	}
	return nil
}

// Options returns the transport's options; TLSConfig is the shared one,
// which Dial never writes.
func (t *clientTransport) Options() transport.Options {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.opts
}

// Dial connects to addr with a clone of the TLS configuration.
func (t *clientTransport) Dial(addr string, opts ...transport.DialOption) (transport.Client,
	error) {
	o := t.Options()
	switch {
	case o.TLSConfig == nil:
		return nil, errNoConfig
	case o.TLSConfig.InsecureSkipVerify:
		return nil, errInsecure
	}
	o.TLSConfig = o.TLSConfig.Clone()
	o.TLSConfig.NextProtos = []string{"http/1.1"}
	tr := transport.NewTransport(func(to *transport.Options) { *to = o })
	c, err := tr.Dial(addr, opts...)
	if err != nil {
		return nil, err
	}
	return &alertClient{Client: c}, nil
}

// Listen listens with go-micro's HTTP transport and the configuration as
// it is.
func (t *clientTransport) Listen(addr string, opts ...transport.ListenOption) (
	transport.Listener, error) {
	o := t.Options()
	return transport.NewTransport(func(to *transport.Options) { *to = o }).Listen(addr,
		opts...)
}

func (t *clientTransport) String() string { return "http" }

// alertClient is one client connection. It reads the server's TLS alert
// when the first request on the connection fails because the server has
// closed it.
type alertClient struct {
	transport.Client
	// answered is set once a reply was read: the server accepted the
	// connection, and a later failure is not a handshake's.
	answered atomic.Bool
}

func (c *alertClient) Send(m *transport.Message) error {
	err := c.Client.Send(m)
	if err == nil || c.answered.Load() || !peerClosed(err) {
		return err
	}
	// go-micro queued the request before writing it, so Recv reads the
	// connection's next record: the server's alert, if it sent one.
	if rerr := c.Client.Recv(&transport.Message{}); rerr != nil &&
		strings.Contains(rerr.Error(), "tls:") {
		return rerr
	}
	return err
}

func (c *alertClient) Recv(m *transport.Message) error {
	err := c.Client.Recv(m)
	if err == nil {
		c.answered.Store(true)
	}
	return err
}

func peerClosed(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}
