// Package mtls configures mutual TLS for go-micro v2 services from PEM
// files: a CA bundle that verifies the peer, and this side's certificate
// chain and private key.
//
// A server gets its go-micro options from ServerOptions, a client from
// ClientOptions:
//
//	sopts, err := mtls.ServerOptions(mtls.Files{CA: "ca.pem",
//		Cert: "server.pem", Key: "server-key.pem"}, mtls.Options{})
//	srv := server.NewServer(append(sopts, server.Address("127.0.0.1:8080"))...)
//
//	copts, err := mtls.ClientOptions(mtls.Files{CA: "ca.pem",
//		Cert: "client.pem", Key: "client-key.pem"}, mtls.Options{})
//	cli := client.NewClient(copts...)
//
// With micro.NewService, pass them as micro.Server(server.NewServer(...))
// and micro.Client(client.NewClient(...)). Do not use micro.Transport or
// server.TLSConfig for this. micro.Transport gives the server and the
// client one transport. server.TLSConfig, unless a transport option
// comes before it, configures go-micro's global default transport, which
// clients use too.
//
// Both ends always verify their peer; nothing here sets
// InsecureSkipVerify. Options chooses TLS versions, cipher suites, key
// exchange groups, session resumption and how a server treats clients
// without a certificate; its zero value is a sound default.
//
// Two go-micro v2.9.1 traps are handled here. Its HTTP transport writes
// NextProtos into the client's tls.Config on every Dial, a data race when
// calls dial concurrently: the client transport of this package gives each
// dial its own clone. And a server must keep one tls.Config for all its
// connections: crypto/tls keeps the session ticket keys it generates in
// the Config, and a clone lacks them, so a server that clones its config
// per connection never resumes a session.
package mtls

import (
	"crypto/tls"
	"fmt"

	"github.com/micro/go-micro/v2/client"
	"github.com/micro/go-micro/v2/server"
	"github.com/micro/go-micro/v2/transport"

	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
)

// Files names the PEM files of one end of a connection: CA is a bundle
// of one or more CA certificates that verify the peer (required); Cert is
// this end's certificate followed by any intermediates the peer needs
// (required on a server; empty on a client that presents none); Key is
// Cert's unencrypted private key (PKCS #8, SEC 1 or PKCS #1), required
// exactly when Cert is given. It is the same as pki.Paths.
type Files = pki.Paths

// ClientAuth is how a server treats a client's certificate.
type ClientAuth int

const (
	// Require demands a certificate that verifies against the CA
	// bundle (tls.RequireAndVerifyClientCert). The zero value.
	Require ClientAuth = iota
	// VerifyIfGiven accepts a client without a certificate, but refuses
	// one whose certificate does not verify
	// (tls.VerifyClientCertIfGiven). It is meant for a gradual rollout:
	// clients get certificates one by one, then the server switches to
	// Require. Until then the server authenticates only some clients.
	VerifyIfGiven
)

// Options are the choices both ends share. The zero value means TLS 1.2
// or later, crypto/tls's default cipher suites and key exchange groups,
// session resumption on, and (on a server) a client certificate required.
type Options struct {
	// MinVersion is the lowest TLS version accepted: tls.VersionTLS12
	// or tls.VersionTLS13. 0 means TLS 1.2; anything lower is refused.
	MinVersion uint16
	// CipherSuites are the TLS 1.2 cipher suites, in no particular
	// order (crypto/tls orders them). nil means crypto/tls's defaults.
	// TLS 1.3 suites cannot be chosen, so this must be empty when
	// MinVersion is TLS 1.3. On a server, every suite must suit its
	// certificate's key: ECDSA suites for an ECDSA or Ed25519 key, RSA
	// suites for an RSA key. ParseCipherSuites reads names.
	CipherSuites []uint16
	// Groups are the key exchange groups in order of preference. nil
	// means crypto/tls's defaults (X25519MLKEM768 first). The ML-KEM
	// hybrids work in TLS 1.3 only, so when TLS 1.2 is allowed the list
	// must also hold a classic group. ParseGroups reads names.
	Groups []tls.CurveID
	// ClientAuth is how a server treats client certificates; a client
	// ignores it. The zero value is Require.
	ClientAuth ClientAuth
	// DisableResumption turns session resumption off: a client keeps no
	// session cache and a server issues no session tickets, so every
	// handshake is a full one. false (the default) lets a client resume
	// from a cache of 64 sessions, which makes its reconnections much
	// cheaper.
	DisableResumption bool
	// ServerName is what a client checks the server's certificate
	// against; a server ignores it. Empty means the host part of the
	// dialled address, as crypto/tls does: dialling 10.0.0.7:8080 checks
	// for the IP address 10.0.0.7 in the certificate. Set it when the
	// certificate names a host and the client dials an IP address.
	ServerName string
}

