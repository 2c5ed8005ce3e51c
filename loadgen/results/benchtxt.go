package results

import (
	"bytes"
	"strconv"

	"golang.org/x/perf/benchfmt"

	"github.com/mtlsbench/gomicro-mtls/loadgen/runner"
)

// Units in bench.txt, beyond ns/op.
const (
	UnitP50       = "p50-ns"
	UnitP99       = "p99-ns"
	UnitP999      = "p99.9-ns"
	UnitFull      = "full-handshakes/op"
	UnitResumed   = "resumed-handshakes/op"
	UnitErrors    = "errors/op"
	UnitClientCPU = "client-cpu-ns/op"
	UnitServerCPU = "server-cpu-ns/op"
	UnitClientSys = "client-syscalls/op"
	UnitServerSys = "server-syscalls/op"
	UnitWire      = "wire-B/op"
)

// BenchText renders samples in Go's benchmark format: the run's
// configuration first, then a line per completed sample. Interrupted
// samples are left out, so the file is always fit for benchstat.
func BenchText(h Header, samples []*runner.Sample) []byte {
	var buf bytes.Buffer
	w := benchfmt.NewWriter(&buf)
	cfg := []benchfmt.Config{
		{Key: "goos", Value: []byte(h.GOOS), File: true},
		{Key: "goarch", Value: []byte(h.GOARCH), File: true},
		{Key: "cpu", Value: []byte(h.CPU), File: true},
		{Key: "gomaxprocs", Value: []byte(strconv.Itoa(h.GOMAXPROCS)), File: true},
		{Key: "kernel", Value: []byte(h.Kernel), File: true},
		{Key: "go", Value: []byte(h.GoVersion), File: true},
		{Key: "go-micro", Value: []byte(h.GoMicro), File: true},
		{Key: "concurrency", Value: []byte(strconv.Itoa(h.Concurrency)), File: true},
		{Key: "payload", Value: []byte(strconv.Itoa(h.Payload) + "B"), File: true},
		{Key: "warmup", Value: []byte(h.Warmup.String()), File: true},
		{Key: "duration", Value: []byte(h.Duration.String()), File: true},
		{Key: "profile", Value: []byte(onOff(h.Profile)), File: true},
	}
	if h.Rate > 0 {
		cfg = append(cfg,
			benchfmt.Config{Key: "load", Value: []byte("open"), File: true},
			benchfmt.Config{Key: "rate", Value: []byte(strconv.FormatFloat(h.Rate, 'g', -1, 64)),
				File: true},
			benchfmt.Config{Key: "arrival", Value: []byte(h.Arrival), File: true},
			benchfmt.Config{Key: "max-inflight", Value: []byte(strconv.Itoa(h.MaxInFlight)),
				File: true})
	} else {
		cfg = append(cfg, benchfmt.Config{Key: "load", Value: []byte("closed"), File: true})
	}
	if h.Stall != "" {
		cfg = append(cfg, benchfmt.Config{Key: "inject-stall", Value: []byte(h.Stall),
			File: true})
	}
	if h.Target != "" {
		cfg = append(cfg, benchfmt.Config{Key: "target", Value: []byte(h.Target), File: true})
	}
	for _, s := range samples {
		if !s.Measured() {
			continue
		}
		w.Write(&benchfmt.Result{
			Config: cfg,
			Name:   benchfmt.Name(s.Scenario),
			Iters:  int(s.Calls),
			Values: values(s),
		})
	}
	return buf.Bytes()
}

func values(s *runner.Sample) []benchfmt.Value {
	per := func(n int64) float64 { return float64(n) / float64(s.Calls) }
	v := []benchfmt.Value{
		{Value: s.NsPerOp, Unit: "ns/op"},
		{Value: float64(s.Latency.P50), Unit: UnitP50},
		{Value: float64(s.Latency.P99), Unit: UnitP99},
		{Value: float64(s.Latency.P999), Unit: UnitP999},
	}
	hs := s.Client
	if s.Server != nil {
		hs = *s.Server
	}
	v = append(v,
		benchfmt.Value{Value: per(hs.Full), Unit: UnitFull},
		benchfmt.Value{Value: per(hs.Resumed), Unit: UnitResumed},
		benchfmt.Value{Value: per(s.Errors), Unit: UnitErrors},
		benchfmt.Value{Value: runner.CPUPerOp(s.ClientCPU, s.Calls), Unit: UnitClientCPU},
	)
	if s.ServerCPU != nil {
		v = append(v, benchfmt.Value{Value: runner.CPUPerOp(*s.ServerCPU, s.Calls),
			Unit: UnitServerCPU})
	}
	if s.ClientIO != nil {
		v = append(v, benchfmt.Value{Value: per(s.ClientIO.Calls()), Unit: UnitClientSys})
	}
	if s.ServerIO != nil {
		v = append(v, benchfmt.Value{Value: per(s.ServerIO.Calls()), Unit: UnitServerSys})
	}
	if ol := s.OpenLoop; ol != nil {
		v = append(v,
			benchfmt.Value{Value: float64(ol.Service.P50), Unit: "service-p50-ns"},
			benchfmt.Value{Value: float64(ol.Service.P99), Unit: "service-p99-ns"})
	}
	if b, ok := s.WireBytesPerOp(); ok {
		v = append(v, benchfmt.Value{Value: b, Unit: UnitWire})
	}
	return v
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
