package report

import (
	"fmt"
	"math"

	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchunit"

	"github.com/mtlsbench/gomicro-mtls/loadgen/results"
	"github.com/mtlsbench/gomicro-mtls/loadgen/runner"
)

// A metric is a figure read from each sample.
type metric struct {
	unit  string // bench.txt's unit
	name  string // as a table or a legend names it
	kind  benchunit.Class
	ns    bool // nanoseconds, shown as seconds
	chart bool // shown in the overhead chart
	get   func(*runner.Sample) (float64, bool)
}

// metrics are the figures the overhead tables compare, in order.
var metrics = []metric{
	{"ns/op", "wall time per call", benchunit.Decimal, true, true,
		func(s *runner.Sample) (float64, bool) { return s.NsPerOp, true }},
	{results.UnitP50, "p50 latency", benchunit.Decimal, true, true,
		func(s *runner.Sample) (float64, bool) { return float64(s.Latency.P50), true }},
	{results.UnitP99, "p99 latency", benchunit.Decimal, true, true,
		func(s *runner.Sample) (float64, bool) { return float64(s.Latency.P99), true }},
	{results.UnitP999, "p99.9 latency", benchunit.Decimal, true, false,
		func(s *runner.Sample) (float64, bool) { return float64(s.Latency.P999), true }},
	{results.UnitClientCPU, "client CPU per call", benchunit.Decimal, true, true,
		clientCPUNs},
	{results.UnitServerCPU, "server CPU per call", benchunit.Decimal, true, true,
		serverCPUNs},
	{"syscalls/op", "system calls per call, both sides", benchunit.Decimal, false, false,
		func(s *runner.Sample) (float64, bool) {
			if s.ClientIO == nil || s.ServerIO == nil {
				return 0, false
			}
			return float64(s.ClientIO.Calls()+s.ServerIO.Calls()) / float64(s.Calls), true
		}},
	{results.UnitWire, "bytes written per call, both sides", benchunit.Binary, false, false,
		func(s *runner.Sample) (float64, bool) { return s.WireBytesPerOp() }},
}

// An overhead is one figure of a TLS scenario against its plaintext
// baseline, with how the report shows it.
type overhead struct {
	results.Overhead
	m metric
	// pct is the change of the median in percent; NaN when the
	// baseline's median is 0.
	pct float64
	// lo and hi bound the change in percent, from the two medians'
	// confidence intervals: the least and the most the change can be
	// while each median stays in its interval. NaN when unbounded.
	lo, hi float64
}

// significant says whether the Mann-Whitney U test's p is below alpha,
// 0.05.
func (o overhead) significant() bool { return o.Cmp.P < o.Cmp.Alpha }

// overheads compares every figure of every TLS scenario whose baseline
// was measured in the run, in the run's order, and returns the
// statistical warnings, each once.
func overheads(r *Run) ([]overhead, []string) {
	ms := make([]results.Metric, len(metrics))
	byUnit := map[string]metric{}
	for i, m := range metrics {
		ms[i] = results.Metric{Unit: m.unit, Get: m.get}
		byUnit[m.unit] = m
	}
	all, warns := results.Overheads(r.Samples, ms)
	out := make([]overhead, len(all))
	for i, o := range all {
		out[i] = overhead{Overhead: o, m: byUnit[o.Unit]}
		out[i].pct, out[i].lo, out[i].hi = change(o.Base, o.This)
	}
	return out, warns
}

// change is the change from a to b in percent, with its range.
func change(a, b benchmath.Summary) (pct, lo, hi float64) {
	pct, lo, hi = math.NaN(), math.NaN(), math.NaN()
	if a.Center == 0 {
		return
	}
	pct = (b.Center/a.Center - 1) * 100
	finite := func(v ...float64) bool {
		for _, x := range v {
			if math.IsInf(x, 0) || math.IsNaN(x) {
				return false
			}
		}
		return true
	}
	if finite(a.Lo, a.Hi, b.Lo, b.Hi) && a.Lo > 0 && b.Lo >= 0 {
		lo = (b.Lo/a.Hi - 1) * 100
		hi = (b.Hi/a.Lo - 1) * 100
	}
	return
}

// median is benchmath's median of the values get returns, and false when
// a sample lacks the figure.
func median(ss []*runner.Sample, get func(*runner.Sample) (float64, bool)) (float64, bool) {
	s, ok := results.SampleOf(ss, get)
	if !ok || len(s.Values) == 0 {
		return 0, false
	}
	return benchmath.AssumeNothing.Summary(s, results.Confidence).Center, true
}

// value formats a figure with an SI prefix: nanoseconds as seconds.
func (m metric) value(v float64) string {
	if m.ns {
		return benchunit.Scale(v/1e9, benchunit.Decimal) + "s"
	}
	if m.kind == benchunit.Binary {
		return benchunit.Scale(v, benchunit.Binary) + "B"
	}
	return benchunit.Scale(v, m.kind)
}

// withCI formats a summary as benchstat does: the median ± the
// confidence interval's half-width in percent.
func (m metric) withCI(s benchmath.Summary) string {
	return m.value(s.Center) + " ± " + s.PctRangeString()
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "?"
	}
	return fmt.Sprintf("%+.1f%%", v)
}

func pvalue(c benchmath.Comparison) string { return fmt.Sprintf("%.3f", c.P) }

func clientCPUNs(s *runner.Sample) (float64, bool) {
	return runner.CPUPerOp(s.ClientCPU, s.Calls), true
}

func serverCPUNs(s *runner.Sample) (float64, bool) {
	if s.ServerCPU == nil {
		return 0, false
	}
	return runner.CPUPerOp(*s.ServerCPU, s.Calls), true
}
