package mtls_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"

	"github.com/micro/go-micro/v2/broker"
	bmemory "github.com/micro/go-micro/v2/broker/memory"
	"github.com/micro/go-micro/v2/client"
	"github.com/micro/go-micro/v2/client/selector"
	"github.com/micro/go-micro/v2/codec/bytes"
	"github.com/micro/go-micro/v2/registry/memory"
	"github.com/micro/go-micro/v2/server"

	"github.com/mtlsbench/gomicro-mtls/loadgen/echo"
	"github.com/mtlsbench/gomicro-mtls/loadgen/mtls"
	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
)

// Example starts a go-micro server that requires client certificates and
// calls it with a client that presents one, both configured from PEM
// files.
func Example() {
	dir, err := os.MkdirTemp("", "mtls-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	set, err := pki.Generate(pki.ECDSAP256) // ca.pem, server.pem, client.pem, keys
	if err != nil || set.WriteDir(dir) != nil {
		fmt.Println("writing certificates failed")
		return
	}
	ca := filepath.Join(dir, pki.CAFile)

	// The server: its certificate, and the CA that verifies clients.
	sopts, err := mtls.ServerOptions(mtls.Files{
		CA:   ca,
		Cert: filepath.Join(dir, pki.ServerCertFile),
		Key:  filepath.Join(dir, pki.ServerKeyFile),
	}, mtls.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	reg := memory.NewRegistry() // never go-micro's default, mDNS
	srv := server.NewServer(append(sopts,
		server.Name("greeter"),
		server.Address("127.0.0.1:0"),
		server.Registry(reg),
		server.Broker(bmemory.NewBroker(broker.Registry(reg))),
	)...)
	if err := srv.Handle(srv.NewHandler(echo.Echo{})); err != nil {
		fmt.Println(err)
		return
	}
	if err := srv.Start(); err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Stop()

	// The client: the CA that verifies the server, and its certificate.
	copts, err := mtls.ClientOptions(mtls.Files{
		CA:   ca,
		Cert: filepath.Join(dir, pki.ClientCertFile),
		Key:  filepath.Join(dir, pki.ClientKeyFile),
	}, mtls.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	// A selector of the client's own: client.Registry alone would change
	// go-micro's global default selector.
	creg := memory.NewRegistry()
	cli := client.NewClient(append(copts,
		client.Selector(selector.NewSelector(selector.Registry(creg))),
		client.Registry(creg),
		client.ContentType("application/octet-stream"), // the bytes codec
	)...)
	req := cli.NewRequest("greeter", "Echo.Echo", &bytes.Frame{Data: []byte("hello")})
	var rsp bytes.Frame
	err = cli.Call(context.Background(), req, &rsp,
		client.WithAddress(srv.Options().Address))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s over mutual TLS\n", rsp.Data)
	// Output: hello over mutual TLS
}

// ExampleParseCipherSuites reads the TLS 1.2 suites and groups a user
// named, say on a command line, and shows how a server refuses a suite
// its certificate's key cannot use.
func ExampleParseCipherSuites() {
	dir, err := os.MkdirTemp("", "mtls-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	set, err := pki.Generate(pki.ECDSAP256)
	if err != nil || set.WriteDir(dir) != nil {
		fmt.Println("writing certificates failed")
		return
	}
	files := mtls.Files{
		CA:   filepath.Join(dir, pki.CAFile),
		Cert: filepath.Join(dir, pki.ServerCertFile),
		Key:  filepath.Join(dir, pki.ServerKeyFile),
	}

	suites, err := mtls.ParseCipherSuites("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
	if err != nil {
		fmt.Println(err)
		return
	}
	groups, err := mtls.ParseGroups("X25519, CurveP256")
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg, err := mtls.ServerConfig(files, mtls.Options{CipherSuites: suites, Groups: groups})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tls.CipherSuiteName(cfg.CipherSuites[0]), cfg.CurvePreferences)

	rsaSuite, _ := mtls.ParseCipherSuites("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
	_, err = mtls.ServerConfig(files, mtls.Options{CipherSuites: rsaSuite})
	fmt.Println(err != nil)
	// Output:
	// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 [X25519 CurveP256]
	// true
}
