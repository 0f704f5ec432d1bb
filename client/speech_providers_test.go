package client_test

import (
	"context"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
)

func TestSpeechProviders(t *testing.T) {
	_, c, _, _ := startCalls(t)
	ctx := context.Background()
	keys, err := c.SpeechProviders.Put(ctx, dialtone.SpeechProviderKeysParams{
		Deepgram: dialtone.Some(dialtone.SpeechProviderKeyParams{APIKey: "dg-client-test-key-0123"})})
	if err != nil || keys.Deepgram == nil || !keys.Deepgram.APIKeySet || keys.OpenAI != nil {
		t.Fatalf("put: %+v %v", keys, err)
	}
	keys, err = c.SpeechProviders.Put(ctx, dialtone.SpeechProviderKeysParams{Deepgram: dialtone.Null[dialtone.SpeechProviderKeyParams]()})
	if err != nil || keys.Deepgram != nil {
		t.Fatalf("removing the key: %+v %v", keys, err)
	}
	_, err = c.SpeechProviders.Put(ctx, dialtone.SpeechProviderKeysParams{ElevenLabs: dialtone.Some(dialtone.SpeechProviderKeyParams{})})
	var e *client.Error
	if !asError(err, &e) || e.Code != dialtone.CodeFieldRequired || e.Param != "elevenlabs.api_key" {
		t.Fatalf("a key without api_key: %v", err)
	}
	if got, err := c.SpeechProviders.Get(ctx); err != nil || got.Deepgram != nil || got.ElevenLabs != nil {
		t.Fatalf("get: %+v %v", got, err)
	}
}
