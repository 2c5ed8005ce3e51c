package bench

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
)

// hsCase is one BenchmarkHandshake sub-benchmark.
type hsCase struct {
	params
	// resume gives the client a cache so that it can resume with the state
	// the server handed it on the previous connection.
	resume bool
}

func (c hsCase) name() string {
	chain, resume := "leaf", "off"
	if c.intermediate {
		chain = "intermediate"
	}
	if c.resume {
		resume = "on"
	}
	return fmt.Sprintf("tls=%s/auth=%s/key=%s/chain=%s/group=%s/resume=%s",
		versionName(c.version), authName(c.mutual), c.key, chain, groupName(c.group), resume)
}

// handshakeCases varies one dimension at a time around the baseline
// tls=1.3/auth=mutual/key=ecdsa-p256/chain=leaf/group=x25519/resume=off,
// and crosses the pairs whose interaction matters: resumption with each
// version, client authentication with each key type, groups with each
// version. The full cross product would take far too long.
func handshakeCases() []hsCase {
	base := hsCase{params: params{version: tls.VersionTLS13, key: pki.ECDSAP256,
		mutual: true, group: tls.X25519}}
	var out []hsCase
	seen := make(map[string]bool)
	add := func(c hsCase) {
		if c.version == tls.VersionTLS12 {
			c.suite = aes128Suite(c.key)
		}
		if !seen[c.name()] {
			seen[c.name()] = true
			out = append(out, c)
		}
	}
	add(base)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		for _, r := range []bool{false, true} {
			c := base
			c.version, c.resume = v, r
			add(c)
		}
	}
	for _, kt := range pki.KeyTypes {
		for _, m := range []bool{false, true} {
			c := base
			c.key, c.mutual = kt, m
			add(c)
		}
	}
	c := base
	c.intermediate = true
	add(c)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		for _, g := range []tls.CurveID{tls.X25519, tls.CurveP256, tls.X25519MLKEM768} {
			if g == tls.X25519MLKEM768 && v != tls.VersionTLS13 {
				continue
			}
			c := base
			c.version, c.group = v, g
			add(c)
		}
	}
	return out
}

// aes128Suite is the TLS 1.2 suite the handshake cases use: ECDHE with
// AES-128-GCM, signed with the server certificate's algorithm.
func aes128Suite(kt pki.KeyType) uint16 {
	if kt == pki.RSA2048 || kt == pki.RSA4096 {
		return tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
	}
	return tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
}

// hsEnv holds what every connection of one case shares. The server
// configuration in particular is never cloned per connection: it makes
// the keys that protect resumption state lazily, on first use, so clones
// of an unused configuration would each make their own and none would
// accept what another handed out.
type hsEnv struct {
	c   hsCase
	srv *tls.Config
	cli *tls.Config
}

func newHandshakeEnv(c hsCase) (*hsEnv, error) {
	srv, cli, err := configs(c.params)
	if err != nil {
		return nil, err
	}
	if c.resume {
		// Without a client cache crypto/tls never resumes; TLS 1.2 in Go
		// resumes only through state held by the client (RFC 5077).
		cli.ClientSessionCache = tls.NewLRUClientSessionCache(1)
	}
	return &hsEnv{c: c, srv: srv, cli: cli}, nil
}

// hsResult is one connection as both ends saw it.
type hsResult struct {
	client, server tls.ConnectionState
	// serverWork is the wall time of the server's Handshake call minus
	// the time it spent waiting for the client's messages.
	serverWork time.Duration
}

type serverOutcome struct {
	state tls.ConnectionState
	work  time.Duration
	err   error
}

// connect makes one connection over a memPipe: both handshakes, then a
// one-byte echo, and returns only once the server side has finished too
// (a TLS 1.3 client completes its handshake before the server has checked
// the client's certificate).
//
// The echo is part of every iteration, with and without resumption: a TLS
// 1.3 server sends resumption state after the handshake, and the client
// only processes it when it next reads, so this keeps both variants doing
// the same exchange. An in-memory pipe rather than loopback TCP keeps
// connection setup, which costs the same in every case, out of the
// comparison.
func (e *hsEnv) connect() (hsResult, error) {
	cRaw, sRaw := memPipe()
	done := make(chan serverOutcome, 1)
	go serveOne(e.srv, sRaw, done)
	res, cerr := clientOne(e.cli, cRaw)
	cRaw.Close()
	out := <-done
	res.server, res.serverWork = out.state, out.work
	return res, errors.Join(cerr, out.err)
}

func clientOne(cfg *tls.Config, raw net.Conn) (hsResult, error) {
	conn := tls.Client(raw, cfg)
	if err := conn.Handshake(); err != nil {
		return hsResult{}, fmt.Errorf("client handshake: %w", err)
	}
	var b [1]byte
	if _, err := conn.Write([]byte{'x'}); err != nil {
		return hsResult{}, fmt.Errorf("client write: %w", err)
	}
	if _, err := io.ReadFull(conn, b[:]); err != nil {
		return hsResult{}, fmt.Errorf("client read: %w", err)
	}
	return hsResult{client: conn.ConnectionState()}, nil
}

// serveOne runs the server end of one connection and reports on done.
func serveOne(cfg *tls.Config, raw net.Conn, done chan<- serverOutcome) {
	defer raw.Close()
	timer := &readTimer{Conn: raw}
	conn := tls.Server(timer, cfg)
	start := time.Now()
	err := conn.Handshake()
	work := time.Since(start) - timer.inRead
	if err != nil {
		done <- serverOutcome{work: work, err: fmt.Errorf("server handshake: %w", err)}
		return
	}
	var b [1]byte
	if _, err = io.ReadFull(conn, b[:]); err == nil {
		_, err = conn.Write(b[:])
	}
	if err != nil {
		err = fmt.Errorf("server echo: %w", err)
	}
	done <- serverOutcome{state: conn.ConnectionState(), work: work, err: err}
}

