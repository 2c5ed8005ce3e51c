package echo

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/micro/go-micro/v2/client"
	"github.com/micro/go-micro/v2/client/selector"
	"github.com/micro/go-micro/v2/codec/bytes"
	"github.com/micro/go-micro/v2/registry/memory"
	"github.com/micro/go-micro/v2/transport"

	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

// DefaultPoolSize is go-micro's own default connection pool size
// (client.DefaultPoolSize in go-micro v2.9.1).
const DefaultPoolSize = 100

// ClientConfig configures a Client.
type ClientConfig struct {
	// TLS secures every connection; nil means plaintext.
	TLS *tls.Config
	// PoolSize is how many idle connections go-micro keeps per address.
	// 0 opens a new connection for every call.
	PoolSize int
	// Timeout bounds each call, dial and handshake included. 0 means
	// go-micro's default, 5s.
	Timeout time.Duration
	// Counters, if not nil, counts every connection the client opens.
	Counters *tlsconf.ClientCounters
}

// A Client calls the echo service. It never retries: a failed call is
// returned as it is, so a benchmark counts every failure.
type Client struct {
	c  client.Client
	tr *countingTransport
}

// NewClient returns a client configured by cfg.
func NewClient(cfg ClientConfig) *Client {
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = client.DefaultRequestTimeout
	}
	tr := &countingTransport{tlsConfig: cfg.TLS, counters: cfg.Counters, timeout: timeout,
		open: map[*trackedClient]struct{}{}}
	if cfg.TLS == nil {
		tr.plain = transport.NewTransport(transport.Timeout(timeout))
	}
	// A selector of the client's own: client.Registry would otherwise
	// reconfigure go-micro's global default selector, shared by every
	// client in the process. Calls name their address, so the selector
	// is never consulted, but it must not be shared state either.
	reg := memory.NewRegistry()
	c := client.NewClient(
		client.Selector(selector.NewSelector(selector.Registry(reg))),
		client.Registry(reg),
		client.Transport(tr),
		client.ContentType(ContentType),
		client.PoolSize(cfg.PoolSize),
		client.Retries(0),
		client.RequestTimeout(timeout),
		client.DialTimeout(timeout),
	)
	return &Client{c: c, tr: tr}
}

// Call sends payload to the echo server at addr and returns the reply.
// The address must be an IP and port, as the server's listener reports
// it: go-micro's pool files a released connection under its remote
// address, so a host name would keep the pool from ever reusing one.
func (c *Client) Call(ctx context.Context, addr string, payload []byte) ([]byte, error) {
	req := c.c.NewRequest(Service, Endpoint, &bytes.Frame{Data: payload})
	var rsp bytes.Frame
	if err := c.c.Call(ctx, req, &rsp, client.WithAddress(addr)); err != nil {
		return nil, err
	}
	return rsp.Data, nil
}

// Hold makes a call to the echo server at addr as a go-micro stream and
// keeps the stream, and so its connection, open until release is called,
// which reads the reply. Held calls each have a connection of their own,
// so n of them open n connections, however fast the server answers.
func (c *Client) Hold(ctx context.Context, addr string) (release func() error, err error) {
	req := c.c.NewRequest(Service, Endpoint, &bytes.Frame{Data: []byte("x")})
	st, err := c.c.Stream(ctx, req, client.WithAddress(addr))
	if err != nil {
		return nil, err
	}
	return func() error {
		var rsp bytes.Frame
		err := st.Recv(&rsp)
		if cerr := st.Close(); err == nil {
			err = cerr
		}
		return err
	}, nil
}

// Close closes every connection the client still holds, pooled or not.
func (c *Client) Close() error { return c.tr.closeAll() }

// countingTransport wraps go-micro's HTTP transport to count dials and
// to close pooled connections when the client is done with them.
//
// Subtleness: go-micro's HTTP transport writes NextProtos into the
// tls.Config it holds on every Dial, a data race when calls dial
// concurrently. So each secure dial gets its own clone of the config in
// a transport of its own. A clone shares the original's session cache,
// so resumption still works.
type countingTransport struct {
	tlsConfig *tls.Config
	plain     transport.Transport
	counters  *tlsconf.ClientCounters
	// timeout is the read and write deadline of every Send and Recv.
	timeout time.Duration

	mu   sync.Mutex
	open map[*trackedClient]struct{}
}

