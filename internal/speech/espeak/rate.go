package espeak

// charsPerWord is the average length of a spoken word plus the space or punctuation after it,
// in characters, used to turn words per minute into characters per second. Six is the usual
// figure for English text (typing speeds use the same convention).
const charsPerWord = 6

// charsPerSecond is the speaking rate of wpm words per minute in characters per second, the
// rate speech.NewTimeline takes.
func charsPerSecond(wpm int) float64 {
	return float64(wpm) * charsPerWord / 60
}