// hsStats sums the connections of one run.
type hsStats struct {
	handshakes int // connections where both ends completed
	resumed    int // of those, the ones both ends report as resumed
	serverWork time.Duration
}

// run makes n connections one after the other. check, when not nil, sees
// every result; the benchmark passes nil.
func (e *hsEnv) run(n int, check func(hsResult) error) (hsStats, error) {
	var st hsStats
	for range n {
		r, err := e.connect()
		if err != nil {
			return st, err
		}
		st.handshakes++
		if r.client.DidResume && r.server.DidResume {
			st.resumed++
		}
		st.serverWork += r.serverWork
		if check != nil {
			if err := check(r); err != nil {
				return st, err
			}
		}
	}
	return st, nil
}

// setupHandshake builds a case's environment and makes the priming
// connection, whose result it returns: resume=on cases resume from it.
func setupHandshake(c hsCase) (*hsEnv, hsResult, error) {
	e, err := newHandshakeEnv(c)
	if err != nil {
		return nil, hsResult{}, err
	}
	first, err := e.connect()
	if err != nil {
		return nil, hsResult{}, fmt.Errorf("priming connection: %w", err)
	}
	return e, first, nil
}

func BenchmarkHandshake(b *testing.B) {
	for _, c := range handshakeCases() {
		b.Run(c.name(), func(b *testing.B) {
			e, _, err := setupHandshake(c)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			st, err := e.run(b.N, nil)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			n := float64(b.N)
			b.ReportMetric(float64(st.serverWork.Nanoseconds())/n, "server-ns/op")
			b.ReportMetric(float64(st.resumed)/n, "resumed/op")
			b.ReportMetric(float64(st.handshakes)/n, "handshakes/op")
		})
	}
}

// TestHandshakeCases runs each benchmark case's setup and one iteration
// and checks that the connection has the parameters its name claims.
func TestHandshakeCases(t *testing.T) {
	for _, c := range handshakeCases() {
		t.Run(c.name(), func(t *testing.T) {
			t.Parallel()
			e, first, err := setupHandshake(c)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkState(c.params, first.client, first.server); err != nil {
				t.Errorf("priming connection: %v", err)
			}
			if first.client.DidResume || first.server.DidResume {
				t.Errorf("priming connection resumed")
			}
			st, err := e.run(1, func(r hsResult) error {
				if r.client.DidResume != c.resume || r.server.DidResume != c.resume {
					return fmt.Errorf("DidResume client %v server %v, want %v",
						r.client.DidResume, r.server.DidResume, c.resume)
				}
				return checkState(c.params, r.client, r.server)
			})
			if err != nil {
				t.Fatal(err)
			}
			want := hsStats{handshakes: 1}
			if c.resume {
				want.resumed = 1
			}
			if st.handshakes != want.handshakes || st.resumed != want.resumed {
				t.Errorf("counted %d handshakes, %d resumed; want %d, %d",
					st.handshakes, st.resumed, want.handshakes, want.resumed)
			}
		})
	}
}

// TestHandshakeTable checks the case names: unique, every name carrying
// every key in the same order, and every value of each key present.
func TestHandshakeTable(t *testing.T) {
	keys := []string{"tls", "auth", "key", "chain", "group", "resume"}
	values := make(map[string]map[string]bool)
	seen := make(map[string]bool)
	for _, c := range handshakeCases() {
		name := c.name()
		if seen[name] {
			t.Errorf("duplicate case %s", name)
		}
		seen[name] = true
		parts := strings.Split(name, "/")
		if len(parts) != len(keys) {
			t.Fatalf("%s: %d parts, want %d", name, len(parts), len(keys))
		}
		for i, p := range parts {
			k, v, ok := strings.Cut(p, "=")
			if !ok || k != keys[i] {
				t.Fatalf("%s: part %d is %q, want %s=...", name, i, p, keys[i])
			}
			if values[k] == nil {
				values[k] = make(map[string]bool)
			}
			values[k][v] = true
		}
	}
	want := map[string][]string{
		"tls":    {"1.2", "1.3"},
		"auth":   {"server", "mutual"},
		"chain":  {"leaf", "intermediate"},
		"group":  {"x25519", "p256", "x25519mlkem768"},
		"resume": {"on", "off"},
	}
	for _, kt := range pki.KeyTypes {
		want["key"] = append(want["key"], string(kt))
	}
	for k, vs := range want {
		for _, v := range vs {
			if !values[k][v] {
				t.Errorf("no case with %s=%s", k, v)
			}
		}
	}
}

// TestHandshakeRejects checks that verification is really on: a client
// that trusts another root, and a client without a certificate talking to
// a server that requires one, must both fail.
func TestHandshakeRejects(t *testing.T) {
	base := handshakeCases()[0]
	other, err := loadCerts(pki.ECDSAP384, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, failing string // failing is the side that must report the failure
		edit          func(*hsEnv)
	}{
		{"unknown-root", "client handshake", func(e *hsEnv) { e.cli.RootCAs = other.roots }},
		{"no-client-cert", "server handshake", func(e *hsEnv) { e.cli.Certificates = nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := newHandshakeEnv(base)
			if err != nil {
				t.Fatal(err)
			}
			tc.edit(e)
			_, err = e.connect()
			if err == nil || !strings.Contains(err.Error(), tc.failing) {
				t.Fatalf("got error %v, want a %s failure", err, tc.failing)
			}
			t.Logf("failed as expected: %v", err)
		})
	}
}
