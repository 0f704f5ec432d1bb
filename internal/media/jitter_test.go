package media

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// seqFrame is a frame whose content names its sequence number.
func seqFrame(seq uint16) *Frame {
	var f Frame
	for i := range f {
		f[i] = byte(seq) ^ byte(seq>>8) ^ byte(i)
	}
	f[0], f[1] = byte(seq), byte(seq>>8)
	return &f
}

func frameSeq(f *Frame) uint16 { return uint16(f[0]) | uint16(f[1])<<8 }

type tick struct {
	seq    uint16
	status JitterStatus
}

// pops calls Pop n times and checks that every played frame is the one its number names.
func pops(t *testing.T, j *JitterBuffer, n int) []tick {
	t.Helper()
	var out []tick
	for range n {
		var f Frame
		seq, st := j.Pop(&f)
		if st == JitterPlayed && (f != *seqFrame(seq)) {
			t.Fatalf("Pop returned seq %d with the frame of %d", seq, frameSeq(&f))
		}
		out = append(out, tick{seq, st})
	}
	return out
}

func push(t *testing.T, j *JitterBuffer, seq uint16, want PushResult) {
	t.Helper()
	if got := j.Push(seq, seqFrame(seq)); got != want {
		t.Fatalf("Push(%d) = %v, want %v", seq, got, want)
	}
}

func waiting(n int) []tick { return make([]tick, n) }

func played(seqs ...uint16) []tick {
	var out []tick
	for _, s := range seqs {
		out = append(out, tick{s, JitterPlayed})
	}
	return out
}

func expectTicks(t *testing.T, got []tick, want ...[]tick) {
	t.Helper()
	if w := slices.Concat(want...); !slices.Equal(got, w) {
		t.Fatalf("ticks\n got %v\nwant %v", got, w)
	}
}

func TestJitterDelaysThenPlaysInOrder(t *testing.T) {
	j := NewJitterBuffer(2)
	expectTicks(t, pops(t, j, 3), waiting(3)) // nothing has arrived: waiting, not lost
	var got []tick
	for s := uint16(100); s < 110; s++ {
		push(t, j, s, PushAccepted)
		got = append(got, pops(t, j, 1)...)
	}
	got = append(got, pops(t, j, 2)...)
	expectTicks(t, got, waiting(2), played(100, 101, 102, 103, 104, 105, 106, 107, 108, 109))
	if st := j.Stats(); st.Played != 10 || st.Lost != 0 || j.Len() != 0 {
		t.Errorf("stats %+v, len %d", st, j.Len())
	}
}

func TestJitterReordersWithinDepth(t *testing.T) {
	j := NewJitterBuffer(3)
	// Frame n is due at tick n. Frame 1 overtakes frame 0, frame 4 comes three ticks late
	// (in the same tick as 7), 5 and 6 come early.
	arrivals := [][]uint16{{1}, {0, 2}, {3}, {5}, {6}, {}, {}, {7, 4}, {8}, {9}, {}, {}, {}}
	var got []tick
	for _, batch := range arrivals {
		for _, s := range batch {
			push(t, j, s, PushAccepted)
		}
		got = append(got, pops(t, j, 1)...)
	}
	expectTicks(t, got, waiting(3), played(0, 1, 2, 3, 4, 5, 6, 7, 8, 9))
}

func TestJitterLossLateAndDuplicates(t *testing.T) {
	j := NewJitterBuffer(1)
	push(t, j, 0, PushAccepted)
	push(t, j, 1, PushAccepted)
	push(t, j, 1, PushDuplicate)
	push(t, j, 3, PushAccepted) // 2 is missing
	got := pops(t, j, 5)
	expectTicks(t, got, waiting(1), played(0, 1), []tick{{2, JitterLost}}, played(3))
	push(t, j, 2, PushLate) // its turn has passed
	push(t, j, 3, PushLate) // already played
	push(t, j, 4, PushAccepted)
	expectTicks(t, pops(t, j, 1), played(4))
	st := j.Stats()
	want := JitterStats{Pushed: 7, Duplicates: 1, Late: 2, Played: 4, Lost: 1}
	if st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
}

