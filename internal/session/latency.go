package session

import (
	"math"
	"slices"

	"github.com/dialtonehq/dialtone"
)

// summarize computes the per-stage percentiles of a call's turns; nil when there was none.
func summarize(turns []dialtone.TurnLatency) *dialtone.CallLatency {
	if len(turns) == 0 {
		return nil
	}
	stage := func(get func(dialtone.TurnLatency) *float64) dialtone.StageLatency {
		var v []float64
		for _, t := range turns {
			if p := get(t); p != nil {
				v = append(v, *p)
			}
		}
		return dialtone.StageLatency{P50MS: percentile(v, 0.50), P95MS: percentile(v, 0.95), Count: len(v)}
	}
	return &dialtone.CallLatency{
		Turns:           turns,
		EndOfTurn:       stage(func(t dialtone.TurnLatency) *float64 { return t.EndOfTurnMS }),
		TranscriptFinal: stage(func(t dialtone.TurnLatency) *float64 { return t.TranscriptMS }),
		BrainFirstToken: stage(func(t dialtone.TurnLatency) *float64 { return t.BrainFirstTokenMS }),
		FirstAudio:      stage(func(t dialtone.TurnLatency) *float64 { return t.FirstAudioMS }),
	}
}

// percentile returns the q-quantile of v by the nearest-rank method, rounded to 0.1 ms; 0
// for no values.
func percentile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	i := int(math.Ceil(q*float64(len(v)))) - 1
	return math.Round(v[max(0, i)]*10) / 10
}
