// Package pki makes throwaway certificate authorities and certificates for
// loopback benchmarks, and loads a user's own from PEM files.
//
// Everything here is for measuring TLS, not for production: keys are
// generated fresh, certificates are short-lived, and nothing is kept
// outside the directory a caller names.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
)

// KeyType names a certificate key algorithm and size.
type KeyType string

// The key types a Set can be generated with.
const (
	ECDSAP256 KeyType = "ecdsa-p256"
	ECDSAP384 KeyType = "ecdsa-p384"
	RSA2048   KeyType = "rsa-2048"
	RSA4096   KeyType = "rsa-4096"
	Ed25519   KeyType = "ed25519"
)

// KeyTypes lists every supported key type, the default first.
var KeyTypes = []KeyType{ECDSAP256, ECDSAP384, RSA2048, RSA4096, Ed25519}

// ParseKeyType returns the key type with the given name, or an error that
// lists the valid names.
func ParseKeyType(name string) (KeyType, error) {
	for _, k := range KeyTypes {
		if string(k) == name {
			return k, nil
		}
	}
	names := make([]string, len(KeyTypes))
	for i, k := range KeyTypes {
		names[i] = string(k)
	}
	return "", fmt.Errorf("pki: unknown key type %q (valid: %s)", name, strings.Join(names, ", "))
}

// Validity is how long generated certificates stay valid.
const Validity = 7 * 24 * time.Hour

// ServerNames are the subject alternative names every generated server
// certificate carries: the loopback addresses and localhost.
var ServerNames = []string{"127.0.0.1", "::1", "localhost"}

// An Issued is a certificate with its private key, and the DER of the
// chain above it that a peer needs to verify it (intermediates only, never
// the root).
type Issued struct {
	Cert  *x509.Certificate
	Key   crypto.Signer
	Chain [][]byte
}

// TLS returns the certificate in the form crypto/tls serves it: the leaf
// followed by its intermediates.
func (i *Issued) TLS() tls.Certificate {
	chain := append([][]byte{i.Cert.Raw}, i.Chain...)
	return tls.Certificate{Certificate: chain, PrivateKey: i.Key, Leaf: i.Cert}
}

// A Set is a test PKI: a root CA, a server certificate and a client
// certificate issued by it.
type Set struct {
	CA     *Issued
	Server *Issued
	Client *Issued
}

// Pool returns a certificate pool holding only the set's root CA.
func (s *Set) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.CA.Cert)
	return p
}

// Generate makes a new CA and a server and a client certificate, all
// with keys of type kt. The empty key type means ECDSA P-256.
func Generate(kt KeyType) (*Set, error) {
	if kt == "" {
		kt = ECDSAP256
	}
	ca, err := NewCA(kt, "mtls-bench test CA")
	if err != nil {
		return nil, err
	}
	srv, err := ca.Issue(kt, Leaf{CommonName: "mtls-bench server", Hosts: ServerNames,
		Usage: x509.ExtKeyUsageServerAuth})
	if err != nil {
		return nil, err
	}
	cli, err := ca.Issue(kt, Leaf{CommonName: "mtls-bench client",
		Usage: x509.ExtKeyUsageClientAuth})
	if err != nil {
		return nil, err
	}
	return &Set{CA: ca, Server: srv, Client: cli}, nil
}

// NewCA makes a self-signed root certificate authority.
func NewCA(kt KeyType, name string) (*Issued, error) {
	key, err := NewKey(kt)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(Validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	self := &Issued{Key: key}
	return sign(tmpl, key.Public(), self, self)
}

// Leaf describes a certificate for Issue. A zero NotBefore and NotAfter
// mean "valid from an hour ago for Validity".
type Leaf struct {
	CommonName string
	// Hosts are DNS names or IP addresses for the subject alternative
	// names; none for a client certificate.
	Hosts []string
	// Usage is the extended key usage: server or client authentication.
	Usage x509.ExtKeyUsage
	// IsCA makes an intermediate authority instead of a leaf.
	IsCA      bool
	NotBefore time.Time
	NotAfter  time.Time
}

// Issue makes a new key of type kt and a certificate for it signed by ca.
func (ca *Issued) Issue(kt KeyType, l Leaf) (*Issued, error) {
	key, err := NewKey(kt)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		Subject:   pkix.Name{CommonName: l.CommonName},
		NotBefore: l.NotBefore,
		NotAfter:  l.NotAfter,
		KeyUsage:  x509.KeyUsageDigitalSignature,
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = now.Add(-time.Hour)
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = now.Add(Validity)
	}
	if l.IsCA {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		tmpl.BasicConstraintsValid = true
		tmpl.IsCA = true
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{l.Usage}
	}
	if _, ok := key.(*rsa.PrivateKey); ok && !l.IsCA {
		// RSA key exchange in TLS 1.2 suites needs encipherment.
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	for _, h := range l.Hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	issued := &Issued{Key: key}
	if ca.Cert.IsCA && len(ca.Cert.Raw) > 0 && !isRoot(ca.Cert) {
		issued.Chain = append([][]byte{ca.Cert.Raw}, ca.Chain...)
	}
	return sign(tmpl, key.Public(), issued, ca)
}

// NewKey generates a private key of type kt.
func NewKey(kt KeyType) (crypto.Signer, error) {
	switch kt {
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSAP384:
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case RSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case RSA4096:
		return rsa.GenerateKey(rand.Reader, 4096)
	case Ed25519:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	_, err := ParseKeyType(string(kt))
	return nil, err
}

// KeyTypeOf reports the key type of a public or private key, or "" when it
// is none of KeyTypes.
func KeyTypeOf(key any) KeyType {
	if s, ok := key.(crypto.Signer); ok {
		key = s.Public()
	}
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return ECDSAP256
		case elliptic.P384():
			return ECDSAP384
		}
	case *rsa.PublicKey:
		switch k.N.BitLen() {
		case 2048:
			return RSA2048
		case 4096:
			return RSA4096
		}
	case ed25519.PublicKey:
		return Ed25519
	}
	return ""
}

func isRoot(c *x509.Certificate) bool {
	return c.CheckSignatureFrom(c) == nil
}

// sign fills in the serial number, signs tmpl with the issuer (itself when
// the issuer is the certificate being made) and stores the result in out.
func sign(tmpl *x509.Certificate, pub crypto.PublicKey, out, issuer *Issued) (*Issued, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("pki: serial number: %w", err)
	}
	tmpl.SerialNumber = serial
	parent := issuer.Cert
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, issuer.Key)
	if err != nil {
		return nil, fmt.Errorf("pki: signing %q: %w", tmpl.Subject.CommonName, err)
	}
	if out.Cert, err = x509.ParseCertificate(der); err != nil {
		return nil, fmt.Errorf("pki: parsing new certificate: %w", err)
	}
	return out, nil
}
