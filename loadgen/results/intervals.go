package results

import (
	"bytes"
	"fmt"
	"path/filepath"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/mtlsbench/gomicro-mtls/loadgen/runner"
)

// intervalLog is one scenario's latency over time: an HdrHistogram
// interval log (.hlog) and a table of each interval's figures with the
// handshakes made in it (.intervals.csv), both over every repetition.
// Only their text is kept, so memory stays small in long runs.
type intervalLog struct {
	hlog, csv bytes.Buffer
	w         *hdrhistogram.HistogramLogWriter
	base      time.Time
}

func newIntervalLog(base time.Time) *intervalLog {
	l := &intervalLog{base: base}
	l.w = hdrhistogram.NewHistogramLogWriter(&l.hlog)
	l.w.SetBaseTime(base.UnixMilli())
	l.w.OutputLogFormatVersion()
	l.w.OutputComment("[Values in microseconds; Interval_Max in seconds]")
	l.w.OutputStartTime(base.UnixMilli())
	l.w.OutputBaseTime(base.UnixMilli())
	l.w.OutputLegend()
	fmt.Fprintf(&l.csv, "rep,start_s,end_s,ok,errors,p50_us,p99_us,max_us,handshakes\n")
	return l
}

func (l *intervalLog) add(s *runner.Sample) error {
	for _, iv := range s.Intervals {
		h, err := iv.Histogram()
		if err != nil {
			return fmt.Errorf("results: %w", err)
		}
		h.SetStartTimeMs(iv.Start.UnixMilli())
		h.SetEndTimeMs(iv.End.UnixMilli())
		if err := l.w.OutputIntervalHistogram(h); err != nil {
			return fmt.Errorf("results: interval log: %w", err)
		}
		fmt.Fprintf(&l.csv, "%d,%.3f,%.3f,%d,%d,%d,%d,%d,%d\n", s.Rep,
			iv.Start.Sub(l.base).Seconds(), iv.End.Sub(l.base).Seconds(), iv.OK, iv.Errors,
			iv.P50, iv.P99, iv.Max, iv.Probe)
	}
	return nil
}

// writeIntervals adds a sample's intervals to its scenario's logs and
// rewrites them.
func (w *Writer) writeIntervals(s *runner.Sample) error {
	if len(s.Intervals) == 0 {
		return nil
	}
	l, ok := w.intervals[s.Scenario]
	if !ok {
		l = newIntervalLog(w.header.Started)
		w.intervals[s.Scenario] = l
	}
	if err := l.add(s); err != nil {
		return err
	}
	base := filepath.Join(w.Dir, FileName(s.Scenario))
	if err := WriteAtomic(base+".hlog", l.hlog.Bytes()); err != nil {
		return err
	}
	return WriteAtomic(base+".intervals.csv", l.csv.Bytes())
}
