// Package tlsconf builds the crypto/tls configurations of the echo
// service's two ends for each transport (plaintext, TLS, mutual TLS) and
// counts the handshakes each end completes.
//
// The counts come from crypto/tls callbacks that run on every handshake,
// resumed ones included, so they are exact rather than sampled.
package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"
)

// Transport is how the echo service's connections are secured.
type Transport string

// The transports a scenario can use.
const (
	// Plaintext is go-micro's HTTP transport with no TLS.
	Plaintext Transport = "plaintext"
	// TLS authenticates the server only.
	TLS Transport = "tls"
	// MTLS also requires and verifies a client certificate.
	MTLS Transport = "mtls"
)

// Transports lists every transport in the order reports show them.
var Transports = []Transport{Plaintext, TLS, MTLS}

// ParseTransport returns the named transport, or an error listing the
// valid names.
func ParseTransport(name string) (Transport, error) {
	for _, t := range Transports {
		if string(t) == name {
			return t, nil
		}
	}
	return "", fmt.Errorf("tlsconf: unknown transport %q (valid: plaintext, tls, mtls)", name)
}

// Secure reports whether the transport uses TLS at all.
func (t Transport) Secure() bool { return t == TLS || t == MTLS }

// Server returns the server's configuration for transport t, or nil for
// Plaintext. The server presents cert; with MTLS it demands a client
// certificate that verifies against clientCAs. Every ClientHello and
// every completed handshake is counted in c, which must not be nil.
//
// The configuration must be shared by all connections and never cloned
// per connection: crypto/tls keeps the session ticket keys it generates in
// the Config, and a clone starts without them, so nothing would resume.
func Server(t Transport, cert tls.Certificate, clientCAs *x509.CertPool,
	c *ServerCounters) *tls.Config {
	if !t.Secure() {
		return nil
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			c.hellos.Add(1)
			return nil, nil
		},
		VerifyConnection: func(cs tls.ConnectionState) error {
			c.record(cs)
			return nil
		},
	}
	if t == MTLS {
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		cfg.ClientCAs = clientCAs
	}
	return cfg
}

// ClientOptions are the client's choices for a secure transport.
type ClientOptions struct {
	// Roots verify the server's certificate. Required: the client
	// always verifies its peer.
	Roots *x509.CertPool
	// Cert is presented when the server asks for one; nil presents none.
	Cert *tls.Certificate
	// ServerName is checked against the server's certificate. Empty
	// means the host part of the dialled address.
	ServerName string
	// Resume gives the client a session cache so later connections can
	// resume earlier sessions. False makes every handshake a full one.
	Resume bool
	// Profile pins the version, suite and group the client offers.
	Profile Profile
}

// Client returns the client's configuration for transport t, or nil for
// Plaintext. Completed handshakes are counted in c, which must not be nil.
func Client(t Transport, o ClientOptions, c *ClientCounters) *tls.Config {
	if !t.Secure() {
		return nil
	}
	cfg := &tls.Config{
		RootCAs:    o.Roots,
		ServerName: o.ServerName,
		MinVersion: tls.VersionTLS12,
		VerifyConnection: func(cs tls.ConnectionState) error {
			c.record(cs)
			return nil
		},
	}
	o.Profile.apply(cfg)
	if o.Cert != nil {
		cfg.Certificates = []tls.Certificate{*o.Cert}
	}
	if o.Resume {
		cfg.ClientSessionCache = tls.NewLRUClientSessionCache(0)
	}
	return cfg
}

// VersionName returns "1.2" or "1.3" for a TLS version, or "" for 0.
func VersionName(v uint16) string {
	if v == 0 {
		return ""
	}
	return strings.TrimPrefix(tls.VersionName(v), "TLS ")
}

// GroupName returns the name of a key exchange group, or "" for 0 (no key
// exchange, as in a TLS 1.2 resumption).
func GroupName(id tls.CurveID) string {
	if id == 0 {
		return ""
	}
	return groupFlagName(id)
}

// SuiteName returns the name of a cipher suite, or "" for 0.
func SuiteName(id uint16) string {
	if id == 0 {
		return ""
	}
	return tls.CipherSuiteName(id)
}
