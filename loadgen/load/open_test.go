package load

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"
)

// stall makes a call that holds every call arriving in one window until
// the window ends, as a server that stops for a while does.
type stall struct {
	mu         sync.Mutex
	start      time.Time
	from, till time.Duration
}

func (s *stall) call(context.Context) error {
	s.mu.Lock()
	if s.start.IsZero() {
		s.start = time.Now()
	}
	from, till := s.start.Add(s.from), s.start.Add(s.till)
	s.mu.Unlock()
	if now := time.Now(); now.After(from) && now.Before(till) {
		time.Sleep(till.Sub(now))
	}
	time.Sleep(200 * time.Microsecond)
	return nil
}

// TestOpenLoopSeesTheStall is the coordinated-omission check: at a fixed
// rate every scheduled call is measured, so a 200 ms stall shows in the
// high percentiles; a closed loop with the same stall makes few calls
// during it and its percentiles hide it.
func TestOpenLoopSeesTheStall(t *testing.T) {
	cfg := Config{Concurrency: 50, Duration: time.Second, Rate: 500, MaxLatency: 10 * time.Second}
	open, err := Run(context.Background(), cfg,
		(&stall{from: 300 * time.Millisecond, till: 500 * time.Millisecond}).call)
	if err != nil {
		t.Fatal(err)
	}
	if open.Latency.TotalCount() != open.Scheduled || open.ErrorCount() != 0 {
		t.Errorf("%d latencies for %d scheduled calls", open.Latency.TotalCount(),
			open.Scheduled)
	}
	if d := math.Abs(float64(open.Scheduled) - 500); d > 5 {
		t.Errorf("%d calls scheduled in 1 s at 500/s", open.Scheduled)
	}
	if open.Service.TotalCount() != open.OK {
		t.Errorf("service histogram holds %d values for %d calls", open.Service.TotalCount(),
			open.OK)
	}

	closedCfg := cfg
	closedCfg.Rate, closedCfg.Concurrency = 0, 2
	closed, err := Run(context.Background(), closedCfg,
		(&stall{from: 300 * time.Millisecond, till: 500 * time.Millisecond}).call)
	if err != nil {
		t.Fatal(err)
	}

	// About a fifth of the open loop's calls were due during the stall
	// and waited for up to 200 ms; the closed loop had 2 calls waiting.
	op90 := time.Duration(open.Latency.ValueAtPercentile(90)) * Unit
	cp90 := time.Duration(closed.Latency.ValueAtPercentile(90)) * Unit
	t.Logf("p90: open loop %v over %d calls, closed loop %v over %d calls", op90,
		open.Latency.TotalCount(), cp90, closed.Latency.TotalCount())
	if op90 < 50*time.Millisecond {
		t.Errorf("open loop p90 %v: the stall does not show", op90)
	}
	if cp90 >= 10*time.Millisecond {
		t.Errorf("closed loop p90 %v: expected the closed loop to hide the stall", cp90)
	}
	if sp90 := time.Duration(open.Service.ValueAtPercentile(90)) * Unit; sp90 >= op90 {
		t.Errorf("service time p90 %v not below latency p90 %v", sp90, op90)
	}
}

func TestPoissonScheduleKeepsTheRate(t *testing.T) {
	res, err := Run(context.Background(), Config{Concurrency: 4, Duration: time.Second,
		Rate: 400, Poisson: true, Seed: 1}, func(context.Context) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	// 400 expected; a Poisson count has a standard deviation of 20.
	if res.Scheduled < 320 || res.Scheduled > 480 || res.Calls() != res.Scheduled {
		t.Errorf("%d scheduled and %d made at 400/s for 1 s", res.Scheduled, res.Calls())
	}
}

func TestLateStartsAreCounted(t *testing.T) {
	// One caller, calls of 5 ms, 1000 due per second: the generator
	// cannot keep up, and says so.
	res, err := Run(context.Background(), Config{Concurrency: 1, Duration: 200 * time.Millisecond,
		Rate: 1000, MaxLatency: 10 * time.Second},
		func(context.Context) error { time.Sleep(5 * time.Millisecond); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if res.Late < res.Scheduled/2 || res.MaxLate < 100*time.Millisecond {
		t.Errorf("%d of %d calls late, at most %v", res.Late, res.Scheduled, res.MaxLate)
	}
	if res.Latency.TotalCount() != res.Scheduled {
		t.Errorf("%d latencies for %d scheduled calls: late calls must still be measured",
			res.Latency.TotalCount(), res.Scheduled)
	}
}

func TestIntervalsAddUp(t *testing.T) {
	var probe int64
	var mu sync.Mutex
	res, err := Run(context.Background(), Config{Concurrency: 2, Duration: 350 * time.Millisecond,
		Interval: 100 * time.Millisecond, Probe: func() int64 {
			mu.Lock()
			defer mu.Unlock()
			return probe
		}}, func(context.Context) error {
		mu.Lock()
		probe++
		mu.Unlock()
		time.Sleep(time.Millisecond)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Intervals); n < 3 || n > 5 {
		t.Errorf("%d intervals of 100 ms in 350 ms", n)
	}
	var count, probed int64
	for i, iv := range res.Intervals {
		h, err := iv.Histogram()
		if err != nil {
			t.Fatal(err)
		}
		if h.TotalCount() != iv.OK {
			t.Errorf("interval %d: histogram holds %d values, OK is %d", i, h.TotalCount(), iv.OK)
		}
		count += iv.OK
		probed += iv.Probe
		if i > 0 && !iv.Start.Equal(res.Intervals[i-1].End) {
			t.Errorf("interval %d starts at %v, the previous ended at %v", i, iv.Start,
				res.Intervals[i-1].End)
		}
	}
	if count != res.Latency.TotalCount() || probed != res.Calls() {
		t.Errorf("intervals hold %d values and probe %d, the phase %d calls", count, probed,
			res.Calls())
	}
}
