package main

import (
	"crypto/tls"
	"errors"
	"fmt"

	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
	"github.com/mtlsbench/gomicro-mtls/loadgen/runner"
	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

// serverTLS loads a server's certificate and key, and for mutual TLS the
// CA that verifies clients, and builds its configuration.
func serverTLS(tr tlsconf.Transport, p pki.Paths, c *tlsconf.ServerCounters) (*tls.Config, error) {
	if p.Cert == "" || p.Key == "" {
		return nil, errors.New("-transport " + string(tr) +
			" needs -certs DIR (from 'loadgen certs -out DIR') or -cert and -key")
	}
	cert, err := pki.LoadKeyPair(p.Cert, p.Key)
	if err != nil {
		return nil, err
	}
	if tr != tlsconf.MTLS {
		return tlsconf.Server(tr, cert, nil, c), nil
	}
	if p.CA == "" {
		return nil, errors.New("-transport mtls needs -ca, the CA that verifies clients")
	}
	pool, err := pki.LoadCA(p.CA)
	if err != nil {
		return nil, err
	}
	return tlsconf.Server(tr, cert, pool, c), nil
}

// clientCreds loads the CA that verifies the server and, when given, the
// client's certificate and key.
func clientCreds(p pki.Paths) (runner.Credentials, error) {
	var cred runner.Credentials
	if p.CA == "" {
		return cred, errors.New("-ca is required to verify the server")
	}
	pool, err := pki.LoadCA(p.CA)
	if err != nil {
		return cred, err
	}
	cred.Roots = pool
	if p.Cert == "" && p.Key == "" {
		return cred, nil
	}
	if p.Cert == "" || p.Key == "" {
		return cred, fmt.Errorf("-cert and -key go together")
	}
	cert, err := pki.LoadKeyPair(p.Cert, p.Key)
	if err != nil {
		return cred, err
	}
	cred.Cert = &cert
	return cred, nil
}
