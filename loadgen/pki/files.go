package pki

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// File names WriteDir uses inside its directory.
const (
	CAFile         = "ca.pem"
	ServerCertFile = "server.pem"
	ServerKeyFile  = "server-key.pem"
	ClientCertFile = "client.pem"
	ClientKeyFile  = "client-key.pem"
)

// Paths names the PEM files of one side of a TLS connection: the CA that
// verifies the peer, and this side's certificate and private key. An empty
// Cert and Key mean the side presents no certificate.
type Paths struct {
	CA   string
	Cert string
	Key  string
}

// ServerPaths and ClientPaths return the paths WriteDir used in dir.
func ServerPaths(dir string) Paths {
	return Paths{filepath.Join(dir, CAFile), filepath.Join(dir, ServerCertFile),
		filepath.Join(dir, ServerKeyFile)}
}

// ClientPaths: see ServerPaths.
func ClientPaths(dir string) Paths {
	return Paths{filepath.Join(dir, CAFile), filepath.Join(dir, ClientCertFile),
		filepath.Join(dir, ClientKeyFile)}
}

// WriteDir writes the set as PEM files into dir, creating it with mode
// 0700 if needed. Private keys are written with mode 0600; the CA's key is
// not written at all.
func (s *Set) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	files := []struct {
		name string
		data []byte
		mode fs.FileMode
	}{
		{CAFile, certPEM(s.CA), 0o644},
		{ServerCertFile, certPEM(s.Server), 0o644},
		{ClientCertFile, certPEM(s.Client), 0o644},
	}
	for _, k := range []struct {
		name string
		key  crypto.Signer
	}{{ServerKeyFile, s.Server.Key}, {ClientKeyFile, s.Client.Key}} {
		der, err := x509.MarshalPKCS8PrivateKey(k.key)
		if err != nil {
			return fmt.Errorf("pki: encoding %s: %w", k.name, err)
		}
		data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		files = append(files, struct {
			name string
			data []byte
			mode fs.FileMode
		}{k.name, data, 0o600})
	}
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if err := writeFile(path, f.data, f.mode); err != nil {
			return fmt.Errorf("pki: writing %s: %w", path, err)
		}
	}
	return nil
}

// writeFile writes data to path with exactly the given mode, also when the
// file already exists with a wider one.
func writeFile(path string, data []byte, mode fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func certPEM(i *Issued) []byte {
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: i.Cert.Raw})
	for _, der := range i.Chain {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	return out
}

// LoadCA reads a PEM bundle of one or more CA certificates. Every
// certificate in it must be a CA; a leaf given by mistake is an error.
func LoadCA(path string) (*x509.CertPool, error) {
	certs, err := readCerts(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for i, c := range certs {
		if !c.IsCA {
			return nil, fmt.Errorf("pki: %s: certificate %d (%q) is not a CA certificate",
				path, i+1, c.Subject.CommonName)
		}
		pool.AddCert(c)
	}
	return pool, nil
}

// LoadKeyPair reads a certificate chain and its private key, and checks
// that the key belongs to the certificate.
func LoadKeyPair(certPath, keyPath string) (tls.Certificate, error) {
	certs, err := readCerts(certPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	key, err := readKey(keyPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	if !publicKeysEqual(certs[0].PublicKey, key.Public()) {
		return tls.Certificate{}, fmt.Errorf("pki: %s: private key does not match certificate %s",
			keyPath, certPath)
	}
	out := tls.Certificate{PrivateKey: key, Leaf: certs[0]}
	for _, c := range certs {
		out.Certificate = append(out.Certificate, c.Raw)
	}
	return out, nil
}

func readCerts(path string) ([]*x509.Certificate, error) {
	data, err := readPEMFile(path)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("pki: %s: PEM block %q where a CERTIFICATE was expected",
				path, block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("pki: %s: %w", path, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("pki: %s: no PEM certificate found", path)
	}
	return certs, nil
}

func readKey(path string) (crypto.Signer, error) {
	data, err := readPEMFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("pki: %s: no PEM private key found", path)
	}
	if block.Type == "ENCRYPTED PRIVATE KEY" || block.Headers["Proc-Type"] != "" {
		return nil, fmt.Errorf("pki: %s: private key is encrypted; give an unencrypted key", path)
	}
	var key any
	var err1 error
	switch block.Type {
	case "PRIVATE KEY":
		key, err1 = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err1 = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err1 = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("pki: %s: PEM block %q where a private key was expected",
			path, block.Type)
	}
	if err1 != nil {
		return nil, fmt.Errorf("pki: %s: %w", path, err1)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("pki: %s: unsupported private key type %T", path, key)
	}
	return signer, nil
}

// readPEMFile reads a file that must hold at least one PEM block.
func readPEMFile(path string) ([]byte, error) {
	if path == "" {
		return nil, errors.New("pki: no file name given")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("pki: %s: %w", path, err)
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, fmt.Errorf("pki: %s: file is empty", path)
	}
	if !strings.Contains(string(data), "-----BEGIN ") {
		return nil, fmt.Errorf("pki: %s: not a PEM file", path)
	}
	return data, nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	ka, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && ka.Equal(b)
}
