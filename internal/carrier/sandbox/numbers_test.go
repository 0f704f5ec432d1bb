package sandbox

import (
	"context"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"github.com/dialtonehq/dialtone"
)

func TestEverySandboxNumberIsAValidFictionalNumber(t *testing.T) {
	for _, country := range []string{"US", "CA"} {
		nums, err := (&Carrier{}).Candidates(context.Background(), dialtone.NumberRequest{Country: country})
		if err != nil || len(nums) != 100*len(areaCodes(country)) {
			t.Fatalf("%s: %d numbers, %v", country, len(nums), err)
		}
		for _, n := range nums {
			num, err := phonenumbers.Parse(n, "")
			if err != nil || !phonenumbers.IsValidNumber(num) || phonenumbers.GetRegionCodeForNumber(num) != country || n[5:10] != "55501" {
				t.Fatalf("%s is not a valid fictional %s number", n, country)
			}
		}
	}
}

func TestCandidatesByAreaCode(t *testing.T) {
	c := &Carrier{}
	nums, _ := c.Candidates(context.Background(), dialtone.NumberRequest{Country: "US", AreaCode: "415"})
	if len(nums) != 100 || nums[0][:5] != "+1415" {
		t.Fatalf("415: %d %v", len(nums), nums[:1])
	}
	for _, req := range []dialtone.NumberRequest{{Country: "US", AreaCode: "999"}, {Country: "GB"}, {Country: "CA", AreaCode: "415"}} {
		if nums, _ := c.Candidates(context.Background(), req); len(nums) != 0 {
			t.Errorf("%+v: %d numbers", req, len(nums))
		}
	}
}