func (t *countingTransport) Dial(addr string,
	opts ...transport.DialOption) (transport.Client, error) {
	if t.counters != nil {
		t.counters.Dialled()
	}
	tr := t.plain
	if t.tlsConfig != nil {
		cfg := t.tlsConfig.Clone()
		cfg.NextProtos = []string{"http/1.1"}
		tr = transport.NewTransport(transport.TLSConfig(cfg), transport.Timeout(t.timeout))
	}
	c, err := tr.Dial(addr, opts...)
	if err != nil {
		return nil, err
	}
	tc := &trackedClient{Client: c, owner: t, secure: t.tlsConfig != nil}
	t.mu.Lock()
	t.open[tc] = struct{}{}
	t.mu.Unlock()
	return tc, nil
}

func (t *countingTransport) closeAll() error {
	t.mu.Lock()
	open := t.open
	t.open = map[*trackedClient]struct{}{}
	t.mu.Unlock()
	for c := range open {
		c.Close()
	}
	return nil
}

func (t *countingTransport) Init(...transport.Option) error { return nil }
func (t *countingTransport) Options() transport.Options {
	return transport.Options{TLSConfig: t.tlsConfig, Secure: t.tlsConfig != nil}
}
func (t *countingTransport) Listen(string, ...transport.ListenOption) (transport.Listener, error) {
	return nil, errNoListen
}
func (t *countingTransport) String() string { return "http" }

// trackedClient is one connection of the client.
//
// Subtleness ahead: go-micro's HTTP transport client resets its read
// buffer in Close without waiting for a Recv in progress, and go-micro
// closes a connection from another goroutine when a call times out or
// its context ends, while the reading goroutine is still in Recv. The
// reader then panics inside bufio and takes the process down. So Close
// here waits: while a Send or Recv is running it only marks the
// connection, and the real Close happens when that call returns. Reads
// and writes have a deadline (the transport's Timeout), so the wait is
// bounded.
type trackedClient struct {
	transport.Client
	owner  *countingTransport
	secure bool
	// answered is set once a reply has been read: the peer accepted the
	// connection.
	answered bool

	mu      sync.Mutex
	busy    int  // Send and Recv calls in progress
	closing bool // Close was called
	closed  bool // the underlying client was closed
}

var errClosed = errors.New("echo: connection closed")

// begin marks a Send or Recv as running, unless the connection is closing.
func (c *trackedClient) begin() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return false
	}
	c.busy++
	return true
}

// end marks a Send or Recv as done, and closes the connection if Close
// was called meanwhile.
func (c *trackedClient) end() {
	c.mu.Lock()
	c.busy--
	closeNow := c.busy == 0 && c.closing && !c.closed
	if closeNow {
		c.closed = true
	}
	c.mu.Unlock()
	if closeNow {
		c.Client.Close()
	}
}

// Send sends a request. When the first request on a TLS connection
// fails because the server has already closed the connection, the
// server's TLS alert saying why is usually waiting to be read: under TLS
// 1.3 the client finishes its handshake before the server has checked
// the client's certificate. Send reads that alert so the caller learns
// the cause, not just "broken pipe". This happens only on a failed call
// and adds nothing to a successful one.
func (c *trackedClient) Send(m *transport.Message) error {
	if !c.begin() {
		return errClosed
	}
	defer c.end()
	err := c.Client.Send(m)
	if err == nil || !c.secure || c.answered || !peerClosed(err) {
		return err
	}
	if rerr := c.Client.Recv(&transport.Message{}); rerr != nil &&
		strings.Contains(rerr.Error(), "tls:") {
		return rerr
	}
	return err
}

// Recv reads a reply.
func (c *trackedClient) Recv(m *transport.Message) error {
	if !c.begin() {
		return errClosed
	}
	defer c.end()
	err := c.Client.Recv(m)
	if err == nil {
		c.answered = true
	}
	return err
}

// Close closes the connection now, or when the Send or Recv in progress
// returns.
func (c *trackedClient) Close() error {
	c.owner.mu.Lock()
	delete(c.owner.open, c)
	c.owner.mu.Unlock()
	c.mu.Lock()
	c.closing = true
	closeNow := c.busy == 0 && !c.closed
	if closeNow {
		c.closed = true
	}
	c.mu.Unlock()
	if closeNow {
		return c.Client.Close()
	}
	return nil
}

func peerClosed(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

var errNoListen = errors.New("echo: the client transport cannot listen")
