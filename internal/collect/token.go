package collect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// tokenFile is what `az account get-access-token -o json` prints. expiresOn is local time
// without a zone ("2026-12-03 20:14:05.000000"); newer CLIs add expires_on, Unix seconds
// (spec collect.md §4: which versions is UNCERTAIN, so both are read).
type tokenFile struct {
	AccessToken string          `json:"accessToken"`
	ExpiresOn   string          `json:"expiresOn"`
	ExpiresOnTS json.RawMessage `json:"expires_on"`
	TokenType   string          `json:"tokenType"`
}

// staticCredential hands out one bearer token read from a file. It never prints the token:
// its errors name the file and the expiry only.
type staticCredential struct {
	token   string
	expires time.Time
	file    string
}

// LoadTokenFile reads a token file. A missing, malformed or expired token is an error that
// names the file (exit 2: nothing is collected with it).
func LoadTokenFile(path string, now time.Time) (azcore.TokenCredential, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--token-file: %v", err)
	}
	var tf tokenFile
	if err := json.Unmarshal(b, &tf); err != nil {
		return nil, fmt.Errorf("%s: not the JSON of `az account get-access-token -o json`: %v", path, err)
	}
	if strings.TrimSpace(tf.AccessToken) == "" {
		return nil, fmt.Errorf("%s: $.accessToken: missing or empty", path)
	}
	exp, err := tf.expiry()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if !exp.IsZero() && !exp.After(now) {
		return nil, fmt.Errorf("%s: the token expired at %s; run `az account get-access-token -o json` again",
			path, exp.UTC().Format(time.RFC3339))
	}
	return &staticCredential{token: tf.AccessToken, expires: exp, file: path}, nil
}

func (t tokenFile) expiry() (time.Time, error) {
	if len(t.ExpiresOnTS) > 0 && string(t.ExpiresOnTS) != "null" {
		var secs int64
		s := strings.Trim(string(t.ExpiresOnTS), `"`)
		if _, err := fmt.Sscan(s, &secs); err != nil {
			return time.Time{}, fmt.Errorf("$.expires_on: not Unix seconds: %q", s)
		}
		return time.Unix(secs, 0), nil
	}
	if t.ExpiresOn == "" {
		return time.Time{}, nil // unknown: Azure will say 401 when it has expired
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999", "2006-01-02 15:04:05", time.RFC3339Nano} {
		if ts, err := time.ParseInLocation(layout, t.ExpiresOn, time.Local); err == nil {
			return ts, nil
		}
	}
	return time.Time{}, fmt.Errorf("$.expiresOn: not a time: %q", t.ExpiresOn)
}

// GetToken implements azcore.TokenCredential.
func (c *staticCredential) GetToken(_ context.Context, _ policy.TokenRequestOptions) (azcore.AccessToken, error) {
	exp := c.expires
	if exp.IsZero() {
		exp = time.Now().Add(time.Hour)
	} else if !exp.After(time.Now()) {
		return azcore.AccessToken{}, errTokenExpired{file: c.file, at: exp}
	}
	return azcore.AccessToken{Token: c.token, ExpiresOn: exp}, nil
}

type errTokenExpired struct {
	file string
	at   time.Time
}

func (e errTokenExpired) Error() string {
	return fmt.Sprintf("the token in %s expired at %s during the collection", e.file, e.at.UTC().Format(time.RFC3339))
}

// String never shows the token (a credential printed with %v stays secret).
func (c *staticCredential) String() string { return "token from " + c.file }

var errNoCredential = errors.New("no credential")
