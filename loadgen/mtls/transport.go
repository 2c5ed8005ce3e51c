package mtls

import (
	"crypto/tls"
	"errors"
	"sync"

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
// Each connection is guarded (GuardConn): closing it while a call reads
// is safe, and a certificate the server refused is reported with the
// server's TLS alert rather than as a broken pipe. Pass a
// transport.Timeout so that a close waiting for a read is bounded.
//
// Listen is go-micro's own, with cfg unchanged; use ServerTransport for
// a server.
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
	return GuardConn(c, true), nil
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
