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
// request's buffer.
type Echo struct{}

// Echo returns the request body as the response body.
func (Echo) Echo(_ context.Context, req *bytes.Frame, rsp *bytes.Frame) error {
	rsp.Data = req.Data
	return nil
}

// A Server is a running echo server.
type Server struct {
	srv  server.Server
	addr string
}

// Listen starts an echo server on addr, which must be a loopback address
// with a port ("127.0.0.1:0" picks a free port). A nil tlsConfig serves
// plaintext.
func Listen(addr string, tlsConfig *tls.Config) (*Server, error) {
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
	if err := srv.Handle(srv.NewHandler(Echo{})); err != nil {
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
