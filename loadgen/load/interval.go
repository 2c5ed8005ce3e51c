package load

import (
	"fmt"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// An Interval is the latency of the calls that ended in one slice of a
// phase. Its histogram is kept compressed, so that a long run's intervals
// take little memory.
type Interval struct {
	Start, End time.Time
	// OK and Errors count the successful and the failed calls.
	OK, Errors int64
	// P50, P99 and Max are the successful calls' latency, in Unit.
	P50, P99, Max int64
	// Probe is the increase of Config.Probe over the interval.
	Probe int64
	// encoded is the latency histogram in HdrHistogram's compressed form.
	encoded []byte
}

// Histogram returns the interval's latency histogram, in Unit.
func (iv Interval) Histogram() (*hdrhistogram.Histogram, error) {
	h, err := hdrhistogram.Decode(iv.encoded)
	if err != nil {
		return nil, fmt.Errorf("load: decoding an interval's histogram: %w", err)
	}
	return h, nil
}

// intervals records the calls of the current interval and starts a new
// one every Config.Interval. Every caller records into it, under a lock;
// it is a no-op when intervals are off.
type intervals struct {
	cfg  Config
	mu   sync.Mutex
	cur  Interval
	hist *hdrhistogram.Histogram // the current interval's latencies
	last int64                   // Probe's value at the current interval's start
	done []Interval
	quit chan struct{}
	wg   sync.WaitGroup
}

func newIntervals(cfg Config, start time.Time) *intervals {
	iv := &intervals{cfg: cfg}
	if cfg.Interval <= 0 {
		return iv
	}
	iv.cur = Interval{Start: start}
	iv.hist = NewHistogram(cfg.MaxLatency)
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
		iv.hist.RecordValue(int64(d / Unit))
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
	h := iv.hist
	cur := iv.cur
	iv.cur = Interval{Start: now}
	iv.hist = NewHistogram(iv.cfg.MaxLatency)
	iv.mu.Unlock()

	cur.End = now
	cur.Probe = p - iv.last
	iv.last = p
	cur.OK = h.TotalCount()
	cur.P50, cur.P99, cur.Max = h.ValueAtPercentile(50), h.ValueAtPercentile(99), h.Max()
	// Encoding cannot fail for a histogram made by NewHistogram; if it
	// did, the interval keeps its summary and has no histogram.
	cur.encoded, _ = h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	iv.mu.Lock()
	iv.done = append(iv.done, cur)
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
