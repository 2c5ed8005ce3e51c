package runner

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"runtime/pprof"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/mtlsbench/gomicro-mtls/loadgen/control"
	"github.com/mtlsbench/gomicro-mtls/loadgen/echo"
	"github.com/mtlsbench/gomicro-mtls/loadgen/load"
	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

// Options are the settings every scenario of a run shares.
type Options struct {
	// Concurrency is the number of callers in the closed loop.
	Concurrency int
	// Rate, above 0, runs an open loop instead: Rate calls per second
	// in total, each timed from when it was due, with at most
	// MaxInFlight in flight. Poisson spaces them at random.
	Rate        float64
	Poisson     bool
	MaxInFlight int
	// Interval, above 0, also records latency and handshakes per
	// interval of this length.
	Interval time.Duration
	// Warmup runs before each measurement and is not recorded. 0 skips
	// it.
	Warmup time.Duration
	// Duration is how long each measurement starts new calls.
	Duration time.Duration
	// Payload is the request size in bytes; the reply is as large.
	Payload int
	// Timeout bounds each RPC, dial and handshake included.
	Timeout time.Duration
	// Profile takes CPU profiles of both ends during the measurement.
	Profile bool
}

// Credentials are what the client trusts and presents.
type Credentials struct {
	// Roots verify the server's certificate.
	Roots *x509.CertPool
	// Cert is presented in mutual TLS scenarios only.
	Cert *tls.Certificate
}

// Sample is what one measurement of one scenario found.
type Sample struct {
	Scenario string `json:"scenario"`
	// Baseline names the plaintext scenario this one is compared with.
	Baseline string `json:"baseline,omitempty"`
	Payload  int    `json:"payload_bytes"`
	// Rep counts repetitions of the scenario from 1.
	Rep int `json:"rep"`

	Calls  int64 `json:"calls"`
	OK     int64 `json:"ok"`
	Errors int64 `json:"errors"`
	// ErrorClasses counts failed calls by kind; FirstErrors gives the
	// first message of each kind.
	ErrorClasses map[load.Class]int64  `json:"error_classes,omitempty"`
	FirstErrors  map[load.Class]string `json:"first_errors,omitempty"`

	Elapsed time.Duration `json:"elapsed_ns"`
	// NsPerOp is Elapsed over Calls: wall time per call at the run's
	// concurrency, the inverse of throughput.
	NsPerOp float64 `json:"ns_per_op"`
	// Latency summarises the histogram of successful calls.
	Latency Latency `json:"latency"`
	// TimeoutLatency summarises how long the timed-out calls took; nil
	// when none timed out.
	TimeoutLatency *Latency `json:"timeout_latency,omitempty"`

	// Open loop only: the rate asked for and achieved, the latency from
	// each call's actual start (Latency runs from when it was due), and
	// how far behind schedule the load generator fell.
	OpenLoop *OpenLoop `json:"open_loop,omitempty"`
	// Intervals is latency and handshakes over time, when recorded.
	Intervals []load.Interval `json:"-"`
	// Resources is both sides' goroutines, open files and memory over
	// time, every Options.Interval.
	Resources []ResourcePoint `json:"resources,omitempty"`

	Client tlsconf.Handshakes `json:"client_handshakes"`
	// Server is nil when the server has no control address.
	Server *tlsconf.Handshakes `json:"server_handshakes,omitempty"`

	ClientCPU control.CPU  `json:"client_cpu"`
	ServerCPU *control.CPU `json:"server_cpu,omitempty"`
	// ClientIO and ServerIO are each side's read and write system calls
	// and bytes during the measurement; nil where unavailable. Both
	// include the control requests made meanwhile, one at the end and
	// one per Options.Interval for Resources: about 1.5 KB each, some
	// system calls, against thousands of calls a second.
	ClientIO *control.IO `json:"client_io,omitempty"`
	ServerIO *control.IO `json:"server_io,omitempty"`
	// Memory and goroutines of each side at the end of the measurement.
	ClientMemory     *control.Memory `json:"client_memory,omitempty"`
	ServerMemory     *control.Memory `json:"server_memory,omitempty"`
	ClientGoroutines int             `json:"client_goroutines"`
	ServerGoroutines int             `json:"server_goroutines,omitempty"`

	// Interrupted marks a measurement cut short: it is not a sample.
	// ServerLost says the server's process exited during it.
	Interrupted bool     `json:"interrupted,omitempty"`
	ServerLost  bool     `json:"server_lost,omitempty"`
	Warnings    []string `json:"warnings,omitempty"`

	Histogram     *hdrhistogram.Histogram `json:"-"`
	ClientProfile []byte                  `json:"-"`
	ServerProfile []byte                  `json:"-"`
	ClientHeap    []byte                  `json:"-"`
	ServerHeap    []byte                  `json:"-"`
}

