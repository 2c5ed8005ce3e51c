package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
	"github.com/mtlsbench/gomicro-mtls/loadgen/runner"
	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

// serverKey identifies a server a run needs: its transport and the key
// type of its certificates.
type serverKey struct {
	transport tlsconf.Transport
	key       pki.KeyType
}

func keyOf(sc runner.Scenario) serverKey {
	k := serverKey{transport: sc.Transport}
	if sc.Transport.Secure() {
		k.key = sc.Profile.KeyType()
	}
	return k
}

// servers are the echo servers a run loads.
type servers struct {
	// stall, if not empty, is passed to each server as -inject-stall.
	stall     string
	endpoints map[serverKey]runner.Endpoint
	creds     map[pki.KeyType]runner.Credentials
	children  map[serverKey]*runner.Child
	certDirs  map[serverKey]string
	tmp       string
}

func (s *servers) endpoint(sc runner.Scenario) runner.Endpoint { return s.endpoints[keyOf(sc)] }

func (s *servers) cred(sc runner.Scenario) runner.Credentials {
	return s.creds[sc.Profile.KeyType()]
}

// startServers starts a child echo server for each transport and key type
// the scenarios need, with the certificates in -certs or a fresh test PKI
// per key type in a private temporary directory.
func startServers(f *benchFlags, scs []runner.Scenario, stall string,
	stderr io.Writer) (*servers, error) {
	s := &servers{stall: stall, endpoints: map[serverKey]runner.Endpoint{},
		creds:    map[pki.KeyType]runner.Credentials{},
		children: map[serverKey]*runner.Child{}, certDirs: map[serverKey]string{}}
	dirs := map[pki.KeyType]string{}
	for _, sc := range scs {
		k := keyOf(sc)
		if _, ok := s.endpoints[k]; ok {
			continue
		}
		var dir string
		if k.transport.Secure() {
			var err error
			if dir, err = s.certDir(f, k.key, dirs); err != nil {
				s.close()
				return nil, err
			}
		}
		if err := s.spawn(k, dir, stderr); err != nil {
			s.close()
			return nil, err
		}
	}
	return s, nil
}

// certDir returns the directory holding certificates of key type kt,
// generating them the first time.
func (s *servers) certDir(f *benchFlags, kt pki.KeyType,
	dirs map[pki.KeyType]string) (string, error) {
	if d, ok := dirs[kt]; ok {
		return d, nil
	}
	dir := f.certs
	if dir == "" {
		set, err := pki.Generate(kt)
		if err != nil {
			return "", err
		}
		if s.tmp == "" {
			if s.tmp, err = os.MkdirTemp("", "loadgen-pki-"); err != nil {
				return "", err
			}
		}
		dir = filepath.Join(s.tmp, string(kt))
		if err := set.WriteDir(dir); err != nil {
			return "", err
		}
	}
	cred, err := clientCreds(pki.ClientPaths(dir))
	if err != nil {
		return "", usageError{fmt.Errorf("-certs: %w", err)}
	}
	dirs[kt] = dir
	s.creds[kt] = cred
	return dir, nil
}

func (s *servers) spawn(k serverKey, certs string, stderr io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding this program to start the server: %w", err)
	}
	argv := []string{exe, "serve", "-parent", "-transport", string(k.transport)}
	if certs != "" {
		argv = append(argv, "-certs", certs)
	}
	if s.stall != "" {
		argv = append(argv, "-inject-stall", s.stall)
	}
	c, err := runner.Spawn(argv, stderr)
	if err != nil {
		return fmt.Errorf("%s server: %w", k.transport, err)
	}
	s.children[k] = c
	s.certDirs[k] = certs
	s.endpoints[k] = c.Endpoint
	return nil
}

// restart replaces the server of scenario sc, whose process exited, with
// a new one.
func (s *servers) restart(sc runner.Scenario, stderr io.Writer) error {
	k := keyOf(sc)
	old, ok := s.children[k]
	if !ok {
		return errors.New("the server at -target went away; nothing to restart")
	}
	old.Close()
	fmt.Fprintf(stderr, "        the %s server exited; starting a new one\n", k.transport)
	if err := s.spawn(k, s.certDirs[k], stderr); err != nil {
		return fmt.Errorf("restarting the server after it exited: %w", err)
	}
	return nil
}

func (s *servers) close() {
	for _, c := range s.children {
		c.Close()
	}
	if s.tmp != "" {
		os.RemoveAll(s.tmp)
	}
}
