package mtls_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/micro/go-micro/v2/broker"
	bmemory "github.com/micro/go-micro/v2/broker/memory"
	"github.com/micro/go-micro/v2/client"
	"github.com/micro/go-micro/v2/client/selector"
	"github.com/micro/go-micro/v2/codec/bytes"
	"github.com/micro/go-micro/v2/logger"
	"github.com/micro/go-micro/v2/registry/memory"
	"github.com/micro/go-micro/v2/server"
	"github.com/micro/go-micro/v2/transport"

	"github.com/mtlsbench/gomicro-mtls/loadgen/echo"
	"github.com/mtlsbench/gomicro-mtls/loadgen/mtls"
	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
)

func TestMain(m *testing.M) {
	// net/http logs every failed server handshake through the standard
	// logger, and go-micro logs at info level to standard output, which
	// the examples' output is compared with.
	log.SetOutput(io.Discard)
	logger.Init(logger.WithLevel(logger.ErrorLevel))
	os.Exit(m.Run())
}

// callTimeout bounds every test call. Calls that must fail are expected
// to fail well before it: see failsFast.
const callTimeout = 10 * time.Second

func mustCA(name string) *pki.Issued {
	ca, err := pki.NewCA(pki.ECDSAP256, name)
	if err != nil {
		panic(err)
	}
	return ca
}

func mustIssue(ca *pki.Issued, kt pki.KeyType, l pki.Leaf) *pki.Issued {
	i, err := ca.Issue(kt, l)
	if err != nil {
		panic(err)
	}
	return i
}

// The test PKI: one trusted CA with a server and a client certificate,
// and a second CA nobody trusts.
var (
	trustedCA  = mustCA("trusted CA")
	otherCA    = mustCA("other CA")
	goodServer = mustIssue(trustedCA, pki.ECDSAP256, pki.Leaf{CommonName: "server",
		Hosts: pki.ServerNames, Usage: x509.ExtKeyUsageServerAuth})
	goodClient = mustIssue(trustedCA, pki.ECDSAP256, pki.Leaf{CommonName: "client",
		Usage: x509.ExtKeyUsageClientAuth})
)

// writeFiles writes ca, server and client certificates and keys into a
// new directory and returns the files of each end. Each end's CA file is
// ca.pem.
func writeFiles(t *testing.T, ca, srv, cli *pki.Issued) (server, client mtls.Files) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "certs")
	if err := (&pki.Set{CA: ca, Server: srv, Client: cli}).WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	sp, cp := pki.ServerPaths(dir), pki.ClientPaths(dir)
	return mtls.Files{CA: sp.CA, Cert: sp.Cert, Key: sp.Key},
		mtls.Files{CA: cp.CA, Cert: cp.Cert, Key: cp.Key}
}

// goodFiles are the files of a server and a client that trust each
// other.
func goodFiles(t *testing.T) (server, client mtls.Files) {
	return writeFiles(t, trustedCA, goodServer, goodClient)
}

// listen starts an echo server with the given options (none for
// plaintext) on 127.0.0.1 and returns its address.
func listen(t *testing.T, opts []server.Option) string {
	t.Helper()
	reg := memory.NewRegistry()
	srv := server.NewServer(append(opts,
		server.Name(echo.Service),
		server.Address("127.0.0.1:0"),
		server.Registry(reg),
		server.Broker(bmemory.NewBroker(broker.Registry(reg))),
	)...)
	if err := srv.Handle(srv.NewHandler(echo.Echo{})); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	return srv.Options().Address
}

// listenMTLS starts an echo server built by mtls.ServerOptions.
func listenMTLS(t *testing.T, files mtls.Files, o mtls.Options) string {
	t.Helper()
	opts, err := mtls.ServerOptions(files, o)
	if err != nil {
		t.Fatal(err)
	}
	return listen(t, opts)
}

// listenConfig starts an echo server with a TLS configuration of the
// test's own making.
func listenConfig(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	return listen(t, []server.Option{server.Transport(
		transport.NewTransport(transport.TLSConfig(cfg)))})
}

// newClient returns a go-micro client with the given options (none for
// plaintext) that opens a new connection for every call and never
// retries.
//
// The selector is the client's own: client.Registry alone would re-point
// go-micro's global default selector, a data race between clients made
// at once.
func newClient(opts []client.Option) client.Client {
	reg := memory.NewRegistry()
	return client.NewClient(append(opts,
		client.Selector(selector.NewSelector(selector.Registry(reg))),
		client.Registry(reg),
		client.ContentType(echo.ContentType),
		client.PoolSize(0),
		client.Retries(0),
		client.RequestTimeout(callTimeout),
		client.DialTimeout(callTimeout),
	)...)
}

// clientOptions returns mtls.ClientOptions or fails the test.
func clientOptions(t *testing.T, files mtls.Files, o mtls.Options) []client.Option {
	t.Helper()
	opts, err := mtls.ClientOptions(files, o)
	if err != nil {
		t.Fatal(err)
	}
	return opts
}

// clientConfig returns mtls.ClientConfig or fails the test.
func clientConfig(t *testing.T, files mtls.Files, o mtls.Options) *tls.Config {
	t.Helper()
	cfg, err := mtls.ClientConfig(files, o)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// withConfig returns client options that dial with cfg.
func withConfig(cfg *tls.Config) []client.Option {
	return []client.Option{client.Transport(mtls.NewClientTransport(cfg))}
}

// call makes one echo RPC to addr and returns how long it took and its
// error.
func call(c client.Client, addr string) (time.Duration, error) {
	start := time.Now()
	payload := []byte("ping")
	req := c.NewRequest(echo.Service, echo.Endpoint, &bytes.Frame{Data: payload})
	var rsp bytes.Frame
	err := c.Call(context.Background(), req, &rsp, client.WithAddress(addr))
	if err == nil && string(rsp.Data) != string(payload) {
		err = errEcho
	}
	return time.Since(start), err
}

var errEcho = errors.New("echo returned other bytes than it was sent")
