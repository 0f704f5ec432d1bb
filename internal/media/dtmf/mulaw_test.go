package dtmf

import "math/bits"

// A test-only G.711 µ-law codec, to check that detection survives the quantisation a call's
// audio goes through. (The media package has the real codec.)

const (
	muBias = 0x84  // added before encoding so every segment's boundaries are powers of two
	muClip = 32635 // largest magnitude that still encodes after adding the bias
)

func muEncode(x int16) byte {
	v := int(x)
	var sign byte
	if v < 0 {
		sign, v = 0x80, -v
	}
	v = min(v, muClip) + muBias
	exp := bits.Len(uint(v>>7)) - 1 // segment 0–7
	mant := byte(v>>(exp+3)) & 0x0f
	return ^(sign | byte(exp)<<4 | mant)
}

func muDecode(u byte) int16 {
	u = ^u
	exp := (u >> 4) & 7
	v := (int(u&0x0f)<<3 + muBias) << exp
	v -= muBias
	if u&0x80 != 0 {
		v = -v
	}
	return int16(v)
}

// muLaw passes every sample through µ-law and back, in place.
func muLaw(pcm []int16) []int16 {
	for i, x := range pcm {
		pcm[i] = muDecode(muEncode(x))
	}
	return pcm
}
