// Package load drives an RPC with a closed loop of concurrent callers or
// at a fixed rate (an open loop), and records what each call took in
// HdrHistograms.
//
// A run is split into phases that end at a barrier: no call starts after
// the phase's end, and the phase returns only when every call it started
// has finished. Counts read between two phases (handshakes, bytes, CPU
// time) therefore belong to exactly the calls of the phase between them.
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
	// Concurrency is how many callers run at once. In a closed loop each
	// makes one call after another; in an open loop it caps the calls in
	// flight. Must be at least 1.
	Concurrency int
	// Duration is how long new calls start. Calls in flight when it ends
	// are waited for and counted.
	Duration time.Duration
	// Rate, when above 0, makes the phase an open loop: calls are
	// scheduled at Rate per second in total, whatever the server does,
	// and each call's latency runs from when it was scheduled. 0 keeps
	// the closed loop.
	Rate float64
	// Poisson spaces an open loop's calls at random (exponential) gaps
	// with the same mean, instead of evenly.
	Poisson bool
	// Seed seeds the Poisson schedule, so runs can repeat it.
	Seed int64
	// MaxLatency is the highest latency the histograms can hold; set it
	// to at least the RPC timeout, plus the run's duration in an open
	// loop, where a late call waits in the queue. 0 means 1 minute.
	MaxLatency time.Duration
	// Interval, when above 0, also records a histogram per interval of
	// this length, for latency over time.
	Interval time.Duration
	// Probe, when set, is read at every interval's end; each Interval
	// gets the increase since the previous one (for example handshakes).
	Probe func() int64
}

// Histogram geometry: values are microseconds, from 1 µs, with three
// significant figures.
const (
	histLowest  = 1
	histSigFigs = 3
	// Unit is what one histogram value stands for.
	Unit = time.Microsecond
)

// LateAfter is how late an open loop's call may start before it counts
// as late: later than that, the load generator could not keep up.
const LateAfter = time.Millisecond

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
	// Latency holds the latency of every successful call, in Unit: in an
	// open loop, from when the call was scheduled to start.
	Latency *hdrhistogram.Histogram
	// Service holds, in an open loop, the latency from when each
	// successful call actually started; nil in a closed loop, where the
	// two are the same.
	Service *hdrhistogram.Histogram
	// Timeouts holds how long each timed-out call took, in Unit, so that
	// the slowest calls are reported rather than dropped.
	Timeouts *hdrhistogram.Histogram
	// Interrupted is set when ctx ended the phase before Duration.
	Interrupted bool

	// Open loop only: the calls the schedule asked for, how many of them
	// started more than LateAfter behind schedule, and the largest delay.
	Scheduled int64
	Late      int64
	MaxLate   time.Duration
	// Queued counts the open loop's calls that found Concurrency calls
	// in flight and waited for one to end: the server fell behind.
	Queued int64

	// Intervals, when Config.Interval is set, cover the phase in order.
	Intervals []Interval
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

// Run runs one phase, in a closed loop or, with cfg.Rate, an open one,
// until cfg.Duration has passed or ctx ends, whichever is first.
func Run(ctx context.Context, cfg Config, call Call) (*Result, error) {
	if cfg.Concurrency < 1 {
		return nil, fmt.Errorf("load: concurrency %d, want at least 1", cfg.Concurrency)
	}
	if cfg.Duration <= 0 {
		return nil, fmt.Errorf("load: duration %v, want more than 0", cfg.Duration)
	}
	if cfg.Rate < 0 {
		return nil, fmt.Errorf("load: rate %v, want 0 (closed loop) or more", cfg.Rate)
	}

	start := time.Now()
	deadline := start.Add(cfg.Duration)
	iv := newIntervals(cfg, start)
	var workers []*worker
	var sched *schedule
	if cfg.Rate > 0 {
		sched, workers = runOpen(ctx, cfg, start, iv, call)
	} else {
		workers = make([]*worker, cfg.Concurrency)
		for i := range workers {
			workers[i] = newWorker(cfg, iv)
		}
		runClosed(ctx, deadline, workers, call)
	}
	iv.stop()

	res := &Result{
		Elapsed:     time.Since(start),
		Errors:      map[Class]int64{},
		FirstErrors: map[Class]string{},
		Latency:     NewHistogram(cfg.MaxLatency),
		Timeouts:    NewHistogram(cfg.MaxLatency),
		Interrupted: ctx.Err() != nil && time.Now().Before(deadline),
		Intervals:   iv.done,
	}
	if sched != nil {
		res.Service = NewHistogram(cfg.MaxLatency)
		res.Scheduled, res.Queued = sched.n, sched.queued
	}
	return res, merge(res, workers)
}

// merge adds every worker's figures to res.
func merge(res *Result, workers []*worker) error {
	for _, w := range workers {
		dropped := res.Latency.Merge(w.hist) + res.Timeouts.Merge(w.timeouts)
		if res.Service != nil {
			dropped += res.Service.Merge(w.service)
		}
		if dropped != 0 {
			return fmt.Errorf("load: merging histograms dropped %d values", dropped)
		}
		if w.outOfRange != 0 {
			return fmt.Errorf("load: %d latencies above the histograms' maximum of %d µs",
				w.outOfRange, res.Latency.HighestTrackableValue())
		}
		res.OK += w.ok
		res.Late += w.late
		res.MaxLate = max(res.MaxLate, w.maxLate)
		for c, n := range w.errors {
			res.Errors[c] += n
			if _, seen := res.FirstErrors[c]; !seen {
				res.FirstErrors[c] = w.first[c]
			}
		}
	}
	return nil
}

// runClosed runs each worker as a caller making one call after another.
func runClosed(ctx context.Context, deadline time.Time, workers []*worker, call Call) {
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(deadline) {
					return
				}
				if !w.record(ctx, t0, t0, call(ctx)) {
					return
				}
			}
		}()
	}
	wg.Wait()
}

// worker is one caller. It owns its histograms and counts, so callers
// share nothing but the interval recorder.
type worker struct {
	hist, service, timeouts *hdrhistogram.Histogram
	iv                      *intervals

	ok, outOfRange, late int64
	maxLate              time.Duration
	errors               map[Class]int64
	first                map[Class]string
}

func newWorker(cfg Config, iv *intervals) *worker {
	w := &worker{hist: NewHistogram(cfg.MaxLatency), timeouts: NewHistogram(cfg.MaxLatency),
		iv: iv, errors: map[Class]int64{}, first: map[Class]string{}}
	if cfg.Rate > 0 {
		w.service = NewHistogram(cfg.MaxLatency)
	}
	return w
}

// record files one call that was due at intended, started at started and
// ended now with err. It returns false when the call failed because ctx
// ended: such a failure says nothing about the server and is not counted.
func (w *worker) record(ctx context.Context, intended, started time.Time, err error) bool {
	end := time.Now()
	if late := started.Sub(intended); late > LateAfter {
		w.late++
		w.maxLate = max(w.maxLate, late)
	}
	d := end.Sub(intended)
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		c := Classify(err)
		if c == Timeout && w.timeouts.RecordValue(int64(d/Unit)) != nil {
			w.outOfRange++
		}
		if w.errors[c] == 0 {
			w.first[c] = err.Error()
		}
		w.errors[c]++
		w.iv.add(0, true)
		return true
	}
	w.ok++
	if w.hist.RecordValue(int64(d/Unit)) != nil {
		w.outOfRange++
	}
	if w.service != nil && w.service.RecordValue(int64(end.Sub(started)/Unit)) != nil {
		w.outOfRange++
	}
	w.iv.add(d, false)
	return true
}