func TestJitterSequenceWrapsAround(t *testing.T) {
	j := NewJitterBuffer(2)
	arrivals := [][]uint16{{65533}, {65532, 65535}, {0, 65534}, {2}, {1}, {3}, {4}, {}, {}, {}, {}}
	var got []tick
	for _, batch := range arrivals {
		for _, s := range batch {
			push(t, j, s, PushAccepted)
		}
		got = append(got, pops(t, j, 1)...)
	}
	expectTicks(t, got, waiting(2), played(65532, 65533, 65534, 65535, 0, 1, 2, 3, 4))
}

func TestJitterRestartsOnJumpAndLongLateRun(t *testing.T) {
	j := NewJitterBuffer(1)
	for s := uint16(10); s < 14; s++ {
		push(t, j, s, PushAccepted)
	}
	expectTicks(t, pops(t, j, 2), waiting(1), played(10))
	// A jump beyond the window: the stream starts over there, dropping 11..13.
	push(t, j, 5000, PushRestarted)
	push(t, j, 5001, PushAccepted)
	expectTicks(t, pops(t, j, 3), waiting(1), played(5000, 5001))
	if st := j.Stats(); st.Restarts != 1 || st.Discarded != 3 {
		t.Errorf("after jump: stats %+v", st)
	}
	// A sender that restarts with lower numbers: late frames until the run is long enough.
	for i := range uint16(jitterLateResync - 1) {
		push(t, j, 100+i, PushLate)
		pops(t, j, 1)
	}
	push(t, j, 100+jitterLateResync-1, PushRestarted)
	push(t, j, 100+jitterLateResync, PushAccepted)
	expectTicks(t, pops(t, j, 3), waiting(1), played(100+jitterLateResync-1, 100+jitterLateResync))
}