// OpenLoop is what an open-loop measurement adds.
type OpenLoop struct {
	TargetRate   float64 `json:"target_rate"`
	AchievedRate float64 `json:"achieved_rate"`
	Poisson      bool    `json:"poisson"`
	Scheduled    int64   `json:"scheduled"`
	// Late counts calls that started more than load.LateAfter behind
	// schedule; MaxLate is the largest delay.
	Late    int64         `json:"late"`
	MaxLate time.Duration `json:"max_late_ns"`
	// Queued counts calls that waited for one of the MaxInFlight slots.
	Queued  int64   `json:"queued"`
	Service Latency `json:"service_latency"`
}

// Latency is a latency distribution's summary, in nanoseconds.
type Latency struct {
	P50  int64   `json:"p50_ns"`
	P90  int64   `json:"p90_ns"`
	P99  int64   `json:"p99_ns"`
	P999 int64   `json:"p99.9_ns"`
	Max  int64   `json:"max_ns"`
	Mean float64 `json:"mean_ns"`
}

// Summarize reads the summary from a histogram in load.Unit.
func Summarize(h *hdrhistogram.Histogram) Latency {
	u := int64(load.Unit)
	return Latency{
		P50:  h.ValueAtPercentile(50) * u,
		P90:  h.ValueAtPercentile(90) * u,
		P99:  h.ValueAtPercentile(99) * u,
		P999: h.ValueAtPercentile(99.9) * u,
		Max:  h.Max() * u,
		Mean: h.Mean() * float64(u),
	}
}

// snapshot is what both ends have counted at one moment. server is nil
// when the server has no control address.
type snapshot struct {
	client control.Stats
	server *control.Stats
}

// ErrServerLost is returned, with the sample measured until then, when
// the server's process exits during a scenario.
var ErrServerLost = errors.New("runner: the server exited during the measurement")

// Run measures scenario sc against the server at ep: a warm-up, then the
// measurement, each ending when all its calls have returned. If the
// server's process exits meanwhile, the measurement stops at once and Run
// returns what it measured, marked, with ErrServerLost.
func Run(ctx context.Context, sc Scenario, ep Endpoint, cred Credentials,
	o Options) (*Sample, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if ep.Lost != nil {
		go func() {
			select {
			case <-ep.Lost:
				cancel(ErrServerLost)
			case <-ctx.Done():
			}
		}()
	}

	var counters tlsconf.ClientCounters
	client := newClient(sc, cred, sc.PoolSize, o.Timeout, &counters)
	defer client.Close()
	size := o.Payload
	if sc.Payload != 0 {
		size = sc.Payload
	}
	payload := make([]byte, size)
	rand.Read(payload)
	// Every reply of the warm-up is compared with the request byte for
	// byte; in the measurement only its length is, so that the check adds
	// next to nothing to the latencies (comparing 1 MiB takes tens of µs).
	compare := true
	call := func(ctx context.Context) error {
		rsp, err := client.Call(ctx, ep.Addr, payload)
		if err == nil && (len(rsp) != len(payload) || compare && !bytes.Equal(rsp, payload)) {
			err = fmt.Errorf("echo returned %d bytes that differ from the %d sent",
				len(rsp), len(payload))
		}
		return err
	}
	cfg := load.Config{Concurrency: o.Concurrency, MaxLatency: 2 * o.Timeout}
	if o.Rate > 0 {
		// A call may wait in the queue for up to the whole measurement.
		cfg.Concurrency, cfg.Rate, cfg.Poisson = o.MaxInFlight, o.Rate, o.Poisson
		cfg.MaxLatency += max(o.Duration, o.Warmup)
	}

	if o.Warmup > 0 {
		cfg.Duration = o.Warmup
		if _, err := load.Run(ctx, cfg, call); err != nil {
			return nil, err
		}
	}

	before, err := take(ep, &counters, true)
	if err != nil {
		return nil, err
	}
	stop, err := startProfiles(ep, o.Profile)
	if err != nil {
		return nil, err
	}
	compare = o.Warmup == 0 // with no warm-up, the measurement checks every byte
	cfg.Duration = o.Duration
	cfg.Interval = o.Interval
	cfg.Probe = func() int64 { h := counters.Snapshot(); return h.Full + h.Resumed }
	stopSampling := sampleResources(ctx, ep, &counters, o.Interval)
	res, err := load.Run(ctx, cfg, call)
	resources := stopSampling()
	if err != nil {
		stop()
		return nil, err
	}
	if errors.Is(context.Cause(ctx), ErrServerLost) {
		stop()
		// Only the client's own figures can still be read.
		before.server = nil
		after, err := take(Endpoint{}, &counters, false)
		if err != nil {
			return nil, err
		}
		s := newSample(sc, o, res, before, after)
		s.Interrupted, s.ServerLost = true, true
		s.Warnings = append(s.Warnings, fmt.Sprintf("the server exited %v into the "+
			"measurement; this sample is incomplete", res.Elapsed.Round(time.Millisecond)))
		return s, ErrServerLost
	}
	clientProf, serverProf, perr := stop()
	if perr != nil {
		return nil, perr
	}
	after, err := take(ep, &counters, false)
	if err != nil {
		return nil, err
	}
	clientHeap, serverHeap, err := heapProfiles(ep, o.Profile)
	if err != nil {
		return nil, err
	}

	s := newSample(sc, o, res, before, after)
	s.ClientHeap, s.ServerHeap = clientHeap, serverHeap
	s.Resources = resources
	s.Warnings = append(s.Warnings, growthWarnings(resources)...)
	s.Payload = size
	s.ClientProfile, s.ServerProfile = clientProf, serverProf
	return s, nil
}

