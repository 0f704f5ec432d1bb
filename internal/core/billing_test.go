package core

import "testing"

func TestFormatUSD(t *testing.T) {
	for micros, want := range map[int64]string{
		0: "$0.00", 2_990_000: "$2.99", 3_000_000: "$3.00", -1_150_000: "-$1.15", 1_009_999: "$1.00", 123_456_780_000: "$123456.78",
	} {
		if got := formatUSD(micros); got != want {
			t.Errorf("formatUSD(%d) = %q, want %q", micros, got, want)
		}
	}
}
