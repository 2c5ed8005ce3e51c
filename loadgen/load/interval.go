package load

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// An Interval is the latency of the calls that ended in one slice of a
// phase.
type Interval struct {
	Start, End time.Time
	// Latency holds the successful calls, in Unit; Errors counts the
	// failed ones.
	Latency *hdrhistogram.Histogram
	Errors  int64
	// Probe is the increase of Config.Probe over the interval.
	Probe int64
}

// intervals records the calls of the current interval and starts a new
// one every Config.Interval. Every caller records into it, under a lock;
// it is a no-op when intervals are off.
type intervals struct {
	cfg  Config
	mu   sync.Mutex
	cur  Interval
	last int64 // Probe's value at the current interval's start
	done []Interval
	quit chan struct{}
	wg   sync.WaitGroup
}

func newIntervals(cfg Config, start time.Time) *intervals {
	iv := &intervals{cfg: cfg}
	if cfg.Interval <= 0 {
		return iv
	}
	iv.cur = Interval{Start: start, Latency: NewHistogram(cfg.MaxLatency)}
	if cfg.Probe != nil {
		iv.last = cfg.Probe()
	}
	iv.quit = make(chan struct{})
	iv.wg.Add(1)
	go func() {
		defer iv.wg.Done()
		t := time.NewTicker(cfg.Interval)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				iv.rotate(now)
			case <-iv.quit:
				return
			}
		}
	}()
	return iv
}

func (iv *intervals) add(d time.Duration, failed bool) {
	if iv.quit == nil {
		return
	}
	iv.mu.Lock()
	if failed {
		iv.cur.Errors++
	} else {
		iv.cur.Latency.RecordValue(int64(d / Unit))
	}
	iv.mu.Unlock()
}

// rotate ends the current interval at now and starts the next.
func (iv *intervals) rotate(now time.Time) {
	var p int64
	if iv.cfg.Probe != nil {
		p = iv.cfg.Probe()
	}
	iv.mu.Lock()
	iv.cur.End = now
	iv.cur.Probe = p - iv.last
	iv.last = p
	iv.done = append(iv.done, iv.cur)
	iv.cur = Interval{Start: now, Latency: NewHistogram(iv.cfg.MaxLatency)}
	iv.mu.Unlock()
}

// stop ends the last interval.
func (iv *intervals) stop() {
	if iv.quit == nil {
		return
	}
	close(iv.quit)
	iv.wg.Wait()
	iv.rotate(time.Now())
}
