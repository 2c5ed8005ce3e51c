package report

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"

	"github.com/mtlsbench/gomicro-mtls/loadgen/results"
)

// A Bench is what a bench.txt file holds: each scenario's values per
// unit, with units as benchfmt tidies them (ns/op becomes sec/op).
type Bench struct {
	Path string
	// Config is the file's configuration lines (goos, cpu, go, ...), as
	// the first result carries them.
	Config map[string]string
	// Scenarios and Units are in the order first seen.
	Scenarios, Units []string
	// Values holds each scenario's values by unit.
	Values map[string]map[string][]float64
}

// ReadBench reads a bench.txt file, or the bench.txt of a run directory.
// A syntax error or a file with no results is an error.
func ReadBench(path string) (*Bench, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, "bench.txt")
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %w", ErrNoRun, err)
	}
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	defer f.Close()

	b := &Bench{Path: path, Values: map[string]map[string][]float64{}}
	rd := benchfmt.NewReader(f, path)
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, fmt.Errorf("report: %w", rec)
		case *benchfmt.Result:
			b.add(rec)
		}
	}
	if err := rd.Err(); err != nil {
		return nil, fmt.Errorf("report: %s: %w", path, err)
	}
	if len(b.Scenarios) == 0 {
		return nil, fmt.Errorf("report: %s has no benchmark results", path)
	}
	return b, nil
}

func (b *Bench) add(r *benchfmt.Result) {
	if b.Config == nil {
		b.Config = map[string]string{}
		for _, c := range r.Config {
			if c.File {
				b.Config[c.Key] = string(c.Value)
			}
		}
	}
	name := r.Name.String()
	byUnit, ok := b.Values[name]
	if !ok {
		byUnit = map[string][]float64{}
		b.Values[name] = byUnit
		b.Scenarios = append(b.Scenarios, name)
	}
	for _, v := range r.Values {
		if !slices.Contains(b.Units, v.Unit) {
			b.Units = append(b.Units, v.Unit)
		}
		byUnit[v.Unit] = append(byUnit[v.Unit], v.Value)
	}
}

// Gated are the units where lower is better, which Compare checks
// against its threshold. full-handshakes/op is one: more full
// handshakes per call always cost more, and a rise means the pool or
// resumption stopped working. resumed-handshakes/op is not: it rises
// both when resumptions replace full handshakes (better) and when they
// replace pooled connections (worse).
var Gated = []string{"sec/op", "p50-sec", "p99-sec", "p99.9-sec",
	"client-cpu-sec/op", "server-cpu-sec/op", results.UnitClientSys,
	results.UnitServerSys, results.UnitWire, results.UnitErrors, results.UnitFull}

// EnvKeys are the configuration lines that must match for two runs to
// be comparable.
var EnvKeys = []string{"goos", "goarch", "cpu", "gomaxprocs", "kernel", "go", "go-micro",
	"concurrency", "payload", "warmup", "duration", "profile", "load", "rate", "arrival",
	"max-inflight", "inject-stall"}

// A Row compares one figure of one scenario in two runs.
type Row struct {
	Unit, Scenario string
	Old, New       benchmath.Summary
	Cmp            benchmath.Comparison
	// Change is the change of the median in percent, ±Inf from a
	// median of 0.
	Change float64
	// Worse marks a gated figure that rose by more than the threshold
	// with p below alpha.
	Worse bool
}

// A Comparison is two runs compared figure by figure.
type Comparison struct {
	Old, New *Bench
	// Threshold is the largest rise, as a fraction (0.05 for 5%), that
	// is not called worse.
	Threshold float64
	// Rows are by unit, in the order the old file has them, then by
	// scenario.
	Rows []Row
	// Warnings are the statistics' own (too few samples) and every
	// difference between the two runs' environments.
	Warnings []string
}

// Compare compares every scenario and unit the two runs share.
func Compare(old, new *Bench, threshold float64) *Comparison {
	c := &Comparison{Old: old, New: new, Threshold: threshold}
	for _, k := range EnvKeys {
		if o, n := old.Config[k], new.Config[k]; o != n {
			c.Warnings = append(c.Warnings, fmt.Sprintf("the runs' environments differ: "+
				"%s is %s in the old run and %s in the new one", k, quoted(o), quoted(n)))
		}
	}
	for _, s := range old.Scenarios {
		if new.Values[s] == nil {
			c.Warnings = append(c.Warnings, "only in the old run: "+s)
		}
	}
	for _, s := range new.Scenarios {
		if old.Values[s] == nil {
			c.Warnings = append(c.Warnings, "only in the new run: "+s)
		}
	}

	affected := map[string][]string{} // statistical warning -> scenarios
	var order []string
	for _, unit := range old.Units {
		for _, s := range old.Scenarios {
			ov, nv := old.Values[s][unit], new.Values[s][unit]
			if len(ov) == 0 || len(nv) == 0 {
				continue
			}
			so := benchmath.NewSample(ov, &benchmath.DefaultThresholds)
			sn := benchmath.NewSample(nv, &benchmath.DefaultThresholds)
			r := Row{Unit: unit, Scenario: s,
				Old: benchmath.AssumeNothing.Summary(so, results.Confidence),
				New: benchmath.AssumeNothing.Summary(sn, results.Confidence),
				Cmp: benchmath.AssumeNothing.Compare(so, sn)}
			r.Change = relChange(r.Old.Center, r.New.Center)
			r.Worse = slices.Contains(Gated, unit) && r.Cmp.P < r.Cmp.Alpha &&
				r.Change > threshold*100
			c.Rows = append(c.Rows, r)
			for _, l := range [][]error{r.Old.Warnings, r.New.Warnings, r.Cmp.Warnings} {
				for _, w := range l {
					m := w.Error()
					if m == "all samples are equal" {
						continue // expected of counts such as handshakes/op
					}
					if affected[m] == nil {
						order = append(order, m)
					}
					if !slices.Contains(affected[m], s) {
						affected[m] = append(affected[m], s)
					}
				}
			}
		}
	}
	compared := map[string]bool{}
	for _, r := range c.Rows {
		compared[r.Scenario] = true
	}
	for _, m := range order {
		which := strings.Join(shortNames(affected[m]), ", ")
		if len(affected[m]) == len(compared) && len(compared) > 1 {
			which = "every scenario"
		}
		c.Warnings = append(c.Warnings, m+": "+which)
	}
	return c
}

// Worse returns the rows that got worse.
func (c *Comparison) Worse() []Row {
	var out []Row
	for _, r := range c.Rows {
		if r.Worse {
			out = append(out, r)
		}
	}
	return out
}

func relChange(old, new float64) float64 {
	switch {
	case old == new:
		return 0
	case old == 0:
		return math.Inf(int(math.Copysign(1, new)))
	}
	return (new/old - 1) * 100
}

func quoted(s string) string {
	if s == "" {
		return "missing"
	}
	return fmt.Sprintf("%q", s)
}
