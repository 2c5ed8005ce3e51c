// Package echo is the service under test: a go-micro v2 server whose one
// endpoint returns its request body, and a go-micro v2 client that calls
// it over plaintext, TLS or mutual TLS with the pool and resumption set
// as a scenario asks.
//
// Both ends use go-micro's HTTP transport, the in-memory registry and the
// in-memory broker, so nothing leaves the loopback interface and no
// multicast is ever sent.
package echo

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/micro/go-micro/v2/broker"
	bmemory "github.com/micro/go-micro/v2/broker/memory"
	"github.com/micro/go-micro/v2/codec/bytes"
	"github.com/micro/go-micro/v2/registry/memory"
	"github.com/micro/go-micro/v2/server"
	"github.com/micro/go-micro/v2/transport"
)

// Service and Endpoint name the echo RPC.
const (
	Service  = "mtls.bench.echo"
	Endpoint = "Echo.Echo"
)

// ContentType selects go-micro's bytes codec, so the payload crosses the
// wire as it is, with no marshalling cost in the measurement.
const ContentType = "application/octet-stream"

// Echo is the handler. It copies nothing: the response shares the
// request's buffer. The zero value answers at once.
type Echo struct {
	stall *stall
}

// Echo returns the request body as the response body.
func (e Echo) Echo(_ context.Context, req *bytes.Frame, rsp *bytes.Frame) error {
	if e.stall != nil {
		e.stall.wait()
	}
	rsp.Data = req.Data
	return nil
}

// A Stall makes the server hold every request that arrives from After
// to After+For past its first request until that window ends, once. It
// exists to check latency measurement: a load generator that measures
// right shows the stall in its high percentiles.
type Stall struct {
	For, After time.Duration
}

// ParseStall reads a stall written D@T, for example 200ms@2s: hold for
// 200ms, starting 2s after the first request.
func ParseStall(s string) (Stall, error) {
	d, t, ok := strings.Cut(s, "@")
	var st Stall
	var err1, err2 error
	if ok {
		st.For, err1 = time.ParseDuration(d)
		st.After, err2 = time.ParseDuration(t)
	}
	if !ok || err1 != nil || err2 != nil || st.For <= 0 || st.After < 0 {
		return Stall{}, fmt.Errorf("echo: stall %q: want DURATION@START such as 200ms@2s", s)
	}
	return st, nil
}

type stall struct {
	Stall
	once  sync.Once
	first time.Time
}

func (s *stall) wait() {
	s.once.Do(func() { s.first = time.Now() })
	from := s.first.Add(s.After)
	till := from.Add(s.For)
	if now := time.Now(); !now.Before(from) && now.Before(till) {
		time.Sleep(till.Sub(now))
	}
}

// An Option changes how Listen sets up the server.
type Option func(*Echo)

// WithStall makes the server stall once, as st says.
func WithStall(st Stall) Option {
	return func(e *Echo) { e.stall = &stall{Stall: st} }
}

// A Server is a running echo server.
type Server struct {
	srv  server.Server
	addr string
}

// Listen starts an echo server on addr, which must be a loopback address
// with a port ("127.0.0.1:0" picks a free port). A nil tlsConfig serves
// plaintext.
func Listen(addr string, tlsConfig *tls.Config, opts ...Option) (*Server, error) {
	if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	var topts []transport.Option
	if tlsConfig != nil {
		topts = append(topts, transport.TLSConfig(tlsConfig))
	}
	reg := memory.NewRegistry()
	srv := server.NewServer(
		server.Name(Service),
		server.Address(addr),
		server.Registry(reg),
		server.Broker(bmemory.NewBroker(broker.Registry(reg))),
		server.Transport(transport.NewTransport(topts...)),
	)
	var h Echo
	for _, o := range opts {
		o(&h)
	}
	if err := srv.Handle(srv.NewHandler(h)); err != nil {
		return nil, fmt.Errorf("echo: registering handler: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("echo: starting server on %s: %w", addr, err)
	}
	return &Server{srv: srv, addr: srv.Options().Address}, nil
}

// Addr is the address the server listens on, with the port it chose.
func (s *Server) Addr() string { return s.addr }

// Close stops the server, waiting for requests in progress.
func (s *Server) Close() error { return s.srv.Stop() }

// checkLoopback refuses any address that is not on the loopback
// interface: a benchmark must never put its load on another host by
// accident, and go-micro's default of all interfaces is not wanted here.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("echo: address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("echo: address %q is not a loopback address", addr)
	}
	return nil
}
