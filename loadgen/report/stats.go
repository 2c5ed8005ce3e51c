package report

import (
	"fmt"
	"math"
	"slices"

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
// baseline.
type overhead struct {
	scenario, baseline string
	m                  metric
	base, this         benchmath.Summary
	cmp                benchmath.Comparison
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
func (o overhead) significant() bool { return o.cmp.P < o.cmp.Alpha }

// overheads compares every figure of every TLS scenario whose baseline
// was measured in the run, in the run's order, and returns the
// statistical warnings, each once.
func overheads(r *Run) ([]overhead, []string) {
	by := r.bySample()
	var out []overhead
	var warns []string
	for _, name := range r.Scenarios {
		bname := by[name][0].Baseline
		if bname == "" || by[bname] == nil {
			continue
		}
		for _, m := range metrics {
			old, ok1 := sampleOf(by[bname], m)
			cur, ok2 := sampleOf(by[name], m)
			if !ok1 || !ok2 {
				continue
			}
			o := overhead{scenario: name, baseline: bname, m: m,
				base: benchmath.AssumeNothing.Summary(old, results.Confidence),
				this: benchmath.AssumeNothing.Summary(cur, results.Confidence),
				cmp:  benchmath.AssumeNothing.Compare(old, cur)}
			o.pct, o.lo, o.hi = change(o.base, o.this)
			out = append(out, o)
			warns = addWarnings(warns, o.base.Warnings, o.this.Warnings, o.cmp.Warnings)
		}
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

func sampleOf(ss []*runner.Sample, m metric) (*benchmath.Sample, bool) {
	vals := make([]float64, 0, len(ss))
	for _, s := range ss {
		v, ok := m.get(s)
		if !ok {
			return nil, false
		}
		vals = append(vals, v)
	}
	return benchmath.NewSample(vals, &benchmath.DefaultThresholds), true
}

// median is benchmath's median of the values get returns, and false when
// a sample lacks the figure.
func median(ss []*runner.Sample, get func(*runner.Sample) (float64, bool)) (float64, bool) {
	s, ok := sampleOf(ss, metric{get: get})
	if !ok || len(s.Values) == 0 {
		return 0, false
	}
	return benchmath.AssumeNothing.Summary(s, results.Confidence).Center, true
}

func addWarnings(out []string, lists ...[]error) []string {
	for _, l := range lists {
		for _, e := range l {
			if !slices.Contains(out, e.Error()) {
				out = append(out, e.Error())
			}
		}
	}
	return out
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
