// Package results writes what a run measured: bench.txt in Go's
// benchmark format, summary.json with every figure, an HdrHistogram
// percentile file per scenario, merged CPU profiles per scenario and
// side, and comparison.txt, each TLS scenario against plaintext.
//
// Every file is rewritten whole, through a temporary file and a rename,
// after each sample, so a run stopped at any moment leaves complete files
// holding everything measured up to then.
package results

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/google/pprof/profile"

	"github.com/mtlsbench/gomicro-mtls/loadgen/load"
	"github.com/mtlsbench/gomicro-mtls/loadgen/runner"
)

// Header describes a run: where and how it was measured.
type Header struct {
	RunID   string    `json:"run_id"`
	Started time.Time `json:"started"`
	Command []string  `json:"command"`
	// Env is the machine and build, from Environment.
	Env
	Concurrency int           `json:"concurrency"`
	Payload     int           `json:"payload_bytes"`
	Warmup      time.Duration `json:"warmup_ns"`
	Duration    time.Duration `json:"duration_ns"`
	Timeout     time.Duration `json:"timeout_ns"`
	Count       int           `json:"count"`
	// Target is the address loaded when the server was not started by
	// the run itself.
	Target  string `json:"target,omitempty"`
	Profile bool   `json:"profile"`
	// Rate is the open loop's calls per second, 0 for the closed loop,
	// with its Arrival process (uniform or poisson) and MaxInFlight.
	Rate        float64 `json:"rate,omitempty"`
	Arrival     string  `json:"arrival,omitempty"`
	MaxInFlight int     `json:"max_inflight,omitempty"`
	// Stall is the -inject-stall given to the server, if any.
	Stall string `json:"inject_stall,omitempty"`
}

// Status says whether a run finished.
type Status string

// A run's possible states.
const (
	Running     Status = "running"
	Complete    Status = "complete"
	Interrupted Status = "interrupted"
	Failed      Status = "failed"
	// Incomplete: the run went to its end, but some measurements were
	// lost, for example when the server exited; the reason says which.
	Incomplete Status = "incomplete"
)

// A Writer keeps a run's results on disk up to date.
type Writer struct {
	Dir        string
	ProfileDir string

	header  Header
	status  Status
	reason  string
	order   []string // scenario names in the order first seen
	samples []*runner.Sample
	hists   map[string]*hdrhistogram.Histogram
	profs   map[string]*profile.Profile // by file name
	// intervals holds each scenario's latency over time.
	intervals map[string]*intervalLog
	// attribution is filled in when the run finishes.
	attribution []AttributionRow
	connMemory  []runner.ConnMemory
}

// SetConnMemory records the memory an open connection holds, per
// transport, for summary.json.
func (w *Writer) SetConnMemory(m []runner.ConnMemory) { w.connMemory = m }

// Create makes the run's directories, resultsRoot/ID and
// profilesRoot/ID. It fails rather than reuse an existing directory.
func Create(resultsRoot, profilesRoot string, h Header) (*Writer, error) {
	w := &Writer{
		Dir:        filepath.Join(resultsRoot, h.RunID),
		ProfileDir: filepath.Join(profilesRoot, h.RunID),
		header:     h,
		status:     Running,
		hists:      map[string]*hdrhistogram.Histogram{},
		profs:      map[string]*profile.Profile{},
		intervals:  map[string]*intervalLog{},
	}
	for _, d := range []string{resultsRoot, profilesRoot} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("results: %w", err)
		}
	}
	if err := os.Mkdir(w.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	if h.Profile {
		if err := os.MkdirAll(w.ProfileDir, 0o755); err != nil {
			return nil, fmt.Errorf("results: %w", err)
		}
	}
	return w, w.writeData()
}

// Samples returns the samples added so far.
func (w *Writer) Samples() []*runner.Sample { return w.samples }

