package results

import (
	"bytes"
	"fmt"
	"strings"
	"text/tabwriter"

	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchunit"

	"github.com/mtlsbench/gomicro-mtls/loadgen/runner"
)

// compared lists the figures comparison.txt shows, with what each is.
var compared = []struct {
	Metric
	what string
}{
	{Metric{"ns/op", func(s *runner.Sample) (float64, bool) { return s.NsPerOp, true }},
		"wall time per call at the run's concurrency"},
	{Metric{UnitP50, func(s *runner.Sample) (float64, bool) {
		return float64(s.Latency.P50), true
	}}, "median latency"},
	{Metric{UnitP99, func(s *runner.Sample) (float64, bool) {
		return float64(s.Latency.P99), true
	}}, "99th percentile latency"},
	{Metric{UnitClientCPU, func(s *runner.Sample) (float64, bool) {
		return runner.CPUPerOp(s.ClientCPU, s.Calls), true
	}}, "client CPU time per call"},
	{Metric{UnitServerCPU, func(s *runner.Sample) (float64, bool) {
		if s.ServerCPU == nil {
			return 0, false
		}
		return runner.CPUPerOp(*s.ServerCPU, s.Calls), true
	}}, "server CPU time per call"},
}

// Compare renders comparison.txt: for each figure, every TLS scenario
// against the plaintext scenario with the same pooling, as benchstat
// compares two runs: medians with 95% confidence intervals, and the
// change when a Mann-Whitney U test finds it significant (p < 0.05),
// otherwise "~".
func Compare(h Header, samples []*runner.Sample) []byte {
	metrics := make([]Metric, len(compared))
	for i, c := range compared {
		metrics[i] = c.Metric
	}
	overheads, warns := Overheads(samples, metrics)

	var buf bytes.Buffer
	if len(overheads) == 0 {
		fmt.Fprintf(&buf, "No TLS scenario has a plaintext scenario with the same pooling "+
			"in this run: nothing to compare.\n")
		return buf.Bytes()
	}
	fmt.Fprintf(&buf, "Each TLS scenario against plaintext with the same pooling.\n")
	fmt.Fprintf(&buf, "Medians ± %.0f%% confidence interval; the change is shown when a "+
		"Mann-Whitney U test gives p < %.2f, else ~.\n", Confidence*100,
		benchmath.DefaultThresholds.CompareAlpha)
	fmt.Fprintf(&buf, "concurrency %d, payload %d B, %v per sample\n", h.Concurrency,
		h.Payload, h.Duration)
	for _, c := range compared {
		tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
		fmt.Fprintf(&buf, "\n%s: %s\n", c.Unit, c.what)
		fmt.Fprintf(tw, "scenario\tplaintext\tthis\tvs plaintext\n")
		rows := 0
		for _, o := range overheads {
			if o.Unit != c.Unit {
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s (%s)\n", strings.TrimPrefix(o.Scenario, "RPC/"),
				format(o.Base, c.Unit), format(o.This, c.Unit),
				o.Cmp.FormatDelta(o.Base.Center, o.This.Center), o.Cmp)
			rows++
		}
		tw.Flush()
		if rows == 0 {
			fmt.Fprintf(&buf, "(not measured)\n")
		}
	}
	if len(warns) > 0 {
		fmt.Fprintf(&buf, "\nWarnings:\n")
		for _, w := range warns {
			fmt.Fprintf(&buf, "  %s\n", w)
		}
	}
	return buf.Bytes()
}

// format shows a summary of nanoseconds in seconds with an SI prefix.
func format(s benchmath.Summary, unit string) string {
	v := s.Center
	if strings.Contains(unit, "ns") {
		return benchunit.Scale(v/1e9, benchunit.Decimal) + "s ± " + s.PctRangeString()
	}
	return benchunit.Scale(v, benchunit.Decimal) + " ± " + s.PctRangeString()
}
