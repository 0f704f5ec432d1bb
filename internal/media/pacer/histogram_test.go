package pacer

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketsCoverEveryValueOnce(t *testing.T) {
	prevUpper := int64(-1)
	for i := range numBuckets - 1 {
		lo, hi := uint64(prevUpper+1), bucketUpper(i)
		if hi < lo {
			t.Fatalf("bucket %d: upper %d below lower %d", i, hi, lo)
		}
		if bucketOf(lo) != i || bucketOf(hi) != i {
			t.Fatalf("bucket %d [%d, %d]: bucketOf gives %d and %d", i, lo, hi, bucketOf(lo), bucketOf(hi))
		}
		if lo >= linearLimit && float64(hi-lo+1) > float64(lo)/subBuckets {
			t.Fatalf("bucket %d [%d, %d] wider than 1/%d of its values", i, lo, hi, subBuckets)
		}
		prevUpper = int64(hi)
	}
	if bucketOf(1<<62) != numBuckets-1 {
		t.Fatal("huge value not in the last bucket")
	}
}

func TestQuantilesAgainstSortedSample(t *testing.T) {
	var h Histogram
	rng := rand.New(rand.NewPCG(1, 2))
	vals := make([]time.Duration, 100_000)
	for i := range vals {
		vals[i] = time.Duration(rng.ExpFloat64() * float64(300*time.Microsecond))
		h.Record(vals[i])
	}
	h.Record(-5) // recorded as zero
	vals = append(vals, 0)
	slices.Sort(vals)
	s := h.Snapshot()
	if s.Count != uint64(len(vals)) || s.Max != vals[len(vals)-1] {
		t.Fatalf("count %d max %v, want %d %v", s.Count, s.Max, len(vals), vals[len(vals)-1])
	}
	for _, q := range []float64{0, 0.5, 0.9, 0.99, 0.999, 1} {
		exact := vals[min(int(q*float64(len(vals))), len(vals)-1)]
		got := s.Quantile(q)
		if got < exact || float64(got) > float64(exact)*(1+1.0/subBuckets)+1 {
			t.Fatalf("q=%v: %v, exact %v (want within +3.1%%)", q, got, exact)
		}
	}
	var empty HistogramSnapshot
	if empty.Quantile(0.5) != 0 || empty.Mean() != 0 {
		t.Fatal("empty snapshot not zero")
	}
}

func TestRecordN(t *testing.T) {
	var a, b Histogram
	for range 5 {
		a.Record(3 * time.Millisecond)
	}
	b.RecordN(3*time.Millisecond, 5)
	b.RecordN(time.Hour, 0) // no observation
	sa, sb := a.Snapshot(), b.Snapshot()
	if sa != sb {
		t.Fatalf("RecordN(d, 5) differs from five Record(d): count %d/%d sum %v/%v max %v/%v", sa.Count, sb.Count, sa.Sum, sb.Sum, sa.Max, sb.Max)
	}
	sa.Merge(&sb)
	if sa.Count != 10 || sa.Mean() != 3*time.Millisecond || sa.Quantile(0.5) != 3*time.Millisecond {
		t.Fatalf("merged: count %d mean %v median %v", sa.Count, sa.Mean(), sa.Quantile(0.5))
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	var h Histogram
	d := time.Duration(0)
	if a := testing.AllocsPerRun(1000, func() { h.Record(d); d += 997 }); a != 0 {
		t.Fatalf("%v allocations per Record", a)
	}
}
