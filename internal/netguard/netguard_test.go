package netguard_test

import (
	"context"
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone/internal/netguard"
)

// fakeResolver maps host names to addresses; unknown names do not resolve.
type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, s := range f[host] {
		out = append(out, netip.MustParseAddr(s))
	}
	if len(out) == 0 {
		return nil, errors.New("no such host")
	}
	return out, nil
}

func TestIsPublic(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		public bool
	}{
		{"8.8.8.8", true},
		{"1.1.1.1", true},
		{"93.184.216.34", true},
		{"2606:4700:4700::1111", true},
		{"::ffff:8.8.8.8", true},
		{"64:ff9b::808:808", true}, // NAT64 of 8.8.8.8
		{"2002:808:808::1", true},  // 6to4 of 8.8.8.8
		{"127.0.0.1", false},
		{"127.255.255.254", false},
		{"10.0.0.5", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"172.32.0.1", true},
		{"192.168.1.1", false},
		{"169.254.169.254", false},
		{"169.254.0.1", false},
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"100.64.0.1", false},
		{"100.127.255.255", false},
		{"100.128.0.1", true},
		{"224.0.0.1", false},
		{"239.255.255.250", false},
		{"255.255.255.255", false},
		{"240.0.0.1", false},
		{"192.0.2.1", false},
		{"198.18.0.1", false},
		{"::1", false},
		{"::", false},
		{"fc00::1", false},
		{"fd12:3456::1", false},
		{"fe80::1", false},
		{"fe80::1%eth0", false},
		{"ff02::1", false},
		{"2001:db8::1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
		{"::ffff:169.254.169.254", false},
		{"::127.0.0.1", false},        // IPv4-compatible
		{"64:ff9b::7f00:1", false},    // NAT64 of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", false}, // NAT64 of 169.254.169.254
		{"2002:7f00:1::1", false},     // 6to4 of 127.0.0.1
		{"2001:0:4136:e378::1", false},
	} {
		if got := netguard.IsPublic(netip.MustParseAddr(tc.addr)); got != tc.public {
			t.Errorf("IsPublic(%s) = %v, want %v", tc.addr, got, tc.public)
		}
	}
	if netguard.IsPublic(netip.Addr{}) {
		t.Error("the zero Addr is public")
	}
}

func TestCheckURL(t *testing.T) {
	r := fakeResolver{
		"hooks.example.com":  {"93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"},
		"localhost":          {"127.0.0.1", "::1"},
		"rebind.example.com": {"127.0.0.1"},
		"mixed.example.com":  {"93.184.216.34", "10.1.2.3"},
		"meta.example.com":   {"169.254.169.254"},
	}
	strict, lax := netguard.Policy{}, netguard.Policy{AllowHTTP: true, AllowPrivate: true}
	for _, tc := range []struct {
		url    string
		policy netguard.Policy
		reason netguard.Reason // "" when allowed
		inMsg  string
	}{
		{"https://hooks.example.com/dialtone", strict, "", ""},
		{"https://hooks.example.com:8443/x?y=1", strict, "", ""},
		{"https://hooks.example.com./x", strict, "", ""},
		{"https://8.8.8.8/hook", strict, "", ""},
		{"https://[2606:4700:4700::1111]/hook", strict, "", ""},
		{"http://hooks.example.com/dialtone", strict, netguard.ReasonScheme, "https://"},
		{"http://hooks.example.com/dialtone", netguard.Policy{AllowHTTP: true}, "", ""},
		{"ftp://hooks.example.com/x", lax, netguard.ReasonScheme, "ftp"},
		{"hooks.example.com/x", strict, netguard.ReasonInvalid, "absolute"},
		{"https:///path", strict, netguard.ReasonInvalid, ""},
		{"https:opaque", strict, netguard.ReasonInvalid, ""},
		{"https://user:pw@hooks.example.com/", strict, netguard.ReasonInvalid, "user name"},
		{"https://user@hooks.example.com/", lax, netguard.ReasonInvalid, ""},
		{"https://%zz", strict, netguard.ReasonInvalid, ""},
		{"http://127.0.0.1/hook", netguard.Policy{AllowHTTP: true}, netguard.ReasonPrivateAddress, "127.0.0.1"},
		{"https://127.0.0.1/hook", strict, netguard.ReasonPrivateAddress, "127.0.0.1"},
		{"https://10.0.0.5/hook", strict, netguard.ReasonPrivateAddress, "10.0.0.5"},
		{"https://169.254.169.254/latest/meta-data", strict, netguard.ReasonPrivateAddress, "169.254.169.254"},
		{"https://[::1]/hook", strict, netguard.ReasonPrivateAddress, "::1"},
		{"https://[::ffff:127.0.0.1]/hook", strict, netguard.ReasonPrivateAddress, "127.0.0.1"},
		{"https://[fe80::1%25eth0]/hook", strict, netguard.ReasonPrivateAddress, "fe80::1"},
		{"https://100.64.1.1/hook", strict, netguard.ReasonPrivateAddress, "100.64.1.1"},
		{"https://localhost/hook", strict, netguard.ReasonPrivateAddress, "localhost resolves to 127.0.0.1"},
		{"https://rebind.example.com/hook", strict, netguard.ReasonPrivateAddress, "127.0.0.1"},
		{"https://mixed.example.com/hook", strict, netguard.ReasonPrivateAddress, "10.1.2.3"},
		{"https://meta.example.com/hook", strict, netguard.ReasonPrivateAddress, "169.254.169.254"},
		{"https://nowhere.example.com/hook", strict, netguard.ReasonUnresolvable, "nowhere.example.com"},
		{"https://127.0.0.1/hook", lax, "", ""},
		{"http://localhost:8080/hook", lax, "", ""},
		{"https://nowhere.example.com/hook", lax, "", ""}, // not resolved when private is allowed
	} {
		err := netguard.CheckURL(context.Background(), r, tc.url, tc.policy)
		if tc.reason == "" {
			if err != nil {
				t.Errorf("CheckURL(%q, %+v) = %v, want nil", tc.url, tc.policy, err)
			}
			continue
		}
		var e *netguard.Error
		if !errors.As(err, &e) || e.Reason != tc.reason {
			t.Errorf("CheckURL(%q, %+v) = %v, want reason %s", tc.url, tc.policy, err, tc.reason)
			continue
		}
		if !strings.Contains(e.Error(), tc.inMsg) {
			t.Errorf("CheckURL(%q): message %q does not contain %q", tc.url, e.Error(), tc.inMsg)
		}
		if tc.reason == netguard.ReasonPrivateAddress && !e.Addr.IsValid() {
			t.Errorf("CheckURL(%q): no address in %+v", tc.url, e)
		}
	}
}

