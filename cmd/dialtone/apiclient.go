package main

import (
	"encoding/json"
	"errors"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/dialtonehq/dialtone/client"
)

// apiFlags are the flags of the commands that talk to a running server through the Go SDK.
type apiFlags struct {
	url, key string
}

func (f *apiFlags) bind(cmd *cobra.Command) {
	url := os.Getenv("DIALTONE_URL")
	if url == "" {
		url = "http://127.0.0.1:8080"
	}
	cmd.PersistentFlags().StringVar(&f.url, "url", url, "server URL (env DIALTONE_URL)")
	cmd.PersistentFlags().StringVar(&f.key, "api-key", os.Getenv("DIALTONE_API_KEY"), "API key credential key_id:key_secret (env DIALTONE_API_KEY)")
}

// client returns an SDK client, or an error saying how to give a credential.
func (f *apiFlags) client() (*client.Client, error) {
	if f.key == "" {
		return nil, errors.New("no API key: set DIALTONE_API_KEY or pass --api-key key_id:key_secret")
	}
	return client.New(f.url, f.key), nil
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// print runs fn with an SDK client and prints what it returns as indented JSON.
func (f *apiFlags) print(cmd *cobra.Command, fn func(*client.Client) (any, error)) error {
	c, err := f.client()
	if err != nil {
		return err
	}
	v, err := fn(c)
	if err != nil {
		return err
	}
	return printJSON(cmd.OutOrStdout(), v)
}
