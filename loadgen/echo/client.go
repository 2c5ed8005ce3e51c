package echo

import (
	"context"
	"crypto/tls"
	"errors"
	"sync"
	"time"

	"github.com/micro/go-micro/v2/client"
	"github.com/micro/go-micro/v2/client/selector"
	"github.com/micro/go-micro/v2/codec/bytes"
	"github.com/micro/go-micro/v2/registry/memory"
	"github.com/micro/go-micro/v2/transport"

	"github.com/mtlsbench/gomicro-mtls/loadgen/mtls"
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
	tr := newCountingTransport(cfg.TLS, timeout, cfg.Counters)
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
// Secure dials go through mtls.NewClientTransport, which gives each dial
// its own clone of the TLS configuration: go-micro writes NextProtos into
// the configuration on every dial, a data race when calls dial at once.
// Every connection is guarded (mtls.GuardConn) so that go-micro closing
// it while a call still reads cannot crash the process.
type countingTransport struct {
	tlsConfig *tls.Config
	dial      transport.Transport
	counters  *tlsconf.ClientCounters

	mu   sync.Mutex
	open map[*trackedClient]struct{}
}

func newCountingTransport(cfg *tls.Config, timeout time.Duration,
	counters *tlsconf.ClientCounters) *countingTransport {
	t := &countingTransport{tlsConfig: cfg, counters: counters,
		open: map[*trackedClient]struct{}{}}
	// The timeout is each Send's and Recv's deadline: it bounds how long
	// closing a connection waits for a read in progress.
	if cfg != nil {
		t.dial = mtls.NewClientTransport(cfg, transport.Timeout(timeout))
	} else {
		t.dial = transport.NewTransport(transport.Timeout(timeout))
	}
	return t
}

func (t *countingTransport) Dial(addr string,
	opts ...transport.DialOption) (transport.Client, error) {
	if t.counters != nil {
		t.counters.Dialled()
	}
	c, err := t.dial.Dial(addr, opts...)
	if err != nil {
		return nil, err
	}
	if t.tlsConfig == nil {
		c = mtls.GuardConn(c, false) // the secure transport guards its own
	}
	tc := &trackedClient{Client: c, owner: t}
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

// trackedClient is one open connection of the client, so that Close can
// close the pooled ones go-micro never closes itself.
type trackedClient struct {
	transport.Client
	owner *countingTransport
}

func (c *trackedClient) Close() error {
	c.owner.mu.Lock()
	delete(c.owner.open, c)
	c.owner.mu.Unlock()
	return c.Client.Close()
}

var errNoListen = errors.New("echo: the client transport cannot listen")