// Add records a sample and rewrites the files it changes. An interrupted
// sample goes into summary.json only, marked as such.
func (w *Writer) Add(s *runner.Sample) error {
	w.samples = append(w.samples, s)
	if err := w.writeIntervals(s); err != nil {
		return err
	}
	if s.Interrupted {
		return w.writeData()
	}
	name := s.Scenario
	h, ok := w.hists[name]
	if !ok {
		w.order = append(w.order, name)
		h = load.NewHistogram(time.Duration(s.Histogram.HighestTrackableValue()) * load.Unit)
		w.hists[name] = h
	}
	if dropped := h.Merge(s.Histogram); dropped != 0 {
		return fmt.Errorf("results: merging %s histograms dropped %d values", name, dropped)
	}
	if err := w.writeHistogram(name, h); err != nil {
		return err
	}
	if err := w.addProfile(FileName(name)+".client.cpu.pprof", s.ClientProfile); err != nil {
		return err
	}
	if err := w.addProfile(FileName(name)+".server.cpu.pprof", s.ServerProfile); err != nil {
		return err
	}
	// Heap profiles are snapshots, not sums: the latest one is kept.
	for _, hp := range []struct {
		side string
		data []byte
	}{{"client", s.ClientHeap}, {"server", s.ServerHeap}} {
		if len(hp.data) == 0 {
			continue
		}
		path := filepath.Join(w.ProfileDir, FileName(name)+"."+hp.side+".heap.pprof")
		if err := WriteAtomic(path, hp.data); err != nil {
			return err
		}
	}
	return w.writeData()
}

// Finish records how the run ended and writes comparison.txt.
func (w *Writer) Finish(st Status, reason string) error {
	w.status, w.reason = st, reason
	rows, text, err := w.attribute()
	if err != nil {
		return err
	}
	w.attribution = rows
	if text != nil {
		if err := WriteAtomic(filepath.Join(w.Dir, "attribution.txt"), text); err != nil {
			return err
		}
	}
	if err := w.writeData(); err != nil {
		return err
	}
	return WriteAtomic(filepath.Join(w.Dir, "comparison.txt"), Compare(w.header, w.samples))
}

// WriteFile writes an extra file of the run, such as a sweep's curve,
// into the run's directory, atomically.
func (w *Writer) WriteFile(name string, data []byte) error {
	return WriteAtomic(filepath.Join(w.Dir, name), data)
}

// FileName turns a scenario name into a file name.
func FileName(scenario string) string {
	b := []byte(scenario)
	for i, c := range b {
		if c == '/' {
			b[i] = ','
		}
	}
	return string(b)
}

func (w *Writer) addProfile(name string, data []byte) error {
	if len(data) == 0 {
		return nil
	}
	p, err := profile.ParseData(data)
	if err != nil {
		return fmt.Errorf("results: reading profile %s: %w", name, err)
	}
	if old, ok := w.profs[name]; ok {
		if p, err = profile.Merge([]*profile.Profile{old, p}); err != nil {
			return fmt.Errorf("results: merging profile %s: %w", name, err)
		}
	}
	w.profs[name] = p
	f, err := os.CreateTemp(w.ProfileDir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	f.Chmod(0o644) // like every other result file
	if err := p.Write(f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("results: writing profile %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("results: %w", err)
	}
	return os.Rename(f.Name(), filepath.Join(w.ProfileDir, name))
}

// summary is the layout of summary.json.
type summary struct {
	Header
	Status      Status           `json:"status"`
	Reason      string           `json:"reason,omitempty"`
	Samples     []*runner.Sample `json:"samples"`
	Attribution []AttributionRow `json:"attribution,omitempty"`
	// ConnMemory is the memory one open, idle connection holds per
	// transport, on each side.
	ConnMemory []runner.ConnMemory `json:"memory_per_connection,omitempty"`
}

// writeData rewrites bench.txt and summary.json.
func (w *Writer) writeData() error {
	js, err := json.MarshalIndent(summary{w.header, w.status, w.reason, w.samples,
		w.attribution, w.connMemory}, "", "  ")
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	if err := WriteAtomic(filepath.Join(w.Dir, "summary.json"), append(js, '\n')); err != nil {
		return err
	}
	return WriteAtomic(filepath.Join(w.Dir, "bench.txt"), BenchText(w.header, w.samples))
}

// WriteAtomic replaces path with data through a temporary file and a
// rename, so that readers see the old file or the new one, never part of
// one, and a killed process leaves no half-written file.
func WriteAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("results: writing %s: %w", path, err)
	}
	return nil
}