// take reads both ends' counts. The client's own figures are read last
// when serverFirst is set and first otherwise, so that the client's I/O
// for the control request falls outside the measurement at both ends.
func take(ep Endpoint, c *tlsconf.ClientCounters, serverFirst bool) (snapshot, error) {
	var s snapshot
	readServer := func() error {
		if ep.Control == nil {
			return nil
		}
		st, err := ep.Control.Stats()
		if err != nil {
			return fmt.Errorf("runner: reading the server's counts: %w", err)
		}
		s.server = &st
		return nil
	}
	readClient := func() (err error) {
		s.client, err = control.Local(c.Snapshot())
		return err
	}
	steps := []func() error{readClient, readServer}
	if serverFirst {
		steps[0], steps[1] = readServer, readClient
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return s, err
		}
	}
	return s, nil
}

// heapProfiles returns both ends' heap profiles, or nothing when
// profiling is off.
func heapProfiles(ep Endpoint, on bool) (client, server []byte, err error) {
	if !on {
		return nil, nil, nil
	}
	var buf bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&buf, 0); err != nil {
		return nil, nil, fmt.Errorf("runner: client heap profile: %w", err)
	}
	if ep.Control != nil {
		if server, err = ep.Control.HeapProfile(); err != nil {
			return nil, nil, fmt.Errorf("runner: server heap profile: %w", err)
		}
	}
	return buf.Bytes(), server, nil
}

// startProfiles starts CPU profiles of both ends, if asked to, and
// returns the function that stops them.
func startProfiles(ep Endpoint, on bool) (func() ([]byte, []byte, error), error) {
	if !on {
		return func() ([]byte, []byte, error) { return nil, nil, nil }, nil
	}
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		return nil, fmt.Errorf("runner: client CPU profile: %w", err)
	}
	if ep.Control != nil {
		if err := ep.Control.StartCPUProfile(); err != nil {
			pprof.StopCPUProfile()
			return nil, fmt.Errorf("runner: server CPU profile: %w", err)
		}
	}
	return func() ([]byte, []byte, error) {
		pprof.StopCPUProfile()
		if ep.Control == nil {
			return buf.Bytes(), nil, nil
		}
		srv, err := ep.Control.StopCPUProfile()
		if err != nil {
			return nil, nil, fmt.Errorf("runner: server CPU profile: %w", err)
		}
		return buf.Bytes(), srv, nil
	}, nil
}

// newClient returns a go-micro echo client for scenario sc that counts
// its dials and handshakes in c. It presents cred's certificate in
// mutual TLS scenarios only.
func newClient(sc Scenario, cred Credentials, pool int, timeout time.Duration,
	c *tlsconf.ClientCounters) *echo.Client {
	copts := tlsconf.ClientOptions{Roots: cred.Roots, Resume: sc.Resume, Profile: sc.Profile}
	if sc.Transport == tlsconf.MTLS {
		copts.Cert = cred.Cert
	}
	return echo.NewClient(echo.ClientConfig{
		TLS:      tlsconf.Client(sc.Transport, copts, c),
		PoolSize: pool,
		Timeout:  timeout,
		Counters: c,
	})
}
