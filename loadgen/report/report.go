// Package report turns a run directory into a report a person can read:
// report.md for a code host, with PNG charts beside it, and report.html,
// a single self-contained page with the same content and SVG charts. It
// shows the environment and flags of the run, what TLS and mutual TLS
// cost against plaintext with benchstat's medians, confidence intervals
// and p-values, the latency percentile spectrum of each scenario,
// handshakes per call and CPU time per call of each side.
//
// It also compares two runs' bench.txt files, benchstat-style, and names
// the figures that got worse by more than a threshold.
//
// The output depends on the run's files only: the same run directory
// always gives the same bytes.
package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mtlsbench/gomicro-mtls/loadgen/results"
	"github.com/mtlsbench/gomicro-mtls/loadgen/runner"
)

// A Run is what a run directory holds, as far as the report reads it.
type Run struct {
	Dir    string
	Header results.Header
	// Env is the environment as summary.json records it; fields it does
	// not record are zero.
	Env    results.Env
	Status results.Status
	Reason string
	// Samples are the completed measurements, in the order they ran.
	Samples []*runner.Sample
	// Scenarios are the scenario names in the order first measured.
	Scenarios []string
	// Spectra are each scenario's latency percentiles, from its .hgrm
	// file; a scenario without one is missing.
	Spectra map[string][]Percentile
	// Attribution is each scenario's and side's CPU time per call by
	// category, from its CPU profiles; empty when the run took none.
	Attribution []results.AttributionRow
}

// A Percentile is one line of an HdrHistogram percentile distribution.
type Percentile struct {
	// Quantile is from 0 to 1.
	Quantile float64
	// Millis is the latency at Quantile in milliseconds.
	Millis float64
}

// ErrNoRun means the directory is not a run directory: it, or its
// summary.json, does not exist.
var ErrNoRun = errors.New("report: not a run directory")

// Load reads a run directory: summary.json, which it needs, and the
// .hgrm files, which it uses when present.
func Load(dir string) (*Run, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoRun, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a directory", ErrNoRun, dir)
	}
	path := filepath.Join(dir, "summary.json")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s has no summary.json", ErrNoRun, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	r, err := parseSummary(data)
	if err != nil {
		return nil, fmt.Errorf("report: %s: %w", path, err)
	}
	r.Dir = dir

	r.Spectra = map[string][]Percentile{}
	for _, name := range r.Scenarios {
		p := filepath.Join(dir, results.FileName(name)+".hgrm")
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		pts, err := parseHgrm(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("report: %s: %w", p, err)
		}
		r.Spectra[name] = pts
	}
	return r, nil
}

// summaryFile is the part of summary.json the report reads.
type summaryFile struct {
	results.Header
	Status      results.Status           `json:"status"`
	Reason      string                   `json:"reason"`
	Samples     []*runner.Sample         `json:"samples"`
	Attribution []results.AttributionRow `json:"attribution"`
}

func parseSummary(data []byte) (*Run, error) {
	var s summaryFile
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	r := &Run{Header: s.Header, Status: s.Status, Reason: s.Reason,
		Attribution: s.Attribution}
	// The environment: the header's fields, and those it may record in
	// future under Env's names.
	if err := json.Unmarshal(data, &r.Env); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, smp := range s.Samples {
		if smp == nil || smp.Scenario == "" {
			return nil, fmt.Errorf("sample %d has no scenario", i)
		}
		if smp.Interrupted || smp.Calls == 0 {
			continue
		}
		if !seen[smp.Scenario] {
			seen[smp.Scenario] = true
			r.Scenarios = append(r.Scenarios, smp.Scenario)
		}
		r.Samples = append(r.Samples, smp)
	}
	return r, nil
}

// parseHgrm reads HdrHistogram's percentile distribution format, as
// results writes it: a value in milliseconds and a quantile on each
// line, a header line and "#[" summary lines.
func parseHgrm(r io.Reader) ([]Percentile, error) {
	var out []Percentile
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") || f[0] == "Value" {
			continue
		}
		if len(f) < 2 {
			return nil, fmt.Errorf("line %d: want a value and a percentile", line)
		}
		v, err1 := strconv.ParseFloat(f[0], 64)
		q, err2 := strconv.ParseFloat(f[1], 64)
		if err1 != nil || err2 != nil || q < 0 || q > 1 {
			return nil, fmt.Errorf("line %d: %q is not a value and a percentile", line,
				sc.Text())
		}
		out = append(out, Percentile{Quantile: q, Millis: v})
	}
	return out, sc.Err()
}

// bySample groups a run's samples by scenario.
func (r *Run) bySample() map[string][]*runner.Sample {
	m := map[string][]*runner.Sample{}
	for _, s := range r.Samples {
		m[s.Scenario] = append(m[s.Scenario], s)
	}
	return m
}

// shortName drops the "RPC/" every scenario name starts with.
func shortName(s string) string { return strings.TrimPrefix(s, "RPC/") }

// cell escapes a table cell for GitHub markdown.
func cell(s string) string {
	var b bytes.Buffer
	for _, c := range s {
		if c == '|' {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}
