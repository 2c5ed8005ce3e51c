package results

import (
	"bytes"
	"fmt"
	"math"
	"path/filepath"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/mtlsbench/gomicro-mtls/loadgen/load"
)

// writeHistogram writes a scenario's merged latency histogram as an
// HdrHistogram percentile distribution (.hgrm), values in milliseconds,
// the text that HdrHistogram's plotter reads.
func (w *Writer) writeHistogram(name string, h *hdrhistogram.Histogram) error {
	path := filepath.Join(w.Dir, FileName(name)+".hgrm")
	return WriteAtomic(path, PercentileText(h))
}

// PercentileText renders h, whose values are in load.Unit, in
// HdrHistogram's percentile distribution format with values in
// milliseconds.
func PercentileText(h *hdrhistogram.Histogram) []byte {
	scale := float64(1e6) / float64(load.Unit) // values per millisecond
	var b bytes.Buffer
	fmt.Fprintf(&b, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount",
		"1/(1-Percentile)")
	for _, br := range h.CumulativeDistribution() {
		q := br.Quantile / 100
		inv := "Inf"
		if q < 1 {
			inv = fmt.Sprintf("%.2f", 1/(1-q))
		}
		fmt.Fprintf(&b, "%12.3f %2.12f %10d %14s\n", float64(br.ValueAt)/scale, q,
			br.Count, inv)
	}
	mean, sd := h.Mean()/scale, h.StdDev()/scale
	if math.IsNaN(mean) {
		mean, sd = 0, 0
	}
	fmt.Fprintf(&b, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", mean, sd)
	fmt.Fprintf(&b, "#[Max     = %12.3f, Total count    = %12d]\n",
		float64(h.Max())/scale, h.TotalCount())
	return b.Bytes()
}
