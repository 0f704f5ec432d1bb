package openai

import (
	"strings"
	"testing"
)

func TestReadStreamToleratesTheWire(t *testing.T) {
	stream := ": keep-alive\r\n\r\nevent: message\r\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\r\n\r\n" +
		"data:{\"choices\":[{\"index\":1,\"delta\":{\"content\":\"other choice\"}}]}\n\n" +
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"name\":\"end_call\",\"arguments\":\"{\"}}]}}]}\n\n" +
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n" +
		"data: [DONE]\n\n"
	var text []string
	calls, err := readStream(strings.NewReader(stream), func(s string) error { text = append(text, s); return nil })
	if err != nil || len(text) != 1 || text[0] != "Hi" || len(calls) != 1 || calls[0].name != "end_call" || calls[0].args.String() != "{}" {
		t.Fatalf("text %v calls %v err %v", text, calls, err)
	}
	for _, bad := range []string{"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"cut\"}}]}\n\n", "data: {oops}\n\n",
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":99999}]}}]}\n\ndata: [DONE]\n\n"} {
		if _, err := readStream(strings.NewReader(bad), func(string) error { return nil }); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// FuzzReadStream: no stream panics the reader.
func FuzzReadStream(f *testing.F) {
	f.Add("data: [DONE]\n")
	f.Add("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\",\"tool_calls\":[{\"index\":1,\"function\":{\"name\":\"n\",\"arguments\":\"{}\"}}]}}]}\ndata: [DONE]\n")
	f.Add(": c\n\nid: 1\nevent: x\n")
	f.Fuzz(func(t *testing.T, s string) {
		calls, err := readStream(strings.NewReader(s), func(string) error { return nil })
		if err == nil && len(calls) > 17 {
			t.Fatalf("%d calls", len(calls))
		}
	})
}
