package attrib

import (
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// builder makes small CPU profiles. Functions and locations are shared
// by name, as in real profiles.
type builder struct {
	p     *profile.Profile
	funcs map[string]*profile.Function
	locs  map[string]*profile.Location
}

func newBuilder() *builder {
	return &builder{
		p: &profile.Profile{
			SampleType: []*profile.ValueType{
				{Type: "samples", Unit: "count"},
				{Type: "cpu", Unit: "nanoseconds"},
			},
			PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
			Period:     10_000_000,
		},
		funcs: map[string]*profile.Function{},
		locs:  map[string]*profile.Location{},
	}
}

// location returns a location for the given functions, innermost first:
// more than one means the outer ones had the inner ones inlined.
func (b *builder) location(names ...string) *profile.Location {
	key := strings.Join(names, "|")
	if l, ok := b.locs[key]; ok {
		return l
	}
	l := &profile.Location{ID: uint64(len(b.p.Location) + 1)}
	for _, n := range names {
		f, ok := b.funcs[n]
		if !ok {
			f = &profile.Function{ID: uint64(len(b.p.Function) + 1), Name: n}
			b.funcs[n] = f
			b.p.Function = append(b.p.Function, f)
		}
		l.Line = append(l.Line, profile.Line{Function: f})
	}
	b.locs[key] = l
	b.p.Location = append(b.p.Location, l)
	return l
}

// add adds a sample of n profiling ticks with the given stack, leaf
// first, one function per location.
func (b *builder) add(n int64, stack ...string) {
	s := &profile.Sample{Value: []int64{n, n * b.p.Period}}
	for _, fn := range stack {
		s.Location = append(s.Location, b.location(fn))
	}
	b.p.Sample = append(b.p.Sample, s)
}

func TestUnsymbolizedLocationIsOther(t *testing.T) {
	b := newBuilder()
	loc := &profile.Location{ID: 99, Address: 0x4000}
	b.p.Location = append(b.p.Location, loc)
	b.p.Sample = append(b.p.Sample, &profile.Sample{Value: []int64{1, 7},
		Location: []*profile.Location{loc}})
	got, err := Categorize(b.p)
	if err != nil {
		t.Fatal(err)
	}
	if got.CPU[Other] != 7 || got.Total != 7 {
		t.Errorf("got %s, want 7 ns in other", describe(got))
	}
}

func TestCategoriesAddUpToTotal(t *testing.T) {
	b := newBuilder()
	var want, ticks int64
	for i, c := range stackCases {
		n := int64(i%5 + 1)
		b.add(n, c.stack...)
		want += n * b.p.Period
		ticks += n
	}
	// Odd values, as merged or scaled profiles have.
	b.p.Sample = append(b.p.Sample, &profile.Sample{Value: []int64{1, 1234567},
		Location: []*profile.Location{b.location("crypto/ecdh.X25519")}})
	want += 1234567
	ticks++

	got, err := Categorize(b.p)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, ns := range got.CPU {
		sum += ns
	}
	if sum != got.Total || got.Total != want {
		t.Errorf("categories add up to %d, total %d, want %d", sum, got.Total, want)
	}
	if got.Samples != ticks {
		t.Errorf("samples = %d, want %d", got.Samples, ticks)
	}
}

func TestSamplesWithoutCountType(t *testing.T) {
	p := &profile.Profile{SampleType: []*profile.ValueType{{Type: "cpu", Unit: "nanoseconds"}}}
	fn := &profile.Function{ID: 1, Name: "crypto/sha256.Sum256"}
	loc := &profile.Location{ID: 1, Line: []profile.Line{{Function: fn}}}
	p.Function, p.Location = []*profile.Function{fn}, []*profile.Location{loc}
	for range 3 {
		p.Sample = append(p.Sample, &profile.Sample{Value: []int64{10},
			Location: []*profile.Location{loc}})
	}
	got, err := Categorize(p)
	if err != nil {
		t.Fatal(err)
	}
	if got.Samples != 3 || got.CPU[Hashing] != 30 || got.Total != 30 {
		t.Errorf("got %s, want 3 samples, 30 ns of hashing", describe(got))
	}
}

func TestCategorizeErrors(t *testing.T) {
	heap := &profile.Profile{SampleType: []*profile.ValueType{
		{Type: "alloc_objects", Unit: "count"}, {Type: "alloc_space", Unit: "bytes"}}}
	micros := &profile.Profile{SampleType: []*profile.ValueType{{Type: "cpu", Unit: "microseconds"}}}
	short := newBuilder()
	short.p.Sample = append(short.p.Sample, &profile.Sample{Value: []int64{1}})
	for _, c := range []struct {
		name string
		p    *profile.Profile
		want string
	}{
		{"nil", nil, "no profile"},
		{"heap profile", heap, "alloc_space/bytes"},
		{"microseconds", micros, `"microseconds"`},
		{"short sample", short.p, "sample 0 has 1 values"},
	} {
		_, err := Categorize(c.p)
		if err == nil || !strings.HasPrefix(err.Error(), "attrib: ") ||
			!strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want an attrib error mentioning %s", c.name, err, c.want)
		}
	}
}

func TestPerOp(t *testing.T) {
	var b Breakdown
	b.CPU[Signatures] = 1000
	b.CPU[Record] = 5
	b.CPU[Other] = -5
	b.Total = 1000
	got := b.PerOp(10)
	if got.CPU[Signatures] != 100 || got.CPU[Record] != time.Duration(1) ||
		got.CPU[Other] != -1 || got.Total != 100 {
		t.Errorf("PerOp(10) = %+v", got)
	}
	if got := b.PerOp(0); got != (PerCall{}) {
		t.Errorf("PerOp(0) = %+v, want zero", got)
	}
}

func TestCategoryString(t *testing.T) {
	if got := KeyExchange.String(); got != "key exchange" {
		t.Errorf("KeyExchange.String() = %q", got)
	}
	if got := NumCategories.String(); !strings.HasPrefix(got, "Category(") {
		t.Errorf("NumCategories.String() = %q", got)
	}
}

func describe(b Breakdown) string {
	var parts []string
	for c, ns := range b.CPU {
		if ns != 0 {
			parts = append(parts, Category(c).String()+"="+time.Duration(ns).String())
		}
	}
	return "{" + strings.Join(parts, " ") + "}"
}
