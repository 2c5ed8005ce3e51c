package runner

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

// A ResourcePoint is both sides' goroutines, open files and resident
// memory at one moment of a measurement. Server figures are zero when the
// server has no control address; -1 open files means unknown.
type ResourcePoint struct {
	At               time.Duration `json:"at_ns"`
	ClientGoroutines int           `json:"client_goroutines"`
	ClientFiles      int           `json:"client_open_files"`
	ClientRSS        int64         `json:"client_rss_bytes"`
	ServerGoroutines int           `json:"server_goroutines,omitempty"`
	ServerFiles      int           `json:"server_open_files,omitempty"`
	ServerRSS        int64         `json:"server_rss_bytes,omitempty"`
}

// sampleResources records a ResourcePoint every interval until ctx ends,
// and returns the function that stops it and returns the points. A
// sampling error ends the sampling early; the points so far are kept.
func sampleResources(ctx context.Context, ep Endpoint, c *tlsconf.ClientCounters,
	every time.Duration) func() []ResourcePoint {
	if every <= 0 {
		return func() []ResourcePoint { return nil }
	}
	ctx, cancel := context.WithCancel(ctx)
	start := time.Now()
	var points []ResourcePoint
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				s, err := take(ep, c, false)
				if err != nil {
					return
				}
				points = append(points, point(time.Since(start), s))
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() []ResourcePoint {
		cancel()
		wg.Wait()
		return points
	}
}

func point(at time.Duration, s snapshot) ResourcePoint {
	p := ResourcePoint{At: at, ClientGoroutines: s.client.Goroutines,
		ClientFiles: s.client.OpenFiles}
	if s.client.Memory != nil {
		p.ClientRSS = s.client.Memory.RSS
	}
	if s.server != nil {
		p.ServerGoroutines, p.ServerFiles = s.server.Goroutines, s.server.OpenFiles
		if s.server.Memory != nil {
			p.ServerRSS = s.server.Memory.RSS
		}
	}
	return p
}

// growthWarnings flags steady growth: a series whose median over the last
// quarter of the points exceeds its median over the first quarter by more
// than both a fraction and a floor is a possible leak. Fewer than 8
// points say nothing.
func growthWarnings(points []ResourcePoint) []string {
	if len(points) < 8 {
		return nil
	}
	series := []struct {
		name  string
		get   func(ResourcePoint) float64
		floor float64
	}{
		{"client goroutines", func(p ResourcePoint) float64 { return float64(p.ClientGoroutines) },
			20},
		{"client open files", func(p ResourcePoint) float64 { return float64(p.ClientFiles) }, 20},
		{"client RSS (MiB)", func(p ResourcePoint) float64 { return mib(p.ClientRSS) }, 16},
		{"server goroutines", func(p ResourcePoint) float64 { return float64(p.ServerGoroutines) },
			20},
		{"server open files", func(p ResourcePoint) float64 { return float64(p.ServerFiles) }, 20},
		{"server RSS (MiB)", func(p ResourcePoint) float64 { return mib(p.ServerRSS) }, 16},
	}
	q := len(points) / 4
	var w []string
	for _, s := range series {
		first, last := median(points[:q], s.get), median(points[len(points)-q:], s.get)
		if last-first > s.floor && last > 1.2*first {
			w = append(w, fmt.Sprintf("possible leak: %s grew from %.0f to %.0f over the "+
				"measurement", s.name, first, last))
		}
	}
	return w
}

func median(points []ResourcePoint, get func(ResourcePoint) float64) float64 {
	v := make([]float64, len(points))
	for i, p := range points {
		v[i] = get(p)
	}
	sort.Float64s(v)
	return v[len(v)/2]
}

func mib(bytes int64) float64 { return float64(bytes) / (1 << 20) }
