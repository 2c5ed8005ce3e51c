package attrib

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
)

// The tests in this file take real CPU profiles, which are process-wide:
// none of them may run in parallel with another.

// profileFor runs work for about d under runtime/pprof's CPU profiler and
// returns the profile, read back from the file the profiler wrote.
func profileFor(t *testing.T, d time.Duration, work func(until time.Time) error) *profile.Profile {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cpu.pprof")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		t.Skipf("cannot profile: %v (is go test's -cpuprofile on?)", err)
	}
	werr := work(time.Now().Add(d))
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if werr != nil {
		t.Fatal(werr)
	}

	f, err = os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		t.Fatalf("parsing the profile runtime/pprof wrote: %v", err)
	}
	return p
}

// categorize is Categorize that checks that the categories add up to the
// total and that the profile has enough samples to judge shares by.
func categorize(t *testing.T, what string, p *profile.Profile) Breakdown {
	t.Helper()
	b, err := Categorize(p)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, ns := range b.CPU {
		sum += ns
	}
	if sum != b.Total {
		t.Errorf("%s: categories add up to %d ns, total %d ns", what, sum, b.Total)
	}
	if b.Samples < 10 || b.Total <= 0 {
		t.Fatalf("%s: the profiler took %d samples (%d ns), too few to judge by",
			what, b.Samples, b.Total)
	}
	var shares []string
	for c := range NumCategories {
		if b.CPU[c] != 0 {
			shares = append(shares, fmt.Sprintf("%s %.1f%%", c, share(b, c)))
		}
	}
	t.Logf("%s: %d samples: %s", what, b.Samples, strings.Join(shares, ", "))
	return b
}

// raceDetector names the functions of samples in the race detector's
// code with no Go caller the profiler could see. They are half of the
// profile of a -race test, and say nothing about the rules.
var raceDetector = regexp.MustCompile(`^(racecall$|__tsan|_ZN6__tsan)`)

// shares checks p, leaves out the race detector's samples, and returns
// the breakdown of the rest.
func shares(t *testing.T, what string, p *profile.Profile) Breakdown {
	t.Helper()
	b := categorize(t, what, p)
	n := len(p.Sample)
	if p.FilterSamplesByName(nil, raceDetector, nil, nil); len(p.Sample) == n {
		return b
	}
	return categorize(t, what+", without the race detector", p)
}

func share(b Breakdown, cats ...Category) float64 {
	var ns int64
	for _, c := range cats {
		ns += b.CPU[c]
	}
	return 100 * float64(ns) / float64(b.Total)
}

// TestRealProfiles profiles mutual-TLS handshakes over loopback, then
// bulk traffic on one established connection, and checks that the rules
// find the handshake's cryptography in the first and record encryption
// in the second.
func TestRealProfiles(t *testing.T) {
	set, err := pki.Generate(pki.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	server := &tls.Config{
		Certificates: []tls.Certificate{set.Server.TLS()},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    set.Pool(),
	}
	client := &tls.Config{
		Certificates: []tls.Certificate{set.Client.TLS()},
		RootCAs:      set.Pool(),
	}

	hs := shares(t, "handshakes", profileFor(t, 1500*time.Millisecond, func(until time.Time) error {
		return handshakes(server, client, until)
	}))
	bulk := shares(t, "bulk", profileFor(t, time.Second, func(until time.Time) error {
		return bulkWrites(server, client, until)
	}))

	for _, c := range []Category{Signatures, Certificates, KeyExchange} {
		if hs.CPU[c] == 0 {
			t.Errorf("handshake profile has no %s time", c)
		}
	}
	if s := share(hs, Signatures, Certificates, KeyExchange); s <= 25 {
		t.Errorf("signatures, certificates and key exchange are %.1f%% of the handshake "+
			"profile, want more than 25%%", s)
	}
	if h, b := share(hs, Record), share(bulk, Record); b <= h {
		t.Errorf("records are %.1f%% of the bulk profile, not more than in the handshake "+
			"profile (%.1f%%)", b, h)
	}
}

// handshakes makes full mutual-TLS handshakes on new loopback
// connections until the given time, from four clients at once.
func handshakes(server, client *tls.Config, until time.Time) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	go serve(ln, server, func(c *tls.Conn) {
		if c.Handshake() == nil {
			c.Write([]byte{1}) // tells the client the server is done
		}
	})

	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			for n := 0; n == 0 || time.Now().Before(until); n++ {
				c, err := tls.Dial("tcp", ln.Addr().String(), client)
				if err != nil {
					errs[i] = err
					return
				}
				_, err = io.ReadFull(c, make([]byte, 1))
				c.Close()
				if err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// bulkWrites sends 16 KiB writes over one established mutual-TLS
// connection until the given time.
func bulkWrites(server, client *tls.Config, until time.Time) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	go serve(ln, server, func(c *tls.Conn) { io.Copy(io.Discard, c) })

	c, err := tls.Dial("tcp", ln.Addr().String(), client)
	if err != nil {
		return err
	}
	defer c.Close()
	buf := bytes.Repeat([]byte{'x'}, 16<<10)
	for time.Now().Before(until) {
		if _, err := c.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// serve runs handle on each connection ln accepts, as a TLS server with
// config, until ln is closed. Failures show on the client's side: a
// handshake the server rejects fails the client's first read.
func serve(ln net.Listener, config *tls.Config, handle func(*tls.Conn)) {
	for {
		raw, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			c := tls.Server(raw, config)
			defer c.Close()
			handle(c)
		}()
	}
}

// TestProfileFileRoundTrip checks that a profile file runtime/pprof
// writes, parsed and written again by the pprof package, gives the same
// breakdown, and that hashing in a loop is mostly hashing.
func TestProfileFileRoundTrip(t *testing.T) {
	p := profileFor(t, 300*time.Millisecond, func(until time.Time) error {
		sum := make([]byte, 4096)
		for time.Now().Before(until) {
			for range 64 {
				s := sha256.Sum256(sum)
				copy(sum, s[:])
			}
		}
		return nil
	})
	b := categorize(t, "sha256", p)

	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	again, err := profile.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := Categorize(again)
	if err != nil {
		t.Fatal(err)
	}
	if b2 != b {
		t.Errorf("after writing and parsing the profile again: %+v, want %+v", b2, b)
	}
	if s := share(b, Hashing); s <= 50 {
		t.Errorf("hashing is %.1f%% of a profile of hashing, want more than half", s)
	}
}
