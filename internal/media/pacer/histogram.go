package pacer

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// Bucket layout: values below 64 ns have one bucket each; above that every power of two is split
// into 32 equal buckets, so a bucket is never wider than 1/32 (3.1%) of the values it holds.
// Values of 2^40 ns (about 18 minutes) and more share the last bucket.
const (
	subBucketBits = 5
	subBuckets    = 1 << subBucketBits // buckets per power of two
	linearLimit   = 2 * subBuckets     // values below this have exact buckets
	maxShift      = 34                 // largest shift: values below 2^(maxShift+6) ns are resolved
	numBuckets    = linearLimit + maxShift*subBuckets
)

// Histogram records durations in fixed log-linear buckets. The zero value is ready to use. It is
// safe for concurrent use; Record never allocates and never blocks. Negative durations are
// recorded as zero.
type Histogram struct {
	counts [numBuckets]atomic.Uint64
	total  atomic.Uint64
	sum    atomic.Uint64 // nanoseconds; wraps after about 584 years of accumulated lateness
	max    atomic.Int64
}

// Record adds one observation.
func (h *Histogram) Record(d time.Duration) { h.RecordN(d, 1) }

// RecordN adds n observations of the same value.
func (h *Histogram) RecordN(d time.Duration, n uint64) {
	if n == 0 {
		return
	}
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))].Add(n)
	h.total.Add(n)
	h.sum.Add(uint64(d) * n)
	for {
		m := h.max.Load()
		if int64(d) <= m || h.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// Snapshot copies the current counts. Observations recorded while it runs may be partly
// included; each count is individually exact.
func (h *Histogram) Snapshot() HistogramSnapshot {
	var s HistogramSnapshot
	for i := range h.counts {
		s.Counts[i] = h.counts[i].Load()
	}
	s.Count = h.total.Load()
	s.Sum = time.Duration(h.sum.Load())
	s.Max = time.Duration(h.max.Load())
	return s
}

// HistogramSnapshot is a point-in-time copy of a Histogram. It is a plain value (about 9 KB).
type HistogramSnapshot struct {
	Counts [numBuckets]uint64
	Count  uint64        // number of observations
	Sum    time.Duration // sum of all observations
	Max    time.Duration // largest observation, exact
}

// Merge adds o's observations to s.
func (s *HistogramSnapshot) Merge(o *HistogramSnapshot) {
	for i := range s.Counts {
		s.Counts[i] += o.Counts[i]
	}
	s.Count += o.Count
	s.Sum += o.Sum
	s.Max = max(s.Max, o.Max)
}

// Mean returns the average observation, or 0 when there is none.
func (s *HistogramSnapshot) Mean() time.Duration {
	if s.Count == 0 {
		return 0
	}
	return s.Sum / time.Duration(s.Count)
}

// Quantile returns an upper bound for the q-quantile (0 ≤ q ≤ 1): the upper edge of the bucket
// holding it, capped at Max. It overstates the true value by at most 3.1%. It returns 0 when
// there is no observation.
func (s *HistogramSnapshot) Quantile(q float64) time.Duration {
	if s.Count == 0 {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := uint64(q * float64(s.Count)) // observations allowed below the answer
	if rank >= s.Count {
		rank = s.Count - 1
	}
	var seen uint64
	for i, c := range s.Counts {
		seen += c
		if seen > rank {
			return min(time.Duration(bucketUpper(i)), s.Max)
		}
	}
	return s.Max
}

// bucketOf returns the bucket index of v nanoseconds.
func bucketOf(v uint64) int {
	if v < linearLimit {
		return int(v)
	}
	shift := bits.Len64(v) - (subBucketBits + 1) // ≥ 1; v>>shift is in [32, 64)
	if shift > maxShift {
		return numBuckets - 1
	}
	return linearLimit + (shift-1)*subBuckets + int(v>>shift) - subBuckets
}

// bucketUpper returns the largest value held by bucket i.
func bucketUpper(i int) uint64 {
	if i < linearLimit {
		return uint64(i)
	}
	j := i - linearLimit
	shift := j/subBuckets + 1
	mantissa := uint64(j%subBuckets + subBuckets)
	return (mantissa+1)<<shift - 1
}
