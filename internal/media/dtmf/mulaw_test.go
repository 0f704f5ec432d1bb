package dtmf

import "github.com/dialtonehq/dialtone/internal/media"

// muLaw passes every sample through G.711 µ-law and back, in place: the quantisation a call's
// audio goes through.
func muLaw(pcm []int16) []int16 {
	for i, x := range pcm {
		pcm[i] = media.MulawToLinear(media.LinearToMulaw(x))
	}
	return pcm
}
