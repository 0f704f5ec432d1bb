package media

import "math/bits"

// G.711 µ-law (ITU-T G.711 §2, Tables 2a/2b), in the usual 16-bit scaling: the linear values
// are four times those of the Recommendation's 14-bit tables, so the decoder's outputs lie in
// [-32124, 32124] and the encoder accepts any int16.
//
// A µ-law byte is the one's complement of sign(1) | segment(3) | mantissa(4). After adding the
// bias 0x84 (132) to the magnitude, segment s holds the biased values [128<<s, 256<<s) and the
// mantissa is the four bits below the leading one. Magnitudes above mulawClip are clipped.
const (
	mulawBias = 0x84
	mulawClip = 32635
)

// mulawDecodeTable maps each µ-law byte to its linear value. It is filled once, at package
// initialisation, from mulawDecodeFormula and never written again.
var mulawDecodeTable = func() (t [256]int16) {
	for i := range t {
		t[i] = mulawDecodeFormula(byte(i))
	}
	return t
}()

// mulawDecodeFormula is the decoder of G.711 µ-law written out: the reconstruction point of
// segment s, mantissa m is ((m<<3) + bias) << s, minus the bias, with the sign from bit 7.
func mulawDecodeFormula(u byte) int16 {
	u = ^u
	seg := (u >> 4) & 0x07
	mag := ((int32(u&0x0F) << 3) + mulawBias) << seg
	if u&0x80 != 0 {
		return int16(mulawBias - mag)
	}
	return int16(mag - mulawBias)
}

// MulawToLinear decodes one µ-law byte to 16-bit linear PCM. Both 0xFF and 0x7F (the
// "negative zero") decode to 0; 0x80 decodes to 32124 and 0x00 to -32124.
func MulawToLinear(u byte) int16 {
	return mulawDecodeTable[u]
}

// LinearToMulaw encodes one 16-bit linear sample to µ-law. Magnitudes above 32635 are clipped,
// so 32767 and -32768 encode like ±32635 (0x80 and 0x00). 0 encodes to 0xFF; -1, -2 and -3
// encode to 0x7F, which decodes to 0. For every byte u other than 0x7F,
// LinearToMulaw(MulawToLinear(u)) == u. The error |x - MulawToLinear(LinearToMulaw(x))| is at
// most half a quantisation step, which is at most (|x|+132)/32 for |x| <= 32635.
func LinearToMulaw(s int16) byte {
	x := int32(s)
	sign := x >> 31 // 0 for x >= 0, -1 for x < 0
	mag := min((x^sign)-sign, mulawClip) + mulawBias
	seg := uint(bits.Len32(uint32(mag))) - 8 // mag is in [132, 32767], so seg is in [0, 7]
	u := byte(seg<<4) | byte(mag>>(seg+3))&0x0F
	return ^u ^ byte(sign)&0x80
}

// DecodeFrame decodes one µ-law frame into dst.
func DecodeFrame(dst *PCMFrame, src *Frame) {
	for i, u := range src {
		dst[i] = mulawDecodeTable[u]
	}
}

// EncodeFrame encodes one PCM frame into dst.
func EncodeFrame(dst *Frame, src *PCMFrame) {
	for i, s := range src {
		dst[i] = LinearToMulaw(s)
	}
}

// DecodeMulaw decodes min(len(dst), len(src)) µ-law bytes from src into dst and returns that
// count. It is for payloads that are not exactly one frame.
func DecodeMulaw(dst []int16, src []byte) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, u := range src {
		dst[i] = mulawDecodeTable[u]
	}
	return n
}

// EncodeMulaw encodes min(len(dst), len(src)) samples from src into dst and returns that count.
func EncodeMulaw(dst []byte, src []int16) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, s := range src {
		dst[i] = LinearToMulaw(s)
	}
	return n
}
