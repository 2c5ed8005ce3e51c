package results

import (
	"golang.org/x/perf/benchmath"

	"github.com/mtlsbench/gomicro-mtls/loadgen/runner"
)

// Confidence is the level of the confidence intervals shown.
const Confidence = 0.95

// A Metric is a figure read from each sample, named by its bench.txt
// unit. Get reports false when a sample lacks the figure.
type Metric struct {
	Unit string
	Get  func(*runner.Sample) (float64, bool)
}

// An Overhead is one figure of a TLS scenario against its plaintext
// baseline: both sides' medians with their confidence intervals, and a
// Mann-Whitney U test of the difference.
type Overhead struct {
	Scenario, Baseline string
	Unit               string
	Base, This         benchmath.Summary
	Cmp                benchmath.Comparison
}

// Overheads compares every metric of every TLS scenario whose plaintext
// baseline was measured, scenarios in the order samples first show them
// and metrics in the order given. Samples that did not measure the server
// (Sample.Measured) take no part. It also returns benchmath's warnings,
// each once.
func Overheads(samples []*runner.Sample, metrics []Metric) ([]Overhead, []string) {
	by := map[string][]*runner.Sample{}
	var order []string
	for _, s := range samples {
		if !s.Measured() {
			continue
		}
		if by[s.Scenario] == nil {
			order = append(order, s.Scenario)
		}
		by[s.Scenario] = append(by[s.Scenario], s)
	}
	var out []Overhead
	var warns []string
	for _, name := range order {
		bname := by[name][0].Baseline
		if bname == "" || by[bname] == nil {
			continue
		}
		for _, m := range metrics {
			old, ok1 := SampleOf(by[bname], m.Get)
			cur, ok2 := SampleOf(by[name], m.Get)
			if !ok1 || !ok2 {
				continue
			}
			o := Overhead{Scenario: name, Baseline: bname, Unit: m.Unit,
				Base: benchmath.AssumeNothing.Summary(old, Confidence),
				This: benchmath.AssumeNothing.Summary(cur, Confidence),
				Cmp:  benchmath.AssumeNothing.Compare(old, cur)}
			out = append(out, o)
			warns = appendWarnings(warns, o.Base.Warnings, o.This.Warnings, o.Cmp.Warnings)
		}
	}
	return out, warns
}

// SampleOf gathers a figure over samples for benchmath, or reports false
// when one of them lacks it.
func SampleOf(ss []*runner.Sample,
	get func(*runner.Sample) (float64, bool)) (*benchmath.Sample, bool) {
	vals := make([]float64, 0, len(ss))
	for _, s := range ss {
		v, ok := get(s)
		if !ok {
			return nil, false
		}
		vals = append(vals, v)
	}
	return benchmath.NewSample(vals, &benchmath.DefaultThresholds), true
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
