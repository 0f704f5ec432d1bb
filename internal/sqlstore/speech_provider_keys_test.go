package sqlstore_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

func TestSpeechProviderKeysPutAndList(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		other, _ := createOrg(t, st, "Other")
		if keys, err := st.ListSpeechProviderKeys(t.Context(), org.ID); err != nil || len(keys) != 0 {
			t.Fatalf("before any put: %v, %v", keys, err)
		}
		first := baseTime()
		set := []core.SpeechProviderSecret{
			{Provider: dialtone.SpeechOpenAI, Secret: "sealed-o", BaseURL: "http://whisper:8000/v1", UpdatedAt: first},
			{Provider: dialtone.SpeechDeepgram, Secret: "sealed-d", UpdatedAt: first},
		}
		if err := st.PutSpeechProviderKeys(t.Context(), org.ID, set, nil); err != nil {
			t.Fatal(err)
		}
		want := []core.SpeechProviderSecret{
			{Provider: dialtone.SpeechDeepgram, Secret: "sealed-d", UpdatedAt: stored(first)},
			{Provider: dialtone.SpeechOpenAI, Secret: "sealed-o", BaseURL: "http://whisper:8000/v1", UpdatedAt: stored(first)},
		}
		got, err := st.ListSpeechProviderKeys(t.Context(), org.ID)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("list = %+v, %v\nwant %+v", got, err, want)
		}
		if keys, _ := st.ListSpeechProviderKeys(t.Context(), other.ID); len(keys) != 0 {
			t.Fatalf("another organization sees keys: %+v", keys)
		}

		// Replace one, remove another, add a third: one transaction.
		second := first.Add(time.Hour)
		if err := st.PutSpeechProviderKeys(t.Context(), org.ID,
			[]core.SpeechProviderSecret{{Provider: dialtone.SpeechOpenAI, Secret: "sealed-o2", UpdatedAt: second},
				{Provider: dialtone.SpeechElevenLabs, Secret: "sealed-e", UpdatedAt: second}},
			[]dialtone.SpeechProviderName{dialtone.SpeechDeepgram}); err != nil {
			t.Fatal(err)
		}
		want = []core.SpeechProviderSecret{
			{Provider: dialtone.SpeechElevenLabs, Secret: "sealed-e", UpdatedAt: stored(second)},
			{Provider: dialtone.SpeechOpenAI, Secret: "sealed-o2", UpdatedAt: stored(second)},
		}
		if got, err := st.ListSpeechProviderKeys(t.Context(), org.ID); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("after the second put = %+v, %v\nwant %+v", got, err, want)
		}

		// A failing put (no UpdatedAt on its last key) changes nothing.
		if err := st.PutSpeechProviderKeys(t.Context(), org.ID, []core.SpeechProviderSecret{{Provider: dialtone.SpeechDeepgram, Secret: "x"}},
			[]dialtone.SpeechProviderName{dialtone.SpeechOpenAI}); err == nil {
			t.Fatal("a key without UpdatedAt was stored")
		}
		if got, _ := st.ListSpeechProviderKeys(t.Context(), org.ID); !reflect.DeepEqual(got, want) {
			t.Fatalf("a failed put changed the keys: %+v", got)
		}
	})
}

func TestAgentSpeechRoundTrip(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		a := newAgentValues("Speechy")
		a.Speech = &dialtone.Speech{
			STT: []dialtone.SpeechProvider{{Provider: dialtone.SpeechDeepgram, Model: "nova-3", Language: "en-US"}},
			TTS: []dialtone.SpeechProvider{{Provider: dialtone.SpeechElevenLabs, Voice: "v1", APIKeySet: true}, {Provider: dialtone.SpeechOpenAI, BaseURL: "http://tts:8000/v1"}},
		}
		a.SpeechSecrets = "sealed-speech"
		if err := st.InsertAgent(t.Context(), org.ID, a); err != nil {
			t.Fatal(err)
		}
		got, err := st.GetAgent(t.Context(), org.ID, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Speech, a.Speech) || got.SpeechSecrets != "sealed-speech" {
			t.Fatalf("speech = %+v, %q; want %+v", got.Speech, got.SpeechSecrets, a.Speech)
		}
		got, err = st.UpdateAgent(t.Context(), org.ID, a.ID, func(x *dialtone.Agent) error {
			x.Speech, x.SpeechSecrets = nil, ""
			return nil
		})
		if err != nil || got.Speech != nil || got.SpeechSecrets != "" {
			t.Fatalf("after clearing: %+v, %q, %v", got.Speech, got.SpeechSecrets, err)
		}
		if again, _ := st.GetAgent(t.Context(), org.ID, a.ID); again.Speech != nil || again.SpeechSecrets != "" {
			t.Fatalf("cleared speech read back as %+v, %q", again.Speech, again.SpeechSecrets)
		}
	})
}