func TestJitterGoesIdleAndResumes(t *testing.T) {
	j := NewJitterBuffer(2)
	push(t, j, 7, PushAccepted)
	got := pops(t, j, 3+jitterIdleReset+2)
	lost := make([]tick, jitterIdleReset)
	for i := range lost {
		lost[i] = tick{uint16(8 + i), JitterLost}
	}
	expectTicks(t, got, waiting(2), played(7), lost, waiting(2))
	// The sender comes back with numbers the buffer had already given up on; it starts over.
	push(t, j, 20, PushAccepted)
	expectTicks(t, pops(t, j, 3), waiting(2), played(20))
	if st := j.Stats(); st.Restarts != 1 {
		t.Errorf("resuming after a pause: %d restarts, want 1", st.Restarts)
	}
	// Reset forgets everything stored.
	push(t, j, 21, PushAccepted)
	j.Reset()
	expectTicks(t, pops(t, j, 1), waiting(1))
	if st := j.Stats(); st.Discarded != 1 || st.Restarts != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestJitterDepthClamped(t *testing.T) {
	if d := NewJitterBuffer(-5).Depth(); d != 0 {
		t.Errorf("depth -5 → %d", d)
	}
	if d := NewJitterBuffer(1000).Depth(); d != MaxJitterDepth {
		t.Errorf("depth 1000 → %d", d)
	}
	j := NewJitterBuffer(0)
	push(t, j, 1, PushAccepted)
	expectTicks(t, pops(t, j, 2), played(1), []tick{{2, JitterLost}})
}

// A simulated network: every frame is delayed by up to depth ticks, some are lost and some
// are sent twice. Every frame that arrives is played, in order, and only the lost ones are
// reported lost.
func TestJitterSimulatedNetwork(t *testing.T) {
	const depth, frames = 4, 3000
	r := rand.New(rand.NewPCG(7, 11))
	arrivals := make([][]uint16, frames+depth+1)
	lost := map[uint16]bool{}
	const first = 65000 // wraps around during the run
	for i := range frames {
		seq := uint16(first + i)
		if i > 0 && r.IntN(20) == 0 {
			lost[seq] = true
			continue
		}
		copies := 1 + r.IntN(50)/49 // 2% twice
		for range copies {
			at := i + r.IntN(depth+1)
			if i == 0 {
				at = depth // the first frame is overtaken by its successors
			}
			arrivals[at] = append(arrivals[at], seq)
		}
	}
	j := NewJitterBuffer(depth)
	var got []tick
	for _, batch := range arrivals {
		r.Shuffle(len(batch), func(a, b int) { batch[a], batch[b] = batch[b], batch[a] })
		for _, s := range batch {
			if res := j.Push(s, seqFrame(s)); res != PushAccepted && res != PushDuplicate && res != PushLate {
				t.Fatalf("Push(%d) = %v", s, res)
			}
		}
		got = append(got, pops(t, j, 1)...)
	}
	got = append(got, pops(t, j, depth+1)...)
	got = slices.DeleteFunc(got, func(k tick) bool { return k.status == JitterWaiting })
	for i, k := range got {
		seq := uint16(first + i)
		want := JitterPlayed
		if lost[seq] || i >= frames { // after the last frame every tick is a loss
			want = JitterLost
		}
		if k != (tick{seq, want}) {
			t.Fatalf("tick %d: %v, want %v", i, k, tick{seq, want})
		}
	}
	if st := j.Stats(); st.Late != 0 || st.Restarts != 0 || int(st.Lost) != len(lost)+len(got)-frames {
		t.Errorf("stats %+v, %d lost", st, len(lost))
	}
}

func TestJitterNoAllocs(t *testing.T) {
	j := NewJitterBuffer(3)
	var in, out Frame
	seq := uint16(0)
	allocs := testing.AllocsPerRun(1000, func() {
		j.Push(seq, &in)
		j.Pop(&out)
		seq++
	})
	if allocs != 0 {
		t.Errorf("JitterBuffer: %v allocs per frame", allocs)
	}
}

// FuzzJitter drives a buffer with arbitrary pushes and pops and checks its bookkeeping: every
// frame accepted is played, dropped by a restart or still held, and frames come out in order
// with the content they went in with.
func FuzzJitter(f *testing.F) {
	f.Add(uint8(3), []byte{0, 1, 0, 2, 255, 3, 128, 0, 0})
	f.Add(uint8(0), []byte{10, 200, 30, 255, 255, 255, 1})
	f.Fuzz(func(t *testing.T, depth uint8, ops []byte) {
		j := NewJitterBuffer(int(depth % 20))
		var seq uint16 = 60000
		accepted, havePrev, restarts := uint64(0), false, uint64(0)
		var prev uint16
		for _, op := range ops {
			if op >= 0xF0 { // pop
				if r := j.Stats().Restarts; r != restarts {
					restarts, havePrev = r, false
				}
				var dst Frame
				s, st := j.Pop(&dst)
				switch st {
				case JitterPlayed:
					if dst != *seqFrame(s) {
						t.Fatalf("played %d with the frame of %d", s, frameSeq(&dst))
					}
					fallthrough
				case JitterLost:
					if havePrev && s != prev+1 {
						t.Fatalf("played %d after %d", s, prev)
					}
					prev, havePrev = s, true
				}
				continue
			}
			seq += uint16(int8(op<<1) >> 1) // a step of -64..63
			switch j.Push(seq, seqFrame(seq)) {
			case PushAccepted, PushRestarted:
				accepted++
			}
			if j.Len() > JitterCapacity {
				t.Fatalf("holds %d frames", j.Len())
			}
		}
		st := j.Stats()
		if st.Played+st.Discarded+uint64(j.Len()) != accepted {
			t.Fatalf("accepted %d, but played %d + discarded %d + held %d", accepted, st.Played, st.Discarded, j.Len())
		}
	})
}

func BenchmarkJitterPushPop(b *testing.B) {
	j := NewJitterBuffer(3)
	var in, out Frame
	seq := uint16(0)
	b.ReportAllocs()
	for b.Loop() {
		j.Push(seq, &in)
		j.Pop(&out)
		seq++
	}
}
