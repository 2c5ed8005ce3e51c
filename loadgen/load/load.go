// Package load drives a closed loop of concurrent callers against one
// RPC and records what each call took in an HdrHistogram.
//
// A run is split into phases that end at a barrier: every caller stops,
// and the phase returns only when every call it started has finished.
// Counts read between two phases (handshakes, bytes, CPU time) therefore
// belong to exactly the calls of the phase between them.
package load

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// A Call makes one RPC. It must be safe to call from many goroutines.
type Call func(ctx context.Context) error

// Config is the shape of a phase.
type Config struct {
	// Concurrency is how many callers run at once, each making one call
	// after another. Must be at least 1.
	Concurrency int
	// Duration is how long callers keep starting new calls. Calls in
	// flight when it ends are waited for and counted.
	Duration time.Duration
	// MaxLatency is the highest latency the histogram can hold; set it
	// to at least the RPC timeout. 0 means 1 minute.
	MaxLatency time.Duration
}

// Histogram geometry: values are microseconds, from 1 µs, with three
// significant figures.
const (
	histLowest  = 1
	histSigFigs = 3
	// Unit is what one histogram value stands for.
	Unit = time.Microsecond
)

// NewHistogram returns an empty latency histogram that holds values up to
// max, in Unit.
func NewHistogram(max time.Duration) *hdrhistogram.Histogram {
	if max <= 0 {
		max = time.Minute
	}
	return hdrhistogram.New(histLowest, int64(max/Unit), histSigFigs)
}

// Result is what one phase measured.
type Result struct {
	// OK is the number of calls that succeeded; only they are in
	// Latency.
	OK int64
	// Errors counts failed calls by Class.
	Errors map[Class]int64
	// FirstErrors holds the first error seen of each class, for the
	// report.
	FirstErrors map[Class]string
	// Elapsed runs from the phase's start until its last call returned.
	Elapsed time.Duration
	// Latency holds the latency of every successful call, in Unit.
	Latency *hdrhistogram.Histogram
	// Timeouts holds how long each timed-out call took, in Unit, so that
	// the slowest calls are reported rather than dropped.
	Timeouts *hdrhistogram.Histogram
	// Interrupted is set when ctx ended the phase before Duration.
	Interrupted bool
}

// Calls is the number of calls made, successful or not.
func (r *Result) Calls() int64 {
	n := r.OK
	for _, e := range r.Errors {
		n += e
	}
	return n
}

// ErrorCount is the number of calls that failed.
func (r *Result) ErrorCount() int64 { return r.Calls() - r.OK }

// Run runs one phase: cfg.Concurrency callers call until cfg.Duration
// has passed or ctx ends, whichever is first.
func Run(ctx context.Context, cfg Config, call Call) (*Result, error) {
	if cfg.Concurrency < 1 {
		return nil, fmt.Errorf("load: concurrency %d, want at least 1", cfg.Concurrency)
	}
	if cfg.Duration <= 0 {
		return nil, fmt.Errorf("load: duration %v, want more than 0", cfg.Duration)
	}

	workers := make([]*worker, cfg.Concurrency)
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{hist: NewHistogram(cfg.MaxLatency), timeouts: NewHistogram(cfg.MaxLatency),
			errors: map[Class]int64{}, first: map[Class]string{}}
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(ctx, deadline, call)
		}()
	}
	wg.Wait()

	res := &Result{
		Elapsed:     time.Since(start),
		Errors:      map[Class]int64{},
		FirstErrors: map[Class]string{},
		Latency:     NewHistogram(cfg.MaxLatency),
		Timeouts:    NewHistogram(cfg.MaxLatency),
		Interrupted: ctx.Err() != nil && time.Now().Before(deadline),
	}
	for _, w := range workers {
		if dropped := res.Latency.Merge(w.hist) + res.Timeouts.Merge(w.timeouts); dropped != 0 {
			return nil, fmt.Errorf("load: merging histograms dropped %d values", dropped)
		}
		if w.outOfRange != 0 {
			return nil, fmt.Errorf("load: %d latencies above the histogram's %v maximum",
				w.outOfRange, cfg.MaxLatency)
		}
		res.OK += w.ok
		for c, n := range w.errors {
			res.Errors[c] += n
			if _, seen := res.FirstErrors[c]; !seen {
				res.FirstErrors[c] = w.first[c]
			}
		}
	}
	return res, nil
}

// worker is one caller. It owns its histogram and counts, so the loop
// shares nothing with other callers.
type worker struct {
	hist       *hdrhistogram.Histogram
	timeouts   *hdrhistogram.Histogram
	ok         int64
	outOfRange int64
	errors     map[Class]int64
	first      map[Class]string
}

func (w *worker) loop(ctx context.Context, deadline time.Time, call Call) {
	for ctx.Err() == nil {
		t0 := time.Now()
		if !t0.Before(deadline) {
			return
		}
		err := call(ctx)
		d := time.Since(t0)
		if err != nil {
			if ctx.Err() != nil {
				// The run was stopped under this call; its failure says
				// nothing about the server.
				return
			}
			c := Classify(err)
			if c == Timeout && w.timeouts.RecordValue(int64(d/Unit)) != nil {
				w.outOfRange++
			}
			if w.errors[c] == 0 {
				w.first[c] = err.Error()
			}
			w.errors[c]++
			continue
		}
		w.ok++
		if w.hist.RecordValue(int64(d/Unit)) != nil {
			w.outOfRange++
		}
	}
}