// ServerConfig loads a server's certificate and the CA bundle that
// verifies clients, and returns the server's TLS configuration.
//
// Share the returned Config across all connections and never Clone it
// per connection (for example in GetConfigForClient): a clone lacks the
// session ticket keys crypto/tls generated, and no session resumes.
func ServerConfig(files Files, o Options) (*tls.Config, error) {
	if files.Cert == "" || files.Key == "" {
		return nil, fmt.Errorf("mtls: a server needs a certificate and a key file " +
			"(Files.Cert and Files.Key)")
	}
	cert, err := pki.LoadKeyPair(files.Cert, files.Key)
	if err != nil {
		return nil, fmt.Errorf("mtls: server certificate: %w", err)
	}
	if files.CA == "" {
		return nil, fmt.Errorf("mtls: a server needs the CA file that verifies clients " +
			"(Files.CA)")
	}
	pool, err := pki.LoadCA(files.CA)
	if err != nil {
		return nil, fmt.Errorf("mtls: client CA: %w", err)
	}
	cfg, err := o.common(&cert)
	if err != nil {
		return nil, err
	}

	cfg.Certificates = []tls.Certificate{cert}
	cfg.ClientCAs = pool
	switch o.ClientAuth {
	case Require:
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	case VerifyIfGiven:
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	default:
		return nil, fmt.Errorf("mtls: unknown client authentication mode %d (valid: %s)",
			o.ClientAuth, clientAuthNames())
	}
	cfg.SessionTicketsDisabled = o.DisableResumption
	return cfg, nil
}

// ClientConfig loads the CA bundle that verifies the server and, when
// files names one, the client's certificate, and returns the client's TLS
// configuration.
//
// The certificate is presented whenever the server asks for one, also
// when its issuer is not among the CAs the server says it accepts (on its
// own, crypto/tls would then present nothing). A wrong certificate is
// thus refused as wrong, and never passes for an absent one.
//
// Do not give the result to transport.NewTransport directly if calls may
// dial concurrently: go-micro writes NextProtos into it on every Dial, a
// data race. NewClientTransport (which ClientTransport and ClientOptions
// use) clones it per dial instead.
func ClientConfig(files Files, o Options) (*tls.Config, error) {
	if files.CA == "" {
		return nil, fmt.Errorf("mtls: a client needs the CA file that verifies the server " +
			"(Files.CA)")
	}
	pool, err := pki.LoadCA(files.CA)
	if err != nil {
		return nil, fmt.Errorf("mtls: server CA: %w", err)
	}
	var cert *tls.Certificate
	switch {
	case files.Cert != "" && files.Key != "":
		c, err := pki.LoadKeyPair(files.Cert, files.Key)
		if err != nil {
			return nil, fmt.Errorf("mtls: client certificate: %w", err)
		}
		cert = &c
	case files.Cert != "" || files.Key != "":
		return nil, fmt.Errorf("mtls: a client certificate file needs its key file and " +
			"the other way round (Files.Cert and Files.Key)")
	}
	// The server's key type is unknown here, so suites are checked
	// against no certificate.
	cfg, err := o.common(nil)
	if err != nil {
		return nil, err
	}

	cfg.RootCAs = pool
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
		// Present the certificate whatever issuers the server names.
		// Without this crypto/tls sends none when its issuer is not
		// among them: the server sees a client without a certificate,
		// which VerifyIfGiven accepts, instead of a wrong one.
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate,
			error) {
			return cert, nil
		}
	}
	cfg.ServerName = o.ServerName
	if !o.DisableResumption {
		cfg.ClientSessionCache = tls.NewLRUClientSessionCache(0)
	}
	return cfg, nil
}

// ServerTransport returns go-micro's HTTP transport serving TLS with the
// configuration ServerConfig builds. The transport keeps that one
// configuration for every connection.
func ServerTransport(files Files, o Options) (transport.Transport, error) {
	cfg, err := ServerConfig(files, o)
	if err != nil {
		return nil, err
	}
	return transport.NewTransport(transport.TLSConfig(cfg)), nil
}

// ServerOptions returns the go-micro server options that make a server
// serve mutual TLS: today only server.Transport(ServerTransport(...)).
func ServerOptions(files Files, o Options) ([]server.Option, error) {
	tr, err := ServerTransport(files, o)
	if err != nil {
		return nil, err
	}
	return []server.Option{server.Transport(tr)}, nil
}

// ClientTransport returns a client transport that dials with the
// configuration ClientConfig builds, safe for concurrent dials: see
// NewClientTransport.
func ClientTransport(files Files, o Options) (transport.Transport, error) {
	cfg, err := ClientConfig(files, o)
	if err != nil {
		return nil, err
	}
	return NewClientTransport(cfg), nil
}

// ClientOptions returns the go-micro client options that make a client
// dial with mutual TLS: today only client.Transport(ClientTransport(...)).
func ClientOptions(files Files, o Options) ([]client.Option, error) {
	tr, err := ClientTransport(files, o)
	if err != nil {
		return nil, err
	}
	return []client.Option{client.Transport(tr)}, nil
}
