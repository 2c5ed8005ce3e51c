package load

import (
	"context"
	"math/rand"
	"sync"
	"time"
)

// schedule is an open loop's plan: when each call is due.
type schedule struct {
	n int64 // calls scheduled
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
	timer := time.NewTimer(0)
	<-timer.C
	for next := start; next.Before(end); next = next.Add(gap()) {
		if wait := time.Until(next); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
			}
		}
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
