package results

import (
	"bytes"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/mtlsbench/gomicro-mtls/loadgen/runner"
)

// Table renders one line per scenario with the median over its
// repetitions of each figure: throughput, latency percentiles,
// handshakes and CPU time per call, and errors.
func Table(samples []*runner.Sample) []byte {
	var order []string
	by := map[string][]*runner.Sample{}
	for _, s := range samples {
		if !s.Measured() {
			continue
		}
		if by[s.Scenario] == nil {
			order = append(order, s.Scenario)
		}
		by[s.Scenario] = append(by[s.Scenario], s)
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "scenario\tn\tcalls/s\tp50\tp99\tp99.9\tfull hs/op\tresumed/op\t"+
		"client cpu/op\tserver cpu/op\tsyscalls/op\twire B/op\terrors\t\n")
	for _, name := range order {
		ss := by[name]
		med := func(get func(*runner.Sample) float64) float64 {
			v := make([]float64, len(ss))
			for i, s := range ss {
				v[i] = get(s)
			}
			slices.Sort(v)
			if len(v)%2 == 1 {
				return v[len(v)/2]
			}
			return (v[len(v)/2-1] + v[len(v)/2]) / 2
		}
		dur := func(get func(*runner.Sample) float64) string {
			return time.Duration(med(get)).Round(time.Microsecond).String()
		}
		hs := func(s *runner.Sample) (float64, float64) {
			h := s.Client
			if s.Server != nil {
				h = *s.Server
			}
			return float64(h.Full) / float64(s.Calls), float64(h.Resumed) / float64(s.Calls)
		}
		srvCPU := "n/a"
		if ss[0].ServerCPU != nil {
			srvCPU = dur(func(s *runner.Sample) float64 {
				return runner.CPUPerOp(*s.ServerCPU, s.Calls)
			})
		}
		var errs int64
		for _, s := range ss {
			errs += s.Errors
		}
		sys, wire := "n/a", "n/a"
		if ss[0].ClientIO != nil && ss[0].ServerIO != nil {
			sys = fmt.Sprintf("%.1f", med(func(s *runner.Sample) float64 {
				return float64(s.ClientIO.Calls()+s.ServerIO.Calls()) / float64(s.Calls)
			}))
			wire = fmt.Sprintf("%.0f", med(func(s *runner.Sample) float64 {
				b, _ := s.WireBytesPerOp()
				return b
			}))
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%s\t%.3f\t%.3f\t%s\t%s\t%s\t%s\t%d\t\n",
			name, len(ss),
			med(func(s *runner.Sample) float64 { return float64(s.Calls) / s.Elapsed.Seconds() }),
			dur(func(s *runner.Sample) float64 { return float64(s.Latency.P50) }),
			dur(func(s *runner.Sample) float64 { return float64(s.Latency.P99) }),
			dur(func(s *runner.Sample) float64 { return float64(s.Latency.P999) }),
			med(func(s *runner.Sample) float64 { f, _ := hs(s); return f }),
			med(func(s *runner.Sample) float64 { _, r := hs(s); return r }),
			dur(func(s *runner.Sample) float64 { return runner.CPUPerOp(s.ClientCPU, s.Calls) }),
			srvCPU, sys, wire, errs)
	}
	tw.Flush()
	return buf.Bytes()
}
