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

// Confidence is the level of the confidence intervals shown.
const Confidence = 0.95

// compared lists the figures comparison.txt shows, with how to read each
// from a sample.
var compared = []struct {
	unit, what string
	get        func(*runner.Sample) (float64, bool)
}{
	{"ns/op", "wall time per call at the run's concurrency",
		func(s *runner.Sample) (float64, bool) { return s.NsPerOp, true }},
	{UnitP50, "median latency",
		func(s *runner.Sample) (float64, bool) { return float64(s.Latency.P50), true }},
	{UnitP99, "99th percentile latency",
		func(s *runner.Sample) (float64, bool) { return float64(s.Latency.P99), true }},
	{UnitClientCPU, "client CPU time per call",
		func(s *runner.Sample) (float64, bool) {
			return runner.CPUPerOp(s.ClientCPU, s.Calls), true
		}},
	{UnitServerCPU, "server CPU time per call",
		func(s *runner.Sample) (float64, bool) {
			if s.ServerCPU == nil {
				return 0, false
			}
			return runner.CPUPerOp(*s.ServerCPU, s.Calls), true
		}},
}

// Compare renders comparison.txt: for each figure, every TLS scenario
// against the plaintext scenario with the same pooling, as benchstat
// compares two runs: medians with 95% confidence intervals, and the
// change when a Mann-Whitney U test finds it significant (p < 0.05),
// otherwise "~".
func Compare(h Header, samples []*runner.Sample) []byte {
	byName := map[string][]*runner.Sample{}
	var order []string
	var base = map[string]string{} // scenario -> its baseline's name
	for _, s := range samples {
		if !s.Measured() {
			continue
		}
		if _, ok := byName[s.Scenario]; !ok {
			order = append(order, s.Scenario)
		}
		byName[s.Scenario] = append(byName[s.Scenario], s)
	}
	for _, name := range order {
		if b := byName[name][0].Baseline; b != "" {
			base[name] = b
		}
	}

	var buf bytes.Buffer
	pairs := 0
	for _, name := range order {
		if b, ok := base[name]; ok && byName[b] != nil {
			pairs++
		}
	}
	if pairs == 0 {
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
	var warns []string
	for _, c := range compared {
		tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
		fmt.Fprintf(&buf, "\n%s: %s\n", c.unit, c.what)
		fmt.Fprintf(tw, "scenario\tplaintext\tthis\tvs plaintext\n")
		rows := 0
		for _, name := range order {
			bname, ok := base[name]
			if !ok || byName[bname] == nil {
				continue
			}
			old, ok1 := sample(byName[bname], c.get)
			cur, ok2 := sample(byName[name], c.get)
			if !ok1 || !ok2 {
				continue
			}
			so := benchmath.AssumeNothing.Summary(old, Confidence)
			sn := benchmath.AssumeNothing.Summary(cur, Confidence)
			cmp := benchmath.AssumeNothing.Compare(old, cur)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s (%s)\n", strings.TrimPrefix(name, "RPC/"),
				format(so, c.unit), format(sn, c.unit), cmp.FormatDelta(so.Center, sn.Center),
				cmp)
			rows++
			warns = appendWarnings(warns, so.Warnings, sn.Warnings, cmp.Warnings)
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

func sample(ss []*runner.Sample,
	get func(*runner.Sample) (float64, bool)) (*benchmath.Sample, bool) {
	var vals []float64
	for _, s := range ss {
		v, ok := get(s)
		if !ok {
			return nil, false
		}
		vals = append(vals, v)
	}
	return benchmath.NewSample(vals, &benchmath.DefaultThresholds), true
}

// format shows a summary of nanoseconds in seconds with an SI prefix.
func format(s benchmath.Summary, unit string) string {
	v := s.Center
	if strings.Contains(unit, "ns") {
		return benchunit.Scale(v/1e9, benchunit.Decimal) + "s ± " + s.PctRangeString()
	}
	return benchunit.Scale(v, benchunit.Decimal) + " ± " + s.PctRangeString()
}

func appendWarnings(out []string, lists ...[]error) []string {
	seen := map[string]bool{}
	for _, o := range out {
		seen[o] = true
	}
	for _, l := range lists {
		for _, e := range l {
			w := e.Error()
			if !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}