func TestNilResolverIsUnresolvable(t *testing.T) {
	var e *netguard.Error
	if err := netguard.CheckURL(context.Background(), nil, "https://example.com/", netguard.Policy{}); !errors.As(err, &e) || e.Reason != netguard.ReasonUnresolvable {
		t.Fatalf("err = %v", err)
	}
}

// FuzzIsPublic checks that an IPv4 address and its IPv4-mapped IPv6 form are judged alike.
func FuzzIsPublic(f *testing.F) {
	for _, s := range [][]byte{{127, 0, 0, 1}, {8, 8, 8, 8}, {169, 254, 169, 254}, {100, 64, 0, 1}} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) != 4 {
			return
		}
		v4 := netip.AddrFrom4([4]byte(b))
		mapped := netip.AddrFrom16(v4.As16())
		if netguard.IsPublic(v4) != netguard.IsPublic(mapped) {
			t.Fatalf("%s and %s judged differently", v4, mapped)
		}
	})
}

// FuzzCheckURL checks that CheckURL never panics and that nothing it accepts under the strict
// policy names a non-public IP literal or uses a scheme other than https.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"https://example.com/", "http://127.0.0.1", "https://[::ffff:10.0.0.1]:443/x",
		"https://169.254.169.254", "https://u@h/", "https://0x7f.1/", "https://[fe80::1%25en0]/"} {
		f.Add(s)
	}
	r := fakeResolver{"example.com": {"93.184.216.34"}}
	f.Fuzz(func(t *testing.T, raw string) {
		err := netguard.CheckURL(context.Background(), r, raw, netguard.Policy{})
		if err != nil {
			var e *netguard.Error
			if !errors.As(err, &e) || e.Error() == "" {
				t.Fatalf("CheckURL(%q) = %#v, not a *netguard.Error with a message", raw, err)
			}
			return
		}
		u, perr := url.Parse(raw)
		if perr != nil || u.Scheme != "https" || u.User != nil {
			t.Fatalf("CheckURL(%q) accepted a URL that is not https:// without userinfo", raw)
		}
		if a, perr := netip.ParseAddr(u.Hostname()); perr == nil && !netguard.IsPublic(a) {
			t.Fatalf("CheckURL(%q) accepted the non-public address %s", raw, a)
		}
		if err := netguard.CheckURL(context.Background(), fakeResolver{}, raw, netguard.Policy{AllowPrivate: true}); err != nil {
			t.Fatalf("CheckURL(%q) accepted strictly but refused with private allowed: %v", raw, err)
		}
	})
}
