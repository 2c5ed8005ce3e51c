package runner

import (
	"fmt"
	"time"

	"github.com/mtlsbench/gomicro-mtls/loadgen/control"
	"github.com/mtlsbench/gomicro-mtls/loadgen/load"
	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

// newSample puts a measurement and the counts around it together, and
// adds a warning for everything that makes the figures doubtful.
func newSample(sc Scenario, o Options, res *load.Result, before, after snapshot) *Sample {
	s := &Sample{
		Scenario:         sc.Name(),
		Calls:            res.Calls(),
		OK:               res.OK,
		Errors:           res.ErrorCount(),
		ErrorClasses:     res.Errors,
		FirstErrors:      res.FirstErrors,
		Elapsed:          res.Elapsed,
		Latency:          Summarize(res.Latency),
		Client:           after.client.Handshakes.Sub(before.client.Handshakes),
		ClientCPU:        after.client.CPU.Sub(before.client.CPU),
		ClientIO:         subIO(after.client.IO, before.client.IO),
		ClientMemory:     after.client.Memory,
		ClientGoroutines: after.client.Goroutines,
		Interrupted:      res.Interrupted,
		Histogram:        res.Latency,
	}
	if sc.Transport.Secure() {
		s.Baseline = sc.Baseline().Name()
	}
	s.Intervals = res.Intervals
	if res.Service != nil {
		s.OpenLoop = &OpenLoop{
			TargetRate:   o.Rate,
			AchievedRate: float64(s.Calls) / s.Elapsed.Seconds(),
			Poisson:      o.Poisson,
			Scheduled:    res.Scheduled,
			Late:         res.Late,
			MaxLate:      res.MaxLate,
			Queued:       res.Queued,
			Service:      Summarize(res.Service),
		}
	}
	if res.Timeouts.TotalCount() > 0 {
		l := Summarize(res.Timeouts)
		s.TimeoutLatency = &l
	}
	if s.Calls > 0 {
		s.NsPerOp = float64(s.Elapsed.Nanoseconds()) / float64(s.Calls)
	}
	if after.server != nil && before.server != nil {
		h := after.server.Handshakes.Sub(before.server.Handshakes)
		s.Server = &h
		cpu := after.server.CPU.Sub(before.server.CPU)
		s.ServerCPU = &cpu
		s.ServerIO = subIO(after.server.IO, before.server.IO)
		s.ServerMemory = after.server.Memory
		s.ServerGoroutines = after.server.Goroutines
	}
	s.Warnings = warnings(sc, o, s)
	return s
}

func warnings(sc Scenario, o Options, s *Sample) []string {
	var w []string
	if s.Server == nil {
		w = append(w, "server-side counts unavailable: the server has no control address")
	}
	if s.ClientIO == nil {
		w = append(w, "system call and byte counts unavailable: no /proc/self/io")
	}
	if s.Errors > 0 {
		w = append(w, fmt.Sprintf("%d of %d calls failed", s.Errors, s.Calls))
	}
	if s.Calls == 0 {
		w = append(w, "no call completed during the measurement")
	}
	if ol := s.OpenLoop; ol != nil {
		switch {
		case float64(ol.Queued) > 0.01*float64(ol.Scheduled):
			w = append(w, fmt.Sprintf("the server fell behind the rate: %d of %d calls found "+
				"every one of the %d in-flight slots (-max-inflight) busy and started late; "+
				"their latency counts from when they were due", ol.Queued, ol.Scheduled,
				o.MaxInFlight))
		case float64(ol.Late) > 0.01*float64(ol.Scheduled):
			w = append(w, fmt.Sprintf("the load generator fell behind: %d of %d calls started "+
				"over %v late (up to %v); the latencies describe the generator, not the server",
				ol.Late, ol.Scheduled, load.LateAfter, ol.MaxLate.Round(time.Millisecond)))
		}
	}
	if sc.PoolSize > 0 && s.Calls > 1 && s.Client.Dials >= s.Calls {
		w = append(w, "the pool never reused a connection")
	}
	if s.Server != nil && sc.Transport.Secure() {
		c, v := s.Client, *s.Server
		if c.Full != v.Full || c.Resumed != v.Resumed {
			w = append(w, fmt.Sprintf("handshake counts differ: client %d full %d resumed, "+
				"server %d full %d resumed", c.Full, c.Resumed, v.Full, v.Resumed))
		}
	}
	w = append(w, profileWarnings(sc.Profile, s.Negotiated())...)
	if sc.Resume && sc.PoolSize == 0 && s.Client.Full+s.Client.Resumed > 1 &&
		s.Client.Resumed == 0 {
		w = append(w, "resumption is on but no handshake resumed")
	}
	return w
}

// Measured reports whether the sample measured the server: it was not
// cut short, and at least one call succeeded. Other samples stay in
// summary.json but not in bench.txt, tables or comparisons, where their
// empty latencies would read as fast calls.
func (s *Sample) Measured() bool { return !s.Interrupted && s.OK > 0 }

// Negotiated is what the scenario's TLS handshakes agreed on, from the
// client's side, or the zero value for plaintext. In TLS 1.2 the client
// checks the connection before the key exchange, so it cannot see the
// group; the server's record supplies it.
func (s *Sample) Negotiated() tlsconf.Negotiated {
	n := s.Client.Negotiated
	if n.Group == "" && s.Server != nil && s.Server.Negotiated.Version == n.Version {
		n.Group = s.Server.Negotiated.Group
	}
	return n
}

// CPUPerOp returns CPU time per call in nanoseconds.
func CPUPerOp(c control.CPU, calls int64) float64 {
	if calls == 0 {
		return 0
	}
	return float64(c.Total().Nanoseconds()) / float64(calls)
}

// profileWarnings reports every pinned TLS parameter that the handshakes
// did not actually negotiate.
func profileWarnings(p tlsconf.Profile, n tlsconf.Negotiated) []string {
	if n.Version == "" {
		return nil // no handshake seen: plaintext, or every call failed
	}
	want := tlsconf.Negotiated{PeerKey: p.Key}
	if p.Version != 0 {
		want.Version = tlsconf.VersionName(p.Version)
	}
	if p.Suite != 0 {
		want.Suite = tlsconf.SuiteName(p.Suite)
	}
	if p.Group != 0 {
		want.Group = tlsconf.GroupName(p.Group)
	}
	var w []string
	check := func(what, want, got string) {
		if want != "" && want != got {
			w = append(w, fmt.Sprintf("asked for %s %s but negotiated %s", what, want, got))
		}
	}
	check("TLS", want.Version, n.Version)
	check("cipher suite", want.Suite, n.Suite)
	check("group", want.Group, n.Group)
	check("server key", string(want.PeerKey), string(n.PeerKey))
	return w
}

func subIO(after, before *control.IO) *control.IO {
	if after == nil || before == nil {
		return nil
	}
	d := after.Sub(*before)
	return &d
}

// WireBytesPerOp is the bytes both ends wrote per call, which is what
// crossed the connection in both directions, TLS records and HTTP
// framing included. It is false when either side's figure is missing.
func (s *Sample) WireBytesPerOp() (float64, bool) {
	if s.ClientIO == nil || s.ServerIO == nil || s.Calls == 0 {
		return 0, false
	}
	return float64(s.ClientIO.WriteBytes+s.ServerIO.WriteBytes) / float64(s.Calls), true
}
