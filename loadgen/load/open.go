package load

import (
	"context"
	"math/rand"
	"sync"
	"syscall"
	"time"
)

// schedule is an open loop's plan: when each call is due.
type schedule struct {
	n      int64 // calls scheduled
	queued int64 // calls that found every worker busy and waited for one
}

// runOpen schedules calls at cfg.Rate until cfg.Duration, hands each to a
// free worker, and waits for all of them. Workers are started as needed,
// up to cfg.Concurrency, so a low rate keeps only a few (each holds its
// own histograms). A call that finds every worker busy starts when one
// frees up, but is still timed from when it was due: a slow server shows
// up as latency, never as calls quietly not made.
func runOpen(ctx context.Context, cfg Config, start time.Time, iv *intervals,
	call Call) (*schedule, []*worker) {
	due := make(chan time.Time)
	var wg sync.WaitGroup
	var workers []*worker
	spawn := func() {
		w := newWorker(cfg, iv)
		workers = append(workers, w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range due {
				if !w.record(ctx, t, time.Now(), call(ctx)) {
					// The run is over: drain, counting nothing more.
					for range due {
					}
					return
				}
			}
		}()
	}

	s := &schedule{}
	gap := newGaps(cfg)
	end := start.Add(cfg.Duration)
	for next := start; next.Before(end); next = next.Add(gap()) {
		sleepUntil(ctx, next)
		if ctx.Err() != nil {
			break
		}
		select {
		case due <- next: // an idle worker took it
			s.n++
			continue
		default:
		}
		if len(workers) < cfg.Concurrency {
			spawn()
		} else {
			s.queued++
		}
		select {
		case due <- next:
			s.n++
		case <-ctx.Done():
		}
	}
	close(due)
	wg.Wait()
	return s, workers
}

// newGaps returns the source of the gaps between scheduled calls: all
// equal, or exponentially distributed around the same mean.
func newGaps(cfg Config) func() time.Duration {
	mean := float64(time.Second) / cfg.Rate
	if !cfg.Poisson {
		return func() time.Duration { return time.Duration(mean) }
	}
	rng := rand.New(rand.NewSource(cfg.Seed))
	return func() time.Duration { return time.Duration(rng.ExpFloat64() * mean) }
}

// sleepChunk bounds each sleep, so that an ended context is noticed
// within it.
const sleepChunk = 10 * time.Millisecond

// sleepUntil waits until t or until ctx ends.
//
// Note: it sleeps with the nanosleep system call, not a Go timer. On an
// idle machine the runtime's timers fire late (here a median of 0.6 ms,
// up to over 1 ms: the network poller waits in whole milliseconds), and
// every call would start that late; nanosleep wakes within about 0.15 ms.
// The sleeping goroutine holds an operating system thread, and the
// runtime runs other goroutines on another.
func sleepUntil(ctx context.Context, t time.Time) {
	for ctx.Err() == nil {
		wait := time.Until(t)
		if wait <= 0 {
			return
		}
		ts := syscall.NsecToTimespec(int64(min(wait, sleepChunk)))
		syscall.Nanosleep(&ts, nil)
	}
}
